"""The report's warehouse views (pipeline/sql/warehouse/040_report_views.sql)
on a tiny published warehouse of real demo documents: every view read by
the report gives exactly what the report's inline query gave before the
views existed (those queries are kept below as the oracle), and a few
results checked by hand."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline import workspace
from pipeline.config import SQL_DIR
from pipeline.report.figures import monthly_stance, top_actors
from pipeline.report.sections import first_voices, representatives

VIEWS_FILE = SQL_DIR / "warehouse" / "040_report_views.sql"
UNLABELLED = "doc_id NOT IN (SELECT doc_id FROM stance_labels)"
LISTED = "q.speaker_actor IN (SELECT actor FROM actors)"




def same(con, old: str, new: str, old_params=(), new_params=()) -> pd.DataFrame:
    """Assert the two queries give the same rows in the same order; return them."""
    a = workspace.query(con, old, list(old_params))
    b = workspace.query(con, new, list(new_params))
    assert len(a) > 0, old
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=True)
    return b


def test_every_view_has_a_header_naming_grain_columns_and_use():
    text = VIEWS_FILE.read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=CREATE OR REPLACE VIEW)", text)
    views = [re.match(r"CREATE OR REPLACE VIEW (\w+)", b).group(1) for b in blocks[1:]]
    assert len(views) >= 20 and all(v.startswith("report_") for v in views)
    for before, view in zip(blocks, views):
        lines = before.rstrip("\n").split("\n")
        n = next(i for i, line in enumerate(reversed(lines)) if not line.startswith("--"))
        header = "\n".join(lines[len(lines) - n:])  # the comment right above this view
        for word in ("Grain:", "Columns:", "For:"):
            assert word in header, (view, word)


def test_the_views_are_published_in_the_warehouse(wh):
    con, _ = wh
    names = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    declared = set(re.findall(r"CREATE OR REPLACE VIEW (\w+)", VIEWS_FILE.read_text(encoding="utf-8")))
    assert declared <= names


def test_stance_views_match_the_inline_queries(wh):
    con, ids = wh
    rows = same(con, f"""
        SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, s.label,
               count(*) AS n_docs
        FROM stances s JOIN corpus d USING (doc_id)
        WHERE d.published_at IS NOT NULL AND s.{UNLABELLED}
        GROUP BY ALL ORDER BY period, label""",
                "SELECT period, label, n_docs FROM report_stance_month_counts ORDER BY period, label")
    assert rows["n_docs"].sum() == 5  # 8 corpus documents: 2 labelled, 1 undated
    frame, dropped = monthly_stance(con, min_docs=2)
    assert dropped and set(frame["period"]) == {pd.Timestamp("2024-03-01")}  # the only month with 2 documents
    same(con, f"SELECT label, count(*) AS n FROM stances WHERE {UNLABELLED} GROUP BY 1 ORDER BY 1",
         "SELECT label, n FROM report_stance_counts ORDER BY 1")
    labels = ("pro_open_source", "security_hawk", "pro_china_tools", "neutral", "off_topic")
    wide = workspace.query(con, "SELECT " + ", ".join(f"avg(p_{lab}) AS {lab}" for lab in labels)
                           + f" FROM stances_wide WHERE {UNLABELLED}")
    means = dict(con.execute("SELECT label, mean_p FROM report_stance_mean_probability").fetchall())
    assert means == pytest.approx({lab: float(wide[lab].iat[0]) for lab in labels})
    assert sum(means.values()) == pytest.approx(1.0)
    same(con, "SELECT min(model_version) AS v FROM stances", "SELECT model_version AS v FROM report_stance_model")
    unlabelled = {r[0] for r in con.execute("SELECT doc_id FROM report_unlabelled_stances").fetchall()}
    assert ids["news2"] not in unlabelled and ids["news3"] not in unlabelled and ids["news1"] in unlabelled


def test_narrative_views_match_the_inline_queries(wh):
    con, _ = wh
    same(con, "SELECT period, count(*) AS n FROM topic_passages WHERE period IS NOT NULL "
              "GROUP BY period ORDER BY period", "SELECT period, n FROM report_topic_month_totals ORDER BY period")
    same(con, """
        SELECT CAST(date_trunc('month', published_at AT TIME ZONE 'UTC') AS DATE) AS period, source_type,
               count(*) AS n_docs
        FROM corpus WHERE published_at IS NOT NULL GROUP BY ALL ORDER BY period, source_type""",
         "SELECT period, source_type, n_docs FROM report_source_type_month_counts ORDER BY period, source_type")
    same(con, """
        SELECT t.topic_id AS "Topic", array_to_string(o.top_terms_period[1:5], ', ') AS "Words",
               o.n_passages AS "Frequency", o.period AS "Timestamp"
        FROM topics_over_time o JOIN topics t USING (topic_key) ORDER BY o.period, t.topic_id""",
         'SELECT topic_id AS "Topic", words AS "Words", n_passages AS "Frequency", period AS "Timestamp" '
         "FROM report_topic_page_terms ORDER BY period, topic_id")
    totals = same(con, "SELECT (SELECT count(*) FROM passages) AS passages, "
                       "(SELECT count(*) FROM passage_topics) AS narrative, "
                       "(SELECT count(*) FROM passage_topics WHERE topic_key = 'outlier') AS outliers, "
                       "(SELECT count(*) FROM topics) AS topics, "
                       "(SELECT count(*) FROM retired_topic_keys) AS retired",
                  "SELECT passages, narrative, outliers, topics, retired FROM report_topic_totals")
    assert totals.iloc[0].tolist() == [14, 12, 2, 3, 1]
    nstance = same(con, f"""
        SELECT dt.topic_key, s.label, count(*) AS n_docs FROM doc_topics dt JOIN stances s USING (doc_id)
        WHERE s.{UNLABELLED} GROUP BY ALL ORDER BY 1, 2""",
                   "SELECT topic_key, label, n_docs FROM report_topic_stance_counts ORDER BY 1, 2")
    # N-01 holds news1, news2 (labelled), recap, merged
    assert dict(nstance[nstance["topic_key"] == "N-01"][["label", "n_docs"]].itertuples(index=False)) == \
        {"pro_open_source": 2, "security_hawk": 1}
    for key in ("N-01", "N-02", "N-04"):
        for s in ("pro_open_source", "security_hawk", "pro_china_tools"):
            old = workspace.query(con, f"""
                SELECT coalesce(d.outlet, d.platform) AS outlet, d.published_at, d.url, d.source_type
                FROM doc_topics dt JOIN stances_wide s USING (doc_id) JOIN corpus d USING (doc_id)
                WHERE dt.topic_key = ? AND s.label = ? AND d.url IS NOT NULL AND d.n_records = 1
                  AND s.{UNLABELLED}
                ORDER BY s.p_{s} DESC, d.doc_id LIMIT 2""", [key, s])
            new = workspace.query(con, """
                SELECT outlet, published_at, url, source_type FROM report_topic_stance_examples
                WHERE topic_key = ? AND label = ? ORDER BY probability DESC, doc_id LIMIT 2""", [key, s])
            pd.testing.assert_frame_equal(old, new)
    ex = workspace.query(con, "SELECT outlet FROM report_topic_stance_examples WHERE topic_key = 'N-01' "
                              "AND label = 'pro_open_source' ORDER BY probability DESC, doc_id")
    assert ex["outlet"].tolist() == ["twitter/x", "ZDNET"]  # recap (0.8) before news1 (0.7); merged recap left out


def test_representatives_and_first_voices_match_the_inline_queries(wh):
    con, ids = wh
    for per_topic in (1, 2, 3):
        old = workspace.query(con, """
            SELECT r.topic_key, r.rank, r.passage_id, coalesce(d.outlet, d.platform) AS outlet, d.published_at,
                   d.url, d.source_type, p.text
            FROM topic_representatives r JOIN corpus d USING (doc_id) JOIN passages p USING (passage_id)
            WHERE r.rank <= ? ORDER BY r.topic_key, r.rank""", [per_topic])
        new = representatives(con, ["N-01", "N-02", "N-04"], per_topic)
        assert new["window_end"].isna().all()  # no source of the fixture has a comment window
        pd.testing.assert_frame_equal(old, new.drop(columns=["window_end", "member"]))
    assert representatives(con, ["N-02"])["topic_key"].tolist() == ["N-02"]
    for min_p in (0.0, 0.5, 0.65, 0.95):
        for per_topic in (1, 2):
            old = workspace.query(con, """
                WITH d AS (
                    SELECT DISTINCT pn.topic_key, pn.doc_id, pn.outlet, pn.published_at, pn.url, pn.source_type
                    FROM topic_passages pn JOIN corpus c USING (doc_id)
                    WHERE pn.citable AND pn.assignment = 'cluster' AND pn.probability >= ?),
                r AS (SELECT *, row_number() OVER (PARTITION BY topic_key ORDER BY published_at, doc_id, url) AS rank
                      FROM d)
                SELECT * FROM r WHERE rank <= ? ORDER BY topic_key, rank""", [min_p, per_topic])
            new = first_voices(con, ["N-01", "N-02", "N-04"], per_topic=per_topic, min_probability=min_p)
            pd.testing.assert_frame_equal(old, new.drop(columns="window_end").reset_index(drop=True))
    # news1 has passages of membership 0.9 and 0.3 in N-01: one candidate row, at its highest membership
    cand = workspace.query(con, "SELECT probability FROM report_first_voice_candidates WHERE doc_id = ?",
                           [ids["news1"]])
    assert cand["probability"].tolist() == [0.9]
    earliest = first_voices(con, ["N-01"], min_probability=0.5)
    # 2024-03-04, then the merged recap's own record (2024-03-21; citable since issue 17), before news1 (2025-10)
    assert earliest["doc_id"].tolist() == [ids["recap"], ids["merged"]]


def test_corpus_views_match_the_inline_queries(wh):
    con, _ = wh
    corpus = same(con, "SELECT count(*) AS n, min(published_at) AS first, max(published_at) AS last, "
                       "count(DISTINCT source) AS sources, avg(CASE WHEN lang = 'en' THEN 1 ELSE 0 END) "
                       "AS english FROM corpus", "SELECT n, first, last, sources, english FROM report_corpus_summary")
    assert corpus.at[0, "n"] == 8 and corpus.at[0, "english"] == pytest.approx(7 / 8)
    same(con, "SELECT source_type, count(*) AS n FROM corpus GROUP BY 1 ORDER BY n DESC, 1",
         "SELECT source_type, n FROM report_source_type_counts ORDER BY n DESC, source_type")
    same(con, "SELECT CAST(date_trunc('month', published_at) AS DATE) AS m, count(*) AS n "
              "FROM corpus GROUP BY 1 ORDER BY n DESC, m LIMIT 1",
         "SELECT m, n FROM report_month_counts ORDER BY n DESC, m LIMIT 1")
    same(con, "SELECT CAST(published_at AS DATE) AS d, source, count(*) AS n FROM corpus "
              "GROUP BY ALL ORDER BY n DESC, d LIMIT 1",
         "SELECT d, source, n FROM report_day_source_counts ORDER BY n DESC, d LIMIT 1")
    same(con, "SELECT source, count(*) AS n, min(CAST(published_at AS DATE)) AS d FROM corpus "
              "WHERE date_precision = 'window' GROUP BY 1 ORDER BY n DESC, source",
         "SELECT source, n, d FROM report_window_dated_sources ORDER BY n DESC, source")
    summary = same(con, "SELECT s.*, coalesce(w.n, 0) AS n_window FROM source_summary s LEFT JOIN "
                        "(SELECT source, count(*) AS n FROM corpus WHERE date_precision = 'window' "
                        "GROUP BY 1) w USING (source) ORDER BY n_kept DESC, source",
                   "SELECT * FROM report_source_accounts ORDER BY n_kept DESC, source")
    tech = summary.set_index("source").loc["technews"]
    assert (tech.n_kept, tech.n_irrelevant, tech.n_rejects, tech.n_undated, tech.n_window) == (5, 1, 1, 1, 0)
    assert summary.set_index("source").at["regulations", "n_window"] == 1


def test_actor_views_match_the_inline_queries(wh):
    con, _ = wh
    for n in (1, 2, 12):
        old = workspace.query(con, f"""
            SELECT q.speaker_actor AS actor, a.kind, count(*) AS n_quotes
            FROM quotes q JOIN actors a ON a.actor = q.speaker_actor WHERE {LISTED}
            GROUP BY ALL ORDER BY n_quotes DESC, actor LIMIT ?""", [n])
        pd.testing.assert_frame_equal(old, top_actors(con, n))
    same(con, f"""
        SELECT count(*) AS quotes, count(DISTINCT doc_id) AS docs,
               count(*) FILTER (WHERE {LISTED}) AS listed,
               count(*) FILTER (WHERE q.speaker_actor = 'unknown') AS unknown
        FROM quotes q""", "SELECT quotes, docs, listed, unknown FROM report_quote_totals")
    for st in ("pro_open_source", "security_hawk", "pro_china_tools"):
        for min_q in (0, 1, 2, 3):
            for n in (1, 12):
                old = workspace.query(con, f"""
                    WITH counts AS (
                        SELECT q.speaker_actor AS actor, count(*) FILTER (WHERE s.label = ?) AS n_label,
                               count(*) AS n_all, count(DISTINCT q.doc_id) FILTER (WHERE s.label = ?) AS n_docs,
                               count(*) FILTER (WHERE s.label = ? AND r.label IS NOT NULL) AS n_read,
                               count(*) FILTER (WHERE s.label = ? AND r.label = ?) AS n_read_agree
                        FROM quotes q JOIN quote_stances s USING (quote_id)
                        LEFT JOIN quote_stance_labels r USING (quote_id) WHERE {LISTED} GROUP BY 1),
                    citable AS (
                        SELECT q.speaker_actor AS actor, q.quote_text, q.cue, coalesce(d.outlet, d.platform) AS outlet,
                               d.published_at, d.url, d.source_type, r.label AS read_label,
                               row_number() OVER (PARTITION BY q.speaker_actor ORDER BY CASE WHEN r.label = s.label
                                   THEN 0 WHEN r.label IS NULL THEN 1 ELSE 2 END, s.p_{st} DESC, q.quote_id) AS rank
                        FROM quotes q JOIN quote_stances_wide s USING (quote_id) JOIN documents d USING (doc_id)
                        LEFT JOIN quote_stance_labels r USING (quote_id)
                        WHERE {LISTED} AND s.label = ? AND d.url IS NOT NULL AND d.published_at IS NOT NULL)
                    SELECT c.*, a.kind, e.quote_text, e.cue, e.outlet, e.published_at, e.url, e.source_type,
                           e.read_label
                    FROM counts c JOIN actors a USING (actor) LEFT JOIN citable e ON e.actor = c.actor AND e.rank = 1
                    WHERE c.n_label >= ? ORDER BY c.n_label DESC, c.actor LIMIT ?""",
                                      [st, st, st, st, st, st, min_q, n])
                new = workspace.query(con, """
                    SELECT actor, n_label, n_all, n_docs, n_read, n_read_agree, kind, quote_text, cue, outlet,
                           published_at, url, source_type, read_label
                    FROM report_actor_stance_quotes WHERE stance = ? AND n_label >= ?
                    ORDER BY n_label DESC, actor LIMIT ?""", [st, min_q, n])
                pd.testing.assert_frame_equal(old, new)
    rows = workspace.query(con, "SELECT * FROM report_actor_stance_quotes ORDER BY actor, stance").set_index(
        ["actor", "stance"])
    meta = rows.loc[("Meta", "pro_open_source")]
    assert (meta.n_label, meta.n_all, meta.n_docs, meta.n_read, meta.n_read_agree) == (3, 4, 2, 1, 1)
    # the example is the quote a reader labelled pro_open_source, not the more probable unread one
    read = con.execute("SELECT q.quote_text FROM quotes q JOIN quote_stance_labels r USING (quote_id) "
                       "WHERE q.speaker_actor = 'Meta' AND r.label = 'pro_open_source'").fetchone()[0]
    best = con.execute("SELECT q.quote_text FROM quotes q JOIN quote_stances_wide s USING (quote_id) "
                       "WHERE q.speaker_actor = 'Meta' ORDER BY s.p_pro_open_source DESC LIMIT 1").fetchone()[0]
    assert meta.quote_text == read != best and meta.read_label == "pro_open_source" and meta.annotator == "q"
    # Meta's one security_hawk quote was read as neutral: still its example (no other), marked so
    hawk = rows.loc[("Meta", "security_hawk")]
    assert (hawk.n_label, hawk.n_read, hawk.n_read_agree, hawk.read_label) == (1, 1, 0, "neutral")
    # NVIDIA's most security_hawk quote (0.99) is in an undated document: the dated one is cited
    assert rows.loc[("NVIDIA", "security_hawk"), "outlet"] == "ZDNET"
    assert pd.isna(rows.loc[("NVIDIA", "pro_open_source"), "quote_text"])
    same(con, """
        SELECT o.outlet, sum(o.n) AS n,
               sum(o.n) FILTER (WHERE o.label = 'pro_open_source') AS pos,
               sum(o.n) FILTER (WHERE o.label = 'security_hawk') AS sh
        FROM outlet_quotes o JOIN actors a USING (actor)
        GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?""",
         "SELECT outlet, n, pos, sh FROM report_outlet_listed_quotes ORDER BY n DESC, outlet LIMIT ?", [12], [12])


def test_topic_sources_match_the_topics_stage_query(wh):
    con, _ = wh
    rows = same(con, """
        SELECT pt.topic_key, d.source, count(*) AS n FROM passage_topics pt
        JOIN documents d ON d.doc_id = split_part(pt.passage_id, '-', 1)
        WHERE pt.topic_key <> 'outlier' GROUP BY ALL ORDER BY pt.topic_key, n DESC, d.source""",
                "SELECT topic_key, source, n FROM report_topic_sources ORDER BY topic_key, n DESC, source")
    assert rows.values.tolist() == [["N-01", "technews", 3], ["N-01", "ainews", 2], ["N-02", "technews", 3],
                                    ["N-02", "regulations", 1], ["N-04", "technews", 1]]


def test_a_quote_cut_where_the_stored_article_ends_is_marked_and_ranked_after_whole_ones(tmp_path):
    """The shipped tech-news bodies are stored cut, many mid-word (news3, a real ZDNET body, ends
    "allows i"): a quote that runs to such an end is the source's words cut short, so the report's
    example says so and a whole quote of the same reading class comes first. Reported speech is the
    writer's words (session-26 review: an X user's "Sam Altman acknowledges …" was printed as Altman's
    quotation): printed without quotation marks, and after the actor's own words."""
    import duckdb

    from pipeline.report.actor_section import stance_table
    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    text, pid = con.execute("SELECT d.text, p.passage_id FROM documents d JOIN passages p USING (doc_id) "
                            "WHERE doc_id = ? AND p.idx = 0", [ids["news3"]]).fetchone()
    assert not re.search(r"[.!?”\"')]$", text.rstrip())  # the real body is cut mid-sentence
    start = len(text) - 60
    con.execute("INSERT INTO quotes VALUES ('cutquote00000001', ?, ?, 'NVIDIA', 'NVIDIA', ?, 'said_direct', ?, ?)",
                [ids["news3"], pid, text[start:], start, len(text)])
    con.execute("INSERT INTO quote_stances VALUES ('cutquote00000001', 'security_hawk', 'm-1')")
    con.execute("INSERT INTO quote_stance_probabilities SELECT 'cutquote00000001', label, "
                "CASE WHEN label = 'security_hawk' THEN 0.96 ELSE 0.01 END FROM stance_codebook")
    con.execute("INSERT INTO quote_stance_labels VALUES ('cutquote00000001', 'security_hawk', 'q', NULL)")
    view = "SELECT quote_text, cut, read_label FROM report_actor_stance_quotes WHERE actor = 'NVIDIA' AND stance = ?"
    # read as the stance: the cut quote is NVIDIA's example, marked cut, and the report says where it stops
    assert con.execute(view, ["security_hawk"]).fetchone() == (text[start:], True, "security_hawk")
    table = "\n".join(stance_table(con, "security_hawk", min_quotes=1, limit=5))
    assert re.search(r"\| NVIDIA \| company \| 3/3 \| 2 \| 1/1 \| “[^|]+ …” \(said_direct; read by q; the stored text "
                     r"ends here, cut: read the rest at the source\)", table), table
    assert table.count("cut: read the rest") == 1  # Meta's whole quotes are not marked
    # a whole quote read as the stance comes before the cut one, though less probable (0.6 against 0.96)
    whole = con.execute("SELECT quote_id, quote_text FROM quotes WHERE speaker_actor = 'NVIDIA' AND doc_id = ?",
                        [ids["news3"]]).fetchone()
    con.execute("INSERT INTO quote_stance_labels VALUES (?, 'security_hawk', 'q', NULL)", [whole[0]])
    assert con.execute(view, ["security_hawk"]).fetchone() == (whole[1], False, "security_hawk")
    # that quote is reported speech ("according to"): the writer's words, printed without quotation marks
    table = "\n".join(stance_table(con, "security_hawk", min_quotes=1, limit=5))
    assert f"| {' '.join(whole[1].split())[:40]}" in table and "(according_to: the writer's words for what the " \
        "actor said, not a quotation; read by q)" in table
    def read_copy(qid: str, speaker: str, cue: str, p: float) -> None:
        """A copy of the whole quote with this speaker and cue, decided and read security_hawk at ``p``."""
        con.execute(f"INSERT INTO quotes SELECT ?, doc_id, passage_id, {speaker}, speaker_actor, quote_text, ?, "
                    "start_char, end_char FROM quotes WHERE quote_id = ?", [qid, cue, whole[0]])
        con.execute("INSERT INTO quote_stances VALUES (?, 'security_hawk', 'm-1')", [qid])
        con.execute("INSERT INTO quote_stance_probabilities SELECT ?, label, CASE WHEN label = 'security_hawk' "
                    "THEN ? ELSE (1 - ?) / 4 END FROM stance_codebook", [qid, p, p])
        con.execute("INSERT INTO quote_stance_labels VALUES (?, 'security_hawk', 'q', NULL)", [qid])

    # the actor's own words come before reported speech of the same reading, though less probable
    read_copy("ownwords00000001", "speaker", "said_direct", 0.3)
    assert con.execute("SELECT cue FROM report_actor_stance_quotes WHERE actor = 'NVIDIA' AND stance = "
                       "'security_hawk'").fetchone() == ("said_direct",)
    # reported speech whose speaker is the writer ("we believe that …": the finder gives "we" to the document's
    # author) is the actor's own published words (session-27 review: Anthropic's own post was printed as a
    # writer's paraphrase): it ranks with own words and is printed in quotation marks
    read_copy("weownpost0000001", "'we'", "reported", 0.5)
    assert con.execute("SELECT cue, own FROM report_actor_stance_quotes WHERE actor = 'NVIDIA' AND stance = "
                       "'security_hawk'").fetchone() == ("reported", True)
    table = "\n".join(stance_table(con, "security_hawk", min_quotes=1, limit=5))
    assert f"“{' '.join(whole[1].split())[:40]}" in table and \
        "(reported by the actor itself in its own publication: its words; read by q)" in table, table
    con.close()


