"""Document stance learned from the document labels: poolers over passage
probabilities, and their nested grouped cross-validation.

Each document is one row of features of its passages' calibrated
probabilities (:func:`doc_table`): the pooled features of
:func:`pipeline.stance.pooling.pooled_features` (per label max, top-2 mean,
mean, share decided, log passage count) plus, per label, the mean of the
top three and ``log(1 + passages with p >= .3)`` and ``... >= .5``. Poolers
(:data:`POOLERS`):

* ``max_rule``: the strongest stance passage (:func:`pipeline.stance.pooling.max_rule`);
* ``lr`` / ``lr_bal``: multinomial logistic regression on the standardised
  features, without / with balanced class weights; ``..._off`` adds decision
  offsets (:mod:`pipeline.stance.offsets`) tuned for the stances' macro-F1 by
  a leave-one-fold-out over the training folds;
* ``thresholds``: per stance a threshold on its best passage probability,
  tuned on the training documents (:func:`tune_thresholds`); the stance with
  the largest ``max p / threshold`` above 1 wins, else ``neutral`` if a
  passage is decided neutral, else ``off_topic``;
* ``thresholds_lr``: ``thresholds`` for the stances; a document left
  without one is ``neutral`` or ``off_topic`` by a logistic regression on
  the features, fitted on the training documents of those two labels
  (session-29 trial, not the stage's: see docs/known-issues.md);
* ``hgb_bal``: a shallow gradient-boosted tree model
  (``HistGradientBoostingClassifier``, balanced class weights).

:func:`pool_cv` evaluates one pooler on the fold fits of the nested CV
(:mod:`pipeline.stance.crossval`): training documents' rows come from inner
passage models (fitted without their fold and the test fold), test
documents' rows from the outer model; nothing is tuned on the test fold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.stance.offsets import _macro_f1, decide, tune_offsets
from pipeline.stance.pooling import _segments, max_rule, pooled_features

POOLERS = ("max_rule", "lr", "lr_off", "lr_bal", "lr_bal_off", "thresholds", "thresholds_lr", "hgb_bal")

#: thresholds tried per stance by :func:`tune_thresholds` (probabilities)
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def doc_table(P: np.ndarray, doc_index: np.ndarray, n_docs: int, offsets: np.ndarray, settings: dict[str, Any]
              ) -> tuple[np.ndarray, np.ndarray]:
    """``(F, rule)``: ``(n_docs, 7k + 1)`` document features (module docstring; the
    first ``k`` columns are the per-label maxima, columns ``3k..4k`` the decided
    shares) and ``(n_docs,)`` the max rule's decision, from ``(n_passages, k)``
    passage probabilities ``P`` and the passage ``offsets``."""
    k = P.shape[1]
    base = pooled_features(P, doc_index, n_docs, offsets)
    extra = np.zeros((n_docs, 3 * k))
    for d, rows in enumerate(_segments(np.asarray(doc_index), n_docs)):
        if len(rows):
            Q = P[rows]
            extra[d, :k] = (-np.sort(-Q, axis=0))[:3].mean(axis=0)
            extra[d, k:2 * k] = np.log1p((Q >= 0.3).sum(axis=0))
            extra[d, 2 * k:] = np.log1p((Q >= 0.5).sum(axis=0))
    rule = max_rule(P, np.asarray(doc_index), n_docs, offsets, settings["stances"], settings["neutral"],
                    settings["off_topic"])
    return np.hstack([base, extra]), rule


def threshold_decide(F: np.ndarray, t: np.ndarray, settings: dict[str, Any]) -> np.ndarray:
    """Decisions of the ``thresholds`` pooler on :func:`doc_table` rows ``F``:
    ``t`` holds one threshold per stance (order of ``settings["stances"]``)."""
    st = np.asarray(settings["stances"])
    k = (F.shape[1] - 1) // 7
    ratio = F[:, st] / t[None, :]
    out = np.where(F[:, 3 * k + settings["neutral"]] > 0, settings["neutral"], settings["off_topic"])
    on = ratio.max(axis=1) >= 1.0
    out[on] = st[np.argmax(ratio[on], axis=1)]
    return out


def tune_thresholds(F: np.ndarray, y: np.ndarray, settings: dict[str, Any], rounds: int = 3) -> np.ndarray:
    """Per-stance thresholds that maximise the stances' macro-F1 of
    :func:`threshold_decide` on ``(F, y)`` (coordinate ascent over
    :data:`THRESHOLD_GRID`, starting at .5; ties keep the current value)."""
    st = list(settings["stances"])
    t = np.full(len(st), 0.5)
    best = _macro_f1(y, threshold_decide(F, t, settings), st)
    for _ in range(rounds):
        changed = False
        for i in range(len(st)):
            for v in THRESHOLD_GRID:
                trial = t.copy()
                trial[i] = v
                score = _macro_f1(y, threshold_decide(F, trial, settings), st)
                if score > best + 1e-12:
                    best, t, changed = score, trial, True
        if not changed:
            break
    return t


def _model(name: str, seed: int, C: float) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name.startswith("hgb"):
        return HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05,
                                              class_weight="balanced", random_state=seed)
    weight = "balanced" if name.startswith("lr_bal") else None
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight=weight, max_iter=5000,
                                                              random_state=seed))


def _proba(model: Any, F: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((len(F), k))
    if len(F):
        out[:, model.classes_.astype(int)] = model.predict_proba(F)
    return out


def fit_predict(name: str, F_tr: np.ndarray, y_tr: np.ndarray, fold_tr: np.ndarray, F_te: np.ndarray,
                rule_te: np.ndarray, k: int, settings: dict[str, Any]) -> tuple[np.ndarray, Any]:
    """Train pooler ``name`` on the training documents (rows ``F_tr``, label
    indices ``y_tr``, folds ``fold_tr`` for the leave-one-fold-out of the
    offsets) and decide the test documents. Returns ``(decisions, what was
    tuned: offsets, thresholds or None)``."""
    if name == "max_rule":
        return rule_te, None
    if name in ("thresholds", "thresholds_lr"):
        t = tune_thresholds(F_tr, y_tr, settings)
        out = threshold_decide(F_te, t, settings)
        rest = ~np.isin(out, settings["stances"])
        if name == "thresholds_lr" and rest.any():  # neutral or off_topic by a regression on the training documents
            pair = np.isin(y_tr, [settings["neutral"], settings["off_topic"]])
            model = _model("lr", settings["seed"], float(settings.get("pooler_C", 1.0))).fit(F_tr[pair], y_tr[pair])
            out[rest] = model.predict(F_te[rest])
        return out, t
    seed, C = settings["seed"], float(settings.get("pooler_C", 1.0))
    P_te = _proba(_model(name, seed, C).fit(F_tr, y_tr), F_te, k)
    if not name.endswith("_off"):
        return P_te.argmax(axis=1), None
    inner = np.zeros((len(F_tr), k))
    for j in np.unique(fold_tr):
        fit = fold_tr != j
        inner[~fit] = _proba(_model(name, seed, C).fit(F_tr[fit], y_tr[fit]), F_tr[~fit], k)
    b, _ = tune_offsets(inner, y_tr, scored=settings["stances"], reference=settings["neutral"])
    return decide(P_te, b), b


def pool_cv(res: dict[Any, list[np.ndarray]], yp: Sequence[str], pfold: np.ndarray, yd: Sequence[str],
            dfold: np.ndarray, d_index: np.ndarray, labels: Sequence[str], settings: dict[str, Any], name: str
            ) -> dict[str, Any]:
    """Grouped CV of pooler ``name`` on the fold fits ``res``
    (``{(k, j): [P of fold j's labelled passages, P of fold j's documents' passages]}``,
    ``j`` None for outer fold ``k``'s own model).

    Returns:
        ``passage_f1`` (outer passages, offsets tuned on inner folds; macro-F1
        over the three stances), ``doc_f1``, ``f1_<stance>``, ``P_pct``/``R_pct``
        (``pro_china_tools``), ``cc_err`` / ``cc_err_stances`` (mean absolute
        error of the classify-and-count share over held-out folds, five labels / three
        stances), ``confusion`` (rows true, columns decided) and ``decided``.
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    k_lab = len(labels)
    ypi = np.array([list(labels).index(v) for v in yp])
    ydi = np.array([list(labels).index(v) for v in yd])
    folds = sorted({f for f, j in res if f is not None})
    dp_fold = dfold[d_index]
    st = list(settings["stances"])
    p_dec, d_dec = np.zeros(len(ypi), int), np.zeros(len(ydi), int)
    errs = []

    def table(P: np.ndarray, j: int, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        docs = np.flatnonzero(dfold == j)
        local = np.searchsorted(docs, d_index[dp_fold == j])
        F, rule = doc_table(P, local, len(docs), b, settings)
        return docs, F, rule

    for k in folds:
        inner = [f for f in folds if f != k]
        rows_in = np.concatenate([np.flatnonzero(pfold == j) for j in inner])
        b, _ = tune_offsets(np.vstack([res[(k, j)][0] for j in inner]), ypi[rows_in], scored=list(range(k_lab)),
                            reference=settings["neutral"])
        p_dec[pfold == k] = decide(res[(k, None)][0], b)
        parts = [table(res[(k, j)][1], j, b) for j in inner]
        tr_docs = np.concatenate([p[0] for p in parts])
        F_tr = np.vstack([p[1] for p in parts])
        fold_tr = np.concatenate([np.full(len(p[0]), j) for p, j in zip(parts, inner)])
        te_docs, F_te, rule_te = table(res[(k, None)][1], k, b)
        if not len(te_docs):
            continue
        d_dec[te_docs], _ = fit_predict(name, F_tr, ydi[tr_docs], fold_tr, F_te, rule_te, k_lab, settings)
        true = np.bincount(ydi[te_docs], minlength=k_lab) / len(te_docs)
        errs.append(np.abs(np.bincount(d_dec[te_docs], minlength=k_lab) / len(te_docs) - true))
    p, r, f, _ = precision_recall_fscore_support(ydi, d_dec, labels=list(range(k_lab)), zero_division=0)
    pct = list(labels).index("pro_china_tools")
    E = np.array(errs)
    return {"passage_f1": round(_macro_f1(ypi, p_dec, st), 4), "doc_f1": round(_macro_f1(ydi, d_dec, st), 4),
            **{f"f1_{labels[c]}": round(float(f[c]), 4) for c in st},
            **{f"P_{labels[c]}": round(float(p[c]), 4) for c in st},
            **{f"R_{labels[c]}": round(float(r[c]), 4) for c in st},
            "P_pct": round(float(p[pct]), 4), "R_pct": round(float(r[pct]), 4),
            "cc_err": round(float(E.mean()), 4), "cc_err_stances": round(float(E[:, st].mean()), 4),
            "confusion": confusion_matrix(ydi, d_dec, labels=list(range(k_lab))).tolist(),
            "decided": d_dec.tolist()}
