"""A small corpus does not crash the topics stage (issue 16, part 4), on real
passages and their real vectors.

The inputs are built in the test from the real corpus, as a first day of
collection would give them: the first 400 rows of the X export and of the
Reddit threads go through the real clean and embed stages (about 300
narrative passages with their MiniLM vectors), and each size ``n`` is cut from
that build (:func:`pipeline.topics.sample.sample_embed_db`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import KEY_REGISTRY_FILE, SQL_DIR, load_params
from pipeline.topics.bounds import bounded_params, df_counts, too_small
from pipeline.topics.model import topic_vectorizer
from tests.conftest import slice_corpus, spec_for

BUILD: dict[str, Path] = {}


@pytest.fixture(scope="module")
def first_day(tmp_path_factory, sources):
    """Real clean and embed stages over the first 400 rows of two real social
    sources; sets ``BUILD["clean"]`` and ``BUILD["embed"]``."""
    from pipeline.clean import clean, write_warehouse
    from pipeline.embed import run as embed

    tmp = tmp_path_factory.mktemp("first-day")
    root = slice_corpus(tmp / "corpora", n_files=1, n_lines=400)
    params = load_params("clean", include=("relevance", "privacy"))
    docs, rejects = clean([spec_for(sources, "x_deepseek"), spec_for(sources, "reddit_threads")], params,
                          manifest=[], root=root)
    BUILD["clean"], BUILD["embed"] = tmp / "clean.duckdb", tmp / "embed.duckdb"
    with warehouse.build(BUILD["clean"], SQL_DIR / "clean", fresh=True) as con:
        write_warehouse(con, docs, rejects, [])
    embed(load_params("embed"), load_params("relevance"), load_params("encoder"), clean_db=BUILD["clean"],
          out_db=BUILD["embed"], cache_file=tmp / "vectors.duckdb", progress=False)
    con = warehouse.connect(BUILD["embed"], read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM passages WHERE in_narratives").fetchall()[0][0] >= 200
    finally:
        con.close()


def _real_passages(n: int) -> list[str]:
    """``n`` narrative passages of the first day's build (md5 order)."""
    con = warehouse.connect(BUILD["embed"], read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT text FROM passages WHERE in_narratives "
                                          "ORDER BY md5(passage_id) LIMIT ?", [n]).fetchall()]
    finally:
        con.close()