def test_a_topics_examples_skip_a_repeated_text(tmp_path):
    """Session-26 review: a discovery topic's two examples were the same recap paragraph, summarised on two
    days. An example whose words repeat an earlier one of its topic is skipped for the next."""
    import duckdb

    from tests.report_warehouse import build

    db, _ = build(tmp_path)
    con = duckdb.connect(str(db))
    first, second, third = (r[0] for r in con.execute(
        "SELECT passage_id FROM topic_representatives WHERE topic_key = 'N-01' ORDER BY rank").fetchall())
    assert [r.passage_id for r in representatives(con, ["N-01"]).itertuples()] == [first, second]
    text = con.execute("SELECT text FROM passages WHERE passage_id = ?", [first]).fetchone()[0]
    con.execute("UPDATE passages SET text = ? WHERE passage_id = ?", [text.upper() + " ", second])
    assert [r.passage_id for r in representatives(con, ["N-01"]).itertuples()] == [first, third]
    con.close()


def test_a_comment_dated_by_its_dockets_window_is_cited_by_the_window_and_ranked_by_its_end(tmp_path):
    """Session-27 review: NTIA comments have no posting date; the clean stage dates them at the first day
    of the docket's comment window (``date_precision = 'window'``), and the report cited them as posted
    that day ("NTIA docket NTIA-2023-0009, 2024-02-26") and ranked them first among a topic's earliest
    documents. The citation now gives the window, and section 7 ranks such a comment by the window's last
    day, the latest it can have been posted."""
    import datetime as dt

    import duckdb

    from pipeline.report.cells import _cite
    from pipeline.report.topic_exports import representatives as exported
    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM report_window_ends").fetchone() == (0,)  # no window for its source
    con.execute("INSERT INTO source_windows VALUES ('regulations', '2024-02-21', '2024-03-20')")
    url = "https://www.regulations.gov/comment/NTIA-2023-0009-0001"
    con.execute("UPDATE documents SET url = ? WHERE doc_id = ?", [url, ids["window"]])
    con.execute("UPDATE passages SET url = ?, published_at = TIMESTAMPTZ '2024-02-21 00:00:00+00', citable = true "
                "WHERE doc_id = ?", [url, ids["window"]])
    assert con.execute("SELECT doc_id, window_end FROM report_window_ends").fetchall() == \
        [(ids["window"], dt.date(2024, 3, 20))]
    # the window document's passage 0 is a cluster member of N-02 (0.4): its citation gives the window
    voices = first_voices(con, ["N-02"], per_topic=5, min_probability=0.0)
    row = next(r for r in voices.itertuples() if r.doc_id == ids["window"])
    assert _cite(row) == f"NTIA, comment window 2024-02-21 to 2024-03-20, <{url}>"
    dated = next(r for r in voices.itertuples() if r.doc_id != ids["window"])
    assert _cite(dated) == f"{dated.outlet}, {pd.Timestamp(dated.published_at):%Y-%m-%d}, <{dated.url}>"
    # ranked by the window's last day, not by the first day its published_at holds
    def day(r):
        return pd.Timestamp(r.window_end).tz_localize("UTC") if pd.notna(r.window_end) else \
            pd.Timestamp(r.published_at).tz_convert("UTC")

    assert [day(r) for r in voices.itertuples()] == sorted(day(r) for r in voices.itertuples())
    assert day(row) == pd.Timestamp("2024-03-20", tz="UTC")
    # reports/topics.csv and topics.md give a representative window-dated passage the window too
    con.execute("INSERT INTO topic_representatives SELECT 'N-02', 2, passage_id, doc_id, 0.5 FROM passages "
                "WHERE doc_id = ? AND idx = 0", [ids["window"]])
    exports = [rep for reps in exported(con).values() for rep in reps if rep["url"] == url]
    assert len(exports) == 1 and exports[0]["date"] == "2024-02-21/2024-03-20"
    assert exports[0]["date_words"] == "comment window 2024-02-21 to 2024-03-20"
    con.close()


