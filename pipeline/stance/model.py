"""The stance classifier, its choice of ``C`` by grouped cross-validation,
its evaluation and its saved bytes.

Model: a scikit-learn ``Pipeline`` of the document embedding next to a
TF-IDF of word 1–2-grams of title and text (:mod:`pipeline.stance.features`)
and ``LogisticRegression`` with balanced class weights, wrapped in
``CalibratedClassifierCV`` (Platt/sigmoid scaling, Platt 1999) for
calibrated probabilities (:func:`make_classifier`). ``C`` is picked from a
small grid by the same grouped cross-validation (:func:`grid_cv`; the score
of every ``C`` is reported).

Evaluation: ``StratifiedGroupKFold`` (5 folds) with the source file as the
group, so no source file is in its own test fold; macro-F1 over the five
labels and over the three stances, per-class precision/recall/F1 and the
confusion matrix (:func:`evaluation`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: The three stances of the codebook (``../shared/ANNOTATION.md`` v1.2); the other two
#: labels, ``neutral`` and ``off_topic``, take none.
STANCES = ("pro_open_source", "security_hawk", "pro_china_tools")


def make_classifier(C: float, *, seed: int, dimensions: int, lexical: bool = True,
                    calibration_folds: int = 3, n_jobs: int | None = None) -> Any:
    """The stance classifier.

    ``CalibratedClassifierCV(Pipeline([features, LogisticRegression]))``:

    * features: the unit-norm embedding (``e0..``), and with ``lexical`` a
      TF-IDF of word 1–2-grams of the text (sublinear tf, ``min_df=2``, at
      most 20,000 terms), side by side (``ColumnTransformer``);
    * ``LogisticRegression(C, class_weight="balanced")``: class weights
      inversely proportional to class frequency;
    * sigmoid calibration (Platt scaling) over ``calibration_folds``
      stratified folds; with ``calibration_folds < 2`` (a class has a single
      example) the pipeline's own probabilities are used uncalibrated.
      ``n_jobs`` processes fit the calibration folds (independent fits:
      the same model as one after another).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    parts = [("embedding", "passthrough", [f"e{i}" for i in range(dimensions)])]
    if lexical:
        parts.append(("lexical", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                                 max_features=20000), "text"))
    base = Pipeline([("features", ColumnTransformer(parts)),
                     ("logreg", LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed))])
    if calibration_folds < 2:
        return base
    return CalibratedClassifierCV(base, method="sigmoid", cv=calibration_folds, n_jobs=n_jobs)


def calibration_folds_for(y: Sequence[str], wanted: int = 3) -> int:
    """Calibration folds possible with ``y``: at most the smallest class size."""
    counts = pd.Series(list(y)).value_counts()
    return int(min(wanted, counts.min())) if len(counts) else 0


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (scikit-learn
    ``f1_score(average="macro")``)."""
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0))


def _folds(y: np.ndarray, groups: np.ndarray, wanted: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``StratifiedGroupKFold`` splits, with fewer folds when there are fewer groups."""
    from sklearn.model_selection import StratifiedGroupKFold

    n = min(wanted, len(set(groups.tolist())))
    if n < 2:
        raise ValueError(f"grouped cross-validation needs at least 2 source files, got {n}")
    return list(StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, groups))


def _fit_predict(F: pd.DataFrame, y: np.ndarray, tr: np.ndarray, te: np.ndarray, C: float, *, seed: int,
                 dimensions: int, lexical: bool) -> np.ndarray:
    clf = make_classifier(C, seed=seed, dimensions=dimensions, lexical=lexical,
                          calibration_folds=calibration_folds_for(y[tr]))
    return clf.fit(F.iloc[tr], y[tr]).predict(F.iloc[te])


def grid_cv(F: pd.DataFrame, y: np.ndarray, groups: np.ndarray, grid: Sequence[float], *, folds: int,
            seed: int, dimensions: int, lexical: bool = True, scoring_labels: Sequence[str] = STANCES
            ) -> tuple[np.ndarray, float, dict[float, float]]:
    """Grouped CV over a grid of ``C``: out-of-fold predictions of the best one.

    ``StratifiedGroupKFold`` keeps each group (source file) in one fold.
    Every ``C`` is scored on the same folds (macro-F1 over ``scoring_labels``,
    by default the three stances); ties go to the smaller ``C``. With a grid
    of two or three values the selection bias is small, and the scores of
    every ``C`` are returned to be reported next to it.

    Returns:
        ``(out-of-fold predictions of the best C, best C, {C: score})``.
    """
    from joblib import Parallel, cpu_count, delayed

    splits = _folds(y, groups, folds, seed)
    # the grid x folds fits are independent and seeded: run them on every core
    # (joblib processes, whose count respects CPU quotas)
    tasks = [(C, tr, te) for C in grid for tr, te in splits]
    fitted = Parallel(n_jobs=min(len(tasks), cpu_count()))(
        delayed(_fit_predict)(F, y, tr, te, C, seed=seed, dimensions=dimensions, lexical=lexical)
        for C, tr, te in tasks)
    preds, scores = {}, {}
    for C in grid:
        preds[C] = np.empty(len(y), dtype=object)
    for (C, _, te), p in zip(tasks, fitted):
        preds[C][te] = p
    for C in grid:
        scores[C] = macro_f1(y, preds[C], scoring_labels)
    best = max(sorted(grid), key=lambda c: scores[c])
    return preds[best], best, scores


