"""The multi-label narrative classifier: one calibrated logistic regression per
narrative, with ``C`` and the decision threshold tuned by grouped cross-validation.

Features (:func:`features`): the unit-norm passage embedding (``d`` = 384 for
MiniLM); with ``anchors`` (:class:`Anchors`) the passage's cosine to each
anchor group beside it (the stage: each narrative's claim text, and its
closest cue); with ``lexical`` a TF-IDF of word 1–2-grams of the passage text
(sublinear tf, ``min_df=2``, at most 20,000 terms, fitted on the training rows
only).

Per narrative (one-vs-rest), on a training set (:func:`tune_and_fit`):

1. inner folds: ``StratifiedGroupKFold`` grouped by source file
   (:func:`grouped_folds`), each ``C`` of the grid fitted on the other folds
   gives out-of-fold decision scores for every training row;
2. Platt scaling (Platt 1999): a 1-D logistic regression of the label on the
   out-of-fold score turns scores into probabilities (scikit-learn's
   ``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` does the same);
3. the threshold on that probability with the best out-of-fold F1, from the
   ``thresholds`` grid (ties: the one nearest 0.5), and the ``C`` whose
   tuned F1 is best (ties: the smaller ``C``); with ``global_threshold``
   the narratives then share one threshold instead, the one of the grid with
   the best micro-F1 over all narratives' out-of-fold probabilities (with
   40-240 positives per narrative, per-narrative thresholds overfit the inner
   folds: docs/methods.md, narrative trials);
4. the final regression with that ``C`` refitted on all training rows.

:func:`nested_cv` runs this inside every outer grouped fold, so the outer test
fold never tunes its own threshold: its scores are honest estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Anchors:
    """Texts a passage is compared to: ``vectors`` ``(A, d)`` unit-norm, and
    ``group`` ``(A,)`` ints 0..G-1; feature ``g`` is the passage's highest
    cosine to an anchor of group ``g`` (:func:`features`)."""

    vectors: np.ndarray
    group: np.ndarray

    def similarities(self, X: np.ndarray) -> np.ndarray:
        """``(n, G)`` highest cosine of each row of ``X`` to each group."""
        cos = X @ self.vectors.T
        return np.stack([cos[:, self.group == g].max(axis=1) for g in range(int(self.group.max()) + 1)], axis=1)


@dataclass
class Fitted:
    """A fitted one-vs-rest model over ``keys`` (columns of ``Y``).

    ``coef``/``intercept``: ``(K, F)``/``(K,)`` of the regressions; ``platt``:
    ``(K, 2)`` slope and intercept of the calibration on the decision score;
    ``thresholds``/``C``/``inner_f1``: per narrative; ``vectorizer``: the
    TF-IDF (``None`` without lexical features); ``anchors``: ``None`` without
    similarity features.
    """

    keys: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    platt: np.ndarray
    thresholds: np.ndarray
    C: np.ndarray
    inner_f1: np.ndarray
    vectorizer: Any
    anchors: Anchors | None = None

    def predict_proba(self, X: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """``(n, K)`` calibrated probabilities for unit-norm embeddings ``X`` and their texts."""
        F = features(X, texts, self.vectorizer, self.anchors)
        scores = np.asarray(F @ self.coef.T) + self.intercept
        return _sigmoid(scores * self.platt[:, 0] + self.platt[:, 1])


def features(X: np.ndarray, texts: Sequence[str], vectorizer: Any, anchors: Anchors | None = None) -> Any:
    """The design matrix: ``X``, ``[X | anchor similarities]`` with ``anchors``,
    and ``[… | TF-IDF(texts)]`` (sparse CSR) with a ``vectorizer``."""
    if anchors is not None:
        X = np.hstack([X, anchors.similarities(X)])
    if vectorizer is None:
        return X
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(X), vectorizer.transform(list(texts))], format="csr")


def make_vectorizer() -> Any:
    """The TF-IDF of the lexical features (settings in the module docstring)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000)


