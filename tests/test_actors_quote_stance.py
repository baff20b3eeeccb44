"""The stance classifier on quotes (:mod:`pipeline.actors.quote_stance`,
issue 6): loading the saved model and the shapes of the rows."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.actors.quote_stance import STANCE_MODEL_FILE, load_stance_model, quote_stances, vector_dimension
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
