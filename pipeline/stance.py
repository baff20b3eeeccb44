"""Stage ``stance``: a scikit-learn stance classifier, its honest evaluation,
and stance predictions for every document and narrative passage.

Labels follow the codebook (``../shared/ANNOTATION.md`` v1.2):
``pro_open_source``, ``security_hawk``, ``pro_china_tools``, ``neutral``,
``off_topic``. Training data: ``corpora/labels/stance_v1.jsonl`` (read and
labelled by annotators; never reserved documents).

Features: the document embedding, i.e. the normalised mean of its narrative
passages' vectors (``embeddings`` of the embed stage) next to a TF-IDF of
word 1–2-grams of title and text. Model: a scikit-learn ``Pipeline`` of those
features and ``LogisticRegression`` with balanced class weights, wrapped in
``CalibratedClassifierCV`` (Platt/sigmoid scaling, Platt 1999) for calibrated
probabilities. ``C`` is picked from a small grid
by the same grouped cross-validation (the score of every ``C`` is reported).

Evaluation: ``StratifiedGroupKFold`` (5 folds) with the source file as the
group, so no source file is in its own test fold; macro-F1 over the five
labels and over the three stances, per-class precision/recall/F1 and the
confusion matrix go to ``metrics/stance.json`` and
``metrics/stance_confusion.csv`` (a DVC plot).

Zero-shot (cold start for a new debate): each label gets a description in
``params.yaml`` (``stance.labels``, taken from the codebook table); a document
takes the label whose description embedding is most cosine-similar, and
probabilities are a softmax over the similarities / ``zero_shot_temperature``.

Usage:
    python -m pipeline.stance                 # the stage
    python -m pipeline.stance suggest --n 50  # least certain unlabelled documents
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import (CLEAN_DB, CORPORA_DIR, DEMO_CORPUS_DIR, EMBED_DB, METRICS_DIR, MODELS_DIR, SQL_DIR,
                             STANCE_CACHE_DIR, STANCE_DB, WAREHOUSE_FILE, load_params)
from pipeline.encoder import arrow_vectors
from pipeline.stage_cache import KeyedStore, drop_legacy, fingerprint

LABEL_FILE = CORPORA_DIR / "labels" / "stance_v1.jsonl"
MODEL_FILE = MODELS_DIR / "stance.skops"
STANCES = ("pro_open_source", "security_hawk", "pro_china_tools")


@dataclass
class DocFeatures:
    """Document embeddings of the corpus.

    Attributes:
        meta: one row per document (``doc_id, source, source_file, native_id,
            source_type, title, text, url, published_at``), by ``doc_id``.
        X: ``(n_docs, d)`` float32, unit norm (mean of narrative passages).
        model: embedding model id.
    """

    meta: pd.DataFrame
    X: np.ndarray
    model: str


def read_doc_features(embed_db: Path = EMBED_DB, clean_db: Path = CLEAN_DB) -> DocFeatures:
    """Mean of each corpus document's narrative passage vectors, normalised.

    Raises:
        FileNotFoundError: a stage database is missing.
        ValueError: a corpus document has no narrative passage vector.
    """
    con = warehouse.connect(embed_db, read_only=True)
    try:
        if not Path(clean_db).exists():
            raise FileNotFoundError(f"{clean_db}: no clean database; run `make run` first")
        con.execute(f"ATTACH '{clean_db}' AS clean (READ_ONLY)")
        model = con.sql("SELECT min(model) FROM embeddings").fetchall()[0][0]
        vecs = con.sql("SELECT p.doc_id, e.vector FROM passages p JOIN embeddings e USING (passage_id) "
                       "ORDER BY p.passage_id").to_arrow_table()
        meta = con.sql("SELECT doc_id, source, source_file, native_id, source_type, title, text, url, published_at "
                       "FROM clean.corpus ORDER BY doc_id").to_arrow_table().to_pandas()
    finally:
        con.close()
    X, counts = document_means(vecs.column("doc_id").to_pylist(), arrow_vectors(vecs), list(meta["doc_id"]))
    missing = int((counts == 0).sum())
    if missing:
        raise ValueError(f"{embed_db}: {missing} corpus documents have no narrative passage vector")
    return DocFeatures(meta, X, model)


def document_means(row_doc_ids: Sequence[str], vectors: np.ndarray, doc_ids: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Document embeddings: the normalised mean of each document's passage vectors.

    Args:
        row_doc_ids: the document of each row of ``vectors``; rows of other
            documents are ignored.
        vectors: ``(n_passages, d)`` passage vectors.
        doc_ids: the documents wanted, in output order.

    Returns:
        ``(X, counts)``: ``X`` is ``(len(doc_ids), d)`` float32 with unit rows
        (zero rows for documents without a vector); ``counts`` the passages
        averaged per document.
    """
    row = {d: i for i, d in enumerate(doc_ids)}
    idx = np.array([row.get(d, -1) for d in row_doc_ids], dtype=np.int64)
    keep = idx >= 0
    X = np.zeros((len(doc_ids), vectors.shape[1]), dtype=np.float64)
    np.add.at(X, idx[keep], vectors[keep])
    X /= np.linalg.norm(X, axis=1, keepdims=True).clip(min=1e-12)
    return X.astype(np.float32), np.bincount(idx[keep], minlength=len(doc_ids))


