"""End-to-end smoke test: the real DVC DAG (``dvc repro``) in a scratch copy
of the project whose ``corpora/`` is a small slice of the shipped corpus.

The slice is small (about 60 records per file), so the scratch ``params.yaml``
shrinks the topic model's minimum cluster size and the stance CV folds; every
other parameter is the shipped one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from pipeline.config import PROJECT_ROOT, load_params
from tests.conftest import run_in as _run

pytestmark = pytest.mark.e2e

TABLES = ("documents", "rejects", "manifest", "passages", "embeddings", "topics", "passage_topics", "doc_topics",
          "topics_over_time", "topic_key_history", "topic_representatives", "stances", "passage_stances",
          "zero_shot_stances", "stance_labels", "actors", "entities", "quotes", "quote_stances", "quote_stance_labels",
          "comment_sources",
          "narrative_taxonomy", "passage_narratives", "passage_narrative_probabilities", "doc_narratives",
          "narratives_over_time", "narrative_labels")
VIEWS = ("corpus", "source_summary", "topic_passages", "stance_over_time", "stance_over_time_by_source_type",
         "topic_stance", "source_stance", "actor_stance", "outlet_quotes", "narrative_stance", "narrative_sources",
         "actor_narratives")

#: The discovery passages (issue 19, part 4): narrative passages with no narrative of the taxonomy but the
#: catch-all (pipeline/topics/discovery.py, topics.discovery.min_p 0).
DISCOVERY = """SELECT p.passage_id, p.doc_id FROM passages p WHERE p.in_narratives AND p.passage_id NOT IN (
    SELECT pn.passage_id FROM passage_narratives pn JOIN narrative_taxonomy t USING (narrative)
    WHERE NOT t.catch_all)"""


@pytest.fixture(scope="module")
def project(e2e_project) -> Path:
    """The scratch project built by ``dvc repro`` (``tests/conftest.py``)."""
    return e2e_project


def _db(project: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(project / "data/debate.duckdb"), read_only=True)


def test_dvc_repro_builds_the_warehouse_from_every_source(project):
    con = _db(project)
    n_sources = con.sql("SELECT count(DISTINCT source) FROM documents").fetchall()[0][0]
    assert n_sources == 17
    n, dated = con.sql("SELECT count(*), count(published_at) FROM documents").fetchall()[0]
    assert dated / n >= 0.98
    assert con.sql("SELECT count(*) FROM corpus").fetchall()[0][0] > 0
    metrics = json.loads((project / "metrics/clean.json").read_text())
    assert metrics["n_documents"] == n and len(metrics["sources"]) == 17
    manifest = (project / "corpora/raw/manifest.jsonl").read_text().splitlines()
    assert len(manifest) == con.sql("SELECT count(*) FROM manifest").fetchall()[0][0]


def test_every_table_and_view_is_published(project):
    con = _db(project)
    names = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
    views = {r[0] for r in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert set(TABLES) <= names and set(VIEWS) <= views
    for table in TABLES[3:]:
        assert con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0, table
    for view in VIEWS:
        assert con.sql(f"SELECT count(*) FROM {view}").fetchall()[0][0] > 0, view


def test_every_narrative_passage_is_embedded_and_assigned(project):
    con = _db(project)
    n_narr = con.sql("SELECT count(*) FROM passages WHERE in_narratives").fetchall()[0][0]
    assert con.sql("SELECT count(*) FROM embeddings").fetchall()[0][0] == n_narr
    # discovery (issue 19): the topics hold the narrative passages without a taxonomy narrative
    n_disc = con.sql(f"SELECT count(*) FROM ({DISCOVERY})").fetchall()[0][0]
    assert 0 < n_disc < n_narr
    assert con.sql("SELECT count(*) FROM passage_topics").fetchall()[0][0] == n_disc
    assert con.sql(f"SELECT count(*) FROM passage_topics JOIN ({DISCOVERY}) USING (passage_id)"
                   ).fetchall() == [(n_disc,)]
    assert con.sql("SELECT typeof(vector) FROM embeddings LIMIT 1").fetchall()[0][0] == "FLOAT[384]"
    norm = con.sql("SELECT min(list_dot_product(vector, vector)), max(list_dot_product(vector, vector)) "
                   "FROM embeddings").fetchall()[0]
    assert 0.99 < norm[0] <= norm[1] < 1.01
    # passages are slices of their document
    bad = con.sql("SELECT count(*) FROM passages p JOIN documents d USING (doc_id) "
                  "WHERE substr(d.text, p.char_start + 1, p.char_end - p.char_start) <> p.text").fetchall()[0][0]
    assert bad == 0
    # every corpus document has a stance, and a topic when it has a discovery passage
    n_corpus = con.sql("SELECT count(*) FROM corpus").fetchall()[0][0]
    assert con.sql("SELECT count(*) FROM stances").fetchall()[0][0] == n_corpus
    assert con.sql("SELECT count(DISTINCT doc_id) FROM doc_topics").fetchall()[0][0] == con.sql(
        f"SELECT count(DISTINCT doc_id) FROM ({DISCOVERY}) JOIN corpus USING (doc_id)").fetchall()[0][0]


def test_topics_over_time_covers_every_month_with_documents(project):
    con = _db(project)
    missing = con.sql(f"""
        SELECT DISTINCT CAST(date_trunc('month', published_at AT TIME ZONE 'UTC') AS DATE) AS m FROM corpus
        JOIN ({DISCOVERY}) USING (doc_id) WHERE published_at IS NOT NULL
        EXCEPT SELECT DISTINCT period FROM topics_over_time""").fetchall()
    assert missing == []
    # period words come from that period's passages only
    rows = con.sql("""
        SELECT t.topic_key, t.period, t.top_terms_period, list(lower(p.text)) AS texts
        FROM topics_over_time t JOIN topic_passages p ON p.topic_key = t.topic_key AND p.period = t.period
        GROUP BY ALL""").fetchall()
    assert rows
    for key, period, terms, texts in rows:
        blob = " ".join(texts)
        for term in terms:
            assert all(word in blob for word in term.split()), (key, period, term)


def test_topic_exports_cite_url_and_date(project):
    import csv
    rows = list(csv.DictReader((project / "reports/topics.csv").open(encoding="utf-8")))
    con = _db(project)
    assert len(rows) == con.sql("SELECT count(*) FROM topics").fetchall()[0][0] > 0
    for r in rows:
        assert r["topic_key"].startswith("N-")
        for i in (1, 2, 3):
            if r[f"passage_{i}"]:
                # the cited passage is in the warehouse, citable, with its own record's URL
                row = con.sql("SELECT p.url, p.citable, d.date_precision FROM passages p JOIN documents d "
                              "USING (doc_id) WHERE passage_id = ?", params=[r[f"passage_{i}_id"]]).fetchall()
                assert row[:1] == [(r[f"passage_{i}_url"], True, row[0][2])]
                assert r[f"passage_{i}_url"].startswith("http")
                # a day, or for a comment dated only by its docket's window, the window as an ISO 8601 interval
                day = r"\d{4}-\d\d-\d\d"
                assert re.fullmatch(f"{day}/{day}" if row[0][2] == "window" else day, r[f"passage_{i}_date"]), r
        assert r["passage_1"], r["topic_key"]
    metrics = json.loads((project / "metrics/topics.json").read_text())
    assert metrics["n_topics"] == len(rows)
    assert metrics["outlier_share_after"] <= metrics["outlier_share_before"]
    assert -1 <= metrics["npmi"] <= 1 and 0 < metrics["diversity"] <= 1
    assert 0 <= metrics["label_name_share"] <= 1 and metrics["label_words"] > 0


def test_narratives_are_scored_evaluated_and_published(project):
    from pipeline.narratives.taxonomy import load_narratives

    metrics = json.loads((project / "metrics/narratives.json").read_text())
    keys = load_narratives(project / "corpora/narratives.yaml", sides=load_params("stance")["labels"]).keys
    assert set(metrics["modes"]) == set(keys) and "supervised" in metrics["modes"].values()
    assert 0 <= metrics["evaluation"]["micro_f1"] <= 1 and 0 <= metrics["zero_shot"]["micro_f1"] <= 1
    con = _db(project)
    n = con.sql("SELECT count(*) FROM passage_narrative_probabilities").fetchall()[0][0]
    assert n == metrics["predicted"]["passages"] * len(keys)
    # every document narrative cites a passage of its own document that carries it
    bad = con.sql("SELECT count(*) FROM doc_narratives dn JOIN passages p ON p.passage_id = dn.evidence_passage_id "
                  "ANTI JOIN passage_narratives pn ON pn.passage_id = dn.evidence_passage_id "
                  "AND pn.narrative = dn.narrative WHERE p.doc_id = dn.doc_id").fetchall()[0][0]
    assert bad == 0 and con.sql("SELECT count(*) FROM doc_narratives").fetchall()[0][0] > 0
    assert "## 2. Narratives: the claims of the debate" in (project / "reports/report.md").read_text()


def test_stance_metrics_are_reported(project):
    metrics = json.loads((project / "metrics/stance.json").read_text())
    for block in ("supervised", "zero_shot"):
        assert 0 <= metrics[block]["macro_f1_all"] <= 1
        assert set(metrics[block]["per_class"]) == {"pro_open_source", "security_hawk", "pro_china_tools",
                                                    "neutral", "off_topic"}
    assert (project / "models/stance.skops").stat().st_size > 0
    con = _db(project)
    for decisions, probs, key in (("stances", "stance_probabilities", "doc_id"),
                                  ("passage_stances", "passage_stance_probabilities", "passage_id"),
                                  ("quote_stances", "quote_stance_probabilities", "quote_id")):
        # long form: one row per id and label of params, summing to 1; the label is the most probable
        sums = con.sql(f"SELECT min(t), max(t), min(n), max(n) FROM (SELECT sum(p) AS t, count(*) AS n "
                       f"FROM {probs} GROUP BY {key})").fetchall()[0]
        assert 0.999 < sums[0] <= sums[1] < 1.001 and sums[2] == sums[3] == 5, (probs, sums)
        if decisions == "quote_stances":   # quotes are decided as passages: the saved offsets (issue 18, section 7)
            import numpy as np
            import skops.io as sio

            path = project / "models/stance.skops"
            offsets = sio.load(path, trusted=sio.get_untrusted_types(file=path)).decision_offsets_
            long = con.sql(f"SELECT {key}, label, p FROM {probs}").df()
            long["score"] = np.log(long["p"].clip(lower=1e-9)) + long["label"].map(offsets).fillna(0.0)
            best = long.sort_values([key, "score"], ascending=[True, False]).drop_duplicates(key)
            stored = con.sql(f"SELECT {key}, label FROM {decisions}").df()
            assert best.set_index(key)["label"].sort_index().equals(stored.set_index(key)["label"].sort_index())
        assert con.sql(f"SELECT count(*) FROM {decisions}").fetchall() == con.sql(
            f"SELECT count(DISTINCT {key}) FROM {probs}").fetchall()
    # a document decided a stance names a passage of its own as evidence; neutral and off_topic none
    bad = con.sql("SELECT count(*) FROM stances s LEFT JOIN passages p ON p.passage_id = s.evidence_passage_id "
                  "WHERE (s.label IN ('neutral', 'off_topic')) <> (s.evidence_passage_id IS NULL) "
                  "OR (s.evidence_passage_id IS NOT NULL AND p.doc_id IS DISTINCT FROM s.doc_id)").fetchall()[0][0]
    assert bad == 0


def test_actor_tables_cite_their_text_and_views_add_up(project):
    """Entities and quotes point at their exact characters in ``documents.text``;
    every quote has one stance; the actor views' shares add up to 1; the
    metrics carry the gold-set evaluation."""
    con = _db(project)
    bad = con.sql("SELECT count(*) FROM quotes q JOIN documents d USING (doc_id) "
                  "WHERE substr(d.text, q.start_char + 1, q.end_char - q.start_char) <> q.quote_text").fetchall()[0][0]
    assert bad == 0
    bad = con.sql("SELECT count(*) FROM entities e JOIN documents d USING (doc_id) "
                  "WHERE substr(d.text, e.start_char + 1, e.end_char - e.start_char) <> e.text").fetchall()[0][0]
    assert bad == 0
    # each quote lies in the passage it names
    outside = con.sql("SELECT count(*) FROM quotes q JOIN passages p USING (passage_id) "
                      "WHERE q.start_char < p.char_start OR q.start_char >= p.char_end").fetchall()[0][0]
    assert outside == 0
    n_quotes, n_stances, n_joined = con.sql(
        "SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM quote_stances), "
        "(SELECT count(*) FROM quotes JOIN quote_stances USING (quote_id))").fetchall()[0]
    assert n_quotes > 0 and n_quotes == n_stances == n_joined
    cues = {r[0] for r in con.sql("SELECT DISTINCT cue FROM quotes").fetchall()}
    assert {"comment_author", "reported"} <= cues
    # the ruler's canonical ids are registry actors; Nvidia is an ORG, never a GPE
    assert con.sql("SELECT count(*) FROM entities WHERE actor IS NOT NULL AND actor NOT IN (SELECT actor FROM actors)"
                   ).fetchall()[0][0] == 0
    assert con.sql("SELECT count(*) FROM entities WHERE lower(text) = 'nvidia' AND label <> 'ORG'"
                   ).fetchall()[0][0] == 0
    sums = con.sql("SELECT actor, period, sum(share) s FROM actor_stance GROUP BY ALL HAVING abs(s - 1) > 1e-9"
                   ).fetchall()
    assert not sums
    total = con.sql("SELECT sum(n) FROM outlet_quotes").fetchall()[0][0]
    assert total == con.sql("SELECT count(*) FROM quotes q JOIN documents d USING (doc_id) "
                            "LEFT JOIN actors a ON a.actor = q.speaker_actor LEFT JOIN actors o ON o.actor = a.org "
                            "WHERE speaker_actor <> 'unknown' AND cue <> 'comment_author' AND NOT coalesce("
                            "list_contains(a.aliases, regexp_replace(d.outlet, '^The ', '')), false) AND NOT "
                            "coalesce(list_contains(o.aliases, regexp_replace(d.outlet, '^The ', '')), false)"
                            ).fetchall()[0][0]
    # a public comment is one quote of its submitter
    assert con.sql("SELECT max(n) FROM (SELECT count(*) AS n FROM quotes WHERE cue = 'comment_author' "
                   "GROUP BY doc_id)").fetchall()[0][0] == 1
    metrics = json.loads((project / "metrics/actors.json").read_text())
    assert metrics["quotes"] == n_quotes
    assert metrics["entities"] == con.sql("SELECT count(*) FROM entities").fetchall()[0][0]
    ev = metrics["evaluation"]
    assert ev["gold_quotes"] == 240 and set(ev) >= {"span_exact", "span_partial", "attribution_exact_span",
                                                    "attribution_partial_span"}
    assert 0 < sum(ev["gold_documents_by_source_type"].values()) <= ev["documents"] == 42
    # every quote read for its stance is matched to a quote of the slice or counted unmatched
    qs = metrics["quote_stance_evaluation"]
    others = qs["read_not_by_a_listed_actor_now"]
    label_file = project / "corpora/labels/quote_stance_v1.jsonl"
    n_labels = sum(1 for line in label_file.read_text(encoding="utf-8").splitlines() if line.strip())
    assert qs["label_file"] == label_file.name and qs["read"] + others + qs["unmatched"] == n_labels >= 116
    n_read = con.sql("SELECT count(*) FROM quote_stance_labels JOIN quotes USING (quote_id)").fetchall()[0][0]
    assert qs["read"] + others == n_read


def _digest(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_forcing_topics_again_gives_identical_exports(project):
    """Forced again with its state, the stage keeps the fit (nothing is new);
    without the state it fits anew, and the fit is deterministic: both give
    the same files and table, and the report stage after them the same
    topic exports."""
    exports = [project / "reports/topics.csv", project / "reports/topics.md", project / "models/topics/keys.json",
               project / "metrics/topics.json"]
    before = _digest(exports)
    con = _db(project)
    table_before = con.sql("SELECT * FROM passage_topics ORDER BY passage_id").fetchall()
    con.close()
    metrics_before = json.loads((project / "metrics/topics.json").read_text())
    for drop_state in (False, True):
        if drop_state:
            shutil.rmtree(project / "data/cache/topics")
        out = _run(["dvc", "repro", "-f", "-s", "topics"], project)  # a separate process
        assert ("topics: fitting" in out.stdout) == drop_state, out.stdout[-2000:]
        _run(["dvc", "repro"], project)  # the exports: the warehouse and report stages after it
        metrics = json.loads((project / "metrics/topics.json").read_text())
        # the metrics say why the stage fitted or not; all else is the same
        assert metrics["reason"] == ("no previous fit in the cache" if drop_state else "joined the previous fit")
        if drop_state:  # the same fit again: every topic matches its key, none is new
            events = ("keys_matched", "keys_created", "keys_retired")
            assert [metrics[k] for k in events] == [metrics["n_topics"], 0, 0]
            metrics = {**metrics, **{k: metrics_before[k] for k in events}}
        assert {**metrics, "reason": metrics_before["reason"]} == metrics_before
        files = exports[:-1]  # metrics/topics.json: compared above
        assert _digest(files) == {k: v for k, v in before.items() if k in {p.name for p in files}}
        con = duckdb.connect(str(project / "data/stages/topics.duckdb"), read_only=True)
        assert con.sql("SELECT * FROM passage_topics ORDER BY passage_id").fetchall() == table_before
        con.close()


def test_new_passages_join_the_previous_fit_until_refit_share(project, tmp_path):
    """Fit without a few documents, then run with them: their passages join
    the fitted topics (nearest fit centroid at or above the outlier
    threshold), every fitted passage keeps its topic, and the figures of the
    fit stay. Over ``refit_share``, or after a fitted text changed, it fits anew."""
    import numpy as np

    from pipeline.topics.data import read_narratives
    from pipeline.topics.incremental import load_state, refit_reason
    from pipeline.topics.stage import fit_settings, run

    params = yaml.safe_load((project / "params.yaml").read_text())
    embed_db = project / "data/stages/embed.duckdb"
    clean_db = project / "data/stages/clean.duckdb"
    earlier = tmp_path / "embed_earlier.duckdb"
    shutil.copyfile(embed_db, earlier)
    con = duckdb.connect(str(earlier))
    n_total = con.sql("SELECT count(*) FROM passages WHERE in_narratives").fetchall()[0][0]
    # the last documents by id whose narrative passages make up about 3 % of all
    docs = con.sql("SELECT doc_id, count(*) FILTER (WHERE in_narratives) FROM passages GROUP BY 1 "
                   "ORDER BY 1 DESC").fetchall()
    late, n_late = [], 0
    for doc_id, n in docs:
        if n_late + n > 0.03 * n_total:
            break
        late.append(doc_id)
        n_late += n
    con.execute("CREATE TEMP TABLE late AS SELECT unnest(?::VARCHAR[]) AS doc_id", [late])
    con.execute("DELETE FROM embeddings WHERE passage_id IN (SELECT passage_id FROM passages "
                "WHERE doc_id IN (SELECT doc_id FROM late))")
    con.execute("DELETE FROM passages WHERE doc_id IN (SELECT doc_id FROM late)")
    con.close()
    assert n_late > 0
    topics = {**params["topics"], "refit_share": 0.05}
    state = tmp_path / "state.joblib"
    kwargs = dict(clean_db=clean_db, out_db=tmp_path / "t.duckdb", registry_file=tmp_path / "keys.json",
                  save_model_files=False, state_file=state)

    def table():
        with duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True) as c:
            return {r[0]: r[1:] for r in c.sql("SELECT passage_id, topic_key, probability, assignment "
                                               "FROM passage_topics").fetchall()}

    first = run(topics, params["encoder"], embed_db=earlier, **kwargs)
    assert first["fit_run_id"] == first["run_id"] and first["n_passages_assigned"] == 0
    fitted = table()
    second = run(topics, params["encoder"], embed_db=embed_db, **kwargs)
    now = table()
    assert second["fit_run_id"] == first["run_id"] != second["run_id"]
    assert second["n_passages"] == first["n_passages"] + n_late == len(now)
    assert second["n_passages_fitted"] == first["n_passages"]
    assert {k: second[k] for k in ("npmi", "diversity", "n_topics", "keys_created")} == \
        {k: first[k] for k in ("npmi", "diversity", "n_topics", "keys_created")}
    assert all(now[pid] == row for pid, row in fitted.items())
    new = {pid: row for pid, row in now.items() if pid not in fitted}
    assert {row[2] for row in new.values()} <= {"assigned", "outlier"}
    assert sum(row[2] == "assigned" for row in new.values()) == second["n_passages_assigned"] > 0
    # each assigned passage went to the fit centroid most similar to it, at or above the threshold
    saved = load_state(state)
    data = read_narratives(embed_db, clean_db)
    centroids = np.stack([s.centroid for s in saved["signatures"]])
    key_of = [saved["keys"][s.topic_id] for s in saved["signatures"]]
    rows = {pid: i for i, pid in enumerate(data.frame["passage_id"])}
    for pid, (key, _, assignment) in new.items():
        sims = centroids @ data.embeddings[rows[pid]]
        if assignment == "assigned":
            assert key == key_of[int(sims.argmax())] and sims.max() >= topics["outliers"]["threshold"] - 1e-6
        else:
            assert key == "outlier" and sims.max() < topics["outliers"]["threshold"] + 1e-6

    # what forces a new fit
    registry = hashlib.sha256((tmp_path / "keys.json").read_bytes()).hexdigest()
    topics = fit_settings(topics, None)  # as the stage compares them (no name list in this run)
    assert refit_reason(data, saved, topics, registry) is None
    assert "over refit_share" in refit_reason(data, saved, {**topics, "refit_share": 0.01}, registry)
    changed = read_narratives(embed_db, clean_db)
    changed.frame.loc[0, "text"] += " changed"
    assert "changed or left" in refit_reason(changed, saved, topics, registry)
    assert "settings" in refit_reason(data, saved, {**topics, "seed": topics["seed"] + 1}, registry)
    assert "registry" in refit_reason(data, saved, topics, None)
    third = run({**topics, "refit_share": 0.0}, params["encoder"], embed_db=embed_db, **kwargs)
    assert third["fit_run_id"] == third["run_id"] == second["run_id"] and third["n_passages_assigned"] == 0


def test_stage_caches_give_what_a_fresh_computation_gives(project):
    """The per-document caches that ``dvc repro`` filled (passages, actors)
    return exactly what computing afresh returns, and a forced stance run
    reuses its cached fit and writes the same tables."""
    import pandas as pd

    from pipeline import embed
    from pipeline.actors.extract import extract, extract_fingerprint, extract_incremental, read_documents, read_passages
    from pipeline.actors.quotes import QuoteFinder
    from pipeline.actors.registry import load_actors, load_nlp
    from pipeline.passages import PassageParams, SentenceSplitter, split_corpus
    from pipeline.relevance import RelevanceQuery
    from pipeline.stage_cache import KeyedStore

    params = yaml.safe_load((project / "params.yaml").read_text())
    clean_db = project / "data/stages/clean.duckdb"
    embed_db = project / "data/stages/embed.duckdb"
    e, rel = params["embed"], params["relevance"]
    with duckdb.connect(str(clean_db), read_only=True) as con:
        docs = embed.read_corpus(con)
    query, pparams = RelevanceQuery.from_params(rel), PassageParams.from_params(e.get("passages", {}))
    sentences = SentenceSplitter(e["spacy_model"], e.get("passages", {}).get("sentences", "sentencizer"))
    cache = project / "data/cache/passages"
    assert len(list(cache.glob("passages-*.pkl"))) == 1
    cached = embed.split_cached(docs, query=query, pparams=pparams, sentences=sentences, params=e,
                                relevance_params=rel, cache_dir=cache, progress=False)
    assert cached == list(split_corpus(docs, query=query, params=pparams, sentences=sentences))

    a = params["actors"]
    passages = read_passages(embed_db, clean_db, float(a["min_passage_relevance"]), a["whole_document_sources"],
                             a["author_is_speaker"])
    documents = read_documents(clean_db, passages["doc_id"])
    spec = load_actors(project / "corpora/actors.yaml")
    finder = QuoteFinder(load_nlp(e["spacy_model"], spec), spec)
    code = extract_fingerprint(a, e, project / "corpora/actors.yaml", project / "corpora/organisation_handles.yaml")
    store = KeyedStore(project / "data/cache/actors", "extract", code)
    assert store.file.exists() and store._old, "the stage's per-document store"
    got = extract_incremental(passages, documents, finder, author_sources=a["author_is_speaker"],
                              cache_dir=project / "data/cache/actors", code=code, progress=False)
    fresh = extract(passages, documents, finder, author_sources=a["author_is_speaker"], progress=False)
    for g, f in zip(got, fresh):
        pd.testing.assert_frame_equal(g.reset_index(drop=True), f.reset_index(drop=True), check_dtype=False)

    # the stance stage forced again: the labels and features did not change,
    # so it reuses its fit and writes the same tables
    def stance_tables():
        with duckdb.connect(str(project / "data/stages/stance.duckdb"), read_only=True) as con:
            return [con.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                    for t in ("stances", "passage_stances", "zero_shot_stances", "stance_labels")]

    before = stance_tables()
    metrics = (project / "metrics/stance.json").read_text()
    out = _run(["dvc", "repro", "-f", "-s", "stance"], project)
    assert "stance: reusing the fit" in out.stdout, out.stdout[-2000:]
    assert stance_tables() == before
    assert (project / "metrics/stance.json").read_text() == metrics


def test_second_repro_is_a_no_op(project):
    _run(["dvc", "repro"], project)  # settles whatever an earlier test forced
    before = (project / "data/debate.duckdb").stat().st_mtime_ns
    out = _run(["dvc", "repro"], project)
    assert "Running stage" not in out.stdout
    assert "didn't change" in out.stdout or "up to date" in out.stdout
    assert (project / "data/debate.duckdb").stat().st_mtime_ns == before


def test_large_topics_keep_their_keys_after_a_month_is_added(project, tmp_path):
    """Fit topics without the latest month, then with it: the large topics keep their keys."""
    from pipeline.topics.stage import run

    params = yaml.safe_load((project / "params.yaml").read_text())
    embed_db = project / "data/stages/embed.duckdb"
    clean_db = project / "data/stages/clean.duckdb"
    earlier = tmp_path / "embed_earlier.duckdb"
    shutil.copyfile(embed_db, earlier)
    con = duckdb.connect(str(earlier))
    con.execute(f"ATTACH '{clean_db}' AS clean (READ_ONLY)")
    last = con.sql("SELECT max(date_trunc('month', published_at AT TIME ZONE 'UTC')) FROM clean.corpus"
                   ).fetchall()[0][0]
    con.execute("CREATE TEMP TABLE late AS SELECT doc_id FROM clean.corpus "
                "WHERE date_trunc('month', published_at AT TIME ZONE 'UTC') = ?", [last])
    dropped = con.sql("SELECT count(*) FROM passages WHERE doc_id IN (SELECT doc_id FROM late)").fetchall()[0][0]
    con.execute("DELETE FROM embeddings WHERE passage_id IN "
                "(SELECT passage_id FROM passages WHERE doc_id IN (SELECT doc_id FROM late))")
    con.execute("DELETE FROM passages WHERE doc_id IN (SELECT doc_id FROM late)")
    con.close()
    assert dropped > 0
    registry = tmp_path / "keys.json"
    kwargs = dict(clean_db=clean_db, out_db=tmp_path / "t.duckdb", registry_file=registry,
                  save_model_files=False)
    first = run(params["topics"], params["encoder"], embed_db=earlier, **kwargs)
    keys1 = json.loads(registry.read_text())
    con = duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)
    large = [r[0] for r in con.sql("SELECT topic_key FROM topics ORDER BY size DESC, topic_key LIMIT 3").fetchall()]
    con.close()
    second = run(params["topics"], params["encoder"], embed_db=embed_db, **kwargs)
    keys2 = json.loads(registry.read_text())
    assert first["run_id"] != second["run_id"]
    for key in large:
        assert keys2["keys"][key]["status"] == "active", (key, keys2["history"])
    matched = {e["key"] for e in keys2["history"] if e["run_id"] == second["run_id"] and e["event"] == "matched"}
    assert set(large) <= matched
    assert keys2["next_number"] >= keys1["next_number"]


def test_saved_stance_model_reproduces_the_table(project):
    """``models/stance.skops`` is the passage classifier: loaded on its own, it
    gives the stored probabilities of the narrative passages without a label;
    a labelled passage keeps its out-of-fold probabilities instead (the saved
    model was fitted on it)."""
    import numpy as np
    import skops.io as sio

    from pipeline.stance.features import feature_frame, read_narrative_passages
    from pipeline.stance.predict import prob_frame

    path = project / "models/stance.skops"
    model = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    frame, V = read_narrative_passages(project / "data/stages/embed.duckdb")
    labels = ["pro_open_source", "security_hawk", "pro_china_tools", "neutral", "off_topic"]
    con = _db(project)
    labelled = {r[0] for r in con.execute("SELECT passage_id FROM stance_passage_labels "
                                          "WHERE passage_id IS NOT NULL").fetchall()}
    is_lab = frame["passage_id"].isin(labelled).to_numpy()
    query = ("SELECT passage_id, p_pro_open_source, p_security_hawk, p_pro_china_tools, p_neutral, p_off_topic "
             "FROM passage_stances_wide WHERE passage_id IN (SELECT unnest(?)) ORDER BY passage_id")
    for rows, same in ((np.flatnonzero(~is_lab)[:20], True), (np.flatnonzero(is_lab)[:20], False)):
        assert len(rows)
        ids = frame["passage_id"].iloc[rows]
        expected = prob_frame(ids, model.classes_, model.predict_proba(
            feature_frame(V[rows], frame["text"].iloc[rows].tolist())), labels, "passage_id", "")
        expected = expected.sort_values("passage_id").reset_index(drop=True)
        table = con.execute(query, [ids.tolist()]).fetchdf()
        assert list(table["passage_id"]) == list(expected["passage_id"])
        close = np.isclose(table.iloc[:, 1:].to_numpy(), expected[[f"p_{c}" for c in labels]].to_numpy(),
                           atol=1e-5).all(axis=1)
        assert close.all() if same else not close.all()   # labelled: some differ from the in-sample fit


def test_suggest_lists_uncertain_unlabelled_documents(project):
    out = _run([sys.executable, "-m", "pipeline.stance", "suggest", "--n", "5", "--jsonl"], project)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(rows) == 5
    margins = [r["margin"] for r in rows]
    assert margins == sorted(margins) and all(0 <= m <= 1 for m in margins)
    labelled = {(r["source"], r["native_id"]) for r in
                map(json.loads, (project / "corpora/labels/stance_v1.jsonl").read_text().splitlines())}
    import csv
    with open(project / "corpora/demo/EVAL_RESERVED.tsv", newline="") as fh:
        reserved = {("demo/" + r["source"], r["native_id"]) for r in csv.DictReader(fh, delimiter="\t")}
    for r in rows:
        assert (r["source"], r["native_id"]) not in labelled | reserved
        assert "label" not in r  # the model guess is model_label, never a gold label key
        assert r["snippet"]


def test_report_stage_writes_figures_pages_and_a_report_from_the_warehouse(project):
    import re

    import matplotlib.image as mpimg

    figures = sorted((project / "reports/figures").glob("*.png"))
    assert [p.stem for p in figures] == ["actor_stance", "narrative_heatmap", "narrative_stance",
                                         "narratives_by_month", "source_mix", "stance_share"]
    for path in figures:
        height, width = mpimg.imread(path).shape[:2]
        assert width >= 900 and height >= 400, (path.name, width, height)
    for name in ("topics", "hierarchy", "topics_over_time"):
        html = (project / f"reports/html/{name}.html").read_text(encoding="utf-8")
        assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js inlined
        assert not re.search(r"<script[^>]+src=\"https?://", html), name  # nothing loaded from a CDN
    report = (project / "reports/report.md").read_text(encoding="utf-8")
    con = _db(project)
    n_docs = con.sql("SELECT count(*) FROM corpus").fetchall()[0][0]
    keys = {r[0] for r in con.sql("SELECT topic_key FROM topics").fetchall()}
    urls = {r[0] for r in con.sql("SELECT url FROM corpus WHERE url IS NOT NULL UNION "
                                  "SELECT url FROM passages WHERE citable").fetchall()}  # a record's own URL
    counts = dict(con.sql("SELECT label, count(*) FROM stances WHERE doc_id NOT IN "
                          "(SELECT doc_id FROM stance_labels) GROUP BY 1").fetchall())
    con.close()
    assert f"**{n_docs:,} relevant, non-duplicate documents**" in report
    for label, n in counts.items():  # shares count only documents the model was not trained on
        assert re.search(rf"\| {label} \| [01]\.\d\d \| [01]\.\d\d \| {n:,} \|", report), label
    cited_keys = set(re.findall(r"\| (N-\d+) \|", report))
    assert cited_keys and cited_keys <= keys
    cited_urls = set(re.findall(r"<(https?://[^>]+)>", report))
    assert cited_urls and cited_urls <= urls
    for path in figures:
        assert f"figures/{path.name}" in report
    # who says what: the quote count and the gold-set figures come from the warehouse and metrics
    metrics = json.loads((project / "metrics/actors.json").read_text())
    assert f"{metrics['quotes']:,} quotes in" in report
    part = metrics["evaluation"]["attribution_partial_span"]
    assert f"precision {part['precision']:.2f} and recall {part['recall']:.2f}" in report
    assert not re.search(r"\bnan\b|\bNaT\b", report)  # no missing value leaked into the text


def test_notebooks_run_headless_against_the_warehouse(project, tmp_path, monkeypatch):
    import papermill

    labels = project / "corpora/labels/stance_v1.jsonl"
    before = labels.read_bytes()
    monkeypatch.setenv("DEBATE_PROJECT_ROOT", str(project))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    notebooks = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
    assert [p.stem for p in notebooks] == ["1.0-corpus-overview", "2.0-narratives-over-time",
                                           "3.0-stance-evolution", "4.0-label-and-retrain"]
    for nb in notebooks:
        out = tmp_path / nb.name
        parameters = {"RETRAIN": True} if nb.stem.startswith("4.0") else {}  # re-train through DVC, no labels
        papermill.execute_notebook(str(nb), str(out), kernel_name="python3", cwd=str(project), progress_bar=False,
                                   parameters=parameters)
        executed = json.loads(out.read_text())
        errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, (nb.name, errors[:1])
        assert any(c.get("outputs") for c in executed["cells"] if c["cell_type"] == "code"), nb.name
    assert labels.read_bytes() == before  # the test run records no labels


def test_record_labels_checks_every_record_before_writing(project, tmp_path):
    from pipeline.stance.annotate import record_labels
    from pipeline.stance.labels import read_labels, reserved_pairs

    labels = ["pro_open_source", "security_hawk", "pro_china_tools", "neutral", "off_topic"]
    label_file = tmp_path / "labels.jsonl"
    shutil.copyfile(project / "corpora/labels/stance_v1.jsonl", label_file)
    con = _db(project)
    labelled = {(r.source_file, r.native_id) for r in read_labels(label_file).itertuples()}
    docs = [d for d in con.sql("SELECT source_file, native_id FROM corpus ORDER BY doc_id").fetchall()
            if d not in labelled and d not in reserved_pairs()]
    con.close()
    db = project / "data/debate.duckdb"
    fresh = {"source": docs[0][0], "native_id": docs[0][1], "label": "neutral", "note": "test"}
    bad = [
        [{"source": docs[1][0], "native_id": docs[1][1], "label": "pro_china"}],   # not a codebook label
        [{"source": docs[1][0], "native_id": docs[1][1]}],                          # no label
        [{**fresh}, {**fresh}],                                                     # the same document twice
        [{"source": "demo/none.jsonl", "native_id": "x", "label": "neutral"}],      # not in the warehouse
        [{"source": sorted(labelled)[0][0], "native_id": sorted(labelled)[0][1], "label": "neutral"}],
    ]
    reserved = sorted(reserved_pairs())
    if reserved:
        bad.append([{"source": reserved[0][0], "native_id": reserved[0][1], "label": "neutral"}])
    before = label_file.read_bytes()
    for records in bad:
        with pytest.raises(ValueError, match="record"):
            record_labels(records, annotator="tester", labels=labels, label_file=label_file, db=db)
        assert label_file.read_bytes() == before
    with pytest.raises(ValueError, match="annotator"):
        record_labels([fresh], annotator=" ", labels=labels, label_file=label_file, db=db)
    assert record_labels([fresh], annotator="tester", labels=labels, label_file=label_file, db=db) == 1
    added = read_labels(label_file, labels).iloc[-1]
    assert (added["source_file"], added["native_id"], added["label"], added["annotator"]) == \
        (fresh["source"], fresh["native_id"], "neutral", "tester")
