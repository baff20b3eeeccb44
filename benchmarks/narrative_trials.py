"""Trials of the narrative passage classifier (issue 19), all in the stage's
nested grouped cross-validation.

Same data and folds as ``python -m pipeline.narratives``: the labels of
``corpora/labels/narratives_passages_v1.jsonl`` (reserved documents refused),
each label text's MiniLM vector (``data/cache/text_embeddings.duckdb``),
``StratifiedGroupKFold`` by source file, 5 outer folds, and inside each outer
training set 5 inner folds that choose ``C`` and the thresholds
(:func:`pipeline.narratives.model.grouped_folds`, seed ``params.yaml``
``narratives.seed``). Every supervised narrative (the 13 claims and
``other``) is fitted; the headline micro-F1 is over the 13 claims, as in
``metrics/narratives.json``.

A trial is a set of options (:data:`TRIALS`):

* ``feats``: ``emb`` (the passage vector), ``sim`` (cosine of the passage to
  each narrative's claim text and its highest cosine to one of the
  narrative's cues, from ``corpora/narratives.yaml``), ``word`` (TF-IDF word
  1-2-grams, fitted on training rows), ``char`` (TF-IDF char_wb 2-5-grams),
  ``knn`` (per narrative, the share of positives among the passage's
  :data:`KNN` most cosine-similar training passages, and its highest cosine to
  a positive one; a training passage's neighbours come from other source
  files only, as a test passage's do, :func:`_knn`), ``rbf`` (a Nystroem
  map of the RBF kernel on the passage vector, :data:`RBF_GAMMA`, fitted on
  the training rows), ``ctx`` (the mean vector of the passage's document's
  narrative passages, unit length: what the rest of the document is about);
* ``stack`` (session 23, the "classifier chain" left untried): a second
  regression per narrative reads the features plus every narrative's
  first-stage probability (out of fold on the training rows: :data:`STACK_FOLDS`
  grouped folds inside them), so it can learn which claims go together or
  exclude each other (stacked binary relevance, Godbole & Sarawagi 2004);
* ``title``: the document's title is prefixed to the text of the TF-IDF blocks;
* ``clf``: ``lr`` (LogisticRegression) or ``svm`` (LinearSVC), ``cw``: class_weight;
* ``cal``: ``platt`` (sigmoid on inner out-of-fold scores) or ``none``
  (the raw sigmoid of the decision score);
* ``thr``: ``per`` (a threshold per narrative) or ``global`` (one threshold,
  best pooled micro-F1 on the inner out-of-fold probabilities);
* ``tol``: the LogisticRegression stopping tolerance (scikit-learn's default 1e-4);
* ``evidence``: each label's evidence sentences (one per narrative, verbatim)
  join the training rows of the fold that holds their passage, positive for
  their narrative and negative for narratives the passage does not carry.

Usage: ``python benchmarks/narrative_trials.py [-v] [--encoder SPEC] [name ...]``
(default: all trials; about 1-4 min each on 2 busy cores). Prints one row per
trial. ``--encoder`` embeds every text with another encoder first (cached).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.config import CLEAN_DB, EMBED_DB, NARRATIVE_PASSAGE_LABEL_FILE, TEXT_CACHE_FILE, load_params
from pipeline.label_match import match_labels, read_targets
from pipeline.narratives import evaluate, labels, model
from pipeline.narratives.inputs import read_inputs
from pipeline.narratives.stage import threshold_grid
from pipeline.narratives.taxonomy import load_narratives, zero_shot_texts
from pipeline.privacy import StoredKeys
from pipeline.text_vectors import text_sha256, text_vectors

BASE: dict[str, Any] = dict(feats=("emb",), title=False, clf="lr", cw="balanced", cal="platt", thr="per",
                            evidence=False, grid=(1.0, 10.0), tol=1e-4)
#: name → options changed from BASE (the stage's settings before these trials)
#: Dense columns of the "lsa" features (a common LSA size; not tuned).
LSA_COMPONENTS = 256
TRIALS: dict[str, dict[str, Any]] = {
    "base": {},
    "word": dict(feats=("emb", "word")),
    "word+title": dict(feats=("emb", "word"), title=True),
    "char": dict(feats=("emb", "char")),
    "sim": dict(feats=("emb", "sim")),
    "C.1-1": dict(grid=(0.1, 0.3, 1.0)),
    "C10-100": dict(grid=(10.0, 100.0)),
    "no_cw": dict(cw=None),
    "no_cal": dict(cal="none"),
    "global_thr": dict(thr="global"),
    "svm": dict(clf="svm", grid=(0.1, 1.0)),
    "evidence": dict(evidence=True),
    # combinations of the single changes that helped
    "sim+global": dict(feats=("emb", "sim"), thr="global"),
    "sim+global+C.3-1": dict(feats=("emb", "sim"), thr="global", grid=(0.3, 1.0)),
    "sim+global+no_cw": dict(feats=("emb", "sim"), thr="global", cw=None),
    "sim+global+evidence": dict(feats=("emb", "sim"), thr="global", evidence=True),
    "word+sim+global": dict(feats=("emb", "sim", "word"), thr="global"),
    "word+sim+global+tol": dict(feats=("emb", "sim", "word"), thr="global", tol=1e-3),
    # session 13: neighbours among the training passages of other source files
    "knn+sim+global": dict(feats=("emb", "sim", "knn"), thr="global"),
    "knn+sim+global+C.3-1": dict(feats=("emb", "sim", "knn"), thr="global", grid=(0.3, 1.0)),
    # session 15: a non-linear map of the passage vector (neighbouring claims are confused)
    "rbf+sim+global": dict(feats=("emb", "sim", "rbf"), thr="global"),
    "rbf+sim+global+C.1-1": dict(feats=("emb", "sim", "rbf"), thr="global", grid=(0.1, 1.0)),
    "rbf5+sim+global": dict(feats=("emb", "sim", "rbf"), thr="global", gamma=5.0),
    "sim+global+C.1-1": dict(feats=("emb", "sim"), thr="global", grid=(0.1, 1.0)),
    # session 16: the TF-IDF of "word+sim+global" reduced to LSA_COMPONENTS dense columns (TruncatedSVD)
    "lsa+sim+global": dict(feats=("emb", "sim", "lsa"), thr="global"),
    # session 23: label co-occurrence (stacking) and document context
    "stack+sim+global": dict(feats=("emb", "sim"), thr="global", stack=True),
    "ctx+sim+global": dict(feats=("emb", "sim", "ctx"), thr="global"),
    "ctx+stack+sim+global": dict(feats=("emb", "sim", "ctx"), thr="global", stack=True),
}

#: inner grouped folds of the ``stack`` option's first stage (3: a common stacking choice, not tuned)
STACK_FOLDS = 3

#: neighbours read by the ``knn`` features
KNN = 15
#: ``rbf`` features: a Nystroem map (scikit-learn) of the RBF kernel exp(-gamma |u - v|^2) on the unit
#: passage vectors, with this many landmarks drawn from the training rows (|u - v|^2 = 2 - 2 cos, so
#: gamma 2 weighs a cosine step of 0.25 by exp(-1))
RBF_GAMMA = 2.0
RBF_COMPONENTS = 600


@dataclass
class Data:
    """``V`` ``(n, d)`` label vectors, ``texts``, ``titles``, ``Y`` ``(n, K)``,
    ``groups`` (source files), ``units`` (documents), ``S`` ``(n, 2K)`` claim
    and best-cue cosines, evidence rows (``ev_row`` source label row, ``ev_key``
    column, ``ev_V``, ``ev_text``, ``ev_S``), ``ctx`` ``(n, d)`` the unit mean
    vector of each label's document's narrative passages (its own vector when
    the document has none)."""

    V: np.ndarray
    texts: list[str]
    titles: list[str]
    Y: np.ndarray
    keys: list[str]
    headline: list[str]
    groups: np.ndarray
    units: list[tuple[str, str]]
    S: np.ndarray
    ev_row: np.ndarray
    ev_key: np.ndarray
    ev_V: np.ndarray
    ev_text: list[str]
    ev_S: np.ndarray
    ctx: np.ndarray


def load(encoder: str | None = None) -> Data:
    """The stage's labelled rows, vectors and the extra inputs of the trials.

    Args:
        encoder: another sentence encoder (an ``encoder.model`` spec, e.g. the
            folder of all-mpnet-base-v2) for the label, claim, cue and evidence
            texts, instead of the stage's (whose passage vectors are then not
            reused); its vectors are kept in the same text cache, by model.
    """
    import json

    params = load_params("narratives", include=("privacy",))
    enc = load_params("encoder")
    tax = load_narratives(sides=list(load_params("stance")["labels"]))
    keys = list(tax.keys)
    key = StoredKeys.from_params(params["privacy"])
    gold = labels.read_labels(NARRATIVE_PASSAGE_LABEL_FILE, keys, key=key)
    labels.check_not_reserved(gold, labels.reserved_pairs(key=key), NARRATIVE_PASSAGE_LABEL_FILE)
    inp = read_inputs(EMBED_DB, CLEAN_DB)
    joined = match_labels(gold, *read_targets(CLEAN_DB, EMBED_DB, gold))
    known = dict(zip((text_sha256(t) for t in inp.scored["text"]), inp.X))
    dim = inp.X.shape[1]
    if encoder:
        from pipeline.encoder import embedding_dimension, load_encoder

        enc, known = {**enc, "model": encoder}, {}
        dim = embedding_dimension(load_encoder(encoder, threads=int(enc.get("threads", 0))))
    texts = list(joined["text"])
    V = text_vectors(texts, enc, TEXT_CACHE_FILE, dimensions=dim, known=known)
    import duckdb

    con = duckdb.connect(str(CLEAN_DB), read_only=True)
    titles = dict(con.sql("SELECT doc_id, coalesce(title, '') FROM documents").fetchall())
    con.close()
    claims = zero_shot_texts(tax)
    T = text_vectors([tax[k].claim for k in claims], enc, TEXT_CACHE_FILE, dimensions=dim)
    cues = [(k, c) for k in claims for c in tax[k].cues]
    C = text_vectors([c for _, c in cues], enc, TEXT_CACHE_FILE, dimensions=dim)
    cue_key = np.array([list(claims).index(k) for k, _ in cues])

    def sims(X: np.ndarray) -> np.ndarray:
        cc = X @ C.T
        best = np.stack([cc[:, cue_key == j].max(axis=1) for j in range(len(claims))], axis=1)
        return np.hstack([X @ T.T, best])

    # evidence sentences, aligned with the label's narratives (codebook: one per narrative)
    raw = [json.loads(line) for line in NARRATIVE_PASSAGE_LABEL_FILE.read_text(encoding="utf-8").splitlines()
           if line.strip()]
    by_line = {n: r for n, r in enumerate(raw, 1)}
    ev_row, ev_key, ev_text = [], [], []
    for i, line in enumerate(joined["line"]):
        r = by_line[int(line)]
        for k, e in zip(r["narratives"], r.get("evidence", [])):
            if isinstance(e, str) and e.strip():
                ev_row.append(i)
                ev_key.append(keys.index(k))
                ev_text.append(e)
    ev_V = text_vectors(ev_text, enc, TEXT_CACHE_FILE, dimensions=dim, known=known)
    Y = np.array([[k in row for k in keys] for row in joined["narratives"]], dtype=int)
    ctx, rows = V.copy(), inp.scored.groupby("doc_id").indices if not encoder else {}
    for i, doc in enumerate(joined["doc_id"]):
        if doc in rows:
            m = inp.X[rows[doc]].mean(axis=0)
            ctx[i] = m / max(float(np.linalg.norm(m)), 1e-12)
    return Data(V, texts, [titles.get(d, "") or "" for d in joined["doc_id"]], Y, keys,
                [n.key for n in tax.narratives if not n.catch_all], joined["source_file"].to_numpy(dtype=object),
                list(zip(joined["source_file"], joined["native_id"])), sims(V), np.array(ev_row),
                np.array(ev_key), ev_V, ev_text, sims(ev_V), ctx)


def _rows(d: Data, idx: np.ndarray, opt: dict[str, Any]) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Training rows for label rows ``idx``: ``(V, texts, S, Y)``, plus evidence rows with option
    ``evidence``; ``Y`` -1 = left out of that column's fit."""
    V, S, Y = d.V[idx], d.S[idx], d.Y[idx].copy()
    texts = [(d.titles[i] + " | " if opt["title"] else "") + d.texts[i] for i in idx]
    if not opt["evidence"]:
        return V, texts, S, Y
    keep = np.flatnonzero(np.isin(d.ev_row, idx))
    EY = np.zeros((len(keep), Y.shape[1]), dtype=int)
    for j, e in enumerate(keep):
        src = d.Y[d.ev_row[e]]
        EY[j] = np.where(src == 1, -1, 0)
        EY[j, d.ev_key[e]] = 1
    et = [(d.titles[d.ev_row[e]] + " | " if opt["title"] else "") + d.ev_text[e] for e in keep]
    return np.vstack([V, d.ev_V[keep]]), texts + et, np.vstack([S, d.ev_S[keep]]), np.vstack([Y, EY])