def read_labels(path: Path = LABEL_FILE, labels: Sequence[str] = ()) -> pd.DataFrame:
    """The label file as a DataFrame (``source, native_id, label, annotator``).

    Raises:
        ValueError: a line that is not JSON, misses a key, has an unknown
            label or repeats a document (message names file and line).
    """
    rows, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            key = (r["source"], r["native_id"])
            label = r["label"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a label record ({exc})") from exc
        if labels and label not in labels:
            raise ValueError(f"{path}:{n}: unknown label {label!r}")
        if key in seen:
            raise ValueError(f"{path}:{n}: document {key} labelled twice")
        seen.add(key)
        rows.append({"source_file": r["source"], "native_id": r["native_id"], "label": label,
                     "annotator": r.get("annotator", "")})
    return pd.DataFrame(rows, columns=["source_file", "native_id", "label", "annotator"])


def labelled_pairs(path: Path = LABEL_FILE) -> set[tuple[str, str]]:
    """``(source_file, native_id)`` of the documents in the label file (empty if there is none).

    Raises:
        ValueError: as :func:`read_labels`.
    """
    if not path.exists():
        return set()
    return set(zip(*read_labels(path)[["source_file", "native_id"]].to_numpy().T))


def reserved_pairs(path: Path = DEMO_CORPUS_DIR / "EVAL_RESERVED.tsv") -> set[tuple[str, str]]:
    """``(source_file, native_id)`` of the documents reserved for evaluation."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {("demo/" + r["source"], r["native_id"]) for r in csv.DictReader(fh, delimiter="\t")}


def feature_frame(X: np.ndarray, texts: Sequence[str]) -> pd.DataFrame:
    """The classifier's input: ``(n, d)`` embeddings as columns ``e0..e{d-1}``
    plus the document text in column ``text`` (for the lexical features)."""
    frame = pd.DataFrame(X, columns=[f"e{i}" for i in range(X.shape[1])])
    frame["text"] = list(texts)
    return frame


def make_classifier(C: float, *, seed: int, dimensions: int, lexical: bool = True,
                    calibration_folds: int = 3, n_jobs: int | None = None) -> Any:
    """The stance classifier.

    ``CalibratedClassifierCV(Pipeline([features, LogisticRegression]))``:

    * features: the unit-norm embedding (``e0..``), and with ``lexical`` a
      TF-IDF of word 1–2-grams of the text (sublinear tf, ``min_df=2``, at
      most 20,000 terms), side by side (``ColumnTransformer``);
    * ``LogisticRegression(C, class_weight="balanced")``: class weights
      inversely proportional to class frequency;
    * sigmoid calibration (Platt scaling) over ``calibration_folds``
      stratified folds; with ``calibration_folds < 2`` (a class has a single
      example) the pipeline's own probabilities are used uncalibrated.
      ``n_jobs`` processes fit the calibration folds (independent fits:
      the same model as one after another).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    parts = [("embedding", "passthrough", [f"e{i}" for i in range(dimensions)])]
    if lexical:
        parts.append(("lexical", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                                 max_features=20000), "text"))
    base = Pipeline([("features", ColumnTransformer(parts)),
                     ("logreg", LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed))])
    if calibration_folds < 2:
        return base
    return CalibratedClassifierCV(base, method="sigmoid", cv=calibration_folds, n_jobs=n_jobs)


