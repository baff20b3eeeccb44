"""Nested grouped cross-validation of the passage classifier, its decision
offsets and the document pooling, and the final fits.

One fold assignment serves both label sets: every source file (the group)
gets one fold (``StratifiedGroupKFold`` over the passage and document labels
together, :func:`fold_of_sources`), so in outer fold ``k``

* the passage classifier is fitted on the labelled passages of the other
  folds' source files only, and predicts fold ``k``'s labelled passages and
  the narrative passages of fold ``k``'s labelled documents;
* its decision offsets are tuned on out-of-fold probabilities of the other
  folds (inner models fitted without fold ``j`` and fold ``k``), never on
  fold ``k`` (:func:`pipeline.stance.offsets.tune_offsets`);
* the max rule uses the passage offsets; its own offsets tuned for the
  documents' macro-F1 (:func:`pipeline.stance.pooling.tune_max_rule`, on the
  other folds' labelled documents as the inner models see them) are
  evaluated as a trial (``doc_max_rule_tuned``);
* the thresholds pooler (:mod:`pipeline.stance.docpool`): one threshold per
  stance on the document's best passage probability, tuned on the other
  folds' labelled documents as the inner models see them (``doc_thresholds``);
* the pooling model is trained on the other folds' labelled documents, whose
  pooled features come from the inner models (fitted without the
  document's own fold and without ``k``); its offsets and the error rates
  used by ACC are estimated by a leave-one-fold-out over those folds.

The final passage model is fitted on every labelled passage, its offsets
tuned on the outer out-of-fold probabilities; the final pooler is trained on
every labelled document's out-of-fold pooled features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.stance.docpool import doc_table, threshold_decide, tune_thresholds
from pipeline.stance.model import make_classifier
from pipeline.stance.offsets import decide, tune_offsets
from pipeline.stance.pooling import make_pooler, max_rule, pooled_features, tune_max_rule
from pipeline.stance.quantify import confusion_rates, one_hot, solve_simplex


def fold_of_sources(labels: Sequence[str], groups: Sequence[str], n_folds: int, seed: int) -> dict[str, int]:
    """Fold (0..n-1) of each source file: ``StratifiedGroupKFold(n_folds,
    shuffle, seed)`` over all label rows (passages and documents together).

    Raises:
        ValueError: fewer than 2 source files.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    g = np.asarray(list(groups), dtype=object)
    n = min(n_folds, len(set(g.tolist())))
    if n < 2:
        raise ValueError(f"grouped cross-validation needs at least 2 source files, got {n}")
    out: dict[str, int] = {}
    splits = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed).split(
        np.zeros(len(g)), np.asarray(list(labels), dtype=object), g)
    for k, (_, te) in enumerate(splits):
        for src in set(g[te].tolist()):
            out[src] = k
    return out


def proba(clf: Any, F: pd.DataFrame, labels: Sequence[str]) -> np.ndarray:
    """``clf.predict_proba(F)`` with columns in ``labels`` order (0 for a label the fit never saw)."""
    out = np.zeros((len(F), len(labels)))
    if not len(F):
        return out
    P = clf.predict_proba(F)
    for i, c in enumerate(clf.classes_):
        out[:, list(labels).index(c)] = P[:, i]
    return out


def _fit(Fp: pd.DataFrame, yp: np.ndarray, train: np.ndarray, targets: list[pd.DataFrame], labels: Sequence[str],
         settings: dict[str, Any]) -> tuple[list[np.ndarray], Any]:
    """Fit the passage classifier on rows ``train`` and predict each target frame."""
    from pipeline.stance.model import calibration_folds_for

    clf = make_classifier(settings["C"], seed=settings["seed"], dimensions=settings["dimensions"],
                          lexical=settings["lexical"], calibration_folds=calibration_folds_for(yp[train]))
    clf.fit(Fp.iloc[train], yp[train])
    # only the final fit (no targets) is kept: the fold models need not travel back from the workers
    return [proba(clf, T, labels) for T in targets], (None if targets else clf)