def fit_stance(F: pd.DataFrame, y: np.ndarray, groups: np.ndarray, *, grid: Sequence[float], folds: int,
               seed: int, dimensions: int, lexical: bool) -> tuple[np.ndarray, float, dict[float, float], Any]:
    """Pick ``C`` by grouped CV (:func:`grid_cv`) and fit the final classifier
    (:func:`make_classifier`, calibration folds from :func:`calibration_folds_for`)
    on all labelled documents.

    Args:
        F: ``(n, d + 1)`` :func:`pipeline.stance.features.feature_frame` of
            the labelled documents.
        y, groups: their labels and source files (length n).

    Returns:
        ``(out-of-fold predictions of the best C, best C, {C: macro-F1}, fitted classifier)``.

    Raises:
        ValueError: fewer than 2 source files.
    """
    pred, best_C, grid_scores = grid_cv(F, y, groups, grid, folds=folds, seed=seed, dimensions=dimensions,
                                        lexical=lexical)
    clf = make_classifier(best_C, seed=seed, dimensions=dimensions, lexical=lexical,
                          calibration_folds=calibration_folds_for(y), n_jobs=-1).fit(F, y)
    return pred, best_C, grid_scores, clf


def fit_and_save(F: pd.DataFrame, y: np.ndarray, groups: np.ndarray, **fit_args: Any
                 ) -> tuple[np.ndarray, float, dict[float, float], Any, bytes]:
    """:func:`fit_stance` and the classifier as skops bytes (after
    :func:`compact_for_saving`; ZIP deflate level 6), so that a re-run that
    reuses the fit also reuses the file's content: writing it takes about
    20 s on 2 cores.

    Returns:
        What :func:`fit_stance` returns, then the bytes of ``models/stance.skops``.
    """
    pred, best_C, grid_scores, clf = fit_stance(F, y, groups, **fit_args)
    return pred, best_C, grid_scores, clf, save_bytes(clf)


def save_bytes(clf: Any) -> bytes:
    """``clf`` as the bytes of a skops file (:func:`compact_for_saving`, ZIP
    deflate level 6, :func:`canonical_zip`): equal fits give equal bytes."""
    import skops.io as sio

    blob = sio.dumps(compact_for_saving(clf), compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    return canonical_zip(blob)


def canonical_zip(blob: bytes) -> bytes:
    r"""The skops file ``blob`` with run-independent bytes: skops names each
    array file and each object's ``__id__`` by the ``id()`` of the object (a
    memory address) and stamps the time of writing, so two fits with
    identical arrays gave different files (and ``model_version``\ s).
    Array files become ``a000001.npy`` … and ids 1, 2, … in their order of
    first appearance in ``schema.json`` (rewritten to match, ids kept
    consistent so shared objects stay shared); members are dated 1980-01-01
    and stored in name order. ``skops.io.loads`` reads the result as the
    original.

    Raises:
        ValueError: the blob has no ``schema.json``, or a member that
            ``schema.json`` does not name.
    """
    import io
    import json

    with zipfile.ZipFile(io.BytesIO(blob)) as zin:
        members = {info.filename: zin.read(info) for info in zin.infolist()}
    if "schema.json" not in members:
        raise ValueError("skops file without schema.json")
    schema = json.loads(members.pop("schema.json"))
    files: dict[str, str] = {}
    ids: dict[int, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str) and node["file"] in members:
                node["file"] = files.setdefault(node["file"], f"a{len(files) + 1:06d}{Path(node['file']).suffix}")
            if isinstance(node.get("__id__"), int):
                node["__id__"] = ids.setdefault(node["__id__"], len(ids) + 1)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    missing = sorted(set(members) - set(files))
    if missing:
        raise ValueError(f"skops file: members {missing[:3]} are not named in schema.json")
    entries = [("schema.json", json.dumps(schema, indent=2).encode("utf-8"))]
    entries += [(files[name], data) for name, data in members.items()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data, compresslevel=6)
    return out.getvalue()


def compact_for_saving(clf: Any) -> Any:
    """Make ``clf`` quick to save with skops; returns it.

    Each fitted ``TfidfVectorizer.vocabulary_`` maps terms to ``numpy.int64``,
    which skops stores as one array file per term (60,000 files for three
    calibration folds: 80 MB and minutes to write); its values become Python
    ``int``s, which skops writes inline. ``stop_words_`` (documented by
    scikit-learn as safe to delete before saving) is dropped where present,
    and so is ``_stop_words_id`` (the ``id()`` of the stop-word list, a
    memory address: scikit-learn only compares it to skip a re-check).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(obj, TfidfVectorizer):
            if hasattr(obj, "stop_words_"):
                del obj.stop_words_
            if hasattr(obj, "_stop_words_id"):
                del obj._stop_words_id
            if hasattr(obj, "vocabulary_"):
                obj.vocabulary_ = {term: int(i) for term, i in obj.vocabulary_.items()}
        for child in getattr(obj, "calibrated_classifiers_", []):
            walk(child.estimator, depth + 1)
        for _, step in getattr(obj, "steps", []):
            walk(step, depth + 1)
        for _, trans, _ in getattr(obj, "transformers_", []):
            walk(trans, depth + 1)

    walk(clf)
    return clf


def evaluation(y: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1 (five labels, three stances), per-class P/R/F1 and the
    confusion matrix (rows: true label, columns: predicted, in ``labels`` order)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(labels), zero_division=0)
    return {
        "macro_f1_all": round(macro_f1(y, pred, labels), 4),
        "macro_f1_stances": round(macro_f1(y, pred, STANCES), 4),
        "accuracy": round(float(np.mean(np.asarray(y) == np.asarray(pred))), 4),
        "per_class": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                            "f1": round(float(f[i]), 4), "support": int(s[i])} for i, lab in enumerate(labels)},
        "confusion_matrix": {"labels": list(labels),
                             "rows_true_cols_pred": confusion_matrix(y, pred, labels=list(labels)).tolist()},
    }
