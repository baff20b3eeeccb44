"""The stage's inputs: passages and their vectors from the embed stage, the
documents from the clean stage, and vectors for texts the embed stage did not
embed (label texts of re-cut documents, claim texts of the zero-shot mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import CLEAN_DB, EMBED_DB


@dataclass
class Inputs:
    """What the stage reads.

    ``passages``: every passage (``passage_id, doc_id, idx, text,
    in_narratives``); ``scored``: the narrative passages
    (``in_narratives``, the ones with a vector) in ``passage_id`` order, with
    ``doc_id, text``; ``X``: ``(len(scored), d)`` their unit-norm float32
    vectors; ``documents``: ``doc_id, source_file, native_id, published_at``
    of table ``documents`` (the corpus and the rest); ``model``: the
    encoder's model id the vectors were made with.
    """

    passages: pd.DataFrame
    scored: pd.DataFrame
    X: np.ndarray
    documents: pd.DataFrame
    model: str


def read_inputs(embed_db: Path = EMBED_DB, clean_db: Path = CLEAN_DB) -> Inputs:
    """Read the embed and clean stage databases (read-only).

    Raises:
        FileNotFoundError: a stage database is missing.
        ValueError: the embeddings hold more than one model.
    """
    from pipeline.encoder import arrow_vectors

    con = warehouse.connect(embed_db, attach={"clean": clean_db})
    try:
        models = [r[0] for r in con.sql("SELECT DISTINCT model FROM embeddings").fetchall()]
        if len(models) > 1:
            raise ValueError(f"{embed_db}: embeddings of several models {models}")
        passages = con.sql("SELECT passage_id, doc_id, idx, text, in_narratives FROM passages "
                           "ORDER BY doc_id, idx").to_arrow_table().to_pandas()
        table = con.sql("SELECT p.passage_id, p.doc_id, p.text, e.vector FROM passages p "
                        "JOIN embeddings e USING (passage_id) ORDER BY p.passage_id").to_arrow_table()
        documents = con.sql("SELECT doc_id, source_file, native_id, published_at FROM clean.documents "
                            "ORDER BY doc_id").to_arrow_table().to_pandas()
    finally:
        con.close()
    X = arrow_vectors(table) if table.num_rows else np.zeros((0, 0), dtype=np.float32)
    scored = table.drop(["vector"]).to_pandas()
    return Inputs(passages, scored, X, documents, models[0] if models else "")
