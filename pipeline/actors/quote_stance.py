"""The stance of each quote (issue 6): the stance stage's classifier on the
quote's own text.

Reads ``models/stance.skops`` (written by the stage ``stance``) and embeds
each quote with the embed stage's encoder (:mod:`pipeline.encoder`), keeping
the vectors in ``data/cache/quote_embeddings.duckdb`` so that a re-run embeds
only new quotes. Gives the rows of the ``quote_stances`` table, decided as
the stance stage decides passages: ``argmax(log p + offset)`` with the
per-class offsets that the stage tuned in grouped CV and saved on the
classifier (``decision_offsets_``, :func:`decision_offsets`); the
probabilities are kept as they are.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import QUOTE_CACHE_FILE, STANCE_MODEL_FILE


def load_stance_model(path: Path) -> Any:
    """The stance classifier saved by the stance stage (skops). Only
    scikit-learn, NumPy, SciPy and builtin types are trusted.

    Raises:
        FileNotFoundError: no model yet (run ``dvc repro stance``).
        ValueError: the file holds another type (named).
    """
    import skops.io as sio

    if not path.exists():
        raise FileNotFoundError(f"{path}: no stance model; run `dvc repro stance` first")
    data = path.read_bytes()  # read from disk once for the check and the load
    untrusted = sio.get_untrusted_types(data=data)
    foreign = [t for t in untrusted if not t.startswith(("sklearn.", "numpy.", "scipy.", "builtins."))]
    if foreign:
        raise ValueError(f"{path}: refusing to load types {foreign}")
    return sio.loads(data, trusted=untrusted)


def decision_offsets(clf: Any, labels: Sequence[str], path: Path | str = "the stance model") -> np.ndarray:
    """``(len(labels),)`` the passage decision offsets saved on the classifier by
    the stance stage (``clf.decision_offsets_``, label -> offset; 0 for a
    label it does not name).

    Raises:
        ValueError: the model has none (written before the offsets were saved:
            re-run ``dvc repro stance``), naming ``path``.
    """
    saved = getattr(clf, "decision_offsets_", None)
    if not isinstance(saved, dict):
        raise ValueError(f"{path}: the stance model carries no decision offsets; re-run `dvc repro stance`")
    return np.array([float(saved.get(lab, 0.0)) for lab in labels])


def vector_dimension(embed_db: Path) -> int | None:
    """Length of the passage vectors in the embed stage's ``embeddings``
    table (the encoder's dimension), or ``None`` when it has none."""
    con = warehouse.connect(embed_db)
    try:
        row = con.execute("SELECT len(vector) FROM embeddings LIMIT 1").fetchone()
    finally:
        con.close()
    return int(row[0]) if row else None


def quote_stances(quotes: pd.DataFrame, clf: Any, encoder: Any, cache: Any, labels: Sequence[str],
                  model_version: str, *, batch_size: int = 64) -> pd.DataFrame:
    """The stance classifier on each quote's own text: its embedding (cached
    by text sha256, like passages) and its TF-IDF, as for a one-passage
    document (:func:`pipeline.stance.features.feature_frame`); the label is
    the passage decision with the model's offsets (:func:`decision_offsets`).

    Args:
        encoder: the sentence-transformers model, or a function that loads
            it (called only if a quote has no cached vector).

    Returns:
        Rows of ``quote_stances`` (``quote_id``, ``label``, ``p_<label>``,
        ``model_version``), in the order of ``quotes``.

    Raises:
        ValueError: the model carries no decision offsets (:func:`decision_offsets`).
    """
    from pipeline.stance.features import feature_frame
    from pipeline.stance.offsets import decide
    from pipeline.stance.predict import decision_frame, prob_frame, reorder

    offsets = decision_offsets(clf, labels)
    texts = quotes["quote_text"].tolist()
    shas = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    cache.fill(dict(zip(shas, texts)), encoder, batch_size=batch_size)
    X = cache.get(shas)
    if not len(quotes):
        return prob_frame([], labels, np.zeros((0, len(labels))), labels, "quote_id", model_version)
    P = reorder(clf.predict_proba(feature_frame(X, texts)), clf.classes_, labels)
    return decision_frame(quotes["quote_id"], P, decide(P, offsets), labels, "quote_id", model_version)


def score_quotes(quotes: pd.DataFrame, encoder_params: dict[str, Any], labels: Sequence[str], *, embed_db: Path,
                 model_file: Path = STANCE_MODEL_FILE, cache_file: Path = QUOTE_CACHE_FILE
                 ) -> tuple[pd.DataFrame, str]:
    """:func:`quote_stances` with the saved classifier, the embed stage's
    encoder (``encoder_params``: ``model``, ``threads``, ``batch_size``; loaded
    only if a quote has no cached vector, and then once) and the quote vector
    cache ``cache_file``, whose dimension is that of the passage vectors of
    ``embed_db`` (or the encoder's when it has none).

    Returns:
        ``(quote_stances rows, model_version)``; the version is
        ``stance-on-quotes-<encoder id>-<sha256 of model_file, 12 hex digits>``.

    Raises:
        FileNotFoundError, ValueError: see :func:`load_stance_model`.
    """
    from pipeline.encoder import EmbeddingCache, embedding_dimension, load_encoder, model_id

    clf = load_stance_model(model_file)

    @functools.cache
    def encoder() -> Any:  # loaded only if a quote has no vector yet, and then once
        return load_encoder(encoder_params["model"], threads=int(encoder_params.get("threads", 0)))

    dimensions = vector_dimension(embed_db) or embedding_dimension(encoder())
    cache = EmbeddingCache(cache_file, model_id(encoder_params["model"]), dimensions)
    try:
        digest = hashlib.sha256(model_file.read_bytes()).hexdigest()[:12]
        version = f"stance-on-quotes-{model_id(encoder_params['model'])}-{digest}"
        stances = quote_stances(quotes, clf, encoder, cache, list(labels), version,
                                batch_size=int(encoder_params.get("batch_size", 64)))
    finally:
        cache.close()
    return stances, version
