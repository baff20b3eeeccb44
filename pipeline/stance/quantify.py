"""Shares that can be quoted: classify-and-count corrected for the
classifier's errors.

* CC: the share of documents decided as each label.
* ACC, adjusted classify-and-count (Forman 2008, "Quantifying counts and
  costs via classification", Data Min. Knowl. Disc. 17): the observed
  decision shares ``q`` satisfy ``q = M^T p`` where ``M[i, j]`` = P(decided j
  | true i), estimated from the cross-validated decisions on the labelled
  documents; ``p`` is solved on the simplex.
* PACC, probabilistic ACC (Bella et al. 2010, "Quantification via
  probability estimators", ICDM): the same with mean probabilities in place
  of decisions (``M[i, j]`` = mean cross-validated probability of j over
  documents of true class i).
* PCC, probabilistic classify-and-count (Bella et al. 2010): the mean of
  the pooling model's calibrated probabilities, no correction. Under the
  shift between source files it has the smallest cross-validated share
  error for ``security_hawk`` and ``pro_china_tools`` (session 31,
  ``docs/methods.md``); it leans toward the labelled documents' label mix,
  so it flattens changes that CC shows.

The system is solved by non-negative least squares with a heavily weighted
sum-to-one row (:func:`solve_simplex`). Intervals: percentile bootstrap
(:func:`bootstrap_shares`) that resamples both the group's documents and the
labelled documents behind ``M``; PCC's resamples the documents only (its
model is fixed), so its interval is sampling error, not the model's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: weight of the sum-to-one row in :func:`solve_simplex` (large against entries <= 1)
SUM_WEIGHT = 100.0


def confusion_rates(y: np.ndarray, Q: np.ndarray, k: int) -> np.ndarray:
    """``(k, k)`` ``M[i, j]``: mean of ``Q[:, j]`` over rows of true class ``i``.

    Args:
        y: ``(n,)`` true label indices.
        Q: ``(n, k)`` one-hot decisions (ACC) or probabilities (PACC).
    A class without rows gets the identity row (no correction possible).
    """
    M = np.eye(k)
    for i in range(k):
        rows = y == i
        if rows.any():
            M[i] = Q[rows].mean(axis=0)
    return M


def solve_simplex(M: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``p >= 0``, ``sum p = 1`` minimising ``||M^T p - q||`` (NNLS with the
    sum-to-one row weighted :data:`SUM_WEIGHT`, then renormalised)."""
    from scipy.optimize import nnls

    k = len(q)
    A = np.vstack([M.T, SUM_WEIGHT * np.ones((1, k))])
    b = np.concatenate([q, [SUM_WEIGHT]])
    p, _ = nnls(A, b)
    s = p.sum()
    return p / s if s > 0 else np.full(k, 1.0 / k)


def one_hot(decided: np.ndarray, k: int) -> np.ndarray:
    """``(n, k)`` one-hot of label indices."""
    out = np.zeros((len(decided), k))
    out[np.arange(len(decided)), decided] = 1.0
    return out


def shares(decided: np.ndarray, P: np.ndarray, cv_y: np.ndarray, cv_decided: np.ndarray, cv_P: np.ndarray
           ) -> dict[str, np.ndarray]:
    """CC, ACC, PACC and PCC shares of a group of documents.

    Args:
        decided, P: the group's decisions ``(n,)`` and probabilities ``(n, k)``.
        cv_y, cv_decided, cv_P: true labels, cross-validated decisions and
            probabilities of the labelled documents (the error rates).

    Returns:
        ``{"cc", "acc", "pacc", "pcc"}`` each ``(k,)``, summing to 1.
    """
    k = P.shape[1]
    cc = np.bincount(decided, minlength=k) / max(len(decided), 1)
    acc = solve_simplex(confusion_rates(cv_y, one_hot(cv_decided, k), k), cc)
    pcc = P.mean(axis=0) if len(P) else np.full(k, 1.0 / k)
    pacc = solve_simplex(confusion_rates(cv_y, cv_P, k), pcc)
    return {"cc": cc, "acc": acc, "pacc": pacc, "pcc": pcc}


