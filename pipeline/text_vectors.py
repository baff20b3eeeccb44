"""Vectors of free texts with the shared sentence encoder: the passage label
texts (stages ``stance`` and ``narratives``) and the narratives' claim texts.

One function and one cache (:data:`pipeline.config.TEXT_CACHE_FILE`), so a
label text read by both stages is embedded once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def text_sha256(text: str) -> str:
    """sha256 (hex) of the UTF-8 text: the key of the embedding caches
    (``passages.text_sha256`` of the embed stage)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def text_vectors(texts: Sequence[str], encoder_params: dict[str, Any], cache_file: Path | None, *,
                 known: dict[str, np.ndarray] | None = None, dimensions: int | None = None) -> np.ndarray:
    """``(len(texts), d)`` float32 unit vectors of ``texts``.

    A text whose sha256 is in ``known`` (the embed stage's passage vectors, by
    ``passages.text_sha256``) takes that vector; the others come from the
    :class:`pipeline.encoder.EmbeddingCache` ``cache_file`` (by model and text
    sha256), and those missing there are embedded with the encoder of
    ``encoder_params`` (``params.yaml`` → ``encoder``; loaded only then) and
    kept. With ``cache_file=None`` they are embedded every call.

    Args:
        dimensions: the encoder's vector length, when no text is embedded
            and ``known`` is empty (an empty input gives ``(0, dimensions)``).
    """
    from pipeline.encoder import EmbeddingCache, embedding_dimension, encode, load_encoder, model_id

    known = known or {}
    spec, threads = encoder_params["model"], int(encoder_params.get("threads", 0))
    batch = int(encoder_params.get("batch_size", 8))
    dim = dimensions or (next(iter(known.values())).shape[0] if known else None)
    shas = [text_sha256(t) for t in texts]
    todo = {s: t for s, t in zip(shas, texts) if s not in known}
    got: dict[str, np.ndarray] = {}
    if todo and cache_file is None:
        keys = sorted(todo)
        got = dict(zip(keys, encode(load_encoder(spec, threads=threads), [todo[k] for k in keys], batch_size=batch)))
    elif todo:
        dim = dim or embedding_dimension(load_encoder(spec, threads=threads))
        cache = EmbeddingCache(cache_file, model_id(spec), dim)
        try:
            cache.fill(todo, lambda: load_encoder(spec, threads=threads), batch_size=batch)
            keys = sorted(todo)
            got = dict(zip(keys, cache.get(keys)))
        finally:
            cache.close()
    if not shas:
        return np.zeros((0, dim or 0), dtype=np.float32)
    return np.vstack([known[s] if s in known else got[s] for s in shas]).astype(np.float32)