def calibration_folds_for(y: Sequence[str], wanted: int = 3) -> int:
    """Calibration folds possible with ``y``: at most the smallest class size."""
    counts = pd.Series(list(y)).value_counts()
    return int(min(wanted, counts.min())) if len(counts) else 0


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (scikit-learn
    ``f1_score(average="macro")``)."""
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0))


def _folds(y: np.ndarray, groups: np.ndarray, wanted: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``StratifiedGroupKFold`` splits, with fewer folds when there are fewer groups."""
    from sklearn.model_selection import StratifiedGroupKFold

    n = min(wanted, len(set(groups.tolist())))
    if n < 2:
        raise ValueError(f"grouped cross-validation needs at least 2 source files, got {n}")
    return list(StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, groups))


def _fit_predict(F: pd.DataFrame, y: np.ndarray, tr: np.ndarray, te: np.ndarray, C: float, *, seed: int,
                 dimensions: int, lexical: bool) -> np.ndarray:
    clf = make_classifier(C, seed=seed, dimensions=dimensions, lexical=lexical,
                          calibration_folds=calibration_folds_for(y[tr]))
    return clf.fit(F.iloc[tr], y[tr]).predict(F.iloc[te])


def grid_cv(F: pd.DataFrame, y: np.ndarray, groups: np.ndarray, grid: Sequence[float], *, folds: int,
            seed: int, dimensions: int, lexical: bool = True, scoring_labels: Sequence[str] = STANCES
            ) -> tuple[np.ndarray, float, dict[float, float]]:
    """Grouped CV over a grid of ``C``: out-of-fold predictions of the best one.

    ``StratifiedGroupKFold`` keeps each group (source file) in one fold.
    Every ``C`` is scored on the same folds (macro-F1 over ``scoring_labels``,
    by default the three stances); ties go to the smaller ``C``. With a grid
    of two or three values the selection bias is small, and the scores of
    every ``C`` are returned to be reported next to it.

    Returns:
        ``(out-of-fold predictions of the best C, best C, {C: score})``.
    """
    from joblib import Parallel, cpu_count, delayed

    splits = _folds(y, groups, folds, seed)
    # the grid x folds fits are independent and seeded: run them on every core
    # (joblib processes, whose count respects CPU quotas)
    tasks = [(C, tr, te) for C in grid for tr, te in splits]
    fitted = Parallel(n_jobs=min(len(tasks), cpu_count()))(
        delayed(_fit_predict)(F, y, tr, te, C, seed=seed, dimensions=dimensions, lexical=lexical)
        for C, tr, te in tasks)
    preds, scores = {}, {}
    for C in grid:
        preds[C] = np.empty(len(y), dtype=object)
    for (C, _, te), p in zip(tasks, fitted):
        preds[C][te] = p
    for C in grid:
        scores[C] = macro_f1(y, preds[C], scoring_labels)
    best = max(sorted(grid), key=lambda c: scores[c])
    return preds[best], best, scores


def evaluation(y: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1 (five labels, three stances), per-class P/R/F1 and the
    confusion matrix (rows: true label, columns: predicted, in ``labels`` order)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(labels), zero_division=0)
    return {
        "macro_f1_all": round(macro_f1(y, pred, labels), 4),
        "macro_f1_stances": round(macro_f1(y, pred, STANCES), 4),
        "accuracy": round(float(np.mean(np.asarray(y) == np.asarray(pred))), 4),
        "per_class": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                            "f1": round(float(f[i]), 4), "support": int(s[i])} for i, lab in enumerate(labels)},
        "confusion_matrix": {"labels": list(labels),
                             "rows_true_cols_pred": confusion_matrix(y, pred, labels=list(labels)).tolist()},
    }


