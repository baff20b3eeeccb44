"""Stage ``stance``: a passage stance classifier, document stance pooled
from passages with the evidence passage, honest (nested, grouped)
evaluation, and shares corrected for the classifier's errors.

This module reads the parameters, wires the library modules and writes
the outputs:

* :mod:`pipeline.stance.passage_labels`: the passage label file, its join to
  the current passages, the label texts' vectors;
* :mod:`pipeline.stance.labels`: the document label file and the reserved documents;
* :mod:`pipeline.stance.shortdocs`: short labelled documents that also train the passage model;
* :mod:`pipeline.stance.features`: narrative passages and document embeddings;
* :mod:`pipeline.stance.model`: the passage classifier (``make_classifier``),
  the evaluation and the saved model's bytes;
* :mod:`pipeline.stance.offsets`: per-class decision offsets;
* :mod:`pipeline.stance.crossval`: the nested grouped cross-validation and final fits;
* :mod:`pipeline.stance.pooling`: pooled features, the max rule, the evidence;
* :mod:`pipeline.stance.quantify`: CC, ACC and PACC shares with bootstrap intervals;
* :mod:`pipeline.stance.evaluate`: the metrics;
* :mod:`pipeline.stance.zero_shot`: labels by similarity to their descriptions;
* :mod:`pipeline.stance.predict`: prediction rows (cached by fit and row); labelled
  passages take their out-of-fold probabilities (the final model was fitted on them);
* :mod:`pipeline.stance.annotate`: the active-learning tools (``suggest``).

Outputs: ``data/stages/stance.duckdb`` (tables ``stances`` with
``evidence_passage_id``, ``passage_stances``, ``zero_shot_stances``,
``stance_labels``, ``stance_passage_labels``, ``stance_shares``,
``stance_quantification_error``, ``stance_codebook``), ``models/stance.skops``
(the passage classifier, read by ``actors``), ``metrics/stance.json`` and
``metrics/stance_confusion.csv`` (a DVC plot of the documents' CV decisions).

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
    TEXT_CACHE_FILE,
    load_params,
)
from pipeline.config import STANCE_MODEL_FILE as MODEL_FILE
from pipeline.config import STANCE_PASSAGE_LABEL_FILE as PASSAGE_LABEL_FILE
from pipeline.label_match import MATCH_KINDS, match_labels, read_targets
from pipeline.label_records import unmatched_note
from pipeline.privacy import StoredKeys
from pipeline.stage_cache import KeyedStore, drop_legacy, fingerprint
from pipeline.stance.annotate import suggest
from pipeline.stance.crossval import fold_of_sources, nested_cv, pool_proba
from pipeline.stance.docpool import doc_table, threshold_decide
from pipeline.stance.evaluate import error_rows, stance_metrics
from pipeline.stance.evaluate import passage_cv_decisions as _passage_cv_decisions
from pipeline.stance.features import feature_frame, read_doc_features, read_narrative_passages
from pipeline.stance.labels import LABEL_FILE, join_labels, read_labels
from pipeline.stance.model import STANCES, save_bytes
from pipeline.stance.offsets import decide
from pipeline.stance.passage_labels import read_passage_labels
from pipeline.stance.pooling import evidence, max_rule, pooled_features
from pipeline.stance.predict import decision_frame, predict_cached, prob_frame, reorder, with_out_of_fold, write_long
from pipeline.stance.quantify import share_table
from pipeline.stance.sample_shares import (
    file_types,
    period_start,
    sample_shares,
    sample_shares_by_period,
    sample_shares_by_type,
)
from pipeline.stance.shortdocs import short_documents
from pipeline.stance.zero_shot import description_vectors, zero_shot
from pipeline.text_vectors import text_vectors


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
    from pipeline.stance import crossval, docpool, features, model, offsets, pooling, predict
    from pipeline.stance import zero_shot as zero_shot_module

    return fingerprint(pipeline.encoder.model_id(encoder_model),
                       modules=[features, model, predict, zero_shot_module, pipeline.encoder, crossval, offsets,
                                pooling, docpool],
                       packages=["scikit-learn", "numpy", "scipy", "torch", "sentence-transformers", "skops"])


def _passage_texts(embed_db: Path, ids: list[str]) -> list[str]:
    """The texts of the passages ``ids``, in their order."""
    if not ids:
        return []
    con = warehouse.connect(embed_db, read_only=True)
    try:
        con.register("wanted", pd.DataFrame({"passage_id": ids}))
        text = dict(con.sql("SELECT passage_id, text FROM passages WHERE passage_id IN "
                            "(SELECT passage_id FROM wanted)").fetchall())
    finally:
        con.close()
    return [text[i] for i in ids]


def _settings(params: dict[str, Any], dimensions: int, labels: list[str]) -> dict[str, Any]:
    """The fit settings of :func:`pipeline.stance.crossval.nested_cv` from the ``stance`` params."""
    from joblib import cpu_count

    return {"C": float(params["passage_C"]), "seed": int(params["seed"]), "dimensions": dimensions,
            "lexical": bool(params.get("lexical", True)), "pooler_C": float(params["pooler_C"]),
            "stances": [labels.index(s) for s in STANCES], "neutral": labels.index("neutral"),
            "off_topic": labels.index("off_topic"), "n_jobs": cpu_count()}


def run(params: dict[str, Any], encoder_params: dict[str, Any], *, embed_db: Path = EMBED_DB,
        clean_db: Path = CLEAN_DB, out_db: Path = STANCE_DB, label_file: Path = LABEL_FILE,
        passage_label_file: Path = PASSAGE_LABEL_FILE, model_file: Path = MODEL_FILE,
        cache_dir: Path | None = None) -> tuple[dict[str, Any], list[list[Any]]]:
    """Train and evaluate the passage classifier and the pooling, predict
    every narrative passage and document, estimate shares, and write
    ``data/stages/stance.duckdb``.

    With ``cache_dir`` (the stage uses ``data/cache/stance``): the vectors of
    label texts that are not a narrative passage (``text_embeddings.duckdb``
    in its parent folder, shared with the narratives stage), the
    nested CV and final fits (keyed by the labelled features, labels, folds,
    settings and :func:`cache_code`), the description embeddings and the
    predicted passage rows are reused.

    Returns:
        ``(metrics for metrics/stance.json, confusion rows (actual,
        predicted) of the documents' cross-validated decisions)``.

    Raises:
        ValueError: bad label file, reserved documents labelled, or fewer
            than 2 source files.
    """
    import joblib

    labels = list(params["labels"])
    seed = int(params["seed"])
    feats = read_doc_features(embed_db, clean_db)
    key = StoredKeys.from_params(params["privacy"]) if "privacy" in params else None
    gold = join_labels(feats, read_labels(label_file, labels, key=key), key=key)
    narrative, NV = read_narrative_passages(embed_db)
    known = dict(zip(narrative["text_sha256"], NV))
    # passage labels: embed the label text; join to the current passage it names
    plab = read_passage_labels(passage_label_file, labels, key=key)
    plab = match_labels(plab, *read_targets(clean_db, embed_db, plab), text="passage")
    note = unmatched_note(passage_label_file, plab.loc[plab["match"] == "no_document", "line"].tolist(),
                          plab.loc[plab["match"] == "none", "line"].tolist(), "stance")
    if note:
        print(note, file=sys.stderr)
    # label texts: one cache with the narratives stage (data/cache/text_embeddings.duckdb beside cache_dir)
    text_cache = None if cache_dir is None else Path(cache_dir).parent / TEXT_CACHE_FILE.name
    PV = text_vectors(plab["passage"].tolist(), encoder_params, text_cache, known=known)
    Fp = feature_frame(PV, plab["passage"].tolist())
    yp = plab["label"].to_numpy(dtype=object)
    fold = fold_of_sources(list(plab["label"]) + list(gold["label"]),
                           list(plab["source_file"]) + list(gold["source_file"]), int(params["cv_folds"]), seed)
    pfold = plab["source_file"].map(fold).to_numpy()
    dfold = gold["source_file"].map(fold).to_numpy()
    # the narrative passages of the labelled documents: the pooling's input
    doc_row = {d: i for i, d in enumerate(gold["doc_id"])}
    in_gold = narrative["doc_id"].isin(doc_row).to_numpy()
    Fd = feature_frame(NV[in_gold], narrative["text"][in_gold].tolist())
    d_index = narrative["doc_id"][in_gold].map(doc_row).to_numpy()
    yd = gold["label"].to_numpy(dtype=object)
    settings = _settings(params, NV.shape[1], labels)
    # short labelled documents train the passage model too (never scored as passages)
    words = {d: len(str(t).split()) for d, t in zip(feats.meta["doc_id"], feats.meta["text"])}
    s_rows, s_docs = short_documents(narrative["doc_id"].tolist(), gold["doc_id"].tolist(), words,
                                     set(plab["doc_id"].dropna()), int(params.get("short_doc_words", 0)))
    extra = (feature_frame(NV[s_rows], narrative["text"].iloc[s_rows].tolist()), yd[s_docs], dfold[s_docs])

    code = cache_code(encoder_params["model"])
    drop_legacy(cache_dir)
    store = KeyedStore(cache_dir, "fit", code)
    fit_key = "fit-" + joblib.hash([Fp, yp, pfold, Fd, d_index, yd, dfold, *extra,
                                    sorted((k, v) for k, v in settings.items() if k != "n_jobs")])
    cv = store.get(fit_key)
    if cv is None:
        print(f"stance: nested grouped CV and fits on {len(yp)} labelled passages (+ {len(s_docs)} short labelled "
              f"documents as training rows), {len(yd)} labelled documents")
        cv = nested_cv(Fp, yp, pfold, Fd, d_index, yd, dfold, labels, settings, extra=extra)
        store.put(fit_key, cv)
    else:
        print(f"stance: reusing the fits of {len(yp)} labelled passages and {len(yd)} documents from {cache_dir}")
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

    # every narrative passage, and the labelled passages found in the current cut
    extra = plab[plab["passage_id"].notna() & ~plab["passage_id"].isin(set(narrative["passage_id"]))]
    extra = extra.drop_duplicates("passage_id")
    ptexts = narrative["text"].tolist() + _passage_texts(embed_db, extra["passage_id"].tolist())
    pids = narrative["passage_id"].tolist() + extra["passage_id"].tolist()
    XV = np.vstack([NV, text_vectors(ptexts[len(narrative):], encoder_params, text_cache, known=known)]) \
        if len(extra) else NV
    probs = predict_cached(cv.passage_clf, XV, ptexts, KeyedStore(cache_dir, "predictions", code), fit_key)
    # labelled passages keep their out-of-fold probabilities: the final model was fitted on them; a passage that
    # several labels name takes the row of the label closest to its text (exact, then within, …: session-32 review)
    P, n_oof = with_out_of_fold(reorder(probs, cv.passage_clf.classes_, labels), pids,
                                plab["passage_id"].tolist(), cv.passage_oof, plab["match"].map(MATCH_KINDS.index))
    version = (f"stance-passages-lr-C{settings['C']}-pooled-{feats.model}-{passage_label_file.name}-{len(plab)}"
               f"-short{len(s_docs)}")
    passage_stances = decision_frame(pids, P, decide(P, cv.final_passage_offsets), labels, "passage_id", version)
    # documents: pooled narrative passages
    doc_of = {d: i for i, d in enumerate(feats.meta["doc_id"])}
    n_nar = len(narrative)
    idx = narrative["doc_id"].map(doc_of).to_numpy()
    X_doc = pooled_features(P[:n_nar], idx, len(doc_of), cv.final_passage_offsets)
    D = pool_proba(cv.pooler, X_doc, len(labels))
    pooling = str(params.get("pooling", "max_rule"))
    if pooling == "max_rule":
        decided = max_rule(P[:n_nar], idx, len(doc_of), cv.final_passage_offsets, settings["stances"],
                           settings["neutral"], settings["off_topic"])
        cv_decided = cv.doc_max_rule
    elif pooling == "model":
        decided, cv_decided = decide(D, cv.final_doc_offsets), cv.doc_decided
    elif pooling == "thresholds":
        decided = threshold_decide(doc_table(P[:n_nar], idx, len(doc_of), cv.final_passage_offsets, settings)[0],
                                   cv.final_thresholds, settings)
        cv_decided = cv.doc_thresholds
    else:
        raise ValueError(f"params.yaml stance.pooling: {pooling!r} is not max_rule, model or thresholds")
    ev = evidence(P[:n_nar], idx, len(doc_of), decided, settings["stances"])
    stances = decision_frame(feats.meta["doc_id"], D, decided, labels, "doc_id", version)
    stances["evidence_passage_id"] = [pids[i] if i >= 0 else None for i in ev]
    zero = prob_frame(feats.meta["doc_id"], zs_labels, zs_probs, labels, "doc_id", "zero-shot-" + feats.model)
    cv_y = np.array([labels.index(v) for v in yd])
    unlabelled = ~feats.meta["doc_id"].isin(doc_row).to_numpy()
    share_rows = share_table(feats.meta[unlabelled], decided[unlabelled], D[unlabelled], cv_y, cv_decided,
                             cv.doc_oof, labels, reps=int(params["bootstrap_reps"]), seed=seed)

    metrics = stance_metrics(cv, plab, pfold, gold, labels, zs_pred, pooling)
    read_shares = sample_shares(gold["source_file"], gold["label"], feats.meta["source_file"], labels)
    type_shares = sample_shares_by_type(file_types(feats.meta["source_file"], feats.meta["source_type"]),
                                        gold["source_file"], gold["label"], feats.meta["source_file"], labels)
    dated = feats.meta[["doc_id", "source", "source_file"]].assign(
        period=period_start(feats.meta["published_at"], params["sample_period"]))
    period_shares = sample_shares_by_period(dated.merge(gold[["doc_id", "label"]], on="doc_id"), dated, labels)
    period_shares.insert(2, "unit", params["sample_period"])
    metrics["sample_shares"] = {r["label"]: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()
                                             if k != "label"} for r in read_shares.to_dict("records")}
    with warehouse.build(out_db, SQL_DIR / "stance", fresh=True) as con:
        write_long(con, passage_stances, "passage_stances", "passage_stance_probabilities")
        write_long(con, stances, "stances", "stance_probabilities")
        write_long(con, zero, "zero_shot_stances", "zero_shot_probabilities")
        frames = {
            "stance_labels": gold[["doc_id", "label", "annotator"]].assign(
                cv_prediction=[labels[i] for i in cv_decided]),
            "stance_codebook": pd.DataFrame({"label": labels, "description": [params["labels"][k] for k in labels]}),
            "stance_passage_labels": plab.assign(cv_prediction=[labels[i] for i in _passage_cv_decisions(cv, pfold)])[
                ["line", "source_file", "native_id", "doc_id", "passage_id", "match", "label", "annotator",
                 "cv_prediction"]],
            "stance_shares": share_rows,
            "stance_quantification_error": error_rows(metrics["quantification"], pooling),
            "stance_sample_shares": read_shares,
            "stance_sample_shares_by_type": type_shares,
            "stance_sample_shares_by_period": period_shares,
        }
        for table, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
            con.unregister("frame")

    # the passage decision travels with the classifier: actors decides quotes as the stage decides passages
    cv.passage_clf.decision_offsets_ = dict(zip(labels, np.round(cv.final_passage_offsets, 6).tolist()))
    blob = save_bytes(cv.passage_clf)
    model_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = model_file.with_suffix(".tmp")
    tmp.write_bytes(blob)
    tmp.replace(model_file)

    metrics.update({
        "model_version": version,
        "n_source_files": int(len(fold)),
        "cv": (f"StratifiedGroupKFold, {len(set(fold.values()))} folds grouped by source file, one fold per source "
               "file for passages and documents; offsets tuned on inner folds only"),
        "features": "passage: label-text embedding" + (" + TF-IDF word 1-2-grams" if settings["lexical"] else "") +
                    "; document: pooled passage probabilities (max, top-2 mean, mean, decided share, log n)",
        "calibration": "passage: sigmoid (Platt), CalibratedClassifierCV; document: multinomial LR, no class weights",
        "decision": "passages: argmax(log p + offset), offsets tuned for 5-label macro-F1 on inner folds; documents "
                    f"({pooling}): " + {"max_rule": "the strongest stance passage against neutral/off_topic",
                                        "model": "pooling model, argmax(log p + offset)",
                                        "thresholds": "the stance whose best passage probability most exceeds its "
                                                      "threshold (thresholds tuned on inner folds), else "
                                                      "neutral/off_topic as the max rule"}[pooling] +
                    "; stances.label and passage_stances.label are these decisions, the probabilities are kept",
        "pooling": pooling,
        "short_documents_as_passages": {"n": int(len(s_docs)), "max_words": int(params.get("short_doc_words", 0)),
                                        "labels": {k: int(v) for k, v in
                                                   zip(*np.unique(yd[s_docs], return_counts=True))}},
        "passage_offsets": dict(zip(labels, np.round(cv.final_passage_offsets, 3).tolist())),
        "document_offsets": dict(zip(labels, np.round(cv.final_doc_offsets, 3).tolist())),
        "max_rule_tuned_offsets (trial, not used)": dict(zip(labels, np.round(cv.final_rule_offsets, 3).tolist())),
        "document_thresholds": dict(zip(STANCES, np.round(cv.final_thresholds, 3).tolist())),
        "predicted_documents": int(len(stances)),
        "predicted_passages": int(len(passage_stances)),
        "passages_out_of_fold": n_oof,   # labelled passages decided by their out-of-fold probabilities
        "documents_with_evidence": int((ev >= 0).sum()),
    })
    confusion = [[a, labels[p]] for a, p in zip(yd, cv_decided)]
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
