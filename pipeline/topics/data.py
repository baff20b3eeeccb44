"""The topic model's input: the narrative passages, their vectors and months.

Reads ``passages`` and ``embeddings`` from ``data/stages/embed.duckdb`` and
the documents' dates and sources from ``data/stages/clean.duckdb``
(:func:`read_narratives`); :func:`run_id_for` names a run by its inputs and
the ``topics`` params that shape a fit (:func:`fit_params`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import CLEAN_DB, EMBED_DB


@dataclass
class NarrativeInput:
    """The narrative passages with what the topic model and tables need.

    Attributes:
        frame: one row per passage, ordered by ``passage_id``; columns
            ``passage_id, doc_id, text, month`` (first day of the month,
            ``None`` when the document is undated), ``source``, and the
            passage's own record's ``url``, ``cited_at`` (its date) and
            ``citable`` (``passages``, ``002_passage_citations.sql``).
        embeddings: ``(n, d)`` float32, unit norm, rows as in ``frame``
            (``(0, 0)`` when there is no passage).
        model: embedding model id (``""`` when there is no passage).
    """

    frame: pd.DataFrame
    embeddings: np.ndarray
    model: str


def read_narratives(embed_db: Path = EMBED_DB, clean_db: Path = CLEAN_DB) -> NarrativeInput:
    """Load the narrative passages, their vectors and document months.

    No narrative passage (a new user's relevance filter kept none) gives an
    empty input; the stage then writes empty tables
    (:func:`~pipeline.topics.bounds.too_small`).

    Raises:
        FileNotFoundError: a stage database is missing.
        ValueError: vectors of mixed models.
    """
    con = warehouse.connect(embed_db, attach={"clean": clean_db})
    try:
        table = con.sql("""
            SELECT p.passage_id, p.doc_id, p.text, e.model,
                   CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS month,
                   d.source, p.url, p.published_at AS cited_at, p.citable, e.vector
            FROM passages p
            JOIN embeddings e USING (passage_id)
            JOIN clean.documents d USING (doc_id)
            WHERE p.in_narratives
            ORDER BY p.passage_id""").to_arrow_table()
    finally:
        con.close()
    if table.num_rows == 0:
        print(f"topics: {embed_db}: no narrative passages to model")
        return NarrativeInput(table.drop_columns(["vector", "model"]).to_pandas(), np.zeros((0, 0), np.float32), "")
    models = set(table.column("model").to_pylist())
    if len(models) != 1:
        raise ValueError(f"{embed_db}: embeddings from several models {sorted(models)}")
    vectors = table.column("vector").combine_chunks()
    dim = vectors.type.list_size
    # a writable copy (guided BERTopic writes into the array it is given)
    emb = np.array(vectors.values.to_numpy(zero_copy_only=False), dtype=np.float32).reshape(-1, dim)
    frame = table.drop_columns(["vector", "model"]).to_pandas()
    return NarrativeInput(frame, emb, models.pop())


def fit_params(params: dict[str, Any]) -> dict[str, Any]:
    """The params that shape a fit (all but ``refit_share``)."""
    return {k: v for k, v in params.items() if k != "refit_share"}


def run_id_for(data: NarrativeInput, params: dict[str, Any]) -> str:
    """Id of a run: sha256 of the embedding model, the passage ids and texts,
    and the ``topics`` params that shape a fit (all but ``refit_share``;
    first 12 hex digits)."""
    h = hashlib.sha256(data.model.encode())
    for pid, text in zip(data.frame["passage_id"], data.frame["text"]):
        h.update(pid.encode())
        h.update(hashlib.sha256(text.encode()).digest())
    h.update(json.dumps(fit_params(params), sort_keys=True, default=str).encode())
    return h.hexdigest()[:12]