def _vectorizers(opt: dict[str, Any], texts: list[str]) -> list[Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = []
    if "word" in opt["feats"]:
        out.append(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000).fit(texts))
    if "char" in opt["feats"]:
        out.append(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                                   max_features=30000).fit(texts))
    return out


def _design(opt: dict[str, Any], V: np.ndarray, texts: list[str], S: np.ndarray, vecs: list[Any],
            ctx: np.ndarray) -> Any:
    from scipy import sparse

    blocks = [V] if "emb" in opt["feats"] else []
    if "sim" in opt["feats"]:
        blocks.append(S)
    if "ctx" in opt["feats"]:
        blocks.append(ctx)
    if not vecs:
        return np.hstack(blocks)
    return sparse.hstack([sparse.csr_matrix(np.hstack(blocks))] + [v.transform(texts) for v in vecs], format="csr")


def _knn(Vq: np.ndarray, gq: np.ndarray, Vr: np.ndarray, Yr: np.ndarray, gr: np.ndarray) -> np.ndarray:
    """``(nq, 2K)`` neighbour features of query vectors ``Vq`` against reference
    rows ``Vr`` with labels ``Yr`` ``(nr, K)`` (0/1; -1 counts as 0): per column
    the share of positives among the :data:`KNN` nearest references, then the
    highest cosine to a positive reference (0 when none). References of the
    query's own group (source file) are left out."""
    cos = Vq @ Vr.T
    cos[gq[:, None] == gr[None, :]] = -2.0
    Y = (Yr == 1).astype(float)
    k = min(KNN, cos.shape[1])
    near = np.argpartition(-cos, k - 1, axis=1)[:, :k]
    share = Y[near].mean(axis=1)
    best = np.stack([np.where(Y[:, j] > 0, cos, -2.0).max(axis=1) for j in range(Y.shape[1])], axis=1)
    return np.hstack([share, np.maximum(best, 0.0)])


