"""The stance stage's figures for ``metrics/stance.json``: passage and
document scores from the nested grouped cross-validation
(:mod:`pipeline.stance.crossval`), with and without decision offsets, and the
quantification error of the shares (CC, ACC, PACC, PCC) in each outer fold, against a
baseline that guesses the training folds' label mix (``prior``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.stance.crossval import CVResult
from pipeline.stance.model import evaluation
from pipeline.stance.offsets import decide

#: share estimators scored in cross-validation (:func:`quantification_errors`)
METHODS = ("cc", "acc", "pacc", "pcc", "cc_max_rule", "acc_max_rule", "cc_thresholds", "acc_thresholds", "prior")
#: the ACC that the report quotes for each ``stance.pooling``
QUOTED = {"max_rule": "acc_max_rule", "model": "acc", "thresholds": "acc_thresholds"}
#: the document evaluation in ``metrics/stance.json`` → ``document`` behind each ``stance.pooling``
DOC_EVALUATION = {"max_rule": "max_rule", "model": "pooled_offsets", "thresholds": "thresholds"}


def passage_cv_decisions(cv: CVResult, pfold: np.ndarray) -> np.ndarray:
    """Out-of-fold passage decisions (label indices): each outer fold's
    probabilities with the offsets tuned on its inner folds."""
    out = np.zeros(len(pfold), dtype=int)
    for k, b in cv.passage_offsets.items():
        rows = pfold == k
        out[rows] = decide(cv.passage_oof[rows], b)
    return out


def quantification_errors(cv: CVResult, labels: Sequence[str]) -> dict[str, Any]:
    """Absolute error of each label's share in each outer fold's test
    documents, for CC, ACC, PACC and PCC of the pooling model and CC, ACC of the
    max rule and of the thresholds pooler: per label the mean over folds, and the
    mean and max over labels and folds."""
    out: dict[str, Any] = {}
    for method in METHODS:
        err = np.array([np.abs(q[method] - q["true"]) for q in cv.quantification])   # (folds, k)
        if not err.size:   # no fold with labelled documents
            err = np.full((1, len(labels)), np.nan)
        out[method] = {"mean_abs_error": round(float(err.mean()), 4), "max_abs_error": round(float(err.max()), 4),
                       "per_label_mean_abs_error": {lab: round(float(err[:, i].mean()), 4)
                                                    for i, lab in enumerate(labels)}}
    out["folds"] = [{"fold": q["fold"], "n_docs": q["n_docs"],
                     **{m: dict(zip(labels, np.round(q[m], 4).tolist()))
                        for m in ("true", *METHODS)}}
                    for q in cv.quantification]
    return out


def error_rows(quantification: dict[str, Any], pooling: str) -> pd.DataFrame:
    """Rows of table ``stance_quantification_error`` (method, label, mean and
    max absolute error over the outer folds, stored, quoted) from
    :func:`quantification_errors`.

    ``stored`` marks the CC and the ACC of the stored decisions
    (:data:`QUOTED` and its ``cc`` counterpart); ``quoted``, per label, the
    one of those two and ``pcc`` with the smallest mean error (ties: CC, ACC,
    PCC), the share the report's section 3 bolds (for a stance whose
    decisions the report finds not measurable it bolds the better of ACC and
    PCC instead, :func:`pipeline.report.stance_shares.best_estimator`).
    """
    rows = []
    acc = QUOTED[pooling]
    candidates = [acc.replace("acc", "cc", 1), acc, "pcc"]
    best = {label: min(candidates, key=lambda m: quantification[m]["per_label_mean_abs_error"][label])
            for label in quantification[acc]["per_label_mean_abs_error"]}
    for method in METHODS:
        if not quantification["folds"]:
            break
        for label, mean in quantification[method]["per_label_mean_abs_error"].items():
            worst = max(abs(f[method][label] - f["true"][label]) for f in quantification["folds"])
            rows.append([method, label, mean, round(float(worst), 4), method in candidates[:2],
                         method == best[label]])
    return pd.DataFrame(rows, columns=["method", "label", "mean_abs_error", "max_abs_error", "stored", "quoted"])


def stance_metrics(cv: CVResult, plab: pd.DataFrame, pfold: np.ndarray, gold: pd.DataFrame,
                   labels: Sequence[str], zs_pred: np.ndarray, pooling: str = "max_rule") -> dict[str, Any]:
    """Label counts, the join of passage labels to current passages, and
    every cross-validated score (see :func:`pipeline.stance.model.evaluation`).

    ``supervised`` (read by the report and notebooks) is the document
    decision of ``pooling`` (:data:`DOC_EVALUATION`), the one stored in
    ``stances.label``. The quantification errors use the pooling model's
    decisions and probabilities (the rates of each outer fold come from its
    inner folds).
    """
    labels = list(labels)
    yp, yd = plab["label"].tolist(), gold["label"].tolist()
    names = np.asarray(labels, dtype=object)
    doc = {
        "pooled_offsets": evaluation(yd, names[cv.doc_decided], labels),
        "pooled_argmax": evaluation(yd, names[cv.doc_argmax], labels),
        "max_rule": evaluation(yd, names[cv.doc_max_rule], labels),
        "max_rule_tuned_offsets_trial": evaluation(yd, names[cv.doc_max_rule_tuned], labels),
        "thresholds": evaluation(yd, names[cv.doc_thresholds], labels),
    }
    pc, dc = plab["label"].value_counts(), gold["label"].value_counts()
    return {
        "n_labelled": int(len(gold)),
        "label_counts": {lab: int(dc.get(lab, 0)) for lab in labels},
        "n_labelled_passages": int(len(plab)),
        "passage_label_counts": {lab: int(pc.get(lab, 0)) for lab in labels},
        "passage_labels_matched": {"document_found": int(plab["doc_id"].notna().sum()),
                                   "passage_found": int(plab["passage_id"].notna().sum()),
                                   "passage_not_found": int(plab["passage_id"].isna().sum()),
                                   "by_match": {k: int(n) for k, n in sorted(Counter(plab["match"]).items())}},
        "passage": {"offsets": evaluation(yp, names[passage_cv_decisions(cv, pfold)], labels),
                    "argmax": evaluation(yp, names[cv.passage_oof.argmax(axis=1)], labels)},
        "document": doc,
        "supervised": doc[DOC_EVALUATION[pooling]],
        "quantification": quantification_errors(cv, labels),
        "zero_shot": evaluation(yd, zs_pred, labels),
    }