def _run(tmp: Path, n: int, params: dict, *, state: bool = False) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Cut ``n`` passages, run the stage, return its metrics and tables."""
    from pipeline.topics.sample import sample_embed_db
    from pipeline.topics.stage import run

    db = tmp / f"embed-{n}.duckdb"
    assert sample_embed_db(BUILD["embed"], db, n) == n
    metrics = run(params, load_params("encoder"), embed_db=db, clean_db=BUILD["clean"], out_db=tmp / "topics.duckdb",
                  model_dir=tmp / "model", registry_file=tmp / "keys.json", save_model_files=False,
                  state_file=tmp / "state.joblib" if state else None)
    json.dumps(metrics, allow_nan=False)  # metrics/topics.json stays valid JSON (no NaN without topics)
    con = warehouse.connect(tmp / "topics.duckdb", read_only=True)
    try:
        tables = {t: con.execute(f"SELECT * FROM {t}").fetchdf() for t in
                  ("topics", "passage_topics", "doc_topics", "topics_over_time", "topic_representatives")}
    finally:
        con.close()
    return metrics, tables


def _check_tables(n: int, metrics: dict, t: dict[str, pd.DataFrame]) -> None:
    """Every passage has one topic or ``outlier``; sizes, shares and
    documents add up."""
    pt = t["passage_topics"]
    assert len(pt) == n == metrics["n_passages"] and pt["passage_id"].is_unique
    assert set(pt["topic_key"]) <= set(t["topics"]["topic_key"]) | {"outlier"}
    assert len(t["topics"]) == metrics["n_topics"]
    counts = pt["topic_key"].value_counts()
    assert all(counts[k] == s for k, s in zip(t["topics"]["topic_key"], t["topics"]["size"]))
    assert metrics["outlier_share_now"] == round(float((pt["topic_key"] == "outlier").mean()), 4) if n else True
    if n:
        assert np.allclose(t["doc_topics"].groupby("doc_id")["share"].sum(), 1.0, atol=1e-5)
    assert set(t["topic_representatives"]["topic_key"]) <= set(t["topics"]["topic_key"])


def test_bounded_params_are_valid_for_every_size_and_leave_the_full_corpus_alone():
    params = load_params("topics")
    for n in range(3, 400):
        p, changed = bounded_params(params, n)
        u, h = p["umap"], p["hdbscan"]
        assert 2 <= u["n_neighbors"] < n and 1 <= u["n_components"] <= n - 2
        # spectral init only where ARPACK can take k = n_components + 1 eigenvectors
        assert u["init"] == "random" or n >= 2 * (u["n_components"] + 1) + 1
        assert 2 <= h["min_cluster_size"] <= max(2, n // 2) and 1 <= h["min_samples"] < n
        assert all(p[s][k] == v for s, k, v in ((*key.split("."), v) for key, v in changed.items()))
    full, changed = bounded_params(params, 13_314)
    assert changed == {} and full["umap"].pop("init") == "spectral" and full == params
    with pytest.raises(ValueError, match="at least 3"):
        bounded_params(params, 2)
    assert too_small({**params, "min_passages_to_fit": 80}, 79) and too_small(params, 2)
    assert too_small({**params, "min_passages_to_fit": 80}, 80) is None


def test_vectorizer_document_frequencies_follow_the_documents_it_gets(first_day):
    """scikit-learn's own error on real passages as BERTopic's c-TF-IDF sees
    them (one document per topic), and none from the bounded vectorizer."""
    from sklearn.feature_extraction.text import CountVectorizer

    texts = _real_passages(57)
    topic_docs = [" ".join(texts[:30]), " ".join(texts[30:])]  # two topics
    with pytest.raises(ValueError, match="max_df corresponds to < documents than min_df"):
        CountVectorizer(min_df=3, max_df=0.9).fit(topic_docs)
    for docs in (topic_docs, texts[:1], texts[:3], texts[:5], texts):
        vec = topic_vectorizer({"min_df": 3, "max_df": 0.9})
        X = vec.fit_transform(docs)
        lo, hi = vec.df_used_
        df = np.asarray((X > 0).sum(axis=0)).ravel()
        assert X.shape[1] > 0 and (df >= lo).all() and (df <= hi).all()
        assert vec.get_params()["min_df"] == 3 and vec.get_params()["max_df"] == 0.9
    # consistent settings are kept; inconsistent ones give way on min_df
    assert df_counts(3, 0.9, 100) == (3, 90) and df_counts(3, 0.9, 2) == (1, 1) and df_counts(3, 0.9, 1) == (1, 1)
    assert df_counts(2, 1.0, 3) == (2, 3) and df_counts(0.5, 0.9, 10) == (5, 9)
    with pytest.raises(ValueError, match="empty vocabulary"):  # nothing but stop words and numbers
        topic_vectorizer({"min_df": 3, "max_df": 0.9}).fit(["the and of 2024", "it is", "user_0a1b2c3d4e"])


def test_below_min_passages_to_fit_every_passage_is_an_outlier(first_day, tmp_path, capsys):
    """Default params (min_passages_to_fit 80): 0, 5, 32 and 57 real passages
    (the sizes of issue 16) are written as outliers with the reason; the key
    registry and an earlier state are not kept as a fit to join."""
    params = load_params("topics")
    assert params["min_passages_to_fit"] > 57
    registry = tmp_path / "keys.json"
    registry.write_bytes(KEY_REGISTRY_FILE.read_bytes())  # the shipped registry: no key is retired
    before = registry.read_bytes()
    (tmp_path / "state.joblib").write_bytes(b"a previous fit")
    for n in (0, 5, 32, 57):
        metrics, tables = _run(tmp_path, n, params, state=True)
        assert metrics["fitted"] is False and metrics["n_topics"] == 0 and metrics["n_passages_fitted"] == 0
        assert f"{n} narrative passages, fewer than the {params['min_passages_to_fit']}" in metrics["reason"]
        assert "not fitted" in capsys.readouterr().out
        _check_tables(n, metrics, tables)
        assert (tables["passage_topics"]["assignment"] == "outlier").all()
        assert (tables["passage_topics"]["probability"] == 0).all()
        over = tables["topics_over_time"]  # the outliers' months, as in a fit, with no terms
        assert set(over["topic_key"]) <= {"outlier"} and (over["share_of_period"] == 1).all()
        assert all(len(t) == 0 for t in over["top_terms_period"])
        assert not (tmp_path / "state.joblib").exists() and registry.read_bytes() == before


@pytest.mark.slow
def test_every_size_fits_or_says_why(first_day, tmp_path):
    """min_passages_to_fit 0: a spread of sizes from 0 to 200 real passages
    goes through the bounded model (UMAP, HDBSCAN, c-TF-IDF, KeyBERTInspired,
    outlier reduction) without a crash; under 3 nothing is fitted. Then the
    default params at 100, 150, 200 and 300: at 300 they find topics (at 150
    and 200 of the first day's 446 passages HDBSCAN's min_cluster_size 40
    finds no two clusters: every passage is an outlier, which is an answer)."""
    small = {**load_params("topics"), "min_passages_to_fit": 0}
    for n in (0, 1, 2, 3, 4, 5, 8, 13, 20, 32, 57, 100):
        metrics, tables = _run(tmp_path, n, small)
        _check_tables(n, metrics, tables)
        assert metrics["fitted"] is (n >= 3), (n, metrics["reason"])
        if 3 <= n < 16:  # n_neighbors 15 bounded by n
            assert metrics["bounded_settings"]["umap.n_neighbors"] == n - 1
    for n in (100, 150, 200, 300):
        metrics, tables = _run(tmp_path, n, load_params("topics"))
        _check_tables(n, metrics, tables)
        assert metrics["fitted"] and metrics["bounded_settings"] == {}
    # at 300 the shipped settings find topics; each has terms and a label
    assert metrics["n_topics"] >= 1
    assert all(len(terms) > 0 for terms in tables["topics"]["top_terms"])


@pytest.mark.slow
def test_incremental_runs_on_tiny_sets(first_day, tmp_path):
    """A fit on 20 real passages is kept for 21 (new passage assigned by
    embedding); a shrink below min_passages_to_fit drops the state, and the
    next run fits again."""
    params = {**load_params("topics"), "min_passages_to_fit": 10, "refit_share": 0.1}
    first, _ = _run(tmp_path, 20, params, state=True)
    assert first["fitted"] and (tmp_path / "state.joblib").exists()
    kept, tables = _run(tmp_path, 21, params, state=True)
    assert kept["fit_run_id"] == first["run_id"] and kept["reason"] == "joined the previous fit"
    _check_tables(21, kept, tables)
    assert tables["passage_topics"]["assignment"].isin(["assigned", "outlier", "cluster", "outlier_reduced"]).all()
    shrunk, _ = _run(tmp_path, 9, params, state=True)
    assert not shrunk["fitted"] and not (tmp_path / "state.joblib").exists()
    again, _ = _run(tmp_path, 21, params, state=True)
    assert again["fitted"] and again["fit_run_id"] == again["run_id"]


def test_report_and_warehouse_work_without_a_topic(tmp_path):
    """The published warehouse and the report stage take a topics stage that
    fitted nothing: the report's tiny warehouse of real demo documents
    (tests/report_warehouse.py) with its topics replaced by the stage's own
    unfitted output (12 passages, under min_passages_to_fit)."""
    from pipeline.publish import publish
    from pipeline.report.stage import run as report
    from pipeline.topics.names import load_names
    from pipeline.topics.stage import run
    from tests.report_warehouse import build

    db, _ = build(tmp_path)
    stages = tmp_path / "stages"
    with warehouse.build(stages / "embed.duckdb", SQL_DIR / "embed") as con:  # vectors: not read when not fitting
        con.execute("CREATE TABLE embeddings (passage_id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, "
                    "vector FLOAT[384] NOT NULL)")
        con.execute("INSERT INTO embeddings SELECT passage_id, 'demo', [0.0 FOR x IN range(384)]::FLOAT[384] "
                    "FROM passages WHERE in_narratives")
    metrics = run(load_params("topics"), load_params("encoder"), embed_db=stages / "embed.duckdb",
                  clean_db=stages / "clean.duckdb", out_db=stages / "topics.duckdb", model_dir=tmp_path / "model",
                  registry_file=tmp_path / "keys.json", narratives_db=stages / "narratives.duckdb", names=load_names())
    assert metrics["fitted"] is False and metrics["n_passages"] > 0
    # discovery: the passages carrying a taxonomy narrative (news1's and the recap's) are left out
    assert metrics["n_taxonomy_passages"] >= 1
    assert metrics["n_narrative_passages"] == metrics["n_passages"] + metrics["n_taxonomy_passages"]
    assert metrics["label_name_share"] is None and metrics["label_words"] == 0
    (tmp_path / "topics.json").write_text(json.dumps(metrics))
    (tmp_path / "actors.json").write_text(json.dumps({"quotes": 0, "evaluation": {
        "attribution_partial_span": {"precision": 0.8, "recall": 0.6},
        "attribution_exact_span": {"precision": 0.7, "recall": 0.5}, "gold_quotes": 1, "documents": 1,
        "gold_documents_read": 1, "gold_documents_by_source_type": {"news": 1}}}))
    names = ("embed", "topics", "stance", "actors", "narratives")
    publish(db, clean_db=stages / "clean.duckdb", stage_dbs=tuple((s, stages / f"{s}.duckdb") for s in names))
    con = warehouse.connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM topics").fetchall() == [(0,)]
        assert con.execute("SELECT count(*), count(*) FILTER (topic_key = 'outlier') FROM topic_passages"
                           ).fetchall() == [(metrics["n_passages"],) * 2]
    finally:
        con.close()
    # the tiny warehouse's months hold 1-3 documents: monthly figures need a floor of 1 (as tests/test_report_*.py)
    params = {**load_params("report"), "min_docs_per_month": 1, "min_docs_narrative": 1, "min_quotes": 1,
              "min_stance_quotes": 1}
    out = report(params, db=db, reports_dir=tmp_path / "reports", model_dir=tmp_path / "model",
                 metrics_file=tmp_path / "actors.json", topic_metrics_file=tmp_path / "topics.json")
    assert out["n_topics_reported"] == 0 and out["html"] == []
    text = (tmp_path / "reports" / "report.md").read_text(encoding="utf-8")
    assert "No topic was found" in text and "none (no topic)" in text
    assert f"{metrics['n_taxonomy_passages']:,} carry a narrative of the taxonomy" in text
    topics_md = (tmp_path / "reports" / "topics.md").read_text(encoding="utf-8")
    assert f"- Topics not fitted: {metrics['reason']}." in topics_md
    assert all((tmp_path / "reports" / f).stat().st_size > 0 for f in out["figures"])
