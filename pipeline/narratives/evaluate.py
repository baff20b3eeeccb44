"""Scores of multi-label narrative decisions against the passage labels.

* per narrative: precision, recall, F1, support (labelled positives) and
  the number predicted;
* micro-F1: true/false positives and false negatives pooled over narratives;
* samples-F1 as the SemEval-2025 Task 10 (subtask 2) scorer computes it: F1
  between the gold and predicted label sets of each unit, averaged over units.
  In that task every document carries at least one label (``Other`` when no
  narrative fits); here a unit whose gold set is empty counts the label
  "none", so an empty prediction for it scores 1 and any narrative predicted
  scores 0. Units: each labelled passage, and each document (the union of
  its labelled passages' sets, gold and predicted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def per_narrative(Y: np.ndarray, D: np.ndarray, keys: Sequence[str]) -> dict[str, dict[str, float]]:
    """``{key: {precision, recall, f1, support, n_predicted}}`` for columns of
    0/1 gold ``Y`` and boolean decisions ``D`` (``(n, K)``); 0 where undefined."""
    out = {}
    for k, key in enumerate(keys):
        y, d = Y[:, k].astype(bool), D[:, k].astype(bool)
        tp, n_pred, n_true = int((y & d).sum()), int(d.sum()), int(y.sum())
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_true if n_true else 0.0
        out[key] = {"precision": round(p, 4), "recall": round(r, 4),
                    "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                    "support": n_true, "n_predicted": n_pred}
    return out


def micro_f1(Y: np.ndarray, D: np.ndarray) -> float:
    """Micro-averaged F1 over all columns (0 when nothing is gold or predicted)."""
    y, d = Y.astype(bool), D.astype(bool)
    tp = int((y & d).sum())
    denom = int(y.sum()) + int(d.sum())
    return round(2 * tp / denom, 4) if denom else 0.0


def samples_f1(Y: np.ndarray, D: np.ndarray, units: Sequence[Any] | None = None) -> float:
    """Mean over units of the F1 between gold and predicted sets (module
    docstring: an empty gold set is the label "none").

    Args:
        units: a unit id per row; rows of a unit are pooled (union of their
            sets). ``None``: each row is a unit.
    """
    y, d = Y.astype(bool), D.astype(bool)
    if units is not None:
        index: dict[Any, int] = {}
        ids = np.array([index.setdefault(u, len(index)) for u in units])
        y = np.array([y[ids == u].any(axis=0) for u in range(len(index))]).reshape(len(index), Y.shape[1])
        d = np.array([d[ids == u].any(axis=0) for u in range(len(index))]).reshape(len(index), Y.shape[1])
    # the "none" label: a unit with no narrative carries it, gold or predicted
    y = np.hstack([y, ~y.any(axis=1, keepdims=True)])
    d = np.hstack([d, ~d.any(axis=1, keepdims=True)])
    tp = (y & d).sum(axis=1)
    denom = y.sum(axis=1) + d.sum(axis=1)
    return round(float(np.mean(2 * tp / denom)), 4) if len(y) else 0.0


def scores(Y: np.ndarray, D: np.ndarray, keys: Sequence[str], headline: Sequence[str],
           doc_ids: Sequence[Any]) -> dict[str, Any]:
    """The evaluation block of ``metrics/narratives.json``.

    Args:
        headline: the keys of the headline micro-F1 (the claim narratives:
            every key but the catch-all).
        doc_ids: each row's document, for samples-F1 per document.
    """
    cols = [list(keys).index(k) for k in headline]
    return {
        "per_narrative": per_narrative(Y, D, keys),
        "micro_f1": micro_f1(Y[:, cols], D[:, cols]),
        "micro_f1_with_catch_all": micro_f1(Y, D),
        "macro_f1": round(float(np.mean([per_narrative(Y[:, [c]], D[:, [c]], ["k"])["k"]["f1"] for c in cols]))
                          if cols else 0.0, 4),
        "samples_f1_passages": samples_f1(Y, D),
        "samples_f1_documents": samples_f1(Y, D, doc_ids),
        "n_passages": int(len(Y)),
        "n_documents": int(len(set(doc_ids))),
    }
