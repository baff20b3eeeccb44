"""pipeline.stance.model: calibration folds, grouped folds, scores, and the
classifier on real demo texts (small fits), saved and loaded with skops."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from pipeline.config import DEMO_CORPUS_DIR, load_params
from pipeline.stance.features import document_text, feature_frame
from pipeline.stance.labels import read_labels
from pipeline.stance.model import (
    STANCES,
    _folds,
    calibration_folds_for,
    compact_for_saving,
    evaluation,
    fit_and_save,
    macro_f1,
    make_classifier,
)

LABELS = list(load_params("stance")["labels"])


def test_calibration_folds_are_at_most_the_smallest_class():
    assert calibration_folds_for(["a", "a", "b", "b", "b"]) == 2
    assert calibration_folds_for(["a"] * 5 + ["b"] * 5) == 3
    assert calibration_folds_for(["a"] * 5 + ["b"] * 5, wanted=5) == 5
    assert calibration_folds_for(["a", "b", "b"]) == 1     # a single example: uncalibrated
    assert calibration_folds_for([]) == 0
    labels = read_labels(labels=LABELS)["label"]
    assert calibration_folds_for(labels) == 3                  # every shipped class has 3 or more


def test_grouped_folds_never_split_a_source_file():
    labels = read_labels(labels=LABELS)
    y, groups = labels["label"].to_numpy(dtype=object), labels["source_file"].to_numpy(dtype=object)
    splits = _folds(y, groups, 5, seed=0)
    assert len(splits) == 5
    tested = np.concatenate([te for _, te in splits])
    assert sorted(tested.tolist()) == list(range(len(y)))     # every document tested once
    for tr, te in splits:
        assert not set(groups[tr]) & set(groups[te])
    few = _folds(y[:3], np.array(["a", "b", "b"], dtype=object), 5, seed=0)
    assert len(few) == 2                                       # fewer groups: fewer folds
    with pytest.raises(ValueError, match="at least 2 source files"):
        _folds(y[:3], np.array(["a"] * 3, dtype=object), 5, seed=0)


def test_macro_f1_and_evaluation_on_a_known_confusion():
    y = ["pro_open_source", "pro_open_source", "security_hawk", "neutral", "off_topic", "pro_china_tools"]
    p = ["pro_open_source", "security_hawk", "security_hawk", "neutral", "neutral", "pro_china_tools"]
    assert macro_f1(y, p, STANCES) == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    ev = evaluation(y, p, LABELS)
    assert ev["macro_f1_stances"] == round(macro_f1(y, p, STANCES), 4)
    assert ev["accuracy"] == round(4 / 6, 4)
    assert ev["per_class"]["off_topic"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    cm = np.array(ev["confusion_matrix"]["rows_true_cols_pred"])
    assert ev["confusion_matrix"]["labels"] == LABELS and cm.sum() == len(y) and np.trace(cm) == 4
    assert cm[LABELS.index("pro_open_source"), LABELS.index("security_hawk")] == 1


def _demo_frame(n: int = 24):
    """Real federal-register and technews texts, labelled by their source,
    with arbitrary unit-norm embeddings."""
    rows = []
    for name in ("federal_register", "technews_articles"):
        lines = (DEMO_CORPUS_DIR / f"jsonl/{name}.jsonl").read_text(encoding="utf-8").splitlines()
        for line in lines[: n // 2]:
            r = json.loads(line)
            rows.append((name, document_text(r.get("title"), r.get("body") or r["summary"], limit=300)))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(len(rows), 4)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return feature_frame(X, [t for _, t in rows]), np.array([c for c, _ in rows], dtype=object)


def test_make_classifier_is_calibrated_only_with_two_folds_or_more():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    assert isinstance(make_classifier(1.0, seed=0, dimensions=4, calibration_folds=1), Pipeline)
    clf = make_classifier(1.0, seed=0, dimensions=4, calibration_folds=2)
    assert isinstance(clf, CalibratedClassifierCV) and clf.cv == 2
    no_lex = make_classifier(1.0, seed=0, dimensions=4, lexical=False, calibration_folds=1)
    assert [name for name, *_ in no_lex.named_steps["features"].transformers] == ["embedding"]


def test_saved_classifier_predicts_like_the_fitted_one():
    import skops.io as sio

    F, y = _demo_frame()
    groups = np.array([f"g{i % 4}" for i in range(len(y))], dtype=object)
    pred, C, scores, clf, blob = fit_and_save(F, y, groups, grid=[1.0], folds=2, seed=0, dimensions=4,
                                              lexical=True)
    assert C == 1.0 and set(scores) == {1.0} and len(pred) == len(y)
    assert set(pred) <= set(y)
    assert zipfile.is_zipfile(io.BytesIO(blob))
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    assert np.allclose(loaded.predict_proba(F), clf.predict_proba(F))
    vocab = clf.calibrated_classifiers_[0].estimator.named_steps["features"].named_transformers_["lexical"].vocabulary_
    assert vocab and all(type(i) is int for i in vocab.values())   # compacted for skops
    assert compact_for_saving(clf) is clf
