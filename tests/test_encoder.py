"""The shared sentence encoder (pipeline/encoder.py) on real corpus text:
unit vectors, the vector cache, and the window it truncates at."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.config import load_params
from pipeline.encoder import EmbeddingCache, encode, load_encoder, model_id, over_window
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def encoder():
    return load_encoder(load_params("encoder")["model"])


@pytest.fixture(scope="module")
def bodies():
    lines = (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    return [json.loads(line)["body"] for line in lines]


def test_vectors_are_unit_length_and_deterministic(encoder, bodies):
    texts = [b[:400] for b in bodies]
    a, b = encode(encoder, texts, batch_size=8), encode(encoder, texts, batch_size=8)
    assert a.shape == (4, 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.array_equal(a, b)
    assert encode(encoder, [], batch_size=8).shape == (0, 384)


def test_the_window_is_counted_and_text_past_it_is_ignored(encoder, bodies):
    """A real article is longer than the 256 word pieces the model reads:
    what follows them changes nothing in the vector, which is why the embed
    stage reports the passages over the window."""
    body = bodies[0]
    n, window, longest = over_window(encoder, [body, body[:200]])
    assert (n, window) == (1, 256) and longest > 256
    tail = body + " Export controls backfired, and Chinese open models are now everywhere."
    a, b = encode(encoder, [body, tail], batch_size=8)
    assert float(a @ b) > 0.999999


def test_cache_returns_what_was_embedded(tmp_path, encoder, bodies):
    cache = EmbeddingCache(tmp_path / "c.duckdb", model_id(load_params("encoder")["model"]), 384)
    texts = {f"k{i}": b[:300] for i, b in enumerate(bodies)}
    assert cache.fill(texts, encoder, batch_size=8) == 4
    assert cache.fill(texts, lambda: pytest.fail("nothing is missing: the encoder must not load"), batch_size=8) == 0
    got = cache.get(["k2", "k0"])
    assert np.allclose(got, encode(encoder, [texts["k2"], texts["k0"]], batch_size=8), atol=1e-6)
    with pytest.raises(ValueError, match="1 of 1 vectors missing"):
        cache.get(["nope"])
    cache.close()
