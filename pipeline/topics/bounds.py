"""The topic model's settings bounded by the size of the corpus it gets.

``params.yaml`` sets the topic model for the full corpus (about 13,000
narrative passages). A new user's first day of collection holds a few, and
the same settings then break the fit (issue 16, part 4):

* UMAP's spectral initialisation asks ARPACK (``scipy.sparse.linalg.eigsh``)
  for ``n_components + 1`` eigenvectors with ``max(2k + 1, √N)`` Lanczos
  vectors, which needs ``N ≥ 2 (n_components + 1) + 1`` passages (else
  ``TypeError: Cannot use scipy.linalg.eigh for sparse A with k >= N``);
  UMAP needs ``2 ≤ n_neighbors < N``;
* HDBSCAN needs ``min_samples < N`` and ``2 ≤ min_cluster_size ≤ N``;
* scikit-learn's CountVectorizer raises ``max_df corresponds to < documents
  than min_df`` when ``max_df × n_docs < min_df``, and ``After pruning, no
  terms remain`` when no term is within both. BERTopic fits it on one
  document per topic (c-TF-IDF), so ``n_docs`` is the number of topics,
  not of passages.

:func:`too_small` says when the stage does not fit at all
(``topics.min_passages_to_fit``) or has nothing to fit (:func:`no_terms`);
:func:`bounded_params` bounds UMAP and
HDBSCAN by ``N``; :class:`BoundedCountVectorizer` bounds the document
frequencies by the documents of each fit. Settings that are valid for ``N``
are left as they are, so the full corpus gets exactly the configured model.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from sklearn.feature_extraction.text import CountVectorizer

#: Fewest passages a fit can work on: UMAP needs ``2 ≤ n_neighbors < N`` and
#: HDBSCAN two points per cluster, so 3 passages hold at most one cluster.
MIN_FITTABLE = 3


def too_small(params: dict[str, Any], n: int) -> str | None:
    """Why ``n`` passages are not fitted, or ``None`` when they are.

    Below ``topics.min_passages_to_fit`` (and below :data:`MIN_FITTABLE`,
    whatever the params) the stage fits nothing and writes every passage as
    an outlier.
    """
    floor = max(int(params.get("min_passages_to_fit", 0)), MIN_FITTABLE)
    if n < floor:
        return (f"{n} narrative passages, fewer than the {floor} needed to fit topics "
                f"(topics.min_passages_to_fit = {params.get('min_passages_to_fit', 0)}); "
                f"every passage is an outlier")
    return None


def no_terms(texts: list[str]) -> str | None:
    """Why ``texts`` cannot be fitted for want of words, or ``None``: not
    one holds a term of the topic model's vectorizer (only stop words, bare
    numbers, handles), so c-TF-IDF has no vocabulary."""
    from pipeline.topics.model import topic_vectorizer

    analyzer = topic_vectorizer({"min_df": 1}).build_analyzer()
    if texts and not any(analyzer(t) for t in texts):
        return f"none of the {len(texts)} narrative passages holds a word to model (stop words, numbers, handles)"
    return None


def bounded_params(params: dict[str, Any], n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``topics`` params with UMAP and HDBSCAN bounded by ``n`` passages.

    * ``umap.n_neighbors`` at most ``n - 1`` (at least 2);
    * ``umap.n_components`` at most ``n - 2`` (at least 1), and
      ``umap.init = "random"`` when ``n < 2 (n_components + 1) + 1`` or
      ``n ≤ n_neighbors + n_components + 1`` (ARPACK's need, see the module
      docstring, with a margin for the neighbour graph); else UMAP's
      ``"spectral"``;
    * ``hdbscan.min_cluster_size`` at most ``n // 2`` (so two clusters can
      form; at least 2), ``hdbscan.min_samples`` at most
      ``min(min_cluster_size, n - 1)``.

    Args:
        params: the ``topics`` section; not modified.
        n: passages to fit, at least :data:`MIN_FITTABLE`.

    Returns:
        ``(params, changed)``: a bounded copy, and ``{"umap.n_neighbors": 4,
        ...}`` for each setting that differs from the configured one (empty
        for the full corpus).

    Raises:
        ValueError: ``n < MIN_FITTABLE``.
    """
    if n < MIN_FITTABLE:
        raise ValueError(f"cannot fit topics on {n} passages (at least {MIN_FITTABLE})")
    out = copy.deepcopy(params)
    u, h = out["umap"], out["hdbscan"]
    u["n_neighbors"] = max(2, min(int(u["n_neighbors"]), n - 1))
    u["n_components"] = max(1, min(int(u["n_components"]), n - 2))
    spectral_ok = n >= 2 * (u["n_components"] + 1) + 1 and n > u["n_neighbors"] + u["n_components"] + 1
    u["init"] = u.get("init", "spectral") if spectral_ok else "random"
    h["min_cluster_size"] = max(2, min(int(h["min_cluster_size"]), n // 2))
    if h.get("min_samples") is not None:
        h["min_samples"] = max(1, min(int(h["min_samples"]), h["min_cluster_size"], n - 1))
    changed = {f"{section}.{key}": value for section in ("umap", "hdbscan") for key, value in out[section].items()
               if params[section].get(key, "spectral" if key == "init" else None) != value}
    return out, changed


def df_counts(min_df: float, max_df: float, n_docs: int) -> tuple[int, int]:
    """``(min_df, max_df)`` as document counts that are consistent for
    ``n_docs`` documents.

    Fractions become counts as scikit-learn computes them (``min_df``
    rounded up, ``max_df`` rounded down). When they are consistent
    (``1 ≤ min ≤ max``) they are kept. Otherwise ``max`` becomes at least 1
    (a single document: every term is in all documents) and ``min`` at most
    ``max``: a term must still be in no more than ``max_df`` of the documents,
    the rare-word floor gives way.
    """
    lo = min_df if isinstance(min_df, int) else math.ceil(min_df * n_docs)
    hi = max_df if isinstance(max_df, int) else math.floor(max_df * n_docs)
    lo, hi = max(1, int(lo)), int(hi)
    if lo <= hi:
        return lo, hi
    hi = max(1, min(hi, n_docs))
    return min(lo, hi), hi


class BoundedCountVectorizer(CountVectorizer):
    """A CountVectorizer whose ``min_df`` and ``max_df`` are made consistent
    with the documents of each fit (:func:`df_counts`), and relaxed when
    they leave no term: first ``min_df = 1``, then also ``max_df = 1.0``.

    The configured values stay in ``get_params()`` (and in BERTopic's saved
    model); the counts of the last fit are in ``df_used_``
    (``(min, max)`` document counts). Raises scikit-learn's ``ValueError``
    only when the documents hold no term at all (stop words, numbers).
    """

    def fit_transform(self, raw_documents: Any, y: Any = None) -> Any:
        docs = list(raw_documents)
        configured = self.min_df, self.max_df
        lo, hi = df_counts(self.min_df, self.max_df, len(docs))
        tries = [(lo, hi), (1, hi), (1, max(len(docs), 1))]
        try:
            for i, (self.min_df, self.max_df) in enumerate(tries):
                try:
                    X = super().fit_transform(docs, y)
                except ValueError as exc:
                    if i == len(tries) - 1 or "no terms remain" not in str(exc):
                        raise
                    continue
                self.df_used_ = (self.min_df, self.max_df)
                return X
        finally:
            self.min_df, self.max_df = configured
        raise AssertionError("unreachable")