def _scores(opt: dict[str, Any], d: Data, tr: np.ndarray, te: np.ndarray, C: float) -> np.ndarray:
    """``(len(te), K)`` decision scores of one fit per column on rows ``tr``."""
    V, texts, S, Y = _rows(d, tr, opt)
    assert not (opt["evidence"] and (opt.get("stack") or "ctx" in opt["feats"])), "stack, ctx: label rows only"
    vecs = _vectorizers(opt, texts)
    F = _design(opt, V, texts, S, vecs, d.ctx[tr])
    te_texts = [(d.titles[i] + " | " if opt["title"] else "") + d.texts[i] for i in te]
    Ft = _design(opt, d.V[te], te_texts, d.S[te], vecs, d.ctx[te])
    if "rbf" in opt["feats"]:
        from sklearn.kernel_approximation import Nystroem

        ny = Nystroem(gamma=opt.get("gamma", RBF_GAMMA), n_components=min(RBF_COMPONENTS, len(V)),
                      random_state=0).fit(V)
        F, Ft = np.hstack([F, ny.transform(V)]), np.hstack([Ft, ny.transform(d.V[te])])
    if "lsa" in opt["feats"]:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        tf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000).fit(texts)
        svd = TruncatedSVD(n_components=LSA_COMPONENTS, random_state=0).fit(tf.transform(texts))
        F = np.hstack([F, normalize(svd.transform(tf.transform(texts)))])
        Ft = np.hstack([Ft, normalize(svd.transform(tf.transform(te_texts)))])
    if "knn" in opt["feats"]:
        g_tr = np.concatenate([d.groups[tr], d.groups[d.ev_row[np.isin(d.ev_row, tr)]]]) if opt["evidence"] \
            else d.groups[tr]
        F = np.hstack([F, _knn(V, g_tr, V, Y, g_tr)])
        Ft = np.hstack([Ft, _knn(d.V[te], d.groups[te], V, Y, g_tr)])
    if opt.get("stack"):
        Z = np.zeros(Y.shape)
        for a, b in model.grouped_folds(Y, d.groups[tr], STACK_FOLDS, 0):
            Z[b] = _fit(opt, F[a], Y[a], F[b], C)
        F, Ft = np.hstack([F, model._sigmoid(Z)]), np.hstack([Ft, model._sigmoid(_fit(opt, F, Y, Ft, C))])
    return _fit(opt, F, Y, Ft, C)


