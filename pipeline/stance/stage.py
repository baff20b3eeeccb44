"""Stage ``stance``: a scikit-learn stance classifier, its honest evaluation,
and stance predictions for every document and narrative passage.

This module reads the parameters, wires the library modules and writes
the outputs:

* :mod:`pipeline.stance.features`: document embeddings (the normalised mean
  of their narrative passages' vectors) and texts, the classifier's input;
* :mod:`pipeline.stance.labels`: the label file and the reserved documents;
* :mod:`pipeline.stance.model`: the classifier, ``C`` by grouped
  cross-validation, the evaluation and the saved model's bytes;
* :mod:`pipeline.stance.zero_shot`: labels by similarity to their
  descriptions;
* :mod:`pipeline.stance.predict`: prediction rows (cached by fit and row);
* :mod:`pipeline.stance.annotate`: the active-learning tools (``suggest``).

Outputs: ``data/stages/stance.duckdb`` (tables ``stances``,
``passage_stances``, ``zero_shot_stances``, ``stance_labels``,
``stance_codebook``), ``models/stance.skops``, ``metrics/stance.json`` and
``metrics/stance_confusion.csv`` (a DVC plot).

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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import (
    CLEAN_DB,
    EMBED_DB,
    METRICS_DIR,
    SQL_DIR,
    STANCE_CACHE_DIR,
    STANCE_DB,
    load_params,
)
from pipeline.config import STANCE_MODEL_FILE as MODEL_FILE
from pipeline.privacy import StoredKeys
from pipeline.stage_cache import KeyedStore, drop_legacy, fingerprint
from pipeline.stance.annotate import suggest
from pipeline.stance.features import document_text, feature_frame, read_doc_features, read_passage_vectors
from pipeline.stance.labels import LABEL_FILE, join_labels, read_labels
from pipeline.stance.model import calibration_folds_for, evaluation, fit_and_save
from pipeline.stance.predict import predict_cached, prob_frame, write_long
from pipeline.stance.zero_shot import description_vectors, zero_shot


def cache_code(encoder_model: str) -> str:
    """The ``code`` of the stance caches (:class:`pipeline.stage_cache.KeyedStore`):
    sha256 (hex) over the encoder's model id (``encoder.model`` spec), the
    source of the modules whose code shapes a cached result and the versions
    of the libraries that do.

    The cached results are the grid CV and final fit with its saved bytes
    (:mod:`pipeline.stance.model`), the label-description embeddings
    (:mod:`pipeline.stance.zero_shot` and :mod:`pipeline.encoder`) and the
    predicted rows (:func:`pipeline.stance.predict.predict_cached` over
    :func:`pipeline.stance.features.feature_frame`). What the label file and
    the features give the fit (labelled documents' features, labels, source
    files) is part of each result's key, so :mod:`pipeline.stance.labels` is
    not listed; nor are this module and :mod:`pipeline.stance.annotate`, which
    shape no cached result.
    """
    import pipeline.encoder
    from pipeline.stance import features, model, predict
    from pipeline.stance import zero_shot as zero_shot_module

    return fingerprint(pipeline.encoder.model_id(encoder_model),
                       modules=[features, model, predict, zero_shot_module, pipeline.encoder],
                       packages=["scikit-learn", "numpy", "scipy", "torch", "sentence-transformers", "skops"])


def run(params: dict[str, Any], encoder_params: dict[str, Any], *, embed_db: Path = EMBED_DB,
        clean_db: Path = CLEAN_DB, out_db: Path = STANCE_DB, label_file: Path = LABEL_FILE,
        model_file: Path = MODEL_FILE, cache_dir: Path | None = None) -> tuple[dict[str, Any], list[list[Any]]]:
    """Train, evaluate, predict and write ``data/stages/stance.duckdb``.

    With ``cache_dir`` (the stage uses ``data/cache/stance``, a
    :class:`pipeline.stage_cache.KeyedStore`), the grid CV and final fit
    with its saved bytes (:func:`fit_and_save`) and the description
    embeddings are reused when their inputs are equal to a previous run's:
    the labelled documents' features, labels and source files, the
    settings, the code that shapes them (:func:`cache_code`) and the library
    versions. Then only the
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
    # label files and EVAL_RESERVED.tsv use corpus native ids; the warehouse stores them pseudonymised
    key = StoredKeys.from_params(params["privacy"]) if "privacy" in params else None
    gold = join_labels(feats, read_labels(label_file, labels, key=key), key=key)
    dim = feats.X.shape[1]
    lexical = bool(params.get("lexical", True))
    doc_texts = [document_text(t, x) for t, x in zip(feats.meta["title"], feats.meta["text"])]
    rows = gold["row"].to_numpy()
    F = feature_frame(feats.X[rows], [doc_texts[i] for i in rows])
    y = gold["label"].to_numpy(dtype=object)
    groups = gold["source_file"].to_numpy(dtype=object)
    # Kept by content (features, labels, groups, settings) for the code that
    # shapes the results and the library versions: re-runs that change neither
    # the labels nor the labelled documents' features only predict.
    import joblib

    code = cache_code(encoder_params["model"])
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
        L = description_vectors(descriptions, encoder_params["model"], int(encoder_params.get("threads", 0)))
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
        for frame, decisions, probabilities in ((stances, "stances", "stance_probabilities"),
                                                (passage_stances, "passage_stances", "passage_stance_probabilities"),
                                                (zero, "zero_shot_stances", "zero_shot_probabilities")):
            write_long(con, frame, decisions, probabilities)
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
        "calibration": ("sigmoid (Platt), CalibratedClassifierCV" if calibration_folds_for(y) >= 2
                        else "none (a class has 1 example)"),
        "final_C": best_C,
        "grid_macro_f1_stances": {str(k): round(v, 4) for k, v in grid_scores.items()},
        "supervised": supervised,
        "zero_shot": zs,
        "predicted_documents": int(len(stances)),
        "predicted_passages": int(len(passage_stances)),
    }
    confusion = [[a, p] for a, p in zip(y, pred)]
    return metrics, confusion


def main(argv: list[str] | None = None) -> None:
    """CLI: ``python -m pipeline.stance`` (stage) or ``… suggest --n 50``."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.stance",
                                     description="Stage `stance` (no command): train, evaluate and predict. "
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
    metrics, confusion = run(load_params("stance", include=("privacy",)), load_params("encoder"),
                            cache_dir=STANCE_CACHE_DIR)
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
