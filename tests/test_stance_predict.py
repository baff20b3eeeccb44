"""pipeline.stance.predict: table rows from probabilities, and predictions
cached by fit and row."""

from __future__ import annotations

import json

import numpy as np

from pipeline.config import DEMO_CORPUS_DIR, load_params
from pipeline.stage_cache import KeyedStore
from pipeline.stance.features import feature_frame
from pipeline.stance.predict import predict_cached, prob_frame

LABELS = list(load_params("stance")["labels"])


def test_prob_frame_orders_labels_rounds_and_zeroes_unseen_labels():
    classes = ["security_hawk", "neutral", "pro_open_source"]          # the model's order; two labels unseen
    probs = np.array([[0.1, 0.2, 0.7], [0.6000004, 0.3999996, 0.0]])
    frame = prob_frame(["d1", "d2"], classes, probs, LABELS, "doc_id", "v1")
    assert list(frame.columns) == ["doc_id", "label"] + [f"p_{lab}" for lab in LABELS] + ["model_version"]
    assert frame["label"].tolist() == ["pro_open_source", "security_hawk"]
    assert frame["p_pro_china_tools"].tolist() == [0.0, 0.0] and frame["p_off_topic"].tolist() == [0.0, 0.0]
    assert frame["p_security_hawk"].tolist() == [0.1, 0.6]             # 6 places
    assert (frame["model_version"] == "v1").all()
    empty = prob_frame([], LABELS, np.zeros((0, len(LABELS))), LABELS, "quote_id", "v")
    assert len(empty) == 0 and list(empty.columns)[0] == "quote_id"


class _Counting:
    """A classifier whose probabilities depend on each row alone; records
    how many rows it was asked to predict."""

    classes_ = np.array(["neutral", "security_hawk"])

    def __init__(self):
        self.rows = 0

    def predict_proba(self, F):
        self.rows += len(F)
        s = 1 / (1 + np.exp(-(F["e0"].to_numpy() + F["text"].str.len().to_numpy() / 1000)))
        return np.c_[1 - s, s]


def test_predict_cached_predicts_only_rows_the_fit_has_not_seen(tmp_path):
    lines = (DEMO_CORPUS_DIR / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    texts = [json.loads(line)["title"] for line in lines]
    X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    clf = _Counting()
    first = predict_cached(clf, X[:4], texts[:4], KeyedStore(tmp_path, "predictions", "code"), "fit-a")
    assert first.shape == (4, 2) and clf.rows == 4
    again = predict_cached(clf, X, texts, KeyedStore(tmp_path, "predictions", "code"), "fit-a")
    assert clf.rows == 4 + 2                                   # only the two new rows
    assert np.array_equal(again[:4], first)
    assert np.allclose(again, _Counting().predict_proba(feature_frame(X, texts)))
    predict_cached(clf, X, texts, KeyedStore(tmp_path, "predictions", "code"), "fit-b")
    assert clf.rows == 6 + 6                                   # another fit predicts every row
