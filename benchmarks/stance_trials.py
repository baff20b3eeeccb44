"""Stance trials of issue 18 (sections 2, 3, 5) in the stage's nested grouped CV.

Reads the stage's inputs (``data/stages/clean.duckdb``, ``embed.duckdb``, the
label files, ``data/cache/text_embeddings.duckdb``), builds the same folds as
``pipeline.stance`` (:func:`pipeline.stance.crossval.fold_of_sources`, seed
and folds from ``params.yaml``) and, for each passage-model variant, fits the
same 25 models (5 outer folds x (4 inner + 1)); then evaluates document
poolers on them: the training documents' features always come from inner
models fitted without the document's fold and without the test fold, the
test documents' from the outer model, and every tuned threshold or offset is
tuned on the training folds only. Prints one table (document macro-F1 over
the three stances, per-stance F1, ``pro_china_tools`` precision/recall, mean
absolute CC share error over the held-out folds) and writes it as JSON to
``reports/stance_trials.json``.

Usage (from the repository root, about 2-4 min per passage variant on 2 cores):
    python benchmarks/stance_trials.py                       # every variant
    python benchmarks/stance_trials.py --variants base,nocal
    python benchmarks/stance_trials.py --speed 200           # MiniLM vs all-mpnet-base-v2 passages/s
    python benchmarks/stance_trials.py --encoder DIR --variants base   # passage F1 with another encoder

``--encoder`` (a sentence-transformers folder or ``encoder.model`` spec)
embeds the labelled passages and the labelled documents' narrative passages
with that encoder (cached in ``data/cache/text_embeddings.duckdb``; about
5,000 texts, 1 h at all-mpnet-base-v2's ~1.2 passages/s on 2 busy cores) and
prints the table for each variant with the stage's vectors and with it
(``thresholds`` pooling, the stage's).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import CLEAN_DB, EMBED_DB, TEXT_CACHE_FILE, load_params  # noqa: E402
from pipeline.label_match import match_labels, read_targets  # noqa: E402
from pipeline.stance import crossval  # noqa: E402
from pipeline.stance.docpool import POOLERS, pool_cv  # noqa: E402
from pipeline.stance.features import feature_frame, read_doc_features, read_narrative_passages  # noqa: E402
from pipeline.stance.labels import LABEL_FILE, join_labels, read_labels  # noqa: E402
from pipeline.stance.model import STANCES  # noqa: E402
from pipeline.stance.passage_labels import read_passage_labels  # noqa: E402
from pipeline.stance.stage import _settings  # noqa: E402

HYPOTHESES = ROOT / "corpora" / "stance_hypotheses.yaml"
CACHE = ROOT / "data" / "cache" / "stance_trials"

#: passage-model variants: settings that differ from the stage's (``params.yaml`` ``stance``)
VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "C0.3": {"C": 0.3},
    "C3": {"C": 3.0},
    "noweight": {"class_weight": None},
    "nocal": {"calibration": "none"},
    "isotonic": {"calibration": "isotonic"},
    "hypotheses": {"hypotheses": True},
    "title": {"context": "title"},
    "docmean": {"context": "docmean"},
    "noweight_hyp": {"class_weight": None, "hypotheses": True},
    "shortdocs": {"shortdocs": True},
    "shortdocs_hyp": {"shortdocs": True, "hypotheses": True},
    # session 13: neighbour features (share of each label among the nearest training passages of
    # other source files, and the highest cosine to one of each label), see _knn
    "shortdocs_knn": {"shortdocs": True, "knn": True},
    # session 23: the document's vector beside each passage's (what the rest of the document is about)
    "shortdocs_docmean": {"shortdocs": True, "context": "docmean"},
}

#: neighbours read by the ``knn`` variant
KNN = 15

#: ``shortdocs`` (the stage's default since session 11, ``stance.short_doc_words``; ``base`` here is
#: passage labels only): a labelled document of at most this many words whose text is one narrative
#: passage trains the passage model too (its document label is that passage's label; passage-
#: labelled documents are skipped). Training rows only: never a passage the trial scores.
SHORT_DOC_WORDS = 120


def load(params: dict[str, Any], encoder: dict[str, Any]) -> dict[str, Any]:
    """The stage's labelled passages and documents, their features and folds
    (as :func:`pipeline.stance.stage.run` builds them)."""
    from pipeline.privacy import StoredKeys
    from pipeline.text_vectors import text_vectors

    labels = list(params["labels"])
    feats = read_doc_features(EMBED_DB, CLEAN_DB)
    key = StoredKeys.from_params(params["privacy"]) if "privacy" in params else None
    gold = join_labels(feats, read_labels(LABEL_FILE, labels, key=key), key=key)
    narrative, NV = read_narrative_passages(EMBED_DB)
    known = dict(zip(narrative["text_sha256"], NV))
    from pipeline.config import STANCE_PASSAGE_LABEL_FILE
    plab = read_passage_labels(STANCE_PASSAGE_LABEL_FILE, labels, key=key)
    plab = match_labels(plab, *read_targets(CLEAN_DB, EMBED_DB, plab), text="passage")
    PV = text_vectors(plab["passage"].tolist(), encoder, ROOT / "data" / "cache" / TEXT_CACHE_FILE.name, known=known)
    fold = crossval.fold_of_sources(list(plab["label"]) + list(gold["label"]),
                                    list(plab["source_file"]) + list(gold["source_file"]),
                                    int(params["cv_folds"]), int(params["seed"]))
    doc_row = {d: i for i, d in enumerate(gold["doc_id"])}
    in_gold = narrative["doc_id"].isin(doc_row).to_numpy()
    meta = feats.meta.set_index("doc_id")
    # the document of each labelled passage: its matched doc_id, else the (source_file, native_id) document
    by_key = dict(zip(zip(feats.meta["source_file"], feats.meta["native_id"].astype(str)), feats.meta["doc_id"]))
    p_doc = [d if isinstance(d, str) else by_key.get((s, str(n)))
             for d, s, n in zip(plab["doc_id"], plab["source_file"], plab["native_id"])]
    doc_vec = dict(zip(feats.meta["doc_id"], feats.X))
    # short labelled documents that are one narrative passage and have no passage label
    n_narr = narrative["doc_id"][in_gold].value_counts()
    words = {d: len(str(t).split()) for d, t in zip(feats.meta["doc_id"], feats.meta["text"])}
    has_plab = set(d for d in p_doc if d)
    short = np.flatnonzero([n_narr.get(d, 0) == 1 and words.get(d, 10**9) <= SHORT_DOC_WORDS and d not in has_plab
                            for d in narrative["doc_id"][in_gold]])
    return {
        "labels": labels, "yp": plab["label"].to_numpy(dtype=object), "yd": gold["label"].to_numpy(dtype=object),
        "PV": PV, "ptext": plab["passage"].tolist(), "p_doc": p_doc,
        "DV": NV[in_gold], "dtext": narrative["text"][in_gold].tolist(),
        "d_doc": narrative["doc_id"][in_gold].tolist(),
        "d_index": narrative["doc_id"][in_gold].map(doc_row).to_numpy(),
        "pfold": plab["source_file"].map(fold).to_numpy(), "dfold": gold["source_file"].map(fold).to_numpy(),
        "title": {d: (t if isinstance(t, str) else "") for d, t in zip(meta.index, meta["title"])},
        "doc_vec": doc_vec, "dim": NV.shape[1],
        "settings": _settings(params, NV.shape[1], labels), "encoder": encoder,
        "short": short,
        "pgroup": plab["source_file"].to_numpy(dtype=object),
        "dgroup": gold["source_file"].to_numpy(dtype=object)[narrative["doc_id"][in_gold].map(doc_row).to_numpy()],
    }


def frames(data: dict[str, Any], variant: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Feature frames of the labelled passages and of the labelled documents'
    passages for ``variant``: extra columns after the embedding (hypothesis
    cosines, the document's mean vector) and the text read by TF-IDF (with
    the document title for ``context: title``). Returns ``(Fp, Fd, width)``."""
    XP, XD = data["PV"], data["DV"]
    tp, td = list(data["ptext"]), list(data["dtext"])
    if variant.get("hypotheses"):
        H, owner = hypothesis_vectors(data["encoder"])
        XP, XD = np.hstack([XP, hyp_features(XP, H, owner)]), np.hstack([XD, hyp_features(XD, H, owner)])
    if variant.get("context") == "docmean":
        zero = np.zeros(data["dim"], dtype=np.float32)
        XP = np.hstack([XP, np.vstack([data["doc_vec"].get(d, zero) for d in data["p_doc"]])])
        XD = np.hstack([XD, np.vstack([data["doc_vec"][d] for d in data["d_doc"]])])
    if variant.get("context") == "title":
        tp = [f"{data['title'].get(d, '')}\n{t}" for d, t in zip(data["p_doc"], tp)]
        td = [f"{data['title'].get(d, '')}\n{t}" for d, t in zip(data["d_doc"], td)]
    return feature_frame(XP, tp), feature_frame(XD, td), XP.shape[1]


