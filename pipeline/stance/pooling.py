"""Document stance from passage stance: pooled features, the pooling model
and the evidence passage.

A document's stance often lives in one section or one sentence; the mean of
its passage vectors dilutes it. Here each narrative passage is classified
(:mod:`pipeline.stance.crossval`) and the document is described by pooled
passage scores (:func:`pooled_features`): per label the maximum, the mean of
the top two and the mean probability, the share of passages decided as each
label (with the passage offsets) and the number of passages. A small
multinomial logistic regression over them (:func:`make_pooler`) gives the
document's probabilities; decision offsets move its decision
(:mod:`pipeline.stance.offsets`). The alternative :func:`max_rule` (the
strongest stance passage against ``neutral``/``off_topic``) needs no
document labels and is evaluated next to it.

The evidence of a stance decision is the document's passage with the highest
probability of that stance (:func:`evidence`); a ``neutral`` or
``off_topic`` document has none (decided by the absence of stance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.stance.offsets import decide


def _segments(doc_index: np.ndarray, n_docs: int) -> list[np.ndarray]:
    """Row indices of each document 0..n_docs-1 (``doc_index`` gives each row's document)."""
    order = np.argsort(doc_index, kind="stable")
    bounds = np.searchsorted(doc_index[order], np.arange(n_docs + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(n_docs)]


def pooled_features(P: np.ndarray, doc_index: np.ndarray, n_docs: int, offsets: np.ndarray) -> np.ndarray:
    """Pooled passage features of each document.

    Args:
        P: ``(n_passages, k)`` calibrated passage probabilities.
        doc_index: ``(n_passages,)`` the document (0..n_docs-1) of each passage.
        offsets: ``(k,)`` passage decision offsets (:func:`pipeline.stance.offsets.decide`).

    Returns:
        ``(n_docs, 4k + 1)`` float64: per label max, top-2 mean, mean, share of
        passages decided as it; then log(1 + passages). A document without
        passages has zeros (and log 1 = 0).
    """
    k = P.shape[1]
    F = np.zeros((n_docs, 4 * k + 1))
    dec = decide(P, offsets) if len(P) else np.zeros(0, dtype=int)
    for d, rows in enumerate(_segments(np.asarray(doc_index), n_docs)):
        if not len(rows):
            continue
        Q = P[rows]
        top = -np.sort(-Q, axis=0)
        F[d, 0:k] = top[0]
        F[d, k:2 * k] = top[:2].mean(axis=0)
        F[d, 2 * k:3 * k] = Q.mean(axis=0)
        F[d, 3 * k:4 * k] = np.bincount(dec[rows], minlength=k) / len(rows)
        F[d, 4 * k] = np.log1p(len(rows))
    return F


def make_pooler(C: float, seed: int) -> Any:
    """``StandardScaler`` + multinomial ``LogisticRegression(C)`` without class
    weights, so its probabilities follow the labelled documents' mix (the
    shares are corrected by :mod:`pipeline.stance.quantify`; rare classes are
    reached by the decision offsets)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000, random_state=seed))


def max_rule(P: np.ndarray, doc_index: np.ndarray, n_docs: int, offsets: np.ndarray, stances: Sequence[int],
             neutral: int, off_topic: int) -> np.ndarray:
    """The strongest stance passage against ``neutral`` and ``off_topic``.

    A document takes the stance whose best passage score ``log p + b`` is
    highest among its passages decided as a stance (``argmax(log p + b)``;
    ties: the first of ``stances``); without such a passage, ``neutral`` if
    a passage is decided ``neutral``, else ``off_topic`` (also for a
    document without passages).

    Returns:
        ``(n_docs,)`` label indices.
    """
    out = np.full(n_docs, off_topic)
    if not len(P):
        return out
    doc_index = np.asarray(doc_index)
    S = np.log(np.clip(P, 1e-9, None)) + offsets[None, :]
    dec = np.argmax(S, axis=1)
    st = np.asarray(list(stances))
    on = np.isin(dec, st)
    best = np.full((n_docs, len(st)), -np.inf)
    np.maximum.at(best, doc_index[on], S[np.ix_(on, st)])
    has_stance = np.bincount(doc_index[on], minlength=n_docs) > 0
    has_neutral = np.bincount(doc_index[dec == neutral], minlength=n_docs) > 0
    out[has_neutral] = neutral
    out[has_stance] = st[np.argmax(best[has_stance], axis=1)]
    return out


def tune_max_rule(P: np.ndarray, doc_index: np.ndarray, y: np.ndarray, stances: Sequence[int], neutral: int,
                  off_topic: int, rounds: int = 3) -> tuple[np.ndarray, float]:
    """Passage offsets for :func:`max_rule` that maximise the documents'
    macro-F1 over ``stances`` (coordinate ascent as
    :func:`pipeline.stance.offsets.tune_offsets`, ``neutral`` fixed at 0).

    Args:
        P: ``(n_passages, k)`` out-of-fold passage probabilities of the tuning documents.
        doc_index: the document (0..len(y)-1) of each passage; y: the documents' label indices.

    Returns:
        ``(offsets (k,), macro-F1 reached on the tuning documents)``.
    """
    from pipeline.stance.offsets import GRID, _macro_f1

    k, n = P.shape[1], len(y)
    b = np.zeros(k)
    order = sorted(GRID.tolist(), key=lambda v: (abs(v), v))
    best = _macro_f1(y, max_rule(P, doc_index, n, b, stances, neutral, off_topic), stances)
    for _ in range(rounds):
        changed = False
        for c in range(k):
            if c == neutral:
                continue
            for v in order:
                trial = b.copy()
                trial[c] = v
                score = _macro_f1(y, max_rule(P, doc_index, n, trial, stances, neutral, off_topic), stances)
                if score > best + 1e-12:
                    best, b, changed = score, trial, True
        if not changed:
            break
    return b, best


def evidence(P: np.ndarray, doc_index: np.ndarray, n_docs: int, decided: np.ndarray, stances: Sequence[int]
             ) -> np.ndarray:
    """The passage behind each document's decision.

    Args:
        P: ``(n_passages, k)`` passage probabilities.
        decided: ``(n_docs,)`` the documents' label indices.
        stances: the label indices that take evidence (the three stances).

    Returns:
        ``(n_docs,)`` int64 passage row (into ``P``) with the highest
        probability of the decided stance among the document's passages
        (ties: the first row); -1 for a non-stance decision or a document
        without passages.
    """
    out = np.full(n_docs, -1, dtype=np.int64)
    st = set(int(s) for s in stances)
    for d, rows in enumerate(_segments(np.asarray(doc_index), n_docs)):
        c = int(decided[d])
        if c in st and len(rows):
            out[d] = rows[int(np.argmax(P[rows, c]))]
    return out
