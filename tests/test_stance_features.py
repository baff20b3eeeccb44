"""pipeline.stance.features: document embeddings from passage vectors, and
the classifier's input frame, on real demo documents."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from pipeline.config import DEMO_CORPUS_DIR
from pipeline.encoder import vectors_to_arrow
from pipeline.stance.features import (
    DocFeatures,
    document_means,
    document_text,
    feature_frame,
    read_doc_features,
    read_passage_vectors,
)


def _articles(n: int = 6) -> list[dict]:
    """The first ``n`` real technews records (title, body)."""
    lines = (DEMO_CORPUS_DIR / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n]]


def test_document_means_average_normalise_and_count_each_documents_rows():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(6, 4)).astype(np.float32)
    rows = ["b", "a", "b", "other", "b", "a"]        # "other" is not wanted: ignored
    X, counts = document_means(rows, V, ["a", "b", "c"])
    assert X.dtype == np.float32 and X.shape == (3, 4)
    for i, (doc, idx) in enumerate((("a", [1, 5]), ("b", [0, 2, 4]))):
        mean = V[idx].astype(np.float64).mean(axis=0)
        assert np.allclose(X[i], mean / np.linalg.norm(mean), atol=1e-6), doc
    assert np.allclose(np.linalg.norm(X[:2], axis=1), 1.0, atol=1e-6)
    assert not X[2].any()                             # no vector: a zero row, counted 0
    assert counts.tolist() == [2, 3, 0]


def test_document_text_joins_title_and_the_start_of_the_text():
    a = _articles(1)[0]
    out = document_text(a["title"], a["body"])
    assert out.startswith(a["title"] + "\n")
    assert len(out) <= len(a["title"]) + 1 + 3000
    assert out == f"{a['title']}\n{a['body'][:3000]}".strip()
    assert document_text(float("nan"), a["body"], limit=50) == a["body"][:50].strip()   # missing title (NaN)
    assert document_text(None, "  text ") == "text"


def test_feature_frame_has_embedding_columns_then_text():
    texts = [document_text(a["title"], a["body"]) for a in _articles(3)]
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    F = feature_frame(X, texts)
    assert list(F.columns) == ["e0", "e1", "e2", "e3", "text"]
    assert F["text"].tolist() == texts
    assert np.array_equal(F[["e0", "e1", "e2", "e3"]].to_numpy(), X)


def _stage_dbs(tmp_path, with_vector_for_every_doc: bool = True):
    """Minimal clean and embed databases (the columns the reader uses)
    holding real demo articles split into two passages each."""
    articles = _articles(4)
    clean, embed = tmp_path / "clean.duckdb", tmp_path / "embed.duckdb"
    con = duckdb.connect(str(clean))
    con.execute("CREATE TABLE corpus (doc_id VARCHAR, source VARCHAR, source_file VARCHAR, native_id VARCHAR, "
                "source_type VARCHAR, title VARCHAR, text VARCHAR, url VARCHAR, published_at TIMESTAMP)")
    for i, a in enumerate(articles):
        con.execute("INSERT INTO corpus VALUES (?, 'technews', 'demo/jsonl/technews_articles.jsonl', ?, 'news', ?, ?, "
                    "?, NULL)", [f"d{3 - i}", a["file"], a["title"], a["body"], a["source_url"]])
    con.close()
    rng = np.random.default_rng(1)
    docs = [f"d{3 - i}" for i in range(len(articles))][: None if with_vector_for_every_doc else -1]
    pids = [f"{d}-p{j}" for d in docs for j in range(2)]
    texts = [a["body"][j * 200:(j + 1) * 200] for a in articles[:len(docs)] for j in range(2)]
    V = rng.normal(size=(len(pids), 8)).astype(np.float32)
    con = duckdb.connect(str(embed))
    con.execute("CREATE TABLE passages (passage_id VARCHAR, doc_id VARCHAR, text VARCHAR)")
    con.executemany("INSERT INTO passages VALUES (?, ?, ?)", [[p, p.split("-")[0], t] for p, t in zip(pids, texts)])
    con.register("vecs", pa.table({"passage_id": pids, "model": ["m"] * len(pids), "vector": vectors_to_arrow(V)}))
    con.execute("CREATE TABLE embeddings AS SELECT passage_id, model, vector::FLOAT[8] AS vector FROM vecs")
    con.close()
    return clean, embed, pids, texts, V


def test_read_doc_features_orders_by_doc_id_and_means_passages(tmp_path):
    clean, embed, pids, texts, V = _stage_dbs(tmp_path)
    feats = read_doc_features(embed, clean)
    assert isinstance(feats, DocFeatures) and feats.model == "m"
    assert feats.meta["doc_id"].tolist() == ["d0", "d1", "d2", "d3"]
    row_docs = [p.split("-")[0] for p in pids]
    expected, _ = document_means(row_docs, V, feats.meta["doc_id"].tolist())
    assert np.allclose(feats.X, expected, atol=1e-6)
    got_ids, got_texts, PV = read_passage_vectors(embed)
    assert got_ids == sorted(pids)
    assert got_texts == [texts[pids.index(p)] for p in got_ids]
    assert np.array_equal(PV, V[[pids.index(p) for p in got_ids]])


def test_read_doc_features_names_missing_vectors_and_databases(tmp_path):
    clean, embed, *_ = _stage_dbs(tmp_path, with_vector_for_every_doc=False)
    with pytest.raises(ValueError, match="1 corpus documents have no narrative passage vector"):
        read_doc_features(embed, clean)
    with pytest.raises(FileNotFoundError, match="no such database yet"):
        read_doc_features(embed, tmp_path / "none.duckdb")