@dataclass
class CVResult:
    """What :func:`nested_cv` returns (index arrays are label indices into ``labels``)."""

    passage_oof: np.ndarray                 # (n_p, k) outer out-of-fold passage probabilities
    passage_offsets: dict[int, np.ndarray]  # outer fold -> offsets tuned on its inner folds
    final_passage_offsets: np.ndarray       # tuned on passage_oof
    doc_oof: np.ndarray                     # (n_d, k) pooler probabilities, outer folds
    doc_decided: np.ndarray                 # (n_d,) with the fold's document offsets
    doc_argmax: np.ndarray                  # (n_d,) without offsets
    doc_max_rule: np.ndarray                # (n_d,) strongest stance passage rule
    doc_offsets: dict[int, np.ndarray]
    final_doc_offsets: np.ndarray
    quantification: list[dict[str, Any]]    # per outer fold: true, cc, acc, pacc, pcc, prior (training mix) shares
    rule_offsets: dict[int, np.ndarray] = field(default_factory=dict)  # max rule: passage offsets tuned per fold
    final_rule_offsets: np.ndarray | None = None                       # ... on every labelled document
    doc_max_rule_tuned: np.ndarray | None = None  # (n_d,) max rule with those offsets (a trial; the passage
                                                  # offsets won in grouped CV, docs/methods.md)
    passage_clf: Any = None                 # final passage classifier (all labelled passages)
    pooler: Any = None                      # final pooler (all labelled documents)
    inner_seen: dict[int, set[int]] = field(default_factory=dict)  # outer fold -> passage rows used in tuning
    doc_thresholds: np.ndarray | None = None     # (n_d,) thresholds pooler, thresholds tuned on the training folds
    thresholds: dict[int, np.ndarray] = field(default_factory=dict)  # outer fold -> per-stance thresholds
    final_thresholds: np.ndarray | None = None   # tuned on every labelled document (outer-model probabilities)


