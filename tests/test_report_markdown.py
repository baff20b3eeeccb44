"""reports/report.md from a tiny published warehouse of real demo documents:
the cell helpers, the sections and the assembled report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline import workspace
from pipeline.report.cells import _cite, _md_cell, _month_label, _pct, month_heading
from pipeline.report.figures import monthly_stance, top_topics
from pipeline.report.markdown import measurable_stances, share_only_stances, stance_quality, write_report
from pipeline.report.sections import corpus_section, sources_section
from pipeline.report.stance_shares import panel_shares, share_errors

#: metrics/actors.json as the report reads it (attribution on a gold set), for the tests that write the report
ACTOR_METRICS = {"quotes": 9, "evaluation": {
    "attribution_partial_span": {"precision": 0.81, "recall": 0.62},
    "attribution_exact_span": {"precision": 0.7, "recall": 0.5}, "gold_quotes": 40, "documents": 10,
    "gold_documents_read": 9, "gold_documents_by_source_type": {"news": 10}}}


def _figures(tmp_path: Path) -> dict[str, Path]:
    """The report's figure paths under ``tmp_path``."""
    return {n: tmp_path / "figures" / f"{n}.png" for n in ("narratives_by_month", "stance_share", "narrative_heatmap",
                                                          "narrative_stance", "source_mix", "actor_stance")}


PARAMS = {"seed": 0, "min_docs_per_month": 1, "top_narratives": 15, "min_docs_narrative": 1, "min_recall": 0.2,
          "max_share_error": 0.04,
          "min_membership": 0.5, "top_actors": 12, "min_quotes": 1, "min_stance_quotes": 1}


def test_cells():
    assert _pct(0.1234) == "12.3 %" and _pct(1) == "100.0 %"
    assert _month_label("2025-11-07T12:00:00Z") == "2025-11"
    assert _md_cell("a | b\nc") == "a \\| b c"
    row = pd.Series({"outlet": "twitter/x", "published_at": pd.Timestamp("2024-03-04T12:00:00Z"),
                     "url": "https://x.com/1", "source_type": "recap"})
    assert _cite(next(pd.DataFrame([row]).itertuples())) == \
        "paraphrase by twitter/x of the linked post, 2024-03-04, <https://x.com/1>"
    news = next(pd.DataFrame([{**row, "outlet": "ZDNET", "source_type": "news"}]).itertuples())
    assert _cite(news) == "ZDNET, 2024-03-04, <https://x.com/1>"
    # the corpus ends 2026-08-21 (session-28 review: section 2 printed its last month without the mark)
    assert month_heading("2026-08-01", "2026-08-21T09:00:00Z") == "2026-08 (to 08-21)"
    assert month_heading("2026-07-01", "2026-08-21T09:00:00Z") == "2026-07"
    assert month_heading("2026-08-01", "2026-08-31T23:00:00Z") == "2026-08"


def test_a_quote_precision_is_computed_from_its_counts_not_the_rounded_metric():
    """Session-28 review: 5 of 11 read quotes argue the stance (0.4545), stored rounded as 0.455 in
    ``metrics/actors.json``, and section 4 printed 0.46."""
    from pipeline.report.actor_section import _precision_sentence

    read = {"read": 11, "argue_it": 5, "precision": 0.455, "precision_lo": 0.213, "precision_hi": 0.72}
    text = _precision_sentence("pro_china_tools", read)
    assert "5 argue it: **precision 0.45**" in text and "0.46" not in text


def test_a_reddit_thread_recapped_by_several_issues_is_cited_as_recapped():
    """The corpus recaps one Reddit thread in several AINews issues; a Reddit
    line has no post time, only its issue's date, so each citation says
    "recapped" (the thread is at most that old), while a tweet line keeps the
    tweet's own date."""
    url = "https://www.reddit.com/r/LocalLLaMA/comments/1nq1ia2/china_already_started_making_cuda_and_directx/"
    path = Path(__file__).parents[1] / "corpora" / "demo" / "social" / "ainews_social_recaps.jsonl"
    recs = [r for r in map(json.loads, path.open(encoding="utf-8")) if url in r["links"]]
    assert len({r["issue_date"] for r in recs}) >= 2 and not any(r["tweet_times"] for r in recs)
    cites = {_cite(next(pd.DataFrame([{"outlet": "AINews (smol.ai)", "published_at": pd.Timestamp(r["issue_date"]),
                                       "url": url, "source_type": "recap"}]).itertuples())) for r in recs}
    assert cites == {f"paraphrase by AINews (smol.ai) of the linked post, recapped {r['issue_date']}, <{url}>"
                     for r in recs}
    # a line linking no post cites its issue page, the issue's own text and date
    issue = next(r for r in map(json.loads, path.open(encoding="utf-8")) if not r["links"] and not r["tweet_urls"])
    row = {"outlet": "AINews (smol.ai)", "published_at": pd.Timestamp(issue["issue_date"]),
           "url": issue["source_url"], "source_type": "recap"}
    assert _cite(next(pd.DataFrame([row]).itertuples())) == \
        f"paraphrase by AINews (smol.ai) in its recap issue, {issue['issue_date']}, <{issue['source_url']}>"
    tweet = next(r for r in map(json.loads, path.open(encoding="utf-8")) if r["tweet_times"])
    row = {"outlet": "AINews (smol.ai)", "published_at": pd.Timestamp(tweet["tweet_times"][0]),
           "url": tweet["tweet_urls"][0], "source_type": "recap"}
    assert _cite(next(pd.DataFrame([row]).itertuples())) == \
        f"paraphrase by AINews (smol.ai) of the linked post, {tweet['tweet_times'][0][:10]}, <{tweet['tweet_urls'][0]}>"