def test_a_topics_examples_are_its_cluster_members_before_outliers_given_to_it(tmp_path):
    """Session-27 review: two section-5 examples (N-118's X post on a Commerce probe, N-70's "DeepSeek's
    Milestones") were passages outlier reduction gave the topic at membership 0.00, ranked close to its
    centroid. HDBSCAN's own members come first, by rank; an outlier given to the topic only fills up."""
    import duckdb

    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    member = con.execute("SELECT passage_id FROM topic_representatives WHERE topic_key = 'N-02'").fetchone()[0]
    given = con.execute("SELECT passage_id FROM passage_topics WHERE topic_key = 'N-02' "
                        "AND assignment = 'outlier_reduced'").fetchone()[0]
    assert given.startswith(ids["news2"])
    con.execute("UPDATE topic_representatives SET rank = 2 WHERE topic_key = 'N-02'")
    con.execute("INSERT INTO topic_representatives VALUES ('N-02', 1, ?, ?, 0.9)", [given, ids["news2"]])
    view = con.execute("SELECT passage_id, assignment FROM report_topic_representatives WHERE topic_key = 'N-02' "
                       "ORDER BY rank").fetchall()
    assert view == [(given, "outlier_reduced"), (member, "cluster")]
    assert representatives(con, ["N-02"])["passage_id"].tolist() == [member, given]
    assert representatives(con, ["N-02"])["member"].tolist() == [True, False]
    assert representatives(con, ["N-02"], per_topic=1)["passage_id"].tolist() == [member]
    # reports/topics.md and topics.csv list them in the same order
    from pipeline.report.topic_exports import representatives as exported

    assert [r["passage_id"] for r in exported(con)["N-02"]] == [member, given]
    # section 5 says which example is not a member
    from pipeline.report.discovery_section import discovery_section

    lines = discovery_section(con, con.execute("SELECT * FROM topics WHERE topic_key = 'N-02'").df(), {}, "h.png",
                              scope="")
    row = next(line for line in lines if line.startswith("| N-02 |"))
    assert row.count("not a cluster member: given to the topic by outlier reduction") == 1
    con.close()


