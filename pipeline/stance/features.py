"""Features of the stance classifier: document embeddings and the text read
by the lexical features.

A document's embedding is the normalised mean of its narrative passages'
vectors (``embeddings`` of the embed stage, :func:`read_doc_features`,
:func:`document_means`); the lexical features read its title and the start
of its text (:func:`document_text`). :func:`feature_frame` puts the two side
by side as the classifier's input, for documents, narrative passages
(:func:`read_passage_vectors`) and quotes (``pipeline.actors``) alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import CLEAN_DB, EMBED_DB
from pipeline.encoder import arrow_vectors


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
    con = warehouse.connect(embed_db, attach={"clean": clean_db})
    try:
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


def read_passage_vectors(embed_db: Path = EMBED_DB) -> tuple[list[str], list[str], np.ndarray]:
    """``(passage_ids, texts, (n, d) vectors)`` of the narrative passages, by id."""
    con = warehouse.connect(embed_db, read_only=True)
    try:
        table = con.sql("SELECT e.passage_id, p.text, e.vector FROM embeddings e JOIN passages p USING (passage_id) "
                        "ORDER BY e.passage_id").to_arrow_table()
    finally:
        con.close()
    return table.column("passage_id").to_pylist(), table.column("text").to_pylist(), arrow_vectors(table)


def read_narrative_passages(embed_db: Path = EMBED_DB) -> tuple[pd.DataFrame, np.ndarray]:
    """The narrative passages (those with a vector) by id: ``(frame, (n, d) vectors)``;
    the frame has ``passage_id, doc_id, text, text_sha256``."""
    con = warehouse.connect(embed_db, read_only=True)
    try:
        table = con.sql("SELECT e.passage_id, p.doc_id, p.text, p.text_sha256, e.vector FROM embeddings e "
                        "JOIN passages p USING (passage_id) ORDER BY e.passage_id").to_arrow_table()
    finally:
        con.close()
    frame = table.select(["passage_id", "doc_id", "text", "text_sha256"]).to_pandas()
    return frame, arrow_vectors(table)


def document_text(title: Any, text: str, limit: int = 3000) -> str:
    """Title and the first ``limit`` characters of the text: the input of
    the lexical features."""
    title = title if isinstance(title, str) else ""
    return f"{title}\n{text[:limit]}".strip()


def feature_frame(X: np.ndarray, texts: Sequence[str]) -> pd.DataFrame:
    """The classifier's input: ``(n, d)`` embeddings as columns ``e0..e{d-1}``
    plus the document text in column ``text`` (for the lexical features)."""
    frame = pd.DataFrame(X, columns=[f"e{i}" for i in range(X.shape[1])])
    frame["text"] = list(texts)
    return frame