def test_stance_quality_and_measurable_stances(wh):
    con, _ = wh
    q = stance_quality(con)
    # gold: news2 pro_open_source (predicted so), news3 security_hawk (predicted pro_open_source)
    assert q["n"] == 2 and q["model_version"] == "m-1"
    assert q["per_class"]["pro_open_source"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    assert q["per_class"]["security_hawk"]["recall"] == 0.0
    assert measurable_stances(q, 0.2) == ["pro_open_source"]
    assert measurable_stances(q, 0.6) == []


def test_corpus_section_counts_the_corpus(wh):
    con, _ = wh
    corpus = workspace.query(con, "SELECT * FROM report_corpus_summary").iloc[0]
    lines = corpus_section(con, corpus, "figures/source_mix.png")
    text = "\n".join(lines)
    assert "**8 relevant, non-duplicate documents** from 3 sources, published 2024-02-21 to 2026-02-24" in text
    assert "87.5 % are in English" in text and "By source type: news 5, recap 2, policy 1." in text
    assert "`regulations` 1 on 2024-02-21" in text  # the window-dated document
    # dates are UTC days; the URLs that carry another day are counted (computed here from the URLs)
    rows = con.execute("SELECT url, CAST(published_at AT TIME ZONE 'UTC' AS DATE) FROM corpus "
                       "WHERE url IS NOT NULL AND published_at IS NOT NULL").fetchall()
    other = [u for u, day in rows if (m := re.search(r"/(20\d\d)/([01]\d)/([0-3]\d)/", u))
             and tuple(map(int, m.groups())) != (day.year, day.month, day.day)]
    assert "**Dates are UTC days**" in text
    assert len(other) == 1  # news2: TechCrunch's /2026/02/23/ article, dated 2026-02-24 by its record
    assert f"1 document's URL carries another day than its UTC date (up to 1 day; {other[0]} is dated 2026-02-24)" \
        in text
    assert "Hacker News front-page items" not in text  # the fixture has none
    assert lines[-2] == "![Source mix by month](figures/source_mix.png)"
    assert not any(line.startswith("| source |") for line in lines)  # short: the table is the appendix
    appendix = sources_section(con)
    assert appendix[1] == "## 9. Appendix: sources"
    assert "| technews | 5 | 0 | 1 | 1 | 1 | 0 |" in appendix
    assert "| clippings | 0 | 1 | 0 | 0 | 0 | 0 |" in appendix  # only a duplicate


def test_days_written_in_urls_of_the_corpus():
    """The URL shapes of the shipped corpus that carry a day (session-27 review: Reuters' ``-2026-06-17/`` and
    Simon Willison's ``/2026/Mar/4/`` were not read, so section 1 undercounted URLs whose day differs); a model
    version ending a recap issue's URL is not a day."""
    import datetime as dt

    import duckdb

    from pipeline.report.sections import URL_DAY_SQL

    urls = {"https://bidenwhitehouse.archives.gov/briefing-room/speeches-remarks/2024/01/30/remarks-and-qa/":
            dt.date(2024, 1, 30),
            "https://www.reuters.com/world/china/us-holds-off-blacklisting-chinas-deepseek-2026-06-17/":
            dt.date(2026, 6, 17),
            "https://simonwillison.net/2026/Mar/4/qwen/": dt.date(2026, 3, 4),
            "https://www.politico.com/news/2026/07/22/startup-founders-urge-trump-01008992": dt.date(2026, 7, 22),
            "https://news.smol.ai/issues/24-12-18-ainews-genesis-generative-physics-engine-for-robotics-o1-2024-12-17":
            None,
            "https://www.regulations.gov/comment/NTIA-2023-0009-0230": None}
    con = duckdb.connect()
    got = dict(con.execute(f"SELECT url, {URL_DAY_SQL} FROM (SELECT unnest(?) AS url)", [list(urls)]).fetchall())
    assert got == urls



def test_write_report_assembles_every_section(wh, tmp_path):
    con, ids = wh
    topics = top_topics(con, 2)  # N-01, N-02 (N-04 has no month: the report's tables need one)
    counts, _ = monthly_stance(con, 1)
    shares = panel_shares(counts, stance_quality(con)["gold"], share_errors(con), seed=0)
    figures = {n: tmp_path / "figures" / f"{n}.png" for n in ("narratives_by_month", "stance_share",
                                                              "narrative_heatmap", "narrative_stance", "source_mix",
                                                              "actor_stance")}
    pages = [tmp_path / "html" / "topics.html"]
    metrics = {"quotes": 9, "evaluation": {
        "attribution_partial_span": {"precision": 0.81, "recall": 0.62},
        "attribution_exact_span": {"precision": 0.7, "recall": 0.5}, "gold_quotes": 40, "documents": 10,
        "gold_documents_read": 9, "gold_documents_by_source_type": {"news": 10}},
        "quote_stance_evaluation": {"by_decision": {
            "pro_open_source": {"read": 10, "argue_it": 7, "precision": 0.7, "precision_lo": 0.397,
                                "precision_hi": 0.892},
            "security_hawk": {"read": 4, "argue_it": 1, "precision": 0.25, "precision_lo": 0.046,
                              "precision_hi": 0.699}}}}
    path = tmp_path / "report.md"
    text = write_report(con, path, topics=topics, shares=shares, params=PARAMS, figures=figures, pages=pages,
                        quality=stance_quality(con), actor_metrics=metrics,
                        topic_metrics={"n_narrative_passages": 15, "n_taxonomy_passages": 3,
                                       "label_name_share": 0.1, "label_name_words": 2, "label_words": 20})
    assert path.read_text(encoding="utf-8") == text and text.endswith("\n")
    # section 3: pro_open_source's ACC interval (0.0–69.9) is named as too wide to bound the share, neutral's
    # (0.0–48.1) is not
    wide = re.search(r"The ACC intervals of \*\*([a-z_, ]+)\*\* span more than 50 points", text)
    assert wide and wide.group(1).split(", ")[0] == "pro_open_source" and "neutral" not in wide.group(1)
    headings = re.findall(r"^## (\d)\. (.+)$", text, flags=re.M)
    assert [n for n, _ in headings] == [str(i) for i in range(1, 10)]
    titles = [t for _, t in headings]  # narratives lead, right after the corpus; topics below, as discovery
    assert titles[1].startswith("Narratives") and titles[2] == "Stance over time" and titles[3].startswith("Who says")
    assert all(t.startswith("Discovery") for t in titles[4:7]) and titles[8].startswith("Appendix")
    # section 3's monthly table: a CC share carries its Wilson interval, so 0 of n is not "0.0–0.0"
    cells = re.findall(r"\((\d+)/(\d+); ([\d.]+)–([\d.]+)\)", text)
    assert cells and all((f"{100 * workspace.wilson_interval(int(k), int(n))[0]:.1f}",
                          f"{100 * workspace.wilson_interval(int(k), int(n))[1]:.1f}") == (lo, hi)
                         for k, n, lo, hi in cells)
    assert all(float(hi) > 0 for _, _, _, hi in cells)
    # its ACC cells are the figure's (and reports/plots/stance_share.csv's), not a second estimate
    acc_cells = re.findall(r"ACC ([\d.]+) % \(([\d.]+)–([\d.]+)\)", text)
    want = {(f"{100 * r.share_acc:.1f}", f"{100 * r.acc_lo:.1f}", f"{100 * r.acc_hi:.1f}") for r in shares.itertuples()}
    assert acc_cells and set(acc_cells) <= want
    pooled = re.findall(r"\((\d+) of (\d+); ([\d.]+)–([\d.]+)\)", text)  # section 2's pooled narrative shares
    assert pooled and all(f"{100 * workspace.wilson_interval(int(k), int(n))[1]:.1f}" == hi for k, n, _, hi in pooled)
    # section 3: shares of the 6 unlabelled documents; the two unmeasurable stances get no share
    assert re.search(r"\| pro_open_source \| 0\.50 \| 1\.00 \| 2 \| 33\.3 % \| ", text)
    assert ("| security_hawk | 0.00 | 0.00 | 1 | not measurable | not measurable | not measurable | 8.0 / 5.0 / 6.0 "
            "pts |") in text
    # the shares by reading (no model): the labelled documents' mix, stratified by source, bold, to quote
    read = {r[0]: r[1:] for r in con.execute("SELECT label, corpus_share, corpus_lo, corpus_hi, share, lo, hi "
                                             "FROM stance_sample_shares").fetchall()}
    for lab, (c, c_lo, c_hi, share, lo, hi) in read.items():
        assert (f"| {lab} | **{_pct(c)} ({100 * c_lo:.1f}–{100 * c_hi:.1f})** | {_pct(share)} ({100 * lo:.1f}–"
                f"{100 * hi:.1f}) |") in text
    assert "**Quote the corpus share for this corpus as a whole**" in text
    # ... and per source type (session 33): the type's documents, its labelled ones and the three stances' shares
    kinds = con.execute("SELECT source_type, label, corpus_share, corpus_lo, corpus_hi FROM "
                        "stance_sample_shares_by_type WHERE label IN ('pro_open_source', 'security_hawk', "
                        "'pro_china_tools') ORDER BY source_type, label").fetchall()
    assert {k for k, *_ in kinds} == {"news"}   # the only type with a labelled document
    cells = {lab: f"{_pct(c)} ({100 * lo:.1f}–{100 * hi:.1f})" for _, lab, c, lo, hi in kinds}
    n_news = con.execute("SELECT count(*) FROM stances JOIN documents USING (doc_id) WHERE source_type = 'news'"
                         ).fetchone()[0]
    assert (f"| news | {n_news} | 2 | {cells['pro_open_source']} | {cells['security_hawk']} | "
            f"{cells['pro_china_tools']} |") in text
    assert "Too few labelled documents to compare (fewer than 30): news (2)." in text
    assert "Most of a row is one file: news, all in `technews.jsonl`." in text  # what the row rests on
    assert "No labelled document, so no row: recap (2 documents), policy (1 document)." in text
    # ... weighted by what was collected: the largest labelled source file is named with its weight
    files = con.execute("SELECT d.source_file, count(*) FROM stances s JOIN documents d USING (doc_id) WHERE "
                        "d.source_file IN (SELECT d.source_file FROM stance_labels JOIN documents d USING (doc_id)) "
                        "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    total = sum(n for _, n in files)
    assert (f"`{files[0][0].rsplit('/', 1)[-1]}` alone holds {files[0][1]:,} of the {total:,} "
            f"({_pct(files[0][1] / total)})") in text
    assert "guessing the training folds' mix errs by 7.0 points for pro_open_source against PCC's 6.0" in text
    # ACC share of stance_shares with its interval, and a citable evidence passage (never the URL-less window)
    row = con.execute("SELECT share_acc, lo, hi FROM stance_shares WHERE grouping = 'all' "
                      "AND label = 'pro_open_source'").fetchone()
    acc = f"{_pct(row[0])} ({100 * row[1]:.1f}–{100 * row[2]:.1f})"
    err = con.execute("SELECT acc_error, cc_error FROM report_stance_share_error "
                      "WHERE label = 'pro_open_source'").fetchone()
    assert (f"| {acc} |" if err[1] <= err[0] else f"| **{acc}** |") in text   # bold: the smaller CV error
    ev = re.findall(r"^- \*\*pro_open_source\*\* \(not read; passage probability (0\.\d\d)\): “(.+)” \((.+), "
                    r"(\d{4}-\d\d-\d\d), <(https?://[^>]+)>\)$", text, flags=re.M)
    assert len(ev) == 2 and ev[0][0] >= ev[1][0]
    passages = con.execute("SELECT text, url FROM passages WHERE citable").fetchall()
    assert all(any(e[1].rstrip(" …") in " ".join(t.split()) and e[4] == u for t, u in passages) for e in ev)
    kinds = dict(con.execute("SELECT p.url, d.source_type FROM passages p JOIN documents d USING (doc_id) "
                             "WHERE p.citable").fetchall())
    assert all(e[2].startswith("paraphrase by ") == (kinds[e[4]] == "recap") for e in ev)  # as the examples cite
    # section 2: the first claim in news1 (p 0.9) and the recap; the second in news3 (a stance training label)
    tax = workspace.query(con, "SELECT narrative, side FROM narrative_taxonomy ORDER BY position")
    k0, k1, k2 = tax["narrative"][:3]
    assert "by source file on 1 labelled passage (LLM-labelled" in text  # the read label of news3 (fixture)
    lines = text.split("\n")
    fig = lines.index("![Narratives by month](figures/narratives_by_month.png)")
    assert lines[fig - 2].startswith("**Coverage of this trend:**")
    # (b) which side: news1 and the recap, both pro_open_source; news3 has a stance label, so no document counts
    assert f"| `{k0}` | {tax['side'][0]} | 2 | 100.0 % | not measurable | not measurable | 0.0 % | 0.0 % |" in text
    assert f"| `{k1}` | {tax['side'][1]} | 0 | – | not measurable | not measurable | – | – |" in text
    assert "pro_open_source (P 0.50 / R 1.00, ±8 pts)" in text  # the stance's CV quality next to its shares
    # (c) outlets (share of the outlet's documents with a narrative passage: ZDNET has news1 and news3) and actors
    assert f"| `{k0}` | ZDNET 1 (50.0 %), twitter/x 1 (100.0 %) | Meta 2 |" in text
    # (d) examples: news1 (p 0.90) then the recap (0.70), each quoting its own passage, with outlet, date and URL
    block = text[text.index(f"**`{k0}`**: "):]
    block = block[:block.index("\n\n", block.index("- “"))]
    ex = re.findall(r"^- “(.+)” \((.+), (\d{4}-\d\d-\d\d), <(https?://[^>]+)>; p = (0\.\d\d), not read\)$", block,
                    flags=re.M)
    assert [(e[1], e[4]) for e in ex] == [("ZDNET", "0.90"), ("paraphrase by twitter/x of the linked post", "0.70")]
    # the third claim, which the model finds nowhere, is cited from news3's read passage, the reader's
    # evidence sentence in bold and the annotator named
    block = text[text.index(f"**`{k2}`**: "):]
    block = block[:block.index("\n\n", block.index("- “"))]
    read = re.findall(r"^- “(.+)” \(ZDNET, (\d{4}-\d\d-\d\d), <(https?://[^>]+)>; read by b\)$", block, flags=re.M)
    evidence = con.execute("SELECT evidence[1] FROM narrative_labels").fetchone()[0]
    assert len(read) == 1 and f"**{evidence}**" in read[0][0]  # the reader's own words in bold, not a neighbour
    cited = con.execute("SELECT url, text FROM passages WHERE citable").fetchall()
    for e in ex + [(r[0], "ZDNET", r[1], r[2]) for r in read]:
        quoted = e[0].replace("**", "").replace(" …", "").replace("… ", "")
        assert any(quoted in " ".join(t.split()) for u, t in cited if u == e[3]), e
    assert not re.search(rf"No citable passage carries .*`{k2}`", text)
    assert re.search(rf"No citable passage carries .*`{tax['narrative'][3]}`", text)
    # section 5: candidate narratives by size with their top terms, example passages from the corpus (the recap
    # as a paraphrase), the passages the taxonomy covers and the label name share of metrics/topics.json
    n01 = re.search(r"^\| N-01 \| open source, windows apps, free \| open source, apps, free, [^|]+ \| 5 \|", text,
                    flags=re.M)
    assert n01 and n01.start() < text.index("| N-02 | chinese model \\|")
    assert "Of 15 narrative passages, 3 carry a narrative of the taxonomy (section 2) and are left out" in text
    assert "2 of the 20 label words (10.0 %) are such names" in text
    assert "paraphrase by twitter/x of the linked post, 2024-03-04" in text
    # section 6: pro_open_source in N-01, 2 of its 3 unlabelled documents; the recap (0.8) cited first
    assert re.search(r"\*\*pro_open_source\*\* has its largest share in \*\*N-01\*\* .*: 2 of its 3 documents "
                     r"\(66\.7 %; no other topic has a larger share of pro_open_source.*Examples from N-01: "
                     r"paraphrase by twitter/x", text)
    # section 4: attribution figures and Meta's three pro_open_source quotes in two documents
    assert "9 quotes in 7 documents" in text and "precision 0.81 and recall 0.62" in text
    assert "7 by actors listed in `corpora/actors.yaml`, 1 by named speakers not on that list" in text
    assert "1 by speakers the finder could not name" in text  # 7 + 1 + 1: every quote is counted once
    # session-32 review: "each public comment is one quote of its submitter" held for 329 of 563; now counted
    docs = con.execute("SELECT d.doc_id, d.source, d.author, d.doc_id IN (SELECT doc_id FROM stances) "
                       "FROM documents d").fetchall()
    quoted = {r[0] for r in con.execute("SELECT doc_id FROM quotes WHERE cue = 'comment_author'").fetchall()}
    sources = {r[0] for r in con.execute("SELECT source FROM comment_sources").fetchall()}
    assert sources == {src for d, src, _, _ in docs if d in quoted}
    comments = [(d, a) for d, src, a, corpus in docs if corpus and src in sources]
    unnamed = sum(1 for _, a in comments if not (a or "").strip())
    assert comments and (f"{sum(1 for d, _ in comments if d in quoted)} of the {len(comments)} comments; "
                         f"{unnamed} name no submitter") in text
    # the outlet table says how many of the listed actors' quotes its rows hold (own publications left out)
    rows = re.findall(r"^\| ([^|]+) \| (\d+) \| \d+ \(", text[text.index("**Which outlets quote"):], flags=re.M)
    assert rows and f"the outlets count {sum(int(n) for _, n in rows)} of the 7 quotes of listed actors" in text
    # Meta's example is the quote read as pro_open_source, marked so; the precision on read quotes beside the table
    assert re.search(r"\| Meta \| company \| 3/4 \| 2 \| 1/1 \| “[^|]+” \(said_direct; read by q\) \|", text)
    assert ("of the 10 quotes of listed actors decided pro_open_source that a reader read "
            "(`corpora/labels/quote_stance_v1.jsonl`") in text
    assert "7 argue it: **precision 0.70** (95 % interval 0.40–0.89)" in text
    # a stance whose document decisions are not measurable gets no table, but its quotes' precision where read
    assert ("**security_hawk**: its document decisions are not measurable; section 3 gives only shares by reading "
            "and a corpus-wide model share. Of the 4 quotes of listed actors decided security_hawk that a reader "
            "read, 1 argues it (precision 0.25, 95 % interval 0.05–0.70); no quote table is given for it.") in text
    # without read quotes of a stance, the table says its precision is not measured; a read quote of another label
    from pipeline.report.actor_section import stance_table
    hawk = "\n".join(stance_table(con, "security_hawk", min_quotes=1, limit=5, read=None))
    assert "its precision on quotes is not measured" in hawk
    assert re.search(r"\| Meta \| company \| 1/4 \| 1 \| 0/1 \| “[^|]+” \(said_direct; read by q as neutral\)", hawk)
    assert "| ZDNET | 4 | 2 (50.0 %) | 2 (50.0 %) |" in text
    # section 7: earliest records of N-01 with membership >= 0.5: the merged recap cites its own record now
    assert re.search(r"\| N-01 \| paraphrase by twitter/x .*2024-03-04.*\(recap\); "
                     r"paraphrase by reddit .*2024-03-21", text)
    assert "| N-02 | ZDNET, 2025-11-07" in text
    assert "[topics](html/topics.html)" in text and "](figures/actor_stance.png)" in text
    assert not re.search(r"\bnan\b|\bNaT\b", text)
    cited = set(re.findall(r"<(https?://[^>]+)>", text))
    urls = {r[0] for r in con.execute("SELECT url FROM corpus WHERE url IS NOT NULL").fetchall()}
    assert cited and cited <= urls


def test_a_stance_without_reliable_decisions_gets_only_its_acc_share_when_its_error_is_small(wh, tmp_path):
    """security_hawk's decisions are not measurable (CV recall 0), but its
    quoted ACC share has a CV error of 5.0 pts: with ``max_share_error`` 0.05
    section 3 quotes that share (bold, with its interval) and passages read
    as it, never its CC share nor its highest-probability
    passages; with 0.04 it is not measurable at all."""
    con, _ = wh
    errors = share_errors(con)   # ACC 5.0, CC 8.0, PCC 6.0 pts for every label
    assert share_only_stances(["pro_open_source"], errors, 0.05) == (["security_hawk", "pro_china_tools"], [])
    assert share_only_stances(["pro_open_source"], errors, 0.04) == ([], [])
    # session 28: a share whose 95 % interval spans more than +-max_halfwidth is not quoted either
    intervals = {"security_hawk": (0.003, 0.29), "pro_china_tools": (0.0, 0.145)}
    assert share_only_stances(["pro_open_source"], errors, 0.05, intervals, 0.10) == (
        ["pro_china_tools"], ["security_hawk"])
    counts, _ = monthly_stance(con, 1)
    figures, metrics = _figures(tmp_path), ACTOR_METRICS
    text = write_report(con, tmp_path / "report.md", topics=top_topics(con, 2),
                        shares=panel_shares(counts, stance_quality(con)["gold"], share_errors(con), seed=0),
                        params={**PARAMS, "max_share_error": 0.05}, figures=figures,
                        pages=[tmp_path / "html" / "topics.html"], quality=stance_quality(con), actor_metrics=metrics)
    row = con.execute("SELECT share_acc, lo, hi, share_pcc, pcc_lo, pcc_hi FROM stance_shares WHERE grouping = 'all' "
                      "AND label = 'security_hawk'").fetchone()
    acc = f"{_pct(row[0])} ({100 * row[1]:.1f}–{100 * row[2]:.1f})"
    pcc = f"{_pct(row[3])} ({100 * max(0, row[4] - 0.1):.1f}–{100 * min(1, row[5] + 0.1):.1f})"
    section = text[text.index("## 3."):text.index("## 4.")]
    assert f"| security_hawk | 0.00 | 0.00 | 1 | not measurable | **{acc}** | {pcc} | 8.0 / 5.0 / 6.0 pts |" in section
    assert "**security_hawk, pro_china_tools**: cross-validated recall or precision is under 0.20" in section
    assert "no share or claim about it is made" not in section
    months = section[section.index("| month | documents |"):].split("\n")[0]
    assert months == "| month | documents | pro_open_source |"  # no monthly share of a share-only stance
    # no model evidence for it (its decisions are unreliable), but the passage read as security_hawk whose
    # out-of-fold prediction agrees (news3's second; news1's was predicted neutral), cited with its reader
    assert "- **security_hawk** (not read" not in section
    read = section[section.index("- **security_hawk**: at CV precision 0.00 most of its decisions are wrong"):]
    examples = re.findall(r"^  - “(.+)” \(ZDNET, (\d{4}-\d\d-\d\d), <(https://[^>]+)>; read by b\)$", read, flags=re.M)
    assert [(e[1], e[2].split("/")[-2][:22]) for e in examples] == [("2025-11-07", "a-new-chinese-ai-model")]
    assert examples[0][0].startswith("hot released its new Kimi K2 Thinking model")
    # with an interval limit narrower than security_hawk's interval its share is withheld, named, with the reason
    narrow = 0.99 * (row[2] - row[1]) / 2
    text = write_report(con, tmp_path / "report.md", topics=top_topics(con, 2),
                        shares=panel_shares(counts, stance_quality(con)["gold"], share_errors(con), seed=0),
                        params={**PARAMS, "max_share_error": 0.05, "max_share_halfwidth": narrow}, figures=figures,
                        pages=[tmp_path / "html" / "topics.html"], quality=stance_quality(con), actor_metrics=metrics)
    section = text[text.index("## 3."):text.index("## 4.")]
    assert (f"| security_hawk | 0.00 | 0.00 | 1 | not measurable | not quoted: {acc}, interval too wide | — | "
            "8.0 / 5.0 / 6.0 pts |") in section
    assert f"**{acc}**" not in section and "has a 95 % interval too wide to quote" in section
    assert "- **security_hawk**: at CV precision 0.00 most of its decisions are wrong" in section  # read examples


def test_a_pcc_share_with_the_smallest_error_is_the_one_quoted(tmp_path):
    """Session 31: the mean probability (PCC) had the smallest cross-validated share error for
    `security_hawk` and `pro_china_tools` on the corpus. Where its error is the smallest, section 3
    bolds the PCC share, for a measurable stance and for one whose decisions are not measurable (whose
    share is then quoted by its PCC error and PCC band), and the table gives all three errors. The
    stage's table marks the same estimator ``quoted`` where it can (a measurable stance)."""
    from pipeline import workspace
    from tests.report_warehouse import build

    db, _ = build(tmp_path / "wh")
    with duckdb.connect(str(db)) as rw:
        rw.execute("UPDATE stance_quantification_error SET mean_abs_error = 0.02 WHERE method = 'pcc'")
    con = workspace.open_warehouse(db)
    errors = share_errors(con)
    assert errors["security_hawk"] == (0.05, 0.08, 0.02, 0.07)   # ACC, CC, PCC and the prior baseline
    # ACC 5.0 pts alone would not pass a 0.04 limit; PCC's 2.0 does
    assert share_only_stances(["pro_open_source"], errors, 0.04) == (["security_hawk", "pro_china_tools"], [])
    counts, _ = monthly_stance(con, 1)
    figures, metrics = _figures(tmp_path), ACTOR_METRICS
    text = write_report(con, tmp_path / "report.md", topics=top_topics(con, 2),
                        shares=panel_shares(counts, stance_quality(con)["gold"], errors, seed=0),
                        params={**PARAMS, "max_share_error": 0.04}, figures=figures,
                        pages=[tmp_path / "html" / "topics.html"], quality=stance_quality(con), actor_metrics=metrics)
    section = text[text.index("## 3."):text.index("## 4.")]
    cells = {}
    for lab in ("pro_open_source", "security_hawk"):
        r = con.execute("SELECT share_cc, share_acc, lo, hi, share_pcc, pcc_lo, pcc_hi FROM stance_shares "
                        "WHERE grouping = 'all' AND label = ?", [lab]).fetchone()
        assert abs(r[4] - con.execute("SELECT mean_p FROM report_stance_mean_probability WHERE label = ?",
                                      [lab]).fetchone()[0]) < 1e-9   # PCC is the mean probability
        # PCC's band: its sampling interval widened by its worst held-out fold's error (0.1 here)
        cells[lab] = (_pct(r[0]), f"{_pct(r[1])} ({100 * r[2]:.1f}–{100 * r[3]:.1f})",
                      f"{_pct(r[4])} ({100 * max(0, r[5] - 0.1):.1f}–{100 * min(1, r[6] + 0.1):.1f})")
    cc, acc, pcc = cells["pro_open_source"]
    assert f"| {cc} | {acc} | **{pcc}** | 8.0 / 5.0 / 2.0 pts |" in section
    _, acc, pcc = cells["security_hawk"]
    assert f"| security_hawk | 0.00 | 0.00 | 1 | not measurable | {acc} | **{pcc}** | 8.0 / 5.0 / 2.0 pts |" in section
    assert "the bold model share (ACC corrects for those errors, PCC counts no decision)" in section
    con.close()


def test_pages_cache_key_covers_only_the_pages_module(wh, tmp_path, monkeypatch):
    import pipeline.report.pages as pages
    import pipeline.stage_cache as stage_cache

    con, _ = wh
    seen = {}

    class Stop(Exception):
        pass

    def fake(*parts, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(stage_cache, "fingerprint", fake)
    model = tmp_path / "bertopic"
    model.mkdir()
    (model / "topics.json").write_text("{}")
    with pytest.raises(Stop):
        pages.topic_pages(con, model, tmp_path / "html", top_topics(con, 2), cache_dir=tmp_path / "cache")
    assert seen["modules"] == [pages]
    assert Path(seen["modules"][0].__file__).name == "pages.py"
    with pytest.raises(FileNotFoundError):
        pages.topic_pages(con, tmp_path / "missing", tmp_path / "html", top_topics(con, 2))


def test_quote_bolds_the_sentence_sharing_most_words_with_the_claim():
    from pipeline.report.narrative_examples import _splitter, quote
    from tests.report_warehouse import documents

    body = documents().set_index("name").at["news3", "text"]  # a real ZDNET article

    sents = [s.text.strip() for s in _splitter()(body).sents]
    target = sents[3]
    out = quote(body, claim=target, limit=len(target) + 60)
    assert f"**{target}**" in out.replace("\\|", "|")
    assert out.startswith("… ") and out.endswith(" …")  # cut on both sides
    plain = out.replace("**", "").removeprefix("… ").removesuffix(" …").replace("\\|", "|")
    assert "".join(plain.split()) in "".join(body.split()) and len(plain) <= len(target) + 60  # sentences in order
    # no word in common with the claim: the passage from its start; entities unescaped, pipes escaped
    assert quote("Alpha &amp; beta | gamma. Delta.", claim="zzzz qqqq") == "Alpha & beta \\| gamma. Delta."
    assert quote("Only one sentence about security risk.", claim="security risk") == \
        "Only one sentence about security risk."  # one sentence: no bold


def test_quotes_elide_the_recap_metadata_of_real_recap_lines():
    """The recap's own counts after a Reddit title are not quoted as the post's words: in
    narrative examples, stance evidence and discovery excerpts they become "[…]"."""
    import json

    from pipeline.config import CORPORA_DIR
    from pipeline.report.cells import excerpt, without_recap_meta
    from pipeline.report.narrative_examples import quote

    recaps = CORPORA_DIR / "demo" / "social" / "ainews_social_recaps.jsonl"
    texts = [json.loads(x)["text"] for x in recaps.read_text(encoding="utf-8").splitlines()]
    with_meta = [t for t in texts if re.search(r"\((?:Score|Activity): \d", t)]
    assert len(with_meta) > 100
    for t in with_meta[:50]:
        for out in (without_recap_meta(t), quote(t, claim="models"), excerpt(t, 400)):
            assert "Score:" not in out and "Activity:" not in out, out
        assert without_recap_meta(t).count("[…]") == len(re.findall(r"\((?:Score|Activity):", t))
    title = next(t for t in with_meta if t.startswith("Trump administration reportedly considers a US DeepSeek ban"))
    assert without_recap_meta(title).startswith("Trump administration reportedly considers a US DeepSeek ban […]: ")
    assert without_recap_meta("Qwen (2.5) scored (Scored well)") == "Qwen (2.5) scored (Scored well)"


def test_relevance_lines_quote_the_metrics_and_count_admissions(wh, tmp_path):
    import json

    from pipeline.config import METRICS_DIR
    from pipeline.report.relevance_line import relevance_lines

    con, _ = wh
    m = json.loads((METRICS_DIR / "relevance.json").read_text())
    w = m["query"]["weighted"]
    m["classifier_cv"]["thresholds"] = {"recap": 0.73, "forum": None, "news": 0.8}
    (tmp_path / "relevance.json").write_text(json.dumps(m))
    text = relevance_lines(con, tmp_path / "relevance.json")[0]
    assert f"precision for on-topic documents (any label but `off_topic`) is {w['precision']:.2f} " \
           f"(95 % CI {w['precision_ci'][0]:.2f}–{w['precision_ci'][1]:.2f})" in text
    assert f"{m['query']['n_labels']:,} read documents" in text
    assert "p ≥ 0.80 for news, 0.73 for recap, the grouped-CV thresholds per source type for precision ≥ 0.90; " \
           "no threshold reached it for forum)." in text
    assert "**0 documents** below the threshold" in text  # the fixture's documents have no admission
    both = m["query_plus_classifier_cv"]["weighted"]
    assert f"together (out-of-fold admissions) reach recall {both['recall']:.3f} " \
           f"({both['recall_ci'][0]:.2f}–{both['recall_ci'][1]:.2f}), against {w['recall']:.3f} for the query " \
           f"alone, at precision {both['precision']:.2f}" in text
    m["classifier_cv"]["thresholds"] = {"recap": None, "forum": None}
    (tmp_path / "relevance.json").write_text(json.dumps(m))
    assert "together" not in relevance_lines(con, tmp_path / "relevance.json")[0]  # nothing admitted, no such line
    assert "not found" in relevance_lines(con, tmp_path / "missing.json")[0]
    # admitted documents read afterwards: the fixture's real documents, three of them marked admitted
    import duckdb

    docs = con.execute("SELECT doc_id, source_type, duplicate_of FROM documents WHERE duplicate_of IS NULL "
                       "ORDER BY doc_id LIMIT 3").df().assign(admitted_by="classifier")
    mem = duckdb.connect()
    mem.register("admitted_docs", docs)
    mem.execute("CREATE TABLE documents AS SELECT * FROM admitted_docs")
    m["admitted_read_after"] = {"n_admitted": 3, "n_read": 1, "n_on_topic": 1, "n_reserved": 1, "n_training": 1,
                                "precision": 1.0, "precision_ci": [0.207, 1.0]}
    (tmp_path / "relevance.json").write_text(json.dumps(m))
    text = relevance_lines(mem, tmp_path / "relevance.json")[0]
    assert "**3 documents** below the threshold" in text
    assert "1 of 1 are on topic (precision 1.00, 95 % Wilson 0.21–1.00); of the other 2 admitted, 1 is its " \
           "training label (in sample), 1 is reserved for evaluation and 0 were not read." in text
    m["admitted_read_after"].update(n_admitted=5, n_training=2)
    (tmp_path / "relevance.json").write_text(json.dumps(m))
    assert "of the other 4 admitted, 2 are its training labels (in sample), 1 is reserved for evaluation and 1 " \
           "was not read." in relevance_lines(mem, tmp_path / "relevance.json")[0]
    m["admitted_read_after"]["n_read"] = 0
    (tmp_path / "relevance.json").write_text(json.dumps(m))
    assert "Read after admission" not in relevance_lines(mem, tmp_path / "relevance.json")[0]


def test_a_quoted_example_keeps_the_passages_own_characters():
    """A real X post (x_deepseek 1886253800773869737) was quoted as
    "…closed-source? (** I think …": the sentences were re-joined with a
    space and the bold closed after an opening bracket. The quote now keeps
    the passage's characters and bolds the best sentence without the bracket."""
    import csv

    from pipeline.config import CORPORA_DIR
    from pipeline.report.narrative_examples import quote

    with (CORPORA_DIR / "demo/social/x_posts_deepseek_2025-02-03.csv").open(encoding="utf-8", newline="") as f:
        post = next(cell for row in csv.reader(f) if row and row[0] == "1886253800773869737" for cell in row
                    if "closed-source? (I think" in cell)
    out = quote(post, "In the face of DeepSeek large models should be open source or closed-source")
    assert "closed-source?** (I think" in out and "(**" not in out
    assert out.replace("**", "").replace("… ", "").replace(" …", "") in " ".join(post.split())


def test_stance_examples_cite_read_passages_before_the_models_unread_evidence(wh):
    """Session-26 review: the model's most probable security_hawk passage argued for lifting export
    controls. Section 3 now cites passages read as the stance (and predicted so out of fold) first, and the
    model's evidence only to fill up, marked "not read"."""
    from pipeline.report.stance_shares import evidence_lines

    con, _ = wh
    read_text = con.execute("SELECT p.text FROM stance_passage_labels l JOIN passages p USING (passage_id) "
                            "WHERE l.label = 'security_hawk' AND l.cv_prediction = l.label").fetchone()[0]
    lines = evidence_lines(con, ["security_hawk", "pro_open_source"], per_stance=2)
    hawk = [line for line in lines if line.startswith("- **security_hawk**")]
    assert hawk[0].startswith("- **security_hawk** (read by b): “")
    assert " ".join(read_text.split())[:60] in hawk[0] and "<https://www.zdnet.com/" in hawk[0]
    assert all("(not read; passage probability" in line for line in hawk[1:])
    # the passage read as security_hawk but predicted neutral out of fold is not cited as an example
    missed = con.execute("SELECT p.text FROM stance_passage_labels l JOIN passages p USING (passage_id) "
                         "WHERE l.cv_prediction <> l.label").fetchone()[0]
    assert not any(" ".join(missed.split())[:60] in line for line in hawk)
    pos = [line for line in lines if line.startswith("- **pro_open_source**")]
    assert len(pos) == 2 and all("(not read; passage probability" in line for line in pos)  # none read


def test_an_acc_share_clipped_at_zero_in_every_replicate_has_no_interval():
    """Session-26 review: "off_topic … ACC 0.0 % (0.0–0.0)" read as a certain zero, while every bootstrap
    replicate's solve had clipped the share at 0 (metrics of the session-25 build)."""
    from pipeline.report.cells import acc_cell

    assert acc_cell(0.0, 0.0, 0.0) == "0.0 % (clipped at 0 in every replicate: no interval)"
    assert acc_cell(0.0, 0.0, 0.015) == "0.0 % (0.0–1.5)"  # some replicates above 0: a real upper bound
    assert acc_cell(0.058, 0.0, 0.145) == "5.8 % (0.0–14.5)"


def test_a_narrative_under_the_quality_rule_gets_no_share(tmp_path):
    """Session-27 review: `china.adoption` (CV precision 0.24, recall 0.15) was given shares by month up to
    12 %, while section 3 withholds the share of a stance whose CV precision or recall is under
    ``report.min_recall``. The same rule holds for the narratives: such a claim's row and figure panel
    say "not measurable", and the others keep their shares."""
    import duckdb

    from pipeline.report.coverage import Panel
    from pipeline.report.narrative_figure import figure_claims_by_month
    from pipeline.report.narrative_section import (
        SHOWN_MONTHS,
        claim_quality,
        claim_trend,
        claims_section,
        unmeasurable_claims,
    )
    from tests.report_warehouse import build

    db, _ = build(tmp_path)
    con = duckdb.connect(str(db))
    # ten read passages carry china.adoption and china.catching_up; cross-validation finds catching_up in
    # all ten and adoption in one (recall 0.10); the fixture's one label, risk.misuse, is never found
    con.executemany("INSERT INTO narrative_labels VALUES (?, 'extra.jsonl', NULL, NULL, 'exact', "
                    "['china.adoption', 'china.catching_up'], ?, [], 'b')",
                    [(i, ["china.catching_up"] + (["china.adoption"] if i == 0 else [])) for i in range(10)])
    claims = claim_quality(con)[0].query("not catch_all")
    low = unmeasurable_claims(claims, 0.2)
    assert low == {"risk.misuse": "CV precision 0.00 and recall 0.00", "china.adoption": "CV recall 0.10"}
    assert unmeasurable_claims(claims, 0.0) == {}
    panel = Panel(("technews",), tuple(pd.date_range("2025-09-01", "2025-11-01", freq="MS").date))
    quality = stance_quality(con)
    kw = dict(figure="n.png", stance_quality=quality, measurable=measurable_stances(quality, 0.2),
              errors=share_errors(con))
    lines = claims_section(con, panel, 1, min_recall=0.2, **kw)
    row = next(line for line in lines if line.startswith("| `china.adoption`"))
    assert "| not measurable (CV recall 0.10 < 0.20) |" in row and row.count("not measurable") == 1 + min(
        SHOWN_MONTHS, len(panel.months)) and "%" not in row
    kept = next(line for line in lines if line.startswith("| `china.catching_up`"))
    assert "not measurable" not in kept and "%" in kept
    note = "**Not measurable:** `risk.misuse`, `china.adoption`: cross-validated"
    assert any(line.startswith(note) for line in lines)
    # without the rule both rows carry shares, as before
    lines = claims_section(con, panel, 1, min_recall=0.0, **kw)
    assert "%" in next(line for line in lines if line.startswith("| `china.adoption`"))
    assert not any(line.startswith("**Not measurable:**") for line in lines)
    # the figure's panel says so instead of drawing a share
    trend, cells = claim_trend(con, panel, 1)
    grid = figure_claims_by_month(trend, cells, claims["narrative"].tolist(), tmp_path / "n.png", panel=panel,
                                  min_docs=1, unmeasurable=low)
    assert (tmp_path / "n.png").stat().st_size > 10_000 and set(grid["narrative"]) == set(claims["narrative"])
    con.close()


def test_a_topics_peak_month_is_taken_over_the_panel_not_the_collection(wh, tmp_path, monkeypatch):
    """Session-27 review: section 5's "peak month" came from the topics table, over all sources, so five of
    the fifteen topics "peaked" in 2025-02, the month of the one-day X collection and of the RFI comments
    dated at their docket's window. It is now the measured month of the figure's panel in which the topic
    holds the largest share of the discovery passages: the heatmap's own cells."""
    from pipeline.report import discovery_section as discovery_section_module
    from pipeline.report.coverage import Panel, coverage_line, panel_narratives
    from pipeline.report.discovery_section import discovery_section, panel_peaks
    from pipeline.report.figures import figure_narrative_heatmap

    con, _ = wh
    panel = Panel(("technews",), tuple(pd.date_range("2025-07-01", "2026-02-01", freq="MS").date))
    frame, cells = panel_narratives(con, panel, 1)
    topics = top_topics(con, 3)
    grid, _ = figure_narrative_heatmap(con, tmp_path / "h.png", topics, panel=panel, min_docs=1)
    monkeypatch.setattr(discovery_section_module, "MIN_PEAK_PASSAGES", 1)  # the fixture's months hold 1-2 passages
    peaks = panel_peaks(frame, cells)
    assert {k: m for k, (m, _, _) in peaks.items()} == {k: grid.loc[k].idxmax() for k in grid.index
                                                        if grid.loc[k].max() > 0}
    # N-01: 2 of 2 technews discovery passages in 2025-10, 1 of 2 in 2026-02; the topics table says 2024-03
    assert peaks["N-01"] == (pd.Timestamp("2025-10-01"), 2, 2)
    assert pd.Timestamp(topics.set_index("topic_key").at["N-01", "peak_month"]) != peaks["N-01"][0]
    assert panel_peaks(*panel_narratives(con, panel, 3)) == {}  # no month measured: no peak
    lines = discovery_section(con, top_topics(con, 2), {}, "h.png",  # N-04 has no dated passage: no first month
                              scope=coverage_line(panel, cells, "discovery passages"), peaks=peaks)
    assert any("| peak month (panel) |" in line for line in lines)
    assert "| 2025-10 (2 of 2) |" in next(line for line in lines if line.startswith("| N-01 |"))
    # a month needs MIN_PEAK_PASSAGES of the topic's passages: with 2, N-04 (1 passage in 2025-07) has no peak
    monkeypatch.setattr(discovery_section_module, "MIN_PEAK_PASSAGES", 2)
    peaks = panel_peaks(frame, cells)
    assert peaks["N-01"][0] == pd.Timestamp("2025-10-01") and "N-04" not in peaks
    lines = discovery_section(con, top_topics(con, 2), {}, "h.png",
                              scope=coverage_line(panel, cells, "discovery passages"), peaks={})
    assert "| too few (no month with 2 passages) |" in next(line for line in lines if line.startswith("| N-01 |"))


def test_an_evidence_that_starts_mid_sentence_is_quoted_from_the_sentence_start():
    """Session-27 review: readers' evidence spans can start mid-sentence ("supports: chip controls on China, …",
    "calling it a canonical example of why they open-sourced"), and the quote then began there, without
    who says it ("Anthropic … instead supports", "MiniMax said …"). The quote now starts where the evidence's
    sentence starts; the evidence alone stays bold (real AINews recap records)."""
    import json

    from pipeline.config import CORPORA_DIR
    from pipeline.report.narrative_examples import quote

    recaps = CORPORA_DIR / "demo" / "social" / "ainews_social_recaps.jsonl"
    texts = [json.loads(x)["text"] for x in recaps.read_text(encoding="utf-8").splitlines()]
    for evidence, speaker in (("calling it a canonical example of why they open-sourced", "MiniMax said"),
                              ("supports: chip controls on China, anti-industrial-scale distillation measures",
                               "Anthropic published a position statement")):
        text = next(t for t in texts if evidence in t)
        out = quote(text, claim="open models", evidence=evidence)
        assert re.search(r"\*\*(.+?)\*\*", out).group(1) == evidence, out
        assert speaker in out.split("**")[0], out
        flat = " ".join(text.split())
        start = flat.index(out.removeprefix("… ")[:40])
        assert start == 0 or flat[start - 2] in ".!?:", out  # a sentence start


def test_stance_examples_read_as_the_stance_come_from_different_documents_first(tmp_path):
    """Session-27 re-review: both `pro_open_source` examples of section 3 were passages of one NTIA comment.
    Read examples now take one passage per document before a second passage of the same document, and
    (session-28 review) a passage that fits in the quote width before one that would be cut."""
    import duckdb

    from pipeline.report.stance_shares import _read_rows
    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    # news3's passage 1 is read security_hawk (and so predicted out of fold); add its passage 0 and news1's 1
    one, other = f"{ids['news3']}-0000", f"{ids['news1']}-0001"
    assert one < f"{ids['news3']}-0001" < other  # by passage id alone, news3's two passages would come first
    con.execute("INSERT INTO stance_passage_labels VALUES (3, 'x.jsonl', 'news3', ?, ?, 'exact', 'security_hawk', "
                "'b', 'security_hawk'), (4, 'x.jsonl', 'news1', ?, ?, 'within', 'security_hawk', 'b', 'security_hawk')",
                [ids["news3"], one, ids["news1"], other])
    texts = dict(con.execute("SELECT passage_id, text FROM passages").fetchall())
    rows = _read_rows(con, "security_hawk", 3, width=100_000)
    assert rows["text"].tolist() == [texts[one], texts[other], texts[f"{ids['news3']}-0001"]]
    # session-28 review: an example cut at the quote width can lose the sentence that carries its stance, so a
    # passage that fits whole comes before a longer one (one per document still first)
    two = f"{ids['news3']}-0001"
    assert len(texts[one]) == 400 and len(texts[two]) == len(texts[other]) == 300  # tests/report_warehouse.py
    rows = _read_rows(con, "security_hawk", 3, width=300)
    assert rows["text"].tolist() == [texts[two], texts[other], texts[one]]
    # a passage that only overlaps the text read, or lies inside it, is not cited for words nobody read
    con.execute("UPDATE stance_passage_labels SET match = 'overlap' WHERE passage_id = ?", [other])
    con.execute("UPDATE stance_passage_labels SET match = 'contains' WHERE passage_id = ?", [one])
    assert _read_rows(con, "security_hawk", 3, width=300)["text"].tolist() == [texts[two]]
    con.close()


def test_a_passage_cited_for_one_narrative_comes_after_others_for_the_next(tmp_path):
    """Session-31 review: one AINews line was the example of three narratives. A passage read as two
    claims is cited for the first (taxonomy order); the second cites another passage read as it, and
    the first passage again only where no other is left."""
    from pipeline.report.narrative_examples import examples
    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    keys = [r[0] for r in con.execute("SELECT narrative FROM narrative_taxonomy ORDER BY position").fetchall()]
    both, other = con.execute("SELECT passage_id FROM passages WHERE doc_id = ? AND citable ORDER BY idx LIMIT 1",
                              [ids["news3"]]).fetchone()[0], \
        con.execute("SELECT passage_id FROM passages WHERE doc_id = ? AND citable ORDER BY idx LIMIT 1",
                    [ids["news1"]]).fetchone()[0]
    con.execute("DELETE FROM narrative_labels")
    con.executemany("INSERT INTO narrative_labels VALUES (?, 'extra.jsonl', ?, ?, 'exact', ?, [], ?, 'b')",
                    [(1, ids["news3"], both, [keys[3], keys[4]], ["", ""]),
                     (2, ids["news1"], other, [keys[4]], [""])])
    one = examples(con, 1)
    read = one[one["annotator"].notna()].set_index("narrative")["passage_id"]
    assert read[keys[3]] == both and read[keys[4]] == other   # not `both` twice
    two = examples(con, 2)
    assert two[two["narrative"] == keys[4]]["passage_id"].tolist()[:2] == [other, both]   # reused last
    assert list(dict.fromkeys(two["narrative"])) == [k for k in keys if k in set(two["narrative"])]  # taxonomy order
    con.close()


def test_a_document_cited_for_one_narrative_comes_after_other_documents_for_the_next(tmp_path):
    """Session-32 review: 11 of section 2's 39 examples came from 5 documents. After the passages not yet
    cited, a passage of a document not yet cited comes before one of a document already cited."""
    from pipeline.report.narrative_examples import examples
    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    keys = [r[0] for r in con.execute("SELECT narrative FROM narrative_taxonomy ORDER BY position").fetchall()]
    first = {n: con.execute("SELECT passage_id FROM passages WHERE doc_id = ? AND citable ORDER BY idx",
                            [ids[n]]).fetchall() for n in ("news1", "news3")}
    assert all(len(v) >= 2 for v in first.values())
    con.execute("DELETE FROM narrative_labels")
    con.executemany("INSERT INTO narrative_labels VALUES (?, 'extra.jsonl', ?, ?, 'exact', ?, [], [''], 'b')",
                    [(1, ids["news1"], first["news1"][0][0], [keys[4]]),
                     (2, ids["news3"], first["news3"][0][0], [keys[4]])])
    alone = examples(con, 2)
    order = alone[alone["narrative"] == keys[4]][["doc_id", "passage_id"]].values.tolist()
    assert len(order) == 2
    # an earlier narrative cites another passage of the document that came first
    other = next(p for (p,) in first["news1" if order[0][0] == ids["news1"] else "news3"] if p != order[0][1])
    con.execute("INSERT INTO narrative_labels VALUES (3, 'extra.jsonl', ?, ?, 'exact', ?, [], [''], 'b')",
                [order[0][0], other, [keys[3]]])
    got = examples(con, 2)
    assert got[got["narrative"] == keys[3]]["passage_id"].tolist() == [other]
    assert got[got["narrative"] == keys[4]]["passage_id"].tolist() == [order[1][1], order[0][1]]
    con.close()


def test_a_bold_model_share_outside_the_interval_by_reading_is_named(wh):
    """Section 3's shares by reading are the check on the model's: a bold model share outside the 95 %
    interval by reading is named with its estimator (the session-31 build's `pro_open_source` CC share,
    1.9 %, lay below its share by reading, 2.0–4.3 %)."""
    from pipeline.report.stance_shares import sample_lines

    con, _ = wh
    share, lo, hi = con.execute("SELECT share, lo, hi FROM stance_sample_shares WHERE label = 'pro_open_source'"
                                ).fetchone()
    inside = {"pro_open_source": ("CC", (lo + hi) / 2)}
    assert not any(line.startswith("Bold model shares outside") for line in sample_lines(con, inside))
    below = {"pro_open_source": ("CC", lo - 0.001), "neutral": ("PCC", 0.5)}
    lines = [line for line in sample_lines(con, below) if line.startswith("Bold model shares outside")]
    assert len(lines) == 1 and lines[0].startswith(
        f"Bold model shares outside the interval by reading of the same documents, so likely off: pro_open_source "
        f"(CC {_pct(lo - 0.001)})")


def test_a_top_list_names_the_rows_that_tie_with_its_last():
    """Session-32 review: `control.ban`'s "top 3 listed actors" showed three actors with 1 quote each and
    silently dropped a fourth with 1; the name order decided. The rows tied with the last shown are counted."""
    from pipeline.report.narrative_carriers import _tied

    assert _tied(pd.Series([3, 1, 1, 1]), 3) == ", and 1 more with 1"
    assert _tied(pd.Series([1, 1, 1, 1, 1]), 3) == ", and 2 more with 1"
    assert _tied(pd.Series([3, 2, 1, 1]), 2) == ""
    assert _tied(pd.Series([3, 2]), 3) == ""


def test_shares_by_source_type_name_what_each_row_leaves_out(tmp_path):
    """Session-33 review: "592 of 622" policy documents left the reader guessing which 30 are missing (20 NTIA
    comments reserved for evaluation: each is its own file, so it holds no label). The table says the
    documents are those in files with labels, and a note lists the rest by source."""
    import duckdb

    from pipeline.report.sample_types import sample_type_lines
    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    recap = con.execute("SELECT doc_id FROM documents d JOIN stances USING (doc_id) WHERE d.source = 'ainews' "
                        "ORDER BY doc_id LIMIT 1").fetchone()[0]
    con.execute("UPDATE documents SET source_type = 'news' WHERE doc_id = ?", [recap])  # a news file with no label
    text = "\n".join(sample_type_lines(con))
    assert re.search(r"^\| news \| 5 \(of 6\) \| 2 \| ", text, flags=re.M)
    assert "Left out, in files that hold no label" in text and "news 1 (ainews 1)." in text
    assert "Most of a row is one file: news, all in `technews.jsonl`." in text
    assert "No labelled document, so no row: policy (1 document), recap (1 document)." in text


def test_shares_by_reading_per_quarter_name_each_periods_counts_intervals_and_a_test(tmp_path):
    """Session 34: per trend source, each quarter's documents, labelled documents and the three stances' shares
    by reading (table ``stance_sample_shares_by_period``); a quarter with fewer than 30 labels shows no share;
    partial first and last quarters are marked; a permutation test of equal shares follows. Real recap labels
    and real recap issue dates (paired in file order) in a real DuckDB; a source outside the panel: no table."""
    from pipeline.config import DEMO_CORPUS_DIR
    from pipeline.report.sample_periods import period_heading, sample_period_lines
    from pipeline.stance.sample_shares import period_start, sample_shares_by_period

    LABELS = workspace.LABELS
    rows = [json.loads(x) for x in (DEMO_CORPUS_DIR.parent / "labels" / "stance_v1.jsonl").read_text().splitlines()]
    recap = [r["label"] for r in rows if r["source"].endswith("ainews_social_recaps.jsonl")][:400]
    raw = (DEMO_CORPUS_DIR / "social" / "ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()
    dates = pd.to_datetime([json.loads(x)["issue_date"] for x in raw[::2][:800]], utc=True)
    docs = pd.DataFrame({"doc_id": [f"d{i:04d}" for i in range(800)], "source": "ainews_recaps",
                         "source_file": "demo/social/ainews_social_recaps.jsonl", "published_at": dates})
    labelled = docs.iloc[::2].assign(label=recap)   # every other document read
    dated = docs.assign(period=period_start(docs["published_at"], "quarter"))
    shares = sample_shares_by_period(dated.merge(labelled[["doc_id", "label"]]), dated, LABELS).assign(unit="quarter")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for name, frame in (("documents", docs), ("stances", docs[["doc_id"]]),
                        ("stance_labels", labelled[["doc_id", "label"]]), ("stance_sample_shares_by_period", shares)):
        con.register("f", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM f")
        con.unregister("f")
    text = "\n".join(sample_period_lines(con, ["ainews_recaps", "other"]))
    assert "**Per quarter, by reading** (table `stance_sample_shares_by_period`" in text and "`other`" not in text
    n_read = labelled.groupby(period_start(labelled["published_at"], "quarter")).size()   # aligned by index
    n_docs = dated.groupby("period").size()
    first, last = docs["published_at"].min(), docs["published_at"].max()
    assert n_read.min() < 30 <= n_read.max()
    for when, k in n_read.items():
        got = shares[shares["period"] == when].set_index("label")
        heading = period_heading(when, "quarter", first, last)
        c, lo, hi = (100 * got[col].reindex(LABELS[:3]) for col in ("corpus_share", "corpus_lo", "corpus_hi"))
        cells = ["—"] * 3 if k < 30 else [
            f"{c[s]:.1f} % ({lo[s]:.1f}–{hi[s]:.1f})" if hi[s] > lo[s] else f"{c[s]:.1f} %" for s in LABELS[:3]]
        assert f"| {heading} | {n_docs[when]:,} | {k} | {' | '.join(cells)} |" in text, heading
    assert f"| {period_heading(n_read.index[0], 'quarter')} (from {first:%m-%d}) |" in text   # issues begin 03-04
    assert "No share where fewer than 30 documents are labelled: " in text
    tested = int(n_read[n_read >= 30].sum())
    assert re.search(rf"\(\d+ quarters, {tested:,} labels; permutation test .*\): pro_open_source p = 0\.\d{{3}}, "
                     r"security_hawk p [=<] [\d.]+, pro_china_tools p = 0\.\d{3}\.", text)
    assert period_heading("2025-03-01", "month", last="2025-03-31") == "2025-03"   # a whole month
    assert period_heading("2025-01-01", "year", last="2025-06-30T23:30:00-02:00") == "2025 (to 07-01)"  # in UTC
    con.close()