def bootstrap_rates(cv_y: np.ndarray, cv_decided: np.ndarray, cv_P: np.ndarray, k: int, reps: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``reps`` bootstrap replicates of the ACC and PACC rate matrices
    (labelled documents resampled with replacement): two ``(reps, k, k)`` arrays."""
    H = one_hot(cv_decided, k)
    n = len(cv_y)
    acc, pacc = np.empty((reps, k, k)), np.empty((reps, k, k))
    for r in range(reps):
        idx = rng.integers(0, n, n)
        acc[r] = confusion_rates(cv_y[idx], H[idx], k)
        pacc[r] = confusion_rates(cv_y[idx], cv_P[idx], k)
    return acc, pacc


def bootstrap_shares(decided: np.ndarray, P: np.ndarray, rates: tuple[np.ndarray, np.ndarray],
                     rng: np.random.Generator, level: float = 0.95) -> dict[str, np.ndarray]:
    """Percentile intervals of ACC, PACC and PCC for a group: replicate ``r``
    resamples the group's documents and uses the ``r``-th rate matrices of
    :func:`bootstrap_rates` (PCC: the documents only).

    Returns:
        ``{"acc_lo", "acc_hi", "pacc_lo", "pacc_hi", "pcc_lo", "pcc_hi"}`` each ``(k,)``.
    """
    acc_M, pacc_M = rates
    reps, k = acc_M.shape[0], P.shape[1]
    n = len(decided)
    A, B, C = np.empty((reps, k)), np.empty((reps, k)), np.empty((reps, k))
    for r in range(reps):
        idx = rng.integers(0, n, n) if n else np.zeros(0, dtype=int)
        cc = np.bincount(decided[idx], minlength=k) / max(n, 1)
        A[r] = solve_simplex(acc_M[r], cc)
        C[r] = P[idx].mean(axis=0) if n else np.full(k, 1.0 / k)
        B[r] = solve_simplex(pacc_M[r], C[r])
    a = (1 - level) / 2 * 100
    return {"acc_lo": np.percentile(A, a, axis=0), "acc_hi": np.percentile(A, 100 - a, axis=0),
            "pacc_lo": np.percentile(B, a, axis=0), "pacc_hi": np.percentile(B, 100 - a, axis=0),
            "pcc_lo": np.percentile(C, a, axis=0), "pcc_hi": np.percentile(C, 100 - a, axis=0)}


SHARE_COLUMNS = ["grouping", "group_value", "label", "n_docs", "share_cc", "share_acc", "lo", "hi",
                 "share_pacc", "pacc_lo", "pacc_hi", "share_pcc", "pcc_lo", "pcc_hi"]


def share_table(meta: pd.DataFrame, decided: np.ndarray, P: np.ndarray, cv_y: np.ndarray, cv_decided: np.ndarray,
                cv_P: np.ndarray, labels: Sequence[str], *, reps: int, seed: int) -> pd.DataFrame:
    """Rows of table ``stance_shares``: CC, ACC (interval ``lo``–``hi``),
    PACC (``pacc_lo``–``pacc_hi``) and PCC (``pcc_lo``–``pcc_hi``) shares of every label, for all documents
    (``grouping = 'all'``), each UTC month of ``published_at`` (``'month'``,
    ``YYYY-MM``; undated documents only in ``all`` and ``source_type``) and
    each ``source_type``.

    Args:
        meta: the documents (``published_at``, ``source_type``), rows aligned
            with ``decided`` ``(n,)`` and ``P`` ``(n, k)``.
        cv_y, cv_decided, cv_P: labelled documents' true labels and
            cross-validated decisions and probabilities (the error rates).
        reps: bootstrap replicates; seed: their random seed (numpy
            ``default_rng``). 95 % percentile intervals.
    """
    k = len(labels)
    rng = np.random.default_rng(seed)
    rates = bootstrap_rates(cv_y, cv_decided, cv_P, k, reps, rng)
    month = pd.to_datetime(meta["published_at"], utc=True).dt.strftime("%Y-%m").to_numpy(dtype=object)
    groups: list[tuple[str, str, np.ndarray]] = [("all", "all", np.arange(len(meta)))]
    for name, values in (("month", month), ("source_type", meta["source_type"].to_numpy(dtype=object))):
        for value in sorted({v for v in values.tolist() if isinstance(v, str)}):
            groups.append((name, value, np.flatnonzero(values == value)))
    rows = []
    for name, value, idx in groups:
        point = shares(decided[idx], P[idx], cv_y, cv_decided, cv_P)
        ci = bootstrap_shares(decided[idx], P[idx], rates, rng)
        for i, lab in enumerate(labels):
            rows.append([name, value, lab, int(len(idx)), point["cc"][i], point["acc"][i], ci["acc_lo"][i],
                         ci["acc_hi"][i], point["pacc"][i], ci["pacc_lo"][i], ci["pacc_hi"][i], point["pcc"][i],
                         ci["pcc_lo"][i], ci["pcc_hi"][i]])
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)   # not rounded: the shares of a group sum to 1 (data test)