def nested_cv(Fp: pd.DataFrame, yp: np.ndarray, pfold: np.ndarray, Fd: pd.DataFrame, d_index: np.ndarray,
              yd: np.ndarray, dfold: np.ndarray, labels: Sequence[str], settings: dict[str, Any],
              extra: tuple[pd.DataFrame, np.ndarray, np.ndarray] | None = None) -> CVResult:
    """Nested grouped CV and final fits (see the module docstring).

    Args:
        Fp: feature frame (:func:`pipeline.stance.features.feature_frame`) of
            the labelled passages; ``yp`` their label strings; ``pfold`` their fold.
        Fd: feature frame of the narrative passages of the labelled
            documents; ``d_index`` the document (0..n_d-1) of each.
        yd: ``(n_d,)`` document label strings; ``dfold`` their fold.
        settings: ``C``, ``seed``, ``dimensions``, ``lexical``,
            ``pooler_C``, ``stances`` (indices), ``neutral``, ``off_topic``,
            ``n_jobs``.
        extra: ``(Fx, yx, xfold)``, training rows only (the stage: short
            labelled documents, :func:`pipeline.stance.shortdocs.short_documents`):
            every passage model whose training folds hold a row's fold
            learns from it; no row is scored, tuned on or counted in the
            passage figures.

    Returns:
        :class:`CVResult`.
    """
    from joblib import Parallel, delayed

    k_lab = len(labels)
    ypi = np.array([list(labels).index(v) for v in yp])
    ydi = np.array([list(labels).index(v) for v in yd])
    folds = sorted(set(pfold.tolist()) | set(dfold.tolist()))
    dp_fold = dfold[d_index]
    # training rows: the labelled passages, then the extra rows (never a target)
    Ftr, ytr, trfold = Fp, yp, pfold
    if extra is not None and len(extra[1]):
        Ftr = pd.concat([Fp, extra[0]], ignore_index=True)
        ytr, trfold = np.concatenate([yp, extra[1]]), np.concatenate([pfold, extra[2]])
    jobs = []
    for k in folds:
        for j in [f for f in folds if f != k] + [None]:
            held = {k} if j is None else {k, j}
            test = k if j is None else j
            train = np.flatnonzero(~np.isin(trfold, list(held)))
            jobs.append(((k, j), train, [Fp.iloc[np.flatnonzero(pfold == test)],
                                         Fd.iloc[np.flatnonzero(dp_fold == test)]]))
    jobs.append(((None, None), np.arange(len(ytr)), []))
    out = Parallel(n_jobs=settings.get("n_jobs", 1))(
        delayed(_fit)(Ftr, ytr, train, targets, labels, settings) for _, train, targets in jobs)
    res = {key: o for (key, _, _), o in zip(jobs, out)}
    st, neutral, off = list(settings["stances"]), settings["neutral"], settings["off_topic"]
    scored_all = list(range(k_lab))
    n_d = len(yd)

    def doc_feats(probs: np.ndarray, fold: int, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pooled features of the labelled documents of ``fold`` from the passage probabilities ``probs``."""
        docs = np.flatnonzero(dfold == fold)
        rows = np.flatnonzero(dp_fold == fold)
        local = np.searchsorted(docs, d_index[rows])
        return docs, pooled_features(probs, local, len(docs), offsets)

    P_oof = np.zeros((len(yp), k_lab))
    doc_oof, doc_dec, doc_arg, doc_rule = np.zeros((n_d, k_lab)), np.zeros(n_d, int), np.zeros(n_d, int), \
        np.zeros(n_d, int)
    p_off, d_off, r_off, quant, seen = {}, {}, {}, [], {}
    oof_feats = np.zeros((n_d, 4 * k_lab + 1))
    doc_rule_tuned, doc_thr, thr = np.zeros(n_d, int), np.zeros(n_d, int), {}
    for k in folds:
        inner = [f for f in folds if f != k]
        rows_in = np.concatenate([np.flatnonzero(pfold == j) for j in inner])
        P_in = np.vstack([res[(k, j)][0][0] for j in inner])
        seen[k] = set(rows_in.tolist())
        b, _ = tune_offsets(P_in, ypi[rows_in], scored=scored_all, reference=neutral)
        p_off[k] = b
        (P_te, P_dp), _ = res[(k, None)]
        P_oof[pfold == k] = P_te
        # pooled features: training documents from the inner models, test documents from the outer model
        tr_docs, tr_X = zip(*[doc_feats(res[(k, j)][0][1], j, b) for j in inner])
        # the max rule's offsets, tuned on the training documents' passages as the inner models see them
        tr_P = np.vstack([res[(k, j)][0][1] for j in inner])
        tr_idx = np.concatenate([np.searchsorted(d, d_index[dp_fold == j]) + off_n
                                 for d, j, off_n in zip(tr_docs, inner, np.cumsum([0] + [len(d) for d in tr_docs]))])
        te_docs, te_X = doc_feats(P_dp, k, b)
        oof_feats[te_docs] = te_X
        tr_fold = np.concatenate([np.full(len(d), j) for d, j in zip(tr_docs, inner)])
        tr_docs, tr_X = np.concatenate(tr_docs), np.vstack(tr_X)
        # leave-one-fold-out of the pooler over the training folds: its offsets and ACC's error rates
        inner_P = np.zeros((len(tr_docs), k_lab))
        for j in inner:
            fit_rows, pred_rows = tr_fold != j, tr_fold == j
            pool = fit_pooler(tr_X[fit_rows], ydi[tr_docs][fit_rows], settings)
            inner_P[pred_rows] = pool_proba(pool, tr_X[pred_rows], k_lab)
        d, _ = tune_offsets(inner_P, ydi[tr_docs], scored=st, reference=neutral)
        d_off[k] = d
        P_doc = pool_proba(fit_pooler(tr_X, ydi[tr_docs], settings), te_X, k_lab)
        doc_oof[te_docs] = P_doc
        doc_dec[te_docs] = decide(P_doc, d)
        doc_arg[te_docs] = P_doc.argmax(axis=1)
        r, _ = tune_max_rule(tr_P, tr_idx, ydi[tr_docs], st, neutral, off)
        r_off[k] = r
        rows = np.flatnonzero(dp_fold == k)
        te_idx = np.searchsorted(te_docs, d_index[rows])
        doc_rule[te_docs] = max_rule(P_dp, te_idx, len(te_docs), b, st, neutral, off)
        doc_rule_tuned[te_docs] = max_rule(P_dp, te_idx, len(te_docs), r, st, neutral, off)
        F_thr = doc_table(tr_P, tr_idx, len(tr_docs), b, settings)[0]
        thr[k] = tune_thresholds(F_thr, ydi[tr_docs], settings)
        doc_thr[te_docs] = threshold_decide(doc_table(P_dp, te_idx, len(te_docs), b, settings)[0], thr[k], settings)
        if not len(te_docs):   # a fold of passage labels only: no document to score
            continue
        true = np.bincount(ydi[te_docs], minlength=k_lab) / len(te_docs)
        cc = np.bincount(doc_dec[te_docs], minlength=k_lab) / len(te_docs)
        inner_dec = decide(inner_P, d)
        acc = solve_simplex(confusion_rates(ydi[tr_docs], one_hot(inner_dec, k_lab), k_lab), cc)
        pacc = solve_simplex(confusion_rates(ydi[tr_docs], inner_P, k_lab), P_doc.mean(axis=0))
        # the same for the max rule: its error rates from the inner models' decisions on the training documents
        rule_in = max_rule(tr_P, tr_idx, len(tr_docs), b, st, neutral, off)
        cc_rule = np.bincount(doc_rule[te_docs], minlength=k_lab) / len(te_docs)
        acc_rule = solve_simplex(confusion_rates(ydi[tr_docs], one_hot(rule_in, k_lab), k_lab), cc_rule)
        # and for the thresholds pooler (error rates from its decisions on the training documents)
        cc_thr = np.bincount(doc_thr[te_docs], minlength=k_lab) / len(te_docs)
        thr_in = one_hot(threshold_decide(F_thr, thr[k], settings), k_lab)
        acc_thr = solve_simplex(confusion_rates(ydi[tr_docs], thr_in, k_lab), cc_thr)
        quant.append({"fold": int(k), "n_docs": int(len(te_docs)), "true": true, "cc": cc, "acc": acc, "pacc": pacc,
                      "pcc": P_doc.mean(axis=0), "prior": np.bincount(ydi[tr_docs], minlength=k_lab) / len(tr_docs),
                      "cc_max_rule": cc_rule, "acc_max_rule": acc_rule, "cc_thresholds": cc_thr,
                      "acc_thresholds": acc_thr})
    b_final, _ = tune_offsets(P_oof, ypi, scored=scored_all, reference=neutral)
    # the final pooler's training features: out-of-fold passage probabilities with the final offsets
    for k in folds:
        te_docs, X = doc_feats(res[(k, None)][0][1], k, b_final)
        oof_feats[te_docs] = X
    pooler = fit_pooler(oof_feats, ydi, settings)
    d_final, _ = tune_offsets(doc_oof, ydi, scored=st, reference=neutral)
    all_P = np.vstack([res[(k, None)][0][1] for k in folds])
    all_idx = np.concatenate([d_index[dp_fold == k] for k in folds])
    r_final, _ = tune_max_rule(all_P, all_idx, ydi, st, neutral, off)
    t_final = tune_thresholds(doc_table(all_P, all_idx, n_d, b_final, settings)[0], ydi, settings)
    return CVResult(P_oof, p_off, b_final, doc_oof, doc_dec, doc_arg, doc_rule, d_off, d_final, quant,
                    rule_offsets=r_off, final_rule_offsets=r_final, doc_max_rule_tuned=doc_rule_tuned,
                    passage_clf=res[(None, None)][1], pooler=pooler, inner_seen=seen, doc_thresholds=doc_thr,
                    thresholds=thr, final_thresholds=t_final)


def fit_pooler(X: np.ndarray, y: np.ndarray, settings: dict[str, Any]) -> Any:
    """:func:`pipeline.stance.pooling.make_pooler` fitted on ``(X, y)``; None
    with fewer than two classes (a small corpus: no document model)."""
    if len(np.unique(y)) < 2:
        return None
    return make_pooler(settings["pooler_C"], settings["seed"]).fit(X, y)


def pool_proba(pool: Any, X: np.ndarray, k: int) -> np.ndarray:
    """``(len(X), k)`` pooler probabilities with a column for every label
    index 0..k-1 (uniform without a pooler, :func:`fit_pooler`)."""
    if pool is None:
        return np.full((len(X), k), 1.0 / k)
    out = np.zeros((len(X), k))
    if len(X):
        out[:, pool.classes_.astype(int)] = pool.predict_proba(X)
    return out