def test_an_outlet_quoting_its_own_people_is_not_an_outlet_quoting_them(tmp_path):
    """Session-33 review: the White House row of section 4's outlet table counted 304 quotes of listed actors,
    all of them its own officials (Jake Sullivan, Karoline Leavitt, Donald Trump: `org: White House`) in its own
    transcripts. A quote whose speaker's `org` has the outlet as an alias is now left out, as the org's own
    quotes were; the same person quoted by another outlet still counts."""
    import duckdb

    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO actors VALUES ('White House', 'government', NULL, ['White House', 'The White House']),"
                " ('Jake Sullivan', 'official', 'White House', ['Jake Sullivan'])")
    con.execute("UPDATE documents SET outlet = 'The White House' WHERE doc_id = ?", [ids["news4"]])
    con.execute("UPDATE quotes SET speaker_actor = 'Jake Sullivan' WHERE doc_id IN (?, ?) AND speaker_actor <> "
                "'unknown' OR doc_id = ?", [ids["news1"], ids["news4"], ids["news4"]])
    moved = dict(con.execute("SELECT doc_id, count(*) FROM quotes WHERE speaker_actor = 'Jake Sullivan' GROUP BY 1"
                             ).fetchall())
    assert moved[ids["news4"]] >= 1 and moved[ids["news1"]] >= 1
    rows = dict(con.execute("SELECT outlet, sum(n) FROM outlet_quotes WHERE actor = 'Jake Sullivan' GROUP BY 1"
                            ).fetchall())
    zdnet = con.execute("SELECT coalesce(outlet, platform, source) FROM documents WHERE doc_id = ?",
                        [ids["news1"]]).fetchone()[0]
    assert rows == {zdnet: moved[ids["news1"]]}   # none in the White House's own document


