"""Precision and recall of the corpus filter against the document labels.

On topic = any stance label except ``off_topic``; a document is "kept" by a
decision (the query: ``relevance >= threshold``; the system: the query or
the classifier's admission). Over labelled documents:

    precision = on-topic kept / kept,     recall = on-topic kept / on-topic

Unweighted figures count labels (95 % Wilson score intervals). Weighted
figures count the documents each label stands for: the labels were drawn per
stratum (kept documents per source file, dropped documents per source family
x relevance bin), so a label weighs ``stratum_size / labelled documents in
its stratum`` (:func:`pipeline.admission.labelled_documents`); their 95 %
intervals are percentile bootstraps that resample labels within each
stratum. Kept documents of source files with no label (e.g. the long
``ainews_html`` newsletters) are in no stratum: the weighted figures speak
for the labelled sources only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pipeline.intervals import wilson_interval


def wilson(k: int, n: int) -> list[float | None]:
    """95 % Wilson score interval ``[low, high]`` of k successes in n
    (:func:`pipeline.intervals.wilson_interval`), rounded to 4 decimals;
    ``[None, None]`` for n = 0."""
    if n == 0:
        return [None, None]
    return [round(v, 4) for v in wilson_interval(k, n)]


def _pr(kept: np.ndarray, on: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    tp = float((w * (kept & on)).sum())
    pk, po = float((w * kept).sum()), float((w * on).sum())
    return (tp / pk if pk else float("nan")), (tp / po if po else float("nan"))


def precision_recall(labelled: pd.DataFrame, kept: np.ndarray, *, reps: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Unweighted and weighted precision and recall of the decision ``kept``
    (bool per row of ``labelled``: ``on_topic, stratum, weight``).

    Returns:
        ``{"n_labels", "n_on_topic", "unweighted": {precision, recall,
        precision_ci, recall_ci}, "weighted": {precision, recall,
        precision_ci, recall_ci, "documents_represented"}}``; intervals 95 %.
    """
    kept = np.asarray(kept, dtype=bool)
    on = labelled["on_topic"].to_numpy(dtype=bool)
    w = labelled["weight"].to_numpy(dtype=float)
    tp, nk, no = int((kept & on).sum()), int(kept.sum()), int(on.sum())
    p_u, r_u = _pr(kept, on, np.ones(len(on)))
    p_w, r_w = _pr(kept, on, w)
    rng = np.random.default_rng(seed)
    strata = [np.flatnonzero(labelled["stratum"].to_numpy() == s) for s in sorted(set(labelled["stratum"]))]
    if strata and reps:
        # (reps, n) row indices: each replicate resamples every stratum with replacement
        idx = np.hstack([s[rng.integers(0, len(s), size=(reps, len(s)))] for s in strata])
        bk, bo, bw = kept[idx], on[idx], w[idx]
        tp_b, k_b, o_b = (bw * (bk & bo)).sum(1), (bw * bk).sum(1), (bw * bo).sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot = np.column_stack([np.where(k_b > 0, tp_b / k_b, np.nan), np.where(o_b > 0, tp_b / o_b, np.nan)])
    else:
        boot = np.full((1, 2), np.nan)

    def ci(col: int) -> list[float | None]:
        vals = boot[:, col][~np.isnan(boot[:, col])]
        return [round(float(np.percentile(vals, 2.5)), 4), round(float(np.percentile(vals, 97.5)), 4)] \
            if len(vals) else [None, None]

    def r4(x: float) -> float | None:
        return None if math.isnan(x) else round(x, 4)

    return {
        "n_labels": int(len(on)), "n_on_topic": no, "n_kept": nk,
        "unweighted": {"precision": r4(p_u), "recall": r4(r_u),
                       "precision_ci": wilson(tp, nk), "recall_ci": wilson(tp, no)},
        "weighted": {"precision": r4(p_w), "recall": r4(r_w), "precision_ci": ci(0), "recall_ci": ci(1),
                     "documents_represented": int(round(w.sum()))},
    }
