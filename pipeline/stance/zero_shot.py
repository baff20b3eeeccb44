"""Zero-shot stance (cold start for a new debate).

Each label gets a description in ``params.yaml`` (``stance.labels``, taken
from the codebook table); a document takes the label whose description
embedding is most cosine-similar, and probabilities are a softmax over the
similarities / ``zero_shot_temperature``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def zero_shot(X: np.ndarray, descriptions: dict[str, str], encoder: Any, *, temperature: float,
              label_vectors: np.ndarray | None = None) -> tuple[list[str], np.ndarray]:
    """Zero-shot stance: cosine similarity to label descriptions.

    Args:
        X: ``(n, d)`` unit-norm document embeddings.
        descriptions: label → description (``stance.labels`` in params).
        encoder: the sentence-transformers model that made ``X`` (unused
            when ``label_vectors`` is given).
        temperature: softmax temperature over cosine similarities.
        label_vectors: ``(n_labels, d)`` embeddings of the descriptions, in
            their order, when already computed (:func:`description_vectors`).

    Returns:
        ``(labels in column order, (n, n_labels) probabilities)``.
    """
    from pipeline.encoder import encode

    labels = list(descriptions)
    L = label_vectors if label_vectors is not None else encode(encoder, [descriptions[k] for k in labels])
    sims = X @ L.T
    z = (sims - sims.max(axis=1, keepdims=True)) / temperature
    probs = np.exp(z)
    return labels, probs / probs.sum(axis=1, keepdims=True)


def description_vectors(texts: Sequence[str], model: str, threads: int = 0) -> np.ndarray:
    """``(n_labels, d)`` float32, unit-norm embeddings of the label
    descriptions ``texts`` (in their order) with the encoder ``model`` (an
    ``encoder.model`` spec; ``threads`` torch threads, 0 = torch's default)."""
    from pipeline.encoder import encode, load_encoder

    return encode(load_encoder(model, threads=threads), list(texts))
