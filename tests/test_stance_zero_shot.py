"""pipeline.stance.zero_shot with given description vectors (no encoder)."""

from __future__ import annotations

import numpy as np

from pipeline.config import load_params
from pipeline.stance.zero_shot import zero_shot

DESCRIPTIONS = load_params("stance")["labels"]


def test_zero_shot_is_a_softmax_over_similarities_to_the_descriptions():
    rng = np.random.default_rng(0)
    L = rng.normal(size=(len(DESCRIPTIONS), 8)).astype(np.float32)
    L /= np.linalg.norm(L, axis=1, keepdims=True)
    X = L[[2, 0, 4]] + 0.05 * rng.normal(size=(3, 8)).astype(np.float32)   # near labels 2, 0, 4
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels, P = zero_shot(X, DESCRIPTIONS, None, temperature=0.05, label_vectors=L)
    assert labels == list(DESCRIPTIONS)
    assert P.shape == (3, len(labels)) and np.allclose(P.sum(axis=1), 1.0)
    assert P.argmax(axis=1).tolist() == [2, 0, 4]
    sims = X @ L.T
    expected = np.exp(sims / 0.05) / np.exp(sims / 0.05).sum(axis=1, keepdims=True)
    assert np.allclose(P, expected, atol=1e-6)
    _, flat = zero_shot(X, DESCRIPTIONS, None, temperature=5.0, label_vectors=L)
    assert (flat.max(axis=1) < P.max(axis=1)).all()          # a higher temperature is less certain
