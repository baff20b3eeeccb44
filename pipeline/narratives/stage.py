"""Stage ``narratives``: which claims of the taxonomy each passage, document
and month carries (issue 19).

This module reads the parameters (``params.yaml`` ``narratives``), wires the
library modules and writes the outputs:

* :mod:`pipeline.narratives.taxonomy`: ``corpora/narratives.yaml``;
* :mod:`pipeline.narratives.labels`: the passage labels and the reserved
  documents; :mod:`pipeline.label_match`: the current passage of each label;
* :mod:`pipeline.narratives.inputs`: passages, vectors and documents;
* :mod:`pipeline.narratives.model`: the classifier, tuned and evaluated by
  grouped cross-validation, and the zero-shot scores;
* :mod:`pipeline.narratives.evaluate`: the scores;
* :mod:`pipeline.narratives.tables`: the tables.

Modes, per narrative (table ``narrative_taxonomy``, ``metrics.modes``):
``supervised`` when it has at least ``min_positives`` labelled passages and
the labels come from at least 2 source files; else ``zero_shot`` (cosine of
the passage to the narrative's claim text, :func:`taxonomy.zero_shot_texts`);
the catch-all has no claim text, so without enough labels it is ``none``
(never predicted).

Outputs: ``data/stages/narratives.duckdb`` (built in a copy and swapped in,
:func:`pipeline.warehouse.build`) and ``metrics/narratives.json``.

Usage: ``python -m pipeline.narratives``
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import warehouse
from pipeline.config import (
    CLEAN_DB,
    EMBED_DB,
    METRICS_DIR,
    NARRATIVE_PASSAGE_LABEL_FILE,
    NARRATIVES_DB,
    NARRATIVES_FILE,
    SQL_DIR,
    TEXT_CACHE_FILE,
    load_params,
)
from pipeline.label_match import match_labels, read_targets
from pipeline.label_records import unmatched_note
from pipeline.narratives import evaluate, labels, model, tables
from pipeline.narratives.inputs import read_inputs
from pipeline.narratives.taxonomy import anchor_texts, load_narratives, zero_shot_texts
from pipeline.privacy import StoredKeys
from pipeline.text_vectors import text_sha256 as sha256
from pipeline.text_vectors import text_vectors


def threshold_grid(spec: dict[str, float]) -> list[float]:
    """The thresholds tried: ``start, start + step, …, stop`` (rounded to 4 places)."""
    n = int(round((spec["stop"] - spec["start"]) / spec["step"]))
    return [round(spec["start"] + i * spec["step"], 4) for i in range(n + 1)]


def run(params: dict[str, Any], encoder_params: dict[str, Any], *, embed_db: Path = EMBED_DB,
        clean_db: Path = CLEAN_DB, out_db: Path = NARRATIVES_DB, taxonomy_file: Path = NARRATIVES_FILE,
        label_file: Path = NARRATIVE_PASSAGE_LABEL_FILE, text_cache: Path = TEXT_CACHE_FILE
        ) -> dict[str, Any]:
    """Tune, evaluate, predict and write ``out_db``.

    Args:
        params: ``params.yaml`` ``narratives``, with ``privacy`` and
            ``stance_labels`` (the allowed ``side`` values) added.

    Returns:
        The metrics for ``metrics/narratives.json``.

    Raises:
        pipeline.config.ConfigError: a broken taxonomy file (names entry and key).
        ValueError: a bad label file (names file and line), or a label on a
            reserved document.
    """
    tax = load_narratives(taxonomy_file, sides=params["stance_labels"])
    keys = list(tax.keys)
    key = StoredKeys.from_params(params["privacy"]) if "privacy" in params else None
    gold = labels.read_labels(label_file, keys, key=key)
    labels.check_not_reserved(gold, labels.reserved_pairs(key=key), label_file)
    inp = read_inputs(embed_db, clean_db)
    dim = inp.X.shape[1]
    joined = match_labels(gold, *read_targets(clean_db, embed_db, gold))
    note = unmatched_note(label_file, joined.loc[joined["match"] == "no_document", "line"].tolist(),
                          joined.loc[joined["match"] == "none", "line"].tolist(), "narratives")
    if note:
        print(note, file=sys.stderr)
    known = dict(zip((sha256(t) for t in inp.scored["text"]), inp.X))
    V = text_vectors(list(joined["text"]), encoder_params, text_cache, dimensions=dim, known=known)
    claims = zero_shot_texts(tax)
    T = text_vectors(list(claims.values()), encoder_params, text_cache, dimensions=dim, known=known)

    Y = np.array([[k in row for k in keys] for row in joined["narratives"]], dtype=int).reshape(len(joined), len(keys))
    groups = joined["source_file"].to_numpy(dtype=object)
    texts = list(joined["text"])
    positives = dict(zip(keys, Y.sum(axis=0).tolist()))
    enough = len(set(groups.tolist())) >= 2
    modes = {n.key: ("supervised" if enough and positives[n.key] >= int(params["min_positives"])
                     else "none" if n.catch_all else "zero_shot") for n in tax.narratives}
    sup = [k for k in keys if modes[k] == "supervised"]
    zs_keys = list(claims)
    zs_threshold, zs_temp = float(params["zero_shot_threshold"]), float(params["zero_shot_temperature"])
    anchors = None
    if params.get("similarity") and claims:
        pairs = anchor_texts(tax)
        A = text_vectors([t for _, t in pairs], encoder_params, text_cache, dimensions=dim, known=known)
        anchors = model.Anchors(A, np.array([g for g, _ in pairs]))
    tune = dict(grid=[float(c) for c in params["C_grid"]], thresholds=threshold_grid(params["thresholds"]),
                lexical=bool(params["lexical"]), class_weight=params.get("class_weight"), anchors=anchors,
                global_threshold=bool(params.get("global_threshold")))
    folds, seed = int(params["cv_folds"]), int(params["seed"])

    # honest decisions on the labels: outer grouped CV (supervised), zero-shot (the rest)
    D = np.zeros(Y.shape, dtype=bool)
    fold_info: list[dict[str, Any]] = []
    zs_label_p = model.zero_shot_scores(V, T, threshold=zs_threshold, temperature=zs_temp)
    for k in zs_keys:
        if modes[k] == "zero_shot":
            D[:, keys.index(k)] = zs_label_p[:, zs_keys.index(k)] >= 0.5
    cols = [keys.index(k) for k in sup]
    fitted = None
    if sup:
        print(f"narratives: grouped CV on {len(Y)} labelled passages for {len(sup)} narratives", file=sys.stderr)
        _, D_sup, fold_info = model.nested_cv(V, texts, Y[:, cols], groups, sup, folds=folds, seed=seed, **tune)
        D[:, cols] = D_sup
        fitted = model.tune_and_fit(V, texts, Y[:, cols], groups, sup, folds=folds, seed=seed, **tune)

    # scored passages: the narrative passages, then labelled passages outside them
    scored = inp.scored.merge(inp.passages[["passage_id", "idx"]], on="passage_id")
    extra_ids = sorted(set(joined["passage_id"].dropna()) - set(scored["passage_id"]))
    extra = inp.passages[inp.passages["passage_id"].isin(extra_ids)].sort_values("passage_id")
    XE = text_vectors(list(extra["text"]), encoder_params, text_cache, dimensions=dim, known=known)
    X_all = np.vstack([inp.X, XE]) if len(extra) else inp.X
    texts_all = list(scored["text"]) + list(extra["text"])
    P = np.zeros((len(X_all), len(keys)))
    thresholds = np.full(len(keys), np.inf)
    zp = model.zero_shot_scores(X_all, T, threshold=zs_threshold, temperature=zs_temp)
    for k in zs_keys:
        if modes[k] == "zero_shot":
            P[:, keys.index(k)] = zp[:, zs_keys.index(k)]
            thresholds[keys.index(k)] = 0.5
    if fitted is not None:
        P[:, cols] = fitted.predict_proba(X_all, texts_all)
        thresholds[cols] = fitted.thresholds

    with warehouse.build(out_db, SQL_DIR / "narratives", fresh=True) as con:
        tables.write_taxonomy(con, tax, modes, {k: float(t) for k, t in zip(keys, thresholds) if np.isfinite(t)},
                              positives)
        n_prob, n_dec = tables.write_passages(con, list(scored["passage_id"]) + list(extra["passage_id"]), keys,
                                              P, thresholds)
        n_docs, n_months = tables.write_documents(con, scored, inp.documents)
        tables.write_labels(con, joined, keys, Y, D)

    units = list(zip(joined["source_file"], joined["native_id"]))
    headline = [n.key for n in tax.narratives if not n.catch_all]
    D_zs = zs_label_p >= 0.5
    zs_cols = [keys.index(k) for k in zs_keys]
    return {
        "taxonomy": {"file": taxonomy_file.name, "codebook": tax.codebook_version, "narratives": len(keys)},
        "labels": {"file": label_file.name, "n_passages": int(len(joined)), "n_source_files": len(set(groups)),
                   "n_no_narrative": int((Y.sum(axis=1) == 0).sum()), "positives": positives,
                   "matched_to_current_passage": joined["match"].value_counts().to_dict()},
        "modes": modes,
        "model": {"features": "passage embedding" + (" + cosine to each claim and its closest cue" if anchors
                                                     else "") + (" + TF-IDF word 1-2-grams" if tune["lexical"] else ""),
                  "threshold": "one for all narratives" if tune["global_threshold"] else "per narrative",
                  "classifier": "one-vs-rest LogisticRegression, Platt-calibrated on inner out-of-fold scores",
                  "cv": f"StratifiedGroupKFold by source file, {folds} outer folds; C and thresholds tuned on "
                        f"{folds} inner folds of each outer training set",
                  "C": dict(zip(sup, fitted.C.tolist())) if fitted else {},
                  "thresholds": {k: round(float(t), 4) for k, t in zip(keys, thresholds) if np.isfinite(t)},
                  "inner_f1": dict(zip(sup, fitted.inner_f1.round(4).tolist())) if fitted else {},
                  "folds": fold_info},
        "evaluation": evaluate.scores(Y, D, keys, headline, units) if len(Y) else {},
        "zero_shot": ({**evaluate.scores(Y[:, zs_cols], D_zs, zs_keys, zs_keys, units),
                       "threshold": zs_threshold} if len(Y) and zs_cols else {}),
        "predicted": {"passages": int(len(X_all)), "narrative_passages": int(len(scored)),
                      "probability_rows": n_prob, "decision_rows": n_dec, "doc_narrative_rows": n_docs,
                      "month_rows": n_months},
        "encoder": inp.model,
    }


def main(argv: list[str] | None = None) -> None:
    """CLI: ``python -m pipeline.narratives``."""
    import argparse

    argparse.ArgumentParser(prog="python -m pipeline.narratives", description=__doc__.splitlines()[0]).parse_args(argv)
    started = time.perf_counter()
    params = load_params("narratives", include=("privacy",))
    params["stance_labels"] = list(load_params("stance")["labels"])
    metrics = run(params, load_params("encoder"))
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    (METRICS_DIR / "narratives.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    e, z = metrics["evaluation"], metrics["zero_shot"]
    print(f"narratives: {metrics['labels']['n_passages']} labelled passages; grouped CV micro-F1 "
          f"{e.get('micro_f1', float('nan')):.3f}, samples-F1 {e.get('samples_f1_passages', float('nan')):.3f}; "
          f"zero-shot micro-F1 {z.get('micro_f1', float('nan')):.3f}; {metrics['predicted']['decision_rows']:,} "
          f"passage decisions in {time.perf_counter() - started:.0f} s → {NARRATIVES_DB}", file=sys.stderr)