def _fit(opt: dict[str, Any], F: Any, Y: np.ndarray, Ft: Any, C: float) -> np.ndarray:
    """``(n_te, K)`` scores on ``Ft``, one classifier per column of ``Y`` fitted on ``F`` (-1: left out)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC
    from threadpoolctl import threadpool_limits

    out = np.zeros((Ft.shape[0], Y.shape[1]))
    for k in range(Y.shape[1]):
        m = Y[:, k] >= 0
        y = Y[m, k]
        if y.min() == y.max():
            out[:, k] = 10.0 if y[0] else -10.0
            continue
        with threadpool_limits(limits=1, user_api="blas"):
            if opt["clf"] == "svm":
                c = LinearSVC(C=C, class_weight=opt["cw"], max_iter=5000, random_state=0).fit(F[m], y)
            else:
                c = LogisticRegression(C=C, class_weight=opt["cw"], max_iter=2000, random_state=0,
                                       tol=opt["tol"]).fit(F[m], y)
        out[:, k] = c.decision_function(Ft)
    return out


def _tune(opt: dict[str, Any], d: Data, idx: np.ndarray, seed: int, folds: int, grid_t: list[float]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On rows ``idx``: ``(C, calibration (K, 2), thresholds)`` from inner grouped folds."""
    Yi = d.Y[idx]
    K = Yi.shape[1]
    oof = {C: np.zeros(Yi.shape) for C in opt["grid"]}
    for tr, te in model.grouped_folds(Yi, d.groups[idx], folds, seed):
        for C in opt["grid"]:
            oof[C][te] = _scores(opt, d, idx[tr], idx[te], C)
    Cs, cal, ts, fs = np.zeros(K), np.tile([1.0, 0.0], (K, 1)), np.zeros(K), np.full(K, -1.0)
    P = np.zeros(Yi.shape)
    for k in range(K):
        for C in sorted(opt["grid"]):
            a, b = model.platt(oof[C][:, k], Yi[:, k]) if opt["cal"] == "platt" else (1.0, 0.0)
            p = model._sigmoid(oof[C][:, k] * a + b)
            t, f = model.best_threshold(p, Yi[:, k], grid_t)
            if f > fs[k]:
                Cs[k], cal[k], ts[k], fs[k], P[:, k] = C, (a, b), t, f, p
    if opt["thr"] == "global":
        best = max(sorted(grid_t, key=lambda t: (abs(t - 0.5), t)),
                   key=lambda t: evaluate.micro_f1(Yi, P >= t))
        ts[:] = best
    return Cs, cal, ts