def strata(Y: np.ndarray) -> np.ndarray:
    """One stratum per row for grouped stratified folds: the index of the row's
    rarest narrative (over all rows), or -1 for a row with none."""
    counts = Y.sum(axis=0)
    out = np.full(len(Y), -1)
    for i, row in enumerate(Y):
        pos = np.flatnonzero(row)
        if len(pos):
            out[i] = pos[np.argmin(counts[pos])]
    return out


def grouped_folds(Y: np.ndarray, groups: np.ndarray, wanted: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``StratifiedGroupKFold`` splits (strata: :func:`strata`), every group in
    one fold; fewer folds when there are fewer groups.

    Raises:
        ValueError: fewer than 2 groups (source files).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    n = min(wanted, len(set(groups.tolist())))
    if n < 2:
        raise ValueError(f"grouped cross-validation needs at least 2 source files, got {n}")
    splitter = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(Y)), strata(Y), groups))


def _fit_scores(F_tr: Any, Y_tr: np.ndarray, F_te: Any, C: float, *, seed: int, class_weight: str | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit one regression per column of ``Y_tr``; ``(test scores (n_te, K), coef, intercept)``.
    A column with one class in training gets a constant score (±10)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    K = Y_tr.shape[1]
    coef = np.zeros((K, F_tr.shape[1]))
    intercept = np.zeros(K)
    for k in range(K):
        y = Y_tr[:, k]
        if y.min() == y.max():
            intercept[k] = 10.0 if y[0] else -10.0
            continue
        # one BLAS thread: these fits are small (about 2,000 x 384), and on a busy 2-core machine
        # a threaded BLAS made each one 50x slower (1.2 s instead of 0.025 s, measured)
        with threadpool_limits(limits=1, user_api="blas"):
            lr = LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, random_state=seed).fit(F_tr, y)
        coef[k], intercept[k] = lr.coef_[0], lr.intercept_[0]
    return np.asarray(F_te @ coef.T) + intercept, coef, intercept


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the sigmoid fitted to ``y`` on the 1-D ``scores``
    (a nearly unregularised logistic regression, ``C=1e4``); ``(1, 0)`` when ``y`` has one class."""
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return 1.0, 0.0
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        lr = LogisticRegression(C=1e4, max_iter=1000).fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def best_threshold(p: np.ndarray, y: np.ndarray, grid: Sequence[float]) -> tuple[float, float]:
    """``(threshold, F1)`` with the best F1 of ``p >= t`` against ``y`` over
    ``grid``; ties go to the threshold nearest 0.5, then the smaller."""
    best = (-1.0, 0.0)
    for t in sorted(grid, key=lambda t: (abs(t - 0.5), t)):
        f = f1(y, p >= t)
        if f > best[0]:
            best = (f, t)
    return best[1], best[0]


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    """Binary F1 of boolean predictions (0 when there is no positive on either side)."""
    tp = int(np.sum(y.astype(bool) & pred))
    denom = int(y.astype(bool).sum()) + int(pred.sum())
    return 2 * tp / denom if denom else 0.0


def tune_and_fit(X: np.ndarray, texts: Sequence[str], Y: np.ndarray, groups: np.ndarray, keys: list[str], *,
                 grid: Sequence[float], thresholds: Sequence[float], folds: int, seed: int, lexical: bool,
                 class_weight: str | None, anchors: Anchors | None = None, global_threshold: bool = False
                 ) -> Fitted:
    """Tune ``C`` and a threshold per narrative on inner grouped folds of these
    rows, then fit on all of them (steps 1–4 of the module docstring).

    Args:
        X: ``(n, d)`` unit-norm embeddings; texts: their n texts.
        Y: ``(n, K)`` 0/1 labels, columns in the order of ``keys``.
        groups: ``(n,)`` source files.
        anchors: similarity features (:class:`Anchors`), or ``None``.
        global_threshold: one threshold for all narratives (step 3).

    Raises:
        ValueError: fewer than 2 source files.
    """
    splits = grouped_folds(Y, groups, folds, seed)
    K = Y.shape[1]
    oof = {C: np.zeros((len(Y), K)) for C in grid}
    for tr, te in splits:
        vec = make_vectorizer().fit([texts[i] for i in tr]) if lexical else None
        F_tr = features(X[tr], [texts[i] for i in tr], vec, anchors)
        F_te = features(X[te], [texts[i] for i in te], vec, anchors)
        for C in grid:
            oof[C][te] = _fit_scores(F_tr, Y[tr], F_te, C, seed=seed, class_weight=class_weight)[0]
    Cs, ts, fs, pl = np.zeros(K), np.zeros(K), np.full(K, -1.0), np.zeros((K, 2))
    P = np.zeros(Y.shape)
    for k in range(K):
        for C in sorted(grid):
            a, b = platt(oof[C][:, k], Y[:, k])
            p = _sigmoid(oof[C][:, k] * a + b)
            t, score = best_threshold(p, Y[:, k], thresholds)
            if score > fs[k]:
                Cs[k], ts[k], fs[k], pl[k], P[:, k] = C, t, score, (a, b), p
    if global_threshold:
        t = max(sorted(thresholds, key=lambda t: (abs(t - 0.5), t)), key=lambda t: f1(Y.ravel(), (P >= t).ravel()))
        ts[:] = t
        fs = np.array([f1(Y[:, k], P[:, k] >= t) for k in range(K)])
    vec = make_vectorizer().fit(list(texts)) if lexical else None
    F = features(X, texts, vec, anchors)
    coef = np.zeros((K, F.shape[1]))
    intercept = np.zeros(K)
    for C in sorted(set(Cs.tolist())):
        cols = np.flatnonzero(Cs == C)
        _, c, i = _fit_scores(F, Y[:, cols], F[:1], C, seed=seed, class_weight=class_weight)
        coef[cols], intercept[cols] = c, i
    return Fitted(list(keys), coef, intercept, pl, ts, Cs, fs, vec, anchors)


def nested_cv(X: np.ndarray, texts: Sequence[str], Y: np.ndarray, groups: np.ndarray, keys: list[str], *,
              folds: int, seed: int, **tune_args: Any) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Honest out-of-fold predictions: outer grouped folds, each predicted by a
    model tuned and fitted (:func:`tune_and_fit`) on the other folds only.

    Returns:
        ``(probabilities (n, K), decisions (n, K) bool, per-fold
        {"fold", "n_test", "test_sources", "thresholds", "C"})``.
    """
    P = np.zeros(Y.shape)
    D = np.zeros(Y.shape, dtype=bool)
    info = []
    for i, (tr, te) in enumerate(grouped_folds(Y, groups, folds, seed)):
        m = tune_and_fit(X[tr], [texts[j] for j in tr], Y[tr], groups[tr], keys, folds=folds, seed=seed,
                         **tune_args)
        P[te] = m.predict_proba(X[te], [texts[j] for j in te])
        D[te] = P[te] >= m.thresholds
        info.append({"fold": i, "n_test": int(len(te)), "test_sources": int(len(set(groups[te].tolist()))),
                     "thresholds": dict(zip(keys, m.thresholds.round(3).tolist())),
                     "C": dict(zip(keys, m.C.tolist()))})
    return P, D, info


def zero_shot_scores(X: np.ndarray, T: np.ndarray, *, threshold: float, temperature: float) -> np.ndarray:
    """Zero-shot probabilities: ``sigmoid((cos(x, t) - threshold) / temperature)``
    for unit-norm passage vectors ``X`` ``(n, d)`` and claim-text vectors ``T``
    ``(K, d)``, so that ``p >= 0.5`` exactly when the cosine reaches the
    threshold. Not calibrated: a squashed similarity."""
    return _sigmoid((X @ T.T - threshold) / temperature)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
