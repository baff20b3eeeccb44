"""The stance classifier on quotes (:mod:`pipeline.actors.quote_stance`,
issue 6): loading the saved model and the shapes of the rows."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.actors.quote_stance import (
    STANCE_MODEL_FILE,
    decision_offsets,
    load_stance_model,
    quote_stances,
    vector_dimension,
)
from pipeline.config import load_params


def test_the_saved_model_loads_and_a_missing_one_is_named(tmp_path):
    clf = load_stance_model(STANCE_MODEL_FILE)
    assert set(clf.classes_) <= set(load_params("stance")["labels"])
    with pytest.raises(FileNotFoundError, match="dvc repro stance"):
        load_stance_model(tmp_path / "stance.skops")


def test_vector_dimension_reads_the_embeddings_table(tmp_path):
    db = tmp_path / "embed.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE embeddings (passage_id VARCHAR, vector FLOAT[])")
    assert vector_dimension(db) is None
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO embeddings VALUES ('p', [0.1, 0.2, 0.3])")
    assert vector_dimension(db) == 3


class _Cache:
    """An embedding cache holding unit vectors of dimension ``d`` (what
    :class:`pipeline.encoder.EmbeddingCache` gives), seeded by text."""

    def __init__(self, d: int) -> None:
        self.d, self.vectors = d, {}

    def fill(self, texts: dict, encoder, batch_size: int) -> None:
        for sha in texts:
            v = np.random.default_rng(int(sha[:8], 16)).normal(size=self.d)
            self.vectors[sha] = v / np.linalg.norm(v)

    def get(self, shas: list) -> np.ndarray:
        return np.array([self.vectors[s] for s in shas]).reshape(len(shas), self.d)


def test_quote_stance_rows_are_one_per_quote_with_every_label():
    clf = load_stance_model(STANCE_MODEL_FILE)
    labels = list(load_params("stance")["labels"])
    d = clf.n_features_in_ - 1  # columns e0..e{d-1} and text
    quotes = pd.DataFrame({"quote_id": ["q1", "q2"],
                           "quote_text": ["Open weights let everyone build on frontier models.",
                                          "Export controls on chips protect national security."]})
    rows = quote_stances(quotes, clf, lambda: None, _Cache(d), labels, "v1")
    assert list(rows.columns) == ["quote_id", "label", *[f"p_{x}" for x in labels], "model_version"]
    assert rows["quote_id"].tolist() == ["q1", "q2"] and set(rows["label"]) <= set(labels)
    assert np.allclose(rows[[f"p_{x}" for x in labels]].sum(axis=1), 1, atol=1e-5)
    empty = quote_stances(quotes.iloc[:0], clf, lambda: None, _Cache(d), labels, "v1")
    assert list(empty.columns) == list(rows.columns) and empty.empty


def test_quotes_are_decided_with_the_stance_stage_offsets():
    """Issue 18 section 7: quotes take the passage decision ``argmax(log p + offset)``
    with the offsets saved on the model, not the argmax; the probabilities stay."""
    clf = load_stance_model(STANCE_MODEL_FILE)
    labels = list(load_params("stance")["labels"])
    saved = decision_offsets(clf, labels, STANCE_MODEL_FILE)
    assert saved[labels.index("neutral")] == 0 and np.any(saved != 0)   # tuned in CV, neutral the reference
    d = clf.n_features_in_ - 1
    quotes = pd.DataFrame({"quote_id": ["q1", "q2", "q3"],
                           "quote_text": ["DeepSeek is much cheaper and just as good; we switched our stack to it.",
                                          "Export controls on chips protect national security.",
                                          "The model was released on Tuesday."]})
    rows = quote_stances(quotes, clf, lambda: None, _Cache(d), labels, "v1")
    P = rows[[f"p_{x}" for x in labels]].to_numpy()
    assert rows["label"].tolist() == [labels[i] for i in np.argmax(np.log(np.clip(P, 1e-9, None)) + saved, 1)]
    # a large offset for pro_china_tools moves every decision there, and no probability
    clf.decision_offsets_ = {**clf.decision_offsets_, "pro_china_tools": 30.0}
    moved = quote_stances(quotes, clf, lambda: None, _Cache(d), labels, "v1")
    assert set(moved["label"]) == {"pro_china_tools"}
    assert np.allclose(moved[[f"p_{x}" for x in labels]].to_numpy(), P)
    del clf.decision_offsets_
    with pytest.raises(ValueError, match="no decision offsets"):
        quote_stances(quotes, clf, lambda: None, _Cache(d), labels, "v1")