def zero_shot(X: np.ndarray, descriptions: dict[str, str], encoder: Any, *, temperature: float,
              label_vectors: np.ndarray | None = None) -> tuple[list[str], np.ndarray]:
    """Zero-shot stance: cosine similarity to label descriptions.

    Args:
        X: ``(n, d)`` unit-norm document embeddings.
        descriptions: label → description (``stance.labels`` in params).
        encoder: the sentence-transformers model that made ``X`` (unused
            when ``label_vectors`` is given).
        temperature: softmax temperature over cosine similarities.
        label_vectors: ``(n_labels, d)`` embeddings of the descriptions, in
            their order, when already computed (:func:`description_vectors`).

    Returns:
        ``(labels in column order, (n, n_labels) probabilities)``.
    """
    from pipeline.encoder import encode

    labels = list(descriptions)
    L = label_vectors if label_vectors is not None else encode(encoder, [descriptions[k] for k in labels])
    sims = X @ L.T
    z = (sims - sims.max(axis=1, keepdims=True)) / temperature
    probs = np.exp(z)
    return labels, probs / probs.sum(axis=1, keepdims=True)


def description_vectors(texts: Sequence[str], model: str, threads: int = 0) -> np.ndarray:
    """``(n_labels, d)`` float32, unit-norm embeddings of the label
    descriptions ``texts`` (in their order) with the encoder ``model`` (an
    ``embed.model`` spec; ``threads`` torch threads, 0 = torch's default)."""
    from pipeline.encoder import encode, load_encoder

    return encode(load_encoder(model, threads=threads), list(texts))


def fit_stance(F: pd.DataFrame, y: np.ndarray, groups: np.ndarray, *, grid: Sequence[float], folds: int,
               seed: int, dimensions: int, lexical: bool) -> tuple[np.ndarray, float, dict[float, float], Any]:
    """Pick ``C`` by grouped CV (:func:`grid_cv`) and fit the final classifier
    (:func:`make_classifier`, calibration folds from :func:`calibration_folds_for`)
    on all labelled documents.

    Args:
        F: ``(n, d + 1)`` :func:`feature_frame` of the labelled documents.
        y, groups: their labels and source files (length n).

    Returns:
        ``(out-of-fold predictions of the best C, best C, {C: macro-F1}, fitted classifier)``.

    Raises:
        ValueError: fewer than 2 source files.
    """
    pred, best_C, grid_scores = grid_cv(F, y, groups, grid, folds=folds, seed=seed, dimensions=dimensions,
                                        lexical=lexical)
    clf = make_classifier(best_C, seed=seed, dimensions=dimensions, lexical=lexical,
                          calibration_folds=calibration_folds_for(y), n_jobs=-1).fit(F, y)
    return pred, best_C, grid_scores, clf