def test_comment_counts_come_from_the_comment_sources_not_from_their_quotes(tmp_path):
    """Code review, session 33: view ``report_comment_quotes`` found the comment sources from the quotes they
    gave, so a source none of whose comments gave a quote fell out of the counts. Its sources are now table
    ``comment_sources`` (``params.yaml`` ``actors.author_is_speaker``): such a source's documents count as
    comments with no quote, and one with a blank author (spaces, a tab) as unnamed."""
    import duckdb

    from tests.report_warehouse import build

    db, _ = build(tmp_path)
    con = duckdb.connect(str(db))
    before = con.execute("SELECT comments, quoted, unnamed FROM report_comment_quotes").fetchone()
    recaps = con.execute("SELECT count(*) FROM stances JOIN documents d USING (doc_id) WHERE d.source = 'ainews'"
                         ).fetchone()[0]
    assert recaps and not con.execute("SELECT count(*) FROM quotes JOIN documents d USING (doc_id) WHERE "
                                      "d.source = 'ainews' AND cue = 'comment_author'").fetchone()[0]
    con.execute("INSERT INTO comment_sources VALUES ('ainews')")
    con.execute("UPDATE documents SET author = ' \t' WHERE source = 'ainews'")
    after = con.execute("SELECT comments, quoted, unnamed FROM report_comment_quotes").fetchone()
    assert after == (before[0] + recaps, before[1], before[2] + recaps)
