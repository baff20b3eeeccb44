"""The exact neighbour graph and the UMAP on it (pipeline/topics/knn.py), on real corpus text."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import DEMO_CORPUS_DIR


def _essays() -> list[str]:
    files = sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:12]
    assert len(files) >= 6, "the shipped corpus has markdown essays"
    return [f.read_text(encoding="utf-8") for f in files]


def _paragraph_vectors() -> np.ndarray:
    """TF-IDF vectors (dense, float32) of the essays' paragraphs: real,
    sparse-ish text vectors with exact duplicates (repeated boilerplate)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    paragraphs = [p for e in _essays() for p in e.split("\n\n") if len(p.split()) >= 3]
    return TfidfVectorizer(min_df=2).fit_transform(paragraphs).toarray().astype(np.float32)


def test_exact_cosine_knn_equals_brute_force_neighbours():
    """``exact_cosine_knn`` gives scikit-learn's brute-force cosine
    neighbours (as sets, ties aside), each row first at distance 0, and the
    same neighbours for another block size."""
    from sklearn.neighbors import NearestNeighbors

    from pipeline.topics.knn import exact_cosine_knn

    X = _paragraph_vectors()
    X = X[np.linalg.norm(X, axis=1) > 0]
    assert len(X) > 300
    k = 15
    idx, dist = exact_cosine_knn(X, k, block=97)
    assert idx.shape == dist.shape == (len(X), k)
    assert (idx[:, 0] == np.arange(len(X))).all() and (dist[:, 0] == 0).all()
    assert (np.diff(dist, axis=1) >= 0).all()
    ref_dist, ref_idx = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(X).kneighbors(X)
    np.testing.assert_allclose(np.sort(dist, axis=1), np.sort(ref_dist, axis=1), atol=1e-5)
    # neighbour sets agree wherever the k-th distance is not tied
    kth = ref_dist[:, -1]
    untied = np.array([(np.abs(ref_dist[i, :-1] - kth[i]) > 1e-5).all() and
                       np.isclose(ref_dist[i], kth[i], atol=1e-5).sum() == 1 for i in range(len(X))])
    assert untied.sum() > len(X) // 2
    assert all(set(idx[i, 1:]) | {i} == set(ref_idx[i]) | {i} for i in np.flatnonzero(untied))
    # another block shape: the same neighbours (a rounded similarity on a
    # rounding boundary may swap two near-ties), distances within rounding
    again_idx, again_dist = exact_cosine_knn(X, k, block=1024)
    assert (again_idx == idx).all(axis=1).mean() > 0.99
    np.testing.assert_allclose(again_dist, dist, atol=2e-6, rtol=0)


@pytest.mark.slow
def test_exact_knn_umap_lays_out_real_vectors_deterministically():
    """The UMAP of the topic model runs on the exact graph: the same layout
    twice, ``transform`` of the fitted data gives that layout, and another
    metric is refused."""
    import pytest

    from pipeline.topics.knn import exact_knn_umap

    X = _paragraph_vectors()[:600]
    runs = [exact_knn_umap(n_neighbors=10, n_components=2, min_dist=0.0, metric="cosine", random_state=1,
                           low_memory=False) for _ in range(2)]
    layouts = [u.fit_transform(X) for u in runs]
    assert layouts[0].shape == (len(X), 2)
    np.testing.assert_array_equal(layouts[0], layouts[1])
    np.testing.assert_array_equal(runs[0].transform(X), layouts[0])
    assert runs[0].knn_indices.shape == (len(X), 10)
    with pytest.raises(ValueError, match="cosine"):
        exact_knn_umap(metric="euclidean")
    # fewer rows than neighbours: left to UMAP, as before
    tiny = exact_knn_umap(n_neighbors=15, n_components=2, metric="cosine", random_state=1).fit(X[:10])
    assert tiny.embedding_.shape == (10, 2) and tiny.precomputed_knn == (None, None, None)
