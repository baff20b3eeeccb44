"""UMAP on an exact cosine k-nearest-neighbour graph.

UMAP (McInnes et al. 2018) builds its neighbour graph with an approximate
search, NN-descent, which numba compiles in every process: 50 s of a 70 s
UMAP on 2 cores. The topic model's UMAP (:func:`exact_knn_umap`) is given the
exact graph instead (:func:`exact_cosine_knn`, NumPy only), as UMAP's
``precomputed_knn``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def exact_cosine_knn(X: np.ndarray, k: int, *, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row of ``X`` by cosine distance.

    Rows are L2-normalised (zero rows stay zero); similarities are computed
    ``block`` rows at a time (about ``16 × block × n`` bytes at once: the
    similarities, their negation and ``argpartition``'s int64 indices), so
    time grows with ``n² d``. Each row's own index comes first, at distance
    0; the others follow by increasing distance (similarities rounded to 6
    decimals), ties in order of index. Among candidates tied at the k-th
    distance (exact duplicates), ``argpartition`` chooses, the same way for
    the same input. The same ``block`` gives the same result; another
    ``block`` can differ where a rounded similarity crosses a rounding
    boundary.

    Args:
        X: ``(n, d)`` vectors, any norm.
        k: neighbours per row, the row itself included (UMAP's
            ``n_neighbors``); at most ``n``.

    Returns:
        ``(indices, distances)``: ``(n, k)`` int64 and ``(n, k)`` float32
        cosine distances ``1 - cos`` clipped to [0, 2], the layout of UMAP's
        ``precomputed_knn`` (McInnes et al. 2018, umap-learn docs
        "Precomputed k-nn").

    Raises:
        ValueError: ``k`` is not in ``1..n``.
    """
    n = len(X)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n}, got {k}")
    V = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    V = V / np.where(norms == 0, 1, norms)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block):
        rows = np.arange(start, min(start + block, n))
        # rounded to 1e-6 (float32 resolution near 1 is 6e-8): sums of the
        # matrix product differ in the last bits with the block shape, and
        # rounding makes such near-ties exact ties, broken by index
        sim = np.round(V[rows] @ V.T, 6)
        sim[np.arange(len(rows)), rows] = np.inf  # the row itself first
        part = np.argpartition(-sim, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (len(rows), 1))
        part_sim = np.take_along_axis(sim, part, axis=1)
        order = np.lexsort((part, -part_sim), axis=1)  # by similarity, then by index
        indices[rows] = np.take_along_axis(part, order, axis=1)
        best = np.take_along_axis(part_sim, order, axis=1)
        best[:, 0] = 1.0
        distances[rows] = np.clip(1.0 - best, 0.0, 2.0)
    return indices, distances


def exact_knn_umap(**params: Any) -> Any:
    """A ``umap.UMAP`` (``params`` as its constructor's) whose ``fit`` builds
    its k-nearest-neighbour graph with :func:`exact_cosine_knn` on the data
    it is given (the embeddings after guided BERTopic's nudging), passed as
    ``precomputed_knn`` (data with no more rows than ``n_neighbors`` is left
    to UMAP). The metric must be ``"cosine"``. The class is local: the
    model cannot be pickled (BERTopic's safetensors save does not keep it).
    ``transform`` of new data is unavailable (no search index); the stage
    never needs it, since new passages join topics by embedding
    (:func:`~pipeline.topics.incremental.assign_to_fit`). ``transform`` of the fitted data returns the
    fitted layout.

    Raises:
        ValueError: another metric.
    """
    import warnings

    from umap import UMAP

    if params.get("metric") != "cosine":
        raise ValueError(f"exact_knn_umap needs metric='cosine', got {params.get('metric')!r}")

    class ExactKnnUMAP(UMAP):
        def fit(self, X: Any, y: Any = None, *args: Any, **kwargs: Any) -> Any:
            if len(X) > self.n_neighbors:  # else UMAP's own handling (a warning, fewer neighbours)
                self.precomputed_knn = (*exact_cosine_knn(np.asarray(X), self.n_neighbors), None)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
                return super().fit(X, y, *args, **kwargs)

    return ExactKnnUMAP(**params)