def nested(opt: dict[str, Any], d: Data, seed: int, folds: int, grid_t: list[float]) -> np.ndarray:
    """Honest decisions ``(n, K)`` bool: each outer fold predicted by a model tuned without it."""
    D = np.zeros(d.Y.shape, dtype=bool)
    for tr, te in model.grouped_folds(d.Y, d.groups, folds, seed):
        Cs, cal, ts = _tune(opt, d, tr, seed, folds, grid_t)
        for C in sorted(set(Cs.tolist())):
            cols = np.flatnonzero(Cs == C)
            s = _scores(opt, d, tr, te, C)[:, cols]
            D[np.ix_(te, cols)] = model._sigmoid(s * cal[cols, 0] + cal[cols, 1]) >= ts[cols]
    return D


def main(argv: list[str], verbose: bool = False, encoder: str | None = None) -> None:
    params = load_params("narratives")
    seed, folds, grid_t = int(params["seed"]), int(params["cv_folds"]), threshold_grid(params["thresholds"])
    d = load(encoder)
    print(f"{len(d.Y)} labelled passages, {len(d.ev_text)} evidence sentences, {len(set(d.groups))} source files",
          file=sys.stderr)
    names = argv or list(TRIALS)
    print("| trial | micro-F1 (13 claims) | macro-F1 | samples-F1 (passages) | s |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        opt = {**BASE, **TRIALS[name]}
        t0 = time.perf_counter()
        D = nested(opt, d, seed, folds, grid_t)
        s = evaluate.scores(d.Y, D, d.keys, d.headline, d.units)
        print(f"| {name} | {s['micro_f1']:.3f} | {s['macro_f1']:.3f} | {s['samples_f1_passages']:.3f} | "
              f"{time.perf_counter() - t0:.0f} |", flush=True)
        if verbose or len(names) == 1:
            for k, v in s["per_narrative"].items():
                print(f"|   {k} | P {v['precision']:.2f} R {v['recall']:.2f} F1 {v['f1']:.2f} | | | |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trials", nargs="*", metavar="name",
                        help=f"trials to run (default: all of {', '.join(TRIALS)})")
    parser.add_argument("-v", action="store_true", help="per-narrative figures for every trial")
    parser.add_argument("--encoder", help="another sentence encoder for every text (encoder.model spec or folder, "
                                          "e.g. all-mpnet-base-v2 unzipped from its PyPI parts: docs/methods.md)")
    args = parser.parse_args()
    main(args.trials, verbose=args.v, encoder=args.encoder)