def fit_and_save(F: pd.DataFrame, y: np.ndarray, groups: np.ndarray, **fit_args: Any
                 ) -> tuple[np.ndarray, float, dict[float, float], Any, bytes]:
    """:func:`fit_stance` and the classifier as skops bytes (after
    :func:`compact_for_saving`; ZIP deflate level 6), so that a re-run that
    reuses the fit also reuses the file's content: writing it takes about
    20 s on 2 cores.

    Returns:
        What :func:`fit_stance` returns, then the bytes of ``models/stance.skops``.
    """
    import skops.io as sio

    pred, best_C, grid_scores, clf = fit_stance(F, y, groups, **fit_args)
    blob = sio.dumps(compact_for_saving(clf), compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    return pred, best_C, grid_scores, clf, blob


def join_labels(feats: DocFeatures, labels: pd.DataFrame) -> pd.DataFrame:
    """Labelled documents found in the corpus, with their row in ``feats.X``.

    Raises:
        ValueError: a labelled document is reserved for evaluation.
    """
    reserved = reserved_pairs()
    leaked = [k for k in zip(labels["source_file"], labels["native_id"]) if k in reserved]
    if leaked:
        raise ValueError(f"{LABEL_FILE}: reserved documents must not be labelled: {leaked[:5]}")
    meta = feats.meta.reset_index().rename(columns={"index": "row"})
    return labels.merge(meta[["row", "doc_id", "source_file", "native_id"]], on=["source_file", "native_id"],
                        how="inner").sort_values("doc_id", kind="stable").reset_index(drop=True)


def prob_frame(ids: Sequence[str], classes: Sequence[str], probs: np.ndarray, labels: Sequence[str],
               id_col: str, model_version: str) -> pd.DataFrame:
    """Rows of ``stances``: id, argmax label, ``p_<label>`` for every label
    (rounded to 6 places; 0 for a label the model never saw), model version.

    Args:
        probs: ``(n, len(classes))`` from ``predict_proba``.
    """
    # a label without training examples gets probability 0
    P = np.zeros((len(probs), len(labels)))
    for i, lab in enumerate(labels):
        if lab in list(classes):
            P[:, i] = probs[:, list(classes).index(lab)]
    frame = pd.DataFrame({id_col: list(ids), "label": [labels[i] for i in P.argmax(axis=1)]})
    for i, lab in enumerate(labels):
        frame[f"p_{lab}"] = np.round(P[:, i], 6)
    frame["model_version"] = model_version
    return frame


def predict_cached(clf: Any, X: np.ndarray, texts: Sequence[str], store: KeyedStore, fit_key: str) -> np.ndarray:
    """``clf.predict_proba`` of the rows ``(X[i], texts[i])``, reusing the
    rows that the same fit predicted in an earlier run.

    A row's key is sha256 of ``fit_key`` (the fit's content key), its text
    and its vector's float32 bytes; a row's probabilities do not depend on
    the other rows, so only new rows are predicted (the TF-IDF transform of
    every document took most of a re-run of the stage).

    Args:
        X: ``(n, d)`` embeddings; texts: the n texts.
        store: where predicted rows are kept (only this call's rows stay).

    Returns:
        ``(n, len(clf.classes_))`` float64 probabilities.
    """
    import hashlib

    salt = fit_key.encode()
    keys = [hashlib.sha256(salt + b"\0" + t.encode("utf-8", "surrogatepass") + b"\0" +
                           np.ascontiguousarray(x, dtype=np.float32).tobytes()).hexdigest() for x, t in zip(X, texts)]

    def predict(todo: list[int]) -> dict[int, tuple[float, ...]]:
        probs = clf.predict_proba(feature_frame(X[todo], [texts[i] for i in todo]))
        return {i: tuple(row.tolist()) for i, row in zip(todo, probs)}

    rows = store.fill(keys, predict)
    return np.array(rows, dtype=np.float64).reshape(len(keys), len(clf.classes_))


def read_passage_vectors(embed_db: Path = EMBED_DB) -> tuple[list[str], list[str], np.ndarray]:
    """``(passage_ids, texts, (n, d) vectors)`` of the narrative passages, by id."""
    con = warehouse.connect(embed_db, read_only=True)
    try:
        table = con.sql("SELECT e.passage_id, p.text, e.vector FROM embeddings e JOIN passages p USING (passage_id) "
                        "ORDER BY e.passage_id").to_arrow_table()
    finally:
        con.close()
    return table.column("passage_id").to_pylist(), table.column("text").to_pylist(), arrow_vectors(table)


def document_text(title: Any, text: str, limit: int = 3000) -> str:
    """Title and the first ``limit`` characters of the text: the input of
    the lexical features."""
    title = title if isinstance(title, str) else ""
    return f"{title}\n{text[:limit]}".strip()


def run(params: dict[str, Any], embed_params: dict[str, Any], *, embed_db: Path = EMBED_DB,
        clean_db: Path = CLEAN_DB, out_db: Path = STANCE_DB, label_file: Path = LABEL_FILE,
        model_file: Path = MODEL_FILE, cache_dir: Path | None = None) -> tuple[dict[str, Any], list[list[Any]]]:
    """Train, evaluate, predict and write ``data/stages/stance.duckdb``.

    With ``cache_dir`` (the stage uses ``data/cache/stance``, a
    :class:`pipeline.stage_cache.KeyedStore`), the grid CV and final fit
    with its saved bytes (:func:`fit_and_save`) and the description
    embeddings are reused when their inputs are equal to a previous run's:
    the labelled documents' features, labels and source files, the
    settings, this module's code and the library versions. Then only the
    documents and passages that fit has not predicted before are predicted
    (:func:`predict_cached`), and ``models/stance.skops`` keeps its bytes.

    Returns:
        ``(metrics for metrics/stance.json, confusion rows (actual, predicted)
        for the DVC plot)``.

    Raises:
        ValueError: bad label file, reserved documents labelled, or fewer
            than ``cv_folds`` source files.
    """
    labels = list(params["labels"])
    seed = int(params["seed"])
    feats = read_doc_features(embed_db, clean_db)
    gold = join_labels(feats, read_labels(label_file, labels))
    dim = feats.X.shape[1]
    lexical = bool(params.get("lexical", True))
    doc_texts = [document_text(t, x) for t, x in zip(feats.meta["title"], feats.meta["text"])]
    rows = gold["row"].to_numpy()
    F = feature_frame(feats.X[rows], [doc_texts[i] for i in rows])
    y = gold["label"].to_numpy(dtype=object)
    groups = gold["source_file"].to_numpy(dtype=object)
    # Kept by content (features, labels, groups, settings) for this module's
    # code and library versions: re-runs that change neither the labels nor
    # the labelled documents' features only predict.
    import joblib

    import pipeline.encoder

    code = fingerprint(pipeline.encoder.model_id(embed_params["model"]),
                       modules=[sys.modules[__name__], pipeline.encoder],
                       packages=["scikit-learn", "numpy", "scipy", "torch", "sentence-transformers", "skops"])
    fit_args = dict(grid=list(params["C_grid"]), folds=int(params["cv_folds"]), seed=seed, dimensions=dim,
                    lexical=lexical)
    drop_legacy(cache_dir)
    store = KeyedStore(cache_dir, "fit", code)
    fit_key = "fit-" + joblib.hash([F, y, groups, sorted(fit_args.items())])
    fitted = store.get(fit_key)
    if fitted is not None:
        print(f"stance: reusing the fit of {len(y)} labelled documents (labels, features, settings and code "
              f"unchanged) from {cache_dir}")
    else:
        print(f"stance: fitting on {len(y)} labelled documents (grid CV over C = {fit_args['grid']})")
        fitted = fit_and_save(F, y, groups, **fit_args)
        store.put(fit_key, fitted)
    pred, best_C, grid_scores, clf, blob = fitted
    supervised = evaluation(y, pred, labels)
    descriptions = list(params["labels"].values())
    desc_key = "descriptions-" + joblib.hash(descriptions)
    L = store.get(desc_key)
    if L is None:
        L = description_vectors(descriptions, embed_params["model"], int(embed_params.get("threads", 0)))
        store.put(desc_key, L)
    store.save()
    zs_labels, zs_probs = zero_shot(feats.X, params["labels"], None, label_vectors=L,
                                    temperature=float(params["zero_shot_temperature"]))
    zs_pred = np.asarray(zs_labels, dtype=object)[zs_probs[gold["row"].to_numpy()].argmax(axis=1)]
    zs = evaluation(y, zs_pred, labels)

    version = f"stance-lr-C{best_C}{'-lexical' if lexical else ''}-{feats.model}-{label_file.name}-{len(gold)}"
    pids, ptexts, PV = read_passage_vectors(embed_db)
    # documents and narrative passages in one call (one store of predicted rows)
    probs = predict_cached(clf, np.vstack([feats.X, PV]), doc_texts + ptexts,
                           KeyedStore(cache_dir, "predictions", code), fit_key)
    stances = prob_frame(feats.meta["doc_id"], clf.classes_, probs[:len(doc_texts)], labels, "doc_id", version)
    passage_stances = prob_frame(pids, clf.classes_, probs[len(doc_texts):], labels, "passage_id", version)
    zero = prob_frame(feats.meta["doc_id"], zs_labels, zs_probs, labels, "doc_id", "zero-shot-" + feats.model)

    with warehouse.build(out_db, SQL_DIR / "stance", fresh=True) as con:
        for name, frame in (("stances", stances), ("passage_stances", passage_stances), ("zero_shot_stances", zero)):
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} SELECT * FROM frame")
            con.unregister("frame")
        gold_frame = gold[["doc_id", "label", "annotator"]].assign(cv_prediction=list(pred))
        con.register("frame", gold_frame)
        con.execute("INSERT INTO stance_labels SELECT doc_id, label, annotator, cv_prediction FROM frame")
        con.unregister("frame")
        desc = pd.DataFrame({"label": labels, "description": [params["labels"][k] for k in labels]})
        con.register("frame", desc)
        con.execute("INSERT INTO stance_codebook SELECT * FROM frame")
        con.unregister("frame")

    model_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = model_file.with_suffix(".tmp")
    tmp.write_bytes(blob)
    tmp.replace(model_file)

    counts = gold["label"].value_counts()
    metrics = {
        "model_version": version,
        "n_labelled": int(len(gold)),
        "label_counts": {lab: int(counts.get(lab, 0)) for lab in labels},
        "n_source_files": int(len(set(groups))),
        "cv": f"StratifiedGroupKFold, {params['cv_folds']} folds grouped by source file; C picked on the same folds",
        "features": "document embedding" + (" + TF-IDF word 1-2-grams" if lexical else ""),
        "calibration": "sigmoid (Platt), CalibratedClassifierCV" if calibration_folds_for(y) >= 2 else "none (a class has 1 example)",
        "final_C": best_C,
        "grid_macro_f1_stances": {str(k): round(v, 4) for k, v in grid_scores.items()},
        "supervised": supervised,
        "zero_shot": zs,
        "predicted_documents": int(len(stances)),
        "predicted_passages": int(len(passage_stances)),
    }
    confusion = [[a, p] for a, p in zip(y, pred)]
    return metrics, confusion