def hypothesis_vectors(encoder: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    """``(h, d)`` unit vectors of the hypotheses of :data:`HYPOTHESES` and the label of each."""
    import yaml

    from pipeline.text_vectors import text_vectors

    spec = yaml.safe_load(HYPOTHESES.read_text(encoding="utf-8"))
    owner = [lab for lab, hs in spec.items() for _ in hs]
    texts = [h for hs in spec.values() for h in hs]
    return text_vectors(texts, encoder, ROOT / "data" / "cache" / TEXT_CACHE_FILE.name), owner


def hyp_features(X: np.ndarray, H: np.ndarray, owner: list[str]) -> np.ndarray:
    """Cosine to every hypothesis, then the best cosine per label (``X``, ``H`` unit rows)."""
    S = X @ H.T
    best = [S[:, [i for i, o in enumerate(owner) if o == lab]].max(axis=1) for lab in dict.fromkeys(owner)]
    return np.hstack([S, np.column_stack(best)]).astype(np.float32)


def make_variant(C: float, seed: int, width: int, lexical: bool, class_weight: Any, calibration: str,
                 cal_folds: int) -> Any:
    """The stage's passage classifier (:func:`pipeline.stance.model.make_classifier`) with the variant's
    ``class_weight`` and calibration (``sigmoid``, ``isotonic`` or ``none``)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    parts = [("embedding", "passthrough", [f"e{i}" for i in range(width)])]
    if lexical:
        parts.append(("lexical", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                                 max_features=20000), "text"))
    base = Pipeline([("features", ColumnTransformer(parts)),
                     ("logreg", LogisticRegression(C=C, class_weight=class_weight, max_iter=5000,
                                                   random_state=seed))])
    if calibration == "none" or cal_folds < 2:
        return base
    return CalibratedClassifierCV(base, method=calibration, cv=cal_folds)


def _knn(Vq: np.ndarray, gq: np.ndarray, Vr: np.ndarray, yr: np.ndarray, gr: np.ndarray, labels: list[str]
         ) -> np.ndarray:
    """``(nq, 2L)`` neighbour features of unit query rows ``Vq`` against reference rows ``Vr`` with
    labels ``yr``: per label the share among the :data:`KNN` most cosine-similar references, then the
    highest cosine to a reference of that label. References of the query's own group (source file)
    are left out, so a training row sees what a test row (another source file) sees."""
    cos = Vq @ Vr.T
    cos[gq[:, None] == gr[None, :]] = -2.0
    Y = np.stack([yr == lab for lab in labels], axis=1).astype(float)
    k = min(KNN, cos.shape[1])
    near = np.argpartition(-cos, k - 1, axis=1)[:, :k]
    best = np.stack([np.where(Y[:, j] > 0, cos, -2.0).max(axis=1) for j in range(len(labels))], axis=1)
    return np.hstack([Y[near].mean(axis=1), np.maximum(best, 0.0)]).astype(np.float32)


def _with_knn(F: pd.DataFrame, extra: np.ndarray, width: int) -> pd.DataFrame:
    F = F.reset_index(drop=True).copy()
    for i in range(extra.shape[1]):
        F[f"e{width + i}"] = extra[:, i]
    return F


def _fit(Fp: pd.DataFrame, yp: np.ndarray, train: np.ndarray, targets: list[pd.DataFrame], labels: list[str],
         cfg: dict[str, Any], groups: tuple[np.ndarray, list[np.ndarray]] | None = None) -> list[np.ndarray]:
    from pipeline.stance.model import calibration_folds_for

    if groups is not None:  # variant knn: neighbour columns from this fit's training rows
        g, tgroups = groups
        cols = [f"e{i}" for i in range(cfg["width"])]
        V = Fp[cols].to_numpy(dtype=np.float32)
        Vtr, gtr, ytr = V[train], g[train], yp[train]
        Fp = _with_knn(Fp.iloc[train], _knn(Vtr, gtr, Vtr, ytr, gtr, labels), cfg["width"])
        yp, train = ytr, np.arange(len(train))
        targets = [_with_knn(T, _knn(T[cols].to_numpy(dtype=np.float32), tg, Vtr, ytr, gtr, labels), cfg["width"])
                   for T, tg in zip(targets, tgroups)]
        cfg = {**cfg, "width": cfg["width"] + 2 * len(labels)}

    clf = make_variant(cfg["C"], cfg["seed"], cfg["width"], cfg["lexical"], cfg["class_weight"],
                       cfg["calibration"], calibration_folds_for(yp[train]))
    clf.fit(Fp.iloc[train], yp[train])
    return [crossval.proba(clf, T, labels) for T in targets]


def fold_fits(data: dict[str, Any], name: str, variant: dict[str, Any]) -> dict[Any, list[np.ndarray]]:
    """The 25 fits of the nested CV for ``variant`` (cached in ``data/cache/stance_trials``):
    ``{(k, j): [P of fold-j labelled passages, P of fold-j documents' passages]}``, ``j`` None for the outer model."""
    import joblib
    from joblib import Parallel, delayed

    Fp, Fd, width = frames(data, variant)
    s = data["settings"]
    cfg = {"C": float(variant.get("C", s["C"])), "seed": s["seed"], "width": width, "lexical": s["lexical"],
           "class_weight": variant.get("class_weight", "balanced"), "calibration": variant.get("calibration",
                                                                                               "sigmoid")}
    yp, pfold, pgroup = data["yp"], data["pfold"], data["pgroup"]
    Ftrain = Fp
    if variant.get("shortdocs"):
        short = data["short"]
        Ftrain = pd.concat([Fp, Fd.iloc[short]], ignore_index=True)
        yp = np.concatenate([yp, data["yd"][data["d_index"][short]]])
        pfold = np.concatenate([pfold, data["dfold"][data["d_index"][short]]])
        pgroup = np.concatenate([pgroup, data["dgroup"][short]])
        print(f"  {name}: {len(short)} short labelled documents train the passage model too", file=sys.stderr)
    knn = bool(variant.get("knn"))
    key = joblib.hash([Ftrain, yp, pfold, Fd, data["d_index"], cfg, knn and KNN])
    path = CACHE / f"{name}-{key}.joblib"
    if path.exists():
        return joblib.load(path)
    dp_fold = data["dfold"][data["d_index"]]
    folds = sorted(set(pfold.tolist()) | set(data["dfold"].tolist()))
    jobs = []
    for k in folds:
        for j in [f for f in folds if f != k] + [None]:
            held, test = ({k}, k) if j is None else ({k, j}, j)
            train = np.flatnonzero(~np.isin(pfold, list(held)))
            pt, dt = np.flatnonzero(data["pfold"] == test), np.flatnonzero(dp_fold == test)
            jobs.append(((k, j), train, [Fp.iloc[pt], Fd.iloc[dt]],
                         (pgroup, [data["pgroup"][pt], data["dgroup"][dt]]) if knn else None))
    started = time.perf_counter()
    out = Parallel(n_jobs=s["n_jobs"])(delayed(_fit)(Ftrain, yp, tr, tg, data["labels"], cfg, gr)
                                       for _, tr, tg, gr in jobs)
    print(f"  {name}: 25 fits in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    res = {key_: o for (key_, _, _, _), o in zip(jobs, out)}
    CACHE.mkdir(parents=True, exist_ok=True)
    joblib.dump(res, path)
    return res


def speed(n: int, encoder: dict[str, Any], mpnet: str) -> dict[str, float]:
    """Passages per second of the stage's encoder and of ``mpnet`` (a folder) on the
    first ``n`` narrative passages, in the same process, one after the other."""
    from pipeline.encoder import encode, load_encoder

    narrative, _ = read_narrative_passages(EMBED_DB)
    texts = narrative["text"].tolist()[:n]
    out = {}
    for name, spec in (("minilm", encoder["model"]), ("mpnet", mpnet)):
        model = load_encoder(spec, threads=int(encoder.get("threads", 0)))
        started = time.perf_counter()
        encode(model, texts, batch_size=int(encoder.get("batch_size", 64)))
        out[name] = round(n / (time.perf_counter() - started), 2)
    return out


def compare_encoders(data: dict[str, Any], variants: list[str], other: dict[str, Any]) -> pd.DataFrame:
    """The grouped-CV figures (``thresholds`` pooling) of each of ``variants`` with the stage's
    passage vectors and with those of encoder ``other`` (labelled passages and the labelled
    documents' narrative passages re-embedded); one row per variant and encoder."""
    from pipeline.encoder import embedding_dimension, load_encoder
    from pipeline.text_vectors import text_vectors

    dim = embedding_dimension(load_encoder(other["model"], threads=int(other.get("threads", 0))))
    started = time.perf_counter()
    cache = ROOT / "data" / "cache" / TEXT_CACHE_FILE.name
    PV = text_vectors(data["ptext"], other, cache, dimensions=dim)
    DV = text_vectors(data["dtext"], other, cache, dimensions=dim)
    print(f"{len(PV) + len(DV)} passages embedded (or read from the cache) in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    swapped = {**data, "PV": PV, "DV": DV, "dim": dim, "encoder": other}
    rows = []
    for name in variants:
        for enc_name, d in (("stage", data), (other["model"], swapped)):
            res = fold_fits(d, f"{name}-{d['dim']}", VARIANTS[name])
            out = pool_cv(res, d["yp"], d["pfold"], d["yd"], d["dfold"], d["d_index"], d["labels"], d["settings"],
                          "thresholds")
            out.pop("decided")
            rows.append({"passage": name, "pooling": f"thresholds, {Path(enc_name).name}", **out})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default=",".join(VARIANTS), help="passage variants (comma-separated)")
    parser.add_argument("--poolers", default=",".join(POOLERS), help="document poolers (comma-separated)")
    parser.add_argument("--out", default="reports/stance_trials.json", help="JSON table (under the repository)")
    parser.add_argument("--speed", type=int, default=0, help="only measure encoder speed on N passages")
    parser.add_argument("--mpnet", default="/tmp/mpnet/all-mpnet-base-v2", help="all-mpnet-base-v2 folder")
    parser.add_argument("--encoder", help="compare the stage's encoder with this one (folder or encoder.model spec)")
    args = parser.parse_args(argv)
    params, encoder = load_params("stance", include=("privacy",)), load_params("encoder")
    if args.speed:
        print(json.dumps(speed(args.speed, encoder, args.mpnet)))
        return
    data = load(params, encoder)
    rows = []
    for name in [] if args.encoder else args.variants.split(","):
        res = fold_fits(data, name, VARIANTS[name])
        for pooler in args.poolers.split(","):
            out = pool_cv(res, data["yp"], data["pfold"], data["yd"], data["dfold"], data["d_index"],
                          data["labels"], data["settings"], pooler)
            out.pop("decided")
            rows.append({"passage": name, "pooling": pooler, **out})
    table = pd.DataFrame(rows)
    if args.encoder:
        table = compare_encoders(data, args.variants.split(","), {**encoder, "model": args.encoder})
        rows = table.to_dict("records")
    path = ROOT / args.out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1) + "\n")
    cols = ["passage", "pooling", "passage_f1", "doc_f1", *[f"f1_{s}" for s in STANCES], "P_pct", "R_pct",
            "cc_err", "cc_err_stances"]
    with pd.option_context("display.width", 200):
        print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
