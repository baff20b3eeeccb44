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


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)  # a notebook holding the cache (DuckDB locks the file)
count = lambda: con.execute("SELECT count(*) FROM vectors_384").fetchone()[0]
print(count(), flush=True)
sys.stdin.readline()
print(count(), flush=True)
"""


def test_a_reader_holding_the_cache_does_not_block_a_write(tmp_path, encoder, bodies):
    """Issue 16, part 5: a process holds the cache open read-only while the
    embed stage adds vectors: the write succeeds (the cache is built in a
    copy and swapped in), the reader keeps its snapshot, a new reader sees
    the new vectors, and no copy is left."""
    import subprocess
    import sys

    path = tmp_path / "embeddings.duckdb"
    mid = model_id(load_params("encoder")["model"])
    cache = EmbeddingCache(path, mid, 384)
    cache.fill({"k0": bodies[0][:300], "k1": bodies[1][:300]}, encoder, batch_size=8)
    cache.close()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "2", reader.stderr.read()
        cache = EmbeddingCache(path, mid, 384)  # failed with "Could not set lock" when written in place
        assert cache.fill({f"k{i}": b[:300] for i, b in enumerate(bodies)}, encoder, batch_size=8,
                          chunk_size=1) == 2
        cache.close()
        out, err = reader.communicate("\n", timeout=60)
    finally:
        reader.kill()
    assert out.strip() == "2", err
    fresh = EmbeddingCache(path, mid, 384)
    assert fresh.missing([f"k{i}" for i in range(4)]) == set()
    fresh.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["embeddings.duckdb"]


KILLED_WRITER = """
import os, sys
import numpy as np
from pathlib import Path
from pipeline.encoder import EmbeddingCache
cache = EmbeddingCache(Path(sys.argv[1]), sys.argv[2], 384)
cache.put(["killed"], np.ones((1, 384), dtype=np.float32) / np.sqrt(384))
os._exit(9)  # killed before close(): no swap
"""

LEGACY_WRITER = """
import os, sys
import duckdb
con = duckdb.connect(sys.argv[1])  # the cache written in place (before issue 16), killed
con.execute("SET checkpoint_threshold = '1GB'")
con.execute("INSERT INTO vectors_384 SELECT model, 'legacy', vector FROM vectors_384 LIMIT 1")
os._exit(9)
"""


def test_a_killed_write_leaves_the_old_cache_and_is_cleaned_up(tmp_path, encoder, bodies):
    """A writer killed mid-way leaves the last committed cache (its copy is
    deleted by the next run); a WAL left by a writer killed in place is
    replayed into the next copy and removed, and never faces a newer file."""
    import subprocess
    import sys

    import duckdb

    from pipeline.config import PROJECT_ROOT

    path = tmp_path / "embeddings.duckdb"
    mid = model_id(load_params("encoder")["model"])
    cache = EmbeddingCache(path, mid, 384)
    cache.fill({"k0": bodies[0][:300]}, encoder, batch_size=8)
    cache.close()
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path), mid], cwd=PROJECT_ROOT,
                            capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    assert any(".tmp-" in p.name for p in tmp_path.iterdir())
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT text_sha256 FROM vectors_384").fetchall() == [("k0",)]

    legacy = subprocess.run([sys.executable, "-c", LEGACY_WRITER, str(path)], capture_output=True, text=True)
    assert legacy.returncode == 9, legacy.stderr
    assert (tmp_path / "embeddings.duckdb.wal").exists()
    cache = EmbeddingCache(path, mid, 384)
    assert not (tmp_path / "embeddings.duckdb.wal").exists()
    assert cache.missing(["k0", "legacy", "killed"]) == {"killed"}
    cache.fill({"k1": bodies[1][:300]}, encoder, batch_size=8)
    cache.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["embeddings.duckdb"]
    with duckdb.connect(str(path), read_only=True) as con:
        assert sorted(con.execute("SELECT text_sha256 FROM vectors_384").fetchall()) == [
            ("k0",), ("k1",), ("legacy",)]