def compact_for_saving(clf: Any) -> Any:
    """Make ``clf`` quick to save with skops; returns it.

    Each fitted ``TfidfVectorizer.vocabulary_`` maps terms to ``numpy.int64``,
    which skops stores as one array file per term (60,000 files for three
    calibration folds: 80 MB and minutes to write); its values become Python
    ``int``s, which skops writes inline. ``stop_words_`` (documented by
    scikit-learn as safe to delete before saving) is dropped where present.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(obj, TfidfVectorizer):
            if hasattr(obj, "stop_words_"):
                del obj.stop_words_
            if hasattr(obj, "vocabulary_"):
                obj.vocabulary_ = {term: int(i) for term, i in obj.vocabulary_.items()}
        for child in getattr(obj, "calibrated_classifiers_", []):
            walk(child.estimator, depth + 1)
        for _, step in getattr(obj, "steps", []):
            walk(step, depth + 1)
        for _, trans, _ in getattr(obj, "transformers_", []):
            walk(trans, depth + 1)

    walk(clf)
    return clf


def suggest(n: int, *, db: Path = WAREHOUSE_FILE, label_file: Path = LABEL_FILE) -> pd.DataFrame:
    """The ``n`` unlabelled, non-reserved corpus documents where the model is
    least certain: smallest margin between its two most probable labels
    (margin sampling, Scheffer et al. 2001).

    Raises:
        FileNotFoundError: the warehouse has not been built.
    """
    con = warehouse.connect(db, read_only=True)
    try:
        frame = con.execute("""
            SELECT s.*, d.source, d.source_file, d.native_id, d.url,
                   coalesce(d.title, '') || ' ' || left(d.text, 400) AS snippet
            FROM stances s JOIN documents d USING (doc_id) ORDER BY s.doc_id""").fetchdf()
    finally:
        con.close()
    skip = labelled_pairs(label_file) | reserved_pairs()
    frame = frame[[k not in skip for k in zip(frame["source_file"], frame["native_id"])]]
    pcols = [c for c in frame.columns if c.startswith("p_")]
    P = frame[pcols].to_numpy()
    top2 = np.sort(P, axis=1)[:, -2:]
    frame = frame.assign(margin=np.round(top2[:, 1] - top2[:, 0], 4),
                         second=[pcols[i][2:] for i in np.argsort(P, axis=1)[:, -2]])
    out = frame.sort_values(["margin", "doc_id"], kind="stable").head(n)
    out = out.assign(snippet=[" ".join(s.split())[:300] for s in out["snippet"]])
    out = out.rename(columns={"source_file": "source", "label": "model_label", "second": "model_second"})
    return out[["doc_id", "source", "native_id", "model_label", "model_second", "margin", "url", "snippet"]]


#: Version of ``../shared/ANNOTATION.md`` that new labels follow.
CODEBOOK_VERSION = "v1.2"


def record_labels(records: Sequence[dict[str, Any]], *, annotator: str, labels: Sequence[str],
                  label_file: Path = LABEL_FILE, db: Path = WAREHOUSE_FILE) -> int:
    """Append an analyst's labels to the label file (the active-learning loop).

    Every record is checked before anything is written, so a bad batch
    writes nothing.

    Args:
        records: dicts with ``source`` and ``native_id`` (as printed by
            :func:`suggest`), ``label`` and optionally ``note`` (the reason).
        annotator: who read and labelled the documents (recorded per line).
        labels: the codebook labels (``params.yaml`` ``stance.labels``).
        label_file: the JSON Lines label file, appended to.
        db: the warehouse, to check that each document exists.

    Returns:
        The number of lines appended.

    Raises:
        ValueError: empty annotator; a record (named by its position) with a
            missing key, an unknown label, a reserved document, a document
            already labelled or one not in the warehouse.
    """
    if not annotator.strip():
        raise ValueError("record_labels: annotator must name who read and labelled the documents")
    done = labelled_pairs(label_file)
    reserved = reserved_pairs()
    con = warehouse.connect(db, read_only=True)
    try:
        known = set(con.sql("SELECT source_file, native_id FROM documents").fetchall())
    finally:
        con.close()
    lines = []
    for i, r in enumerate(records, 1):
        try:
            key, label = (r["source"], r["native_id"]), r["label"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"record {i}: needs source, native_id and label ({exc})") from exc
        problem = ("unknown label " + repr(label) if label not in labels else
                   "reserved for evaluation (EVAL_RESERVED.tsv)" if key in reserved else
                   f"already labelled in {label_file}" if key in done else
                   f"not a document of {db}" if key not in known else "")
        if problem:
            raise ValueError(f"record {i} {key}: {problem}")
        done.add(key)
        lines.append(json.dumps({"source": key[0], "native_id": key[1], "label": label, "codebook": CODEBOOK_VERSION,
                                 "annotator": annotator, "note": r.get("note", "")}, ensure_ascii=False))
    if lines:
        with open(label_file, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return len(lines)


def main(argv: list[str] | None = None) -> None:
    """CLI: ``python -m pipeline.stance`` (stage) or ``… suggest --n 50``."""
    parser = argparse.ArgumentParser(description="Stage `stance` (no command): train, evaluate and predict. "
                                     "`suggest`: the least certain unlabelled documents.")
    sub = parser.add_subparsers(dest="command")
    sg = sub.add_parser("suggest", help="least certain unlabelled documents (margin sampling)")
    sg.add_argument("--n", type=int, default=50, help="how many documents (default 50)")
    sg.add_argument("--jsonl", action="store_true",
                    help="print JSON Lines with the label-file keys `source` and `native_id` (add `label`, "
                         "`codebook`, `annotator` after reading the text; model_label is only the model's guess)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.command == "suggest":
        out = suggest(args.n)
        if args.jsonl:
            for r in out.to_dict("records"):
                print(json.dumps(r, ensure_ascii=False, default=str))
        else:
            with pd.option_context("display.max_colwidth", 80, "display.width", 200):
                print(out.to_string(index=False))
        return
    started = time.perf_counter()
    metrics, confusion = run(load_params("stance"), load_params("embed"), cache_dir=STANCE_CACHE_DIR)
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    (METRICS_DIR / "stance.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    with open(METRICS_DIR / "stance_confusion.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["actual", "predicted"])
        w.writerows(confusion)
    s, z = metrics["supervised"], metrics["zero_shot"]
    print(f"stance: {metrics['n_labelled']} labelled documents; grouped CV macro-F1 {s['macro_f1_all']:.3f} "
          f"(5 labels), {s['macro_f1_stances']:.3f} (3 stances); zero-shot {z['macro_f1_all']:.3f} / "
          f"{z['macro_f1_stances']:.3f}; {metrics['predicted_documents']:,} documents predicted in "
          f"{time.perf_counter() - started:.0f} s → {STANCE_DB}", file=sys.stderr)


if __name__ == "__main__":
    main()
