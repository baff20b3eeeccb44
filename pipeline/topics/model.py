"""The BERTopic model: its configuration, the fit and the fitted topics.

Model (Grootendorst 2022, BERTopic): precomputed sentence embeddings → UMAP
(McInnes et al. 2018) on an exact cosine k-nearest-neighbour graph
(:mod:`pipeline.topics.knn`) → HDBSCAN (Campello et al. 2013) → a
CountVectorizer with English stop words and 1–2-grams → class-based TF-IDF
(c-TF-IDF) → KeyBERTInspired + maximal marginal relevance for the readable
label. Optional seed words make it guided BERTopic.

Outliers (HDBSCAN's topic -1) are reassigned with BERTopic's
``reduce_outliers(strategy="embeddings")``: an outlier passage joins the
topic whose embedding is most cosine-similar, if that similarity is at least
``topics.outliers.threshold``; the rest stay ``outlier``.

BERTopic, UMAP and HDBSCAN are imported inside the functions that need
them: a re-run that only assigns new passages to a kept fit
(:mod:`pipeline.topics.incremental`) imports none of them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.topics.bounds import BoundedCountVectorizer, bounded_params
from pipeline.topics.ctfidf import ctfidf_terms
from pipeline.topics.keys import TopicSignature
from pipeline.topics.knn import exact_knn_umap
from pipeline.topics.names import Names, name_free_token_pattern


def build_model(params: dict[str, Any], embedding_model: Any, names: Names | None = None) -> Any:
    """A BERTopic model configured from the ``topics`` params.

    Args:
        params: ``topics`` section: ``seed``, ``umap``, ``hdbscan``,
            ``vectorizer``, ``representation``, ``seed_topics`` and the
            optional ``ctfidf`` (``reduce_frequent_words``, default true;
            ``bm25_weighting``, default false: BERTopic's
            ``ClassTfidfTransformer``).
        embedding_model: the sentence-transformers model (used by
            KeyBERTInspired and guided topics; passages come pre-embedded).
        names: names kept out of the topic words (:func:`topic_vectorizer`).

    The params are used as given; :func:`fit_topics` bounds them by the
    corpus size first (:func:`~pipeline.topics.bounds.bounded_params`).
    """
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from bertopic.vectorizers import ClassTfidfTransformer
    from hdbscan import HDBSCAN

    seed = int(params["seed"])
    u, h, v, r = params["umap"], params["hdbscan"], params["vectorizer"], params["representation"]
    c = params.get("ctfidf") or {}
    return BERTopic(
        embedding_model=embedding_model,
        umap_model=exact_knn_umap(n_neighbors=u["n_neighbors"], n_components=u["n_components"],
                                  min_dist=u["min_dist"], metric="cosine", random_state=seed, low_memory=False,
                                  init=u.get("init", "spectral")),
        hdbscan_model=HDBSCAN(min_cluster_size=h["min_cluster_size"], min_samples=h.get("min_samples"),
                              metric="euclidean", cluster_selection_method=h.get("selection", "eom"),
                              prediction_data=True),
        vectorizer_model=topic_vectorizer(v, names),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=bool(c.get("reduce_frequent_words", True)),
                                           bm25_weighting=bool(c.get("bm25_weighting", False))),
        representation_model=[KeyBERTInspired(top_n_words=r["top_n_words"], random_state=seed),
                              MaximalMarginalRelevance(diversity=r["mmr_diversity"], top_n_words=r["top_n_words"])],
        seed_topic_list=params.get("seed_topics") or None,
        # zero-shot topics (a trial, benchmarks/discovery_trials.py; not in params.yaml)
        zeroshot_topic_list=params.get("zeroshot_topics") or None,
        zeroshot_min_similarity=float(params.get("zeroshot_min_similarity", 0.7)),
        top_n_words=r["top_n_words"],
        calculate_probabilities=False,
        verbose=False,
    )


#: Words: 2+ word characters, not a pseudonymised handle (``user_<10 hex>``,
#: see pipeline/normalise.py) and not a bare number.
TOKEN_PATTERN = r"(?u)\b(?!user_[0-9a-f]{6,}\b)(?!\d+\b)\w\w+\b"
#: Added to scikit-learn's English stop words: URL debris and retweet marks.
EXTRA_STOP_WORDS = ("http", "https", "www", "com", "amp", "rt", "t.co", "html", "utm")


def topic_vectorizer(params: dict[str, Any], names: Names | None = None) -> Any:
    """The CountVectorizer of the topic model: English stop words (scikit-learn's
    list plus :data:`EXTRA_STOP_WORDS`), 1–2-grams, :data:`TOKEN_PATTERN`
    (without the words of ``names``:
    :func:`~pipeline.topics.names.name_free_token_pattern`),
    ``min_df`` and ``max_df`` from ``topics.vectorizer``, made consistent with
    the number of documents of each fit
    (:class:`~pipeline.topics.bounds.BoundedCountVectorizer`: BERTopic fits it
    on one document per topic)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    pattern = TOKEN_PATTERN if names is None else name_free_token_pattern(TOKEN_PATTERN, names)
    return BoundedCountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | set(EXTRA_STOP_WORDS)), ngram_range=(1, 2),
                           token_pattern=pattern, min_df=params["min_df"], max_df=params.get("max_df", 1.0))


@dataclass
class Fit:
    """Result of :func:`fit_topics`.

    Attributes:
        model: the fitted BERTopic (``None`` for passages assigned to a
            previous fit, :func:`~pipeline.topics.incremental.assign_to_fit`).
        topics_before: HDBSCAN topic per passage (``-1`` = outlier).
        topics: topic per passage after outlier reduction.
        probability: HDBSCAN membership strength per passage (0 for outliers).
        assignment: per passage ``cluster`` (HDBSCAN), ``outlier_reduced``
            (reassigned by embedding), ``assigned`` (joined a previous fit's
            topic by embedding) or ``outlier``.
        vectorizer: the fitted CountVectorizer of the c-TF-IDF (``None``
            when nothing was fitted, :func:`unfitted`).
        bounded: the settings bounded by the corpus size
            (:func:`~pipeline.topics.bounds.bounded_params`), ``{}`` when
            none was.
    """

    model: Any
    topics_before: np.ndarray
    topics: np.ndarray
    probability: np.ndarray
    assignment: np.ndarray
    vectorizer: Any
    bounded: dict[str, Any] = field(default_factory=dict)


def unfitted(n: int) -> Fit:
    """The result for ``n`` passages that are not fitted (too few,
    :func:`~pipeline.topics.bounds.too_small`): every passage an outlier,
    strength 0, no model and no vectorizer."""
    outliers = np.full(n, -1, dtype=np.int64)
    return Fit(None, outliers, outliers.copy(), np.zeros(n), np.full(n, "outlier", dtype=object), None)


def fit_topics(texts: Sequence[str], embeddings: np.ndarray, params: dict[str, Any], embedding_model: Any,
               names: Names | None = None) -> Fit:
    """Fit BERTopic, reduce outliers and compute the topic representations
    (KeyBERTInspired, then MMR) on the final topics.

    Python's and NumPy's global generators are seeded with ``topics.seed``
    first, and UMAP gets ``random_state``, so a fit is reproducible. UMAP and
    HDBSCAN settings are bounded by ``len(texts)``
    (:func:`~pipeline.topics.bounds.bounded_params`, recorded in
    ``Fit.bounded``). When HDBSCAN finds no cluster, every passage stays an
    outlier (nothing to reduce them to) and the model has no topic.

    ``names`` are kept out of the topic words (:func:`topic_vectorizer`).

    Raises:
        ValueError: fewer than :data:`~pipeline.topics.bounds.MIN_FITTABLE`
            passages, or passages without a single term.
    """
    params, bounded = bounded_params(params, len(texts))
    seed = int(params["seed"])
    random.seed(seed)
    np.random.seed(seed)
    model = build_model(params, embedding_model, names)
    # KeyBERTInspired + MMR run once, on the final topics (update_topics below):
    # fit_transform's own representation would be replaced anyway (30 s on
    # 2 cores); its representative documents depend only on c-TF-IDF
    representation, model.representation_model = model.representation_model, None
    topics, probs = model.fit_transform(list(texts), embeddings)
    before = np.asarray(topics)
    after = before
    o = params["outliers"]
    if o.get("strategy", "embeddings") != "none" and (before == -1).any() and (before != -1).any():
        after = np.asarray(model.reduce_outliers(list(texts), list(before), strategy=o["strategy"],
                                                 embeddings=embeddings, threshold=o["threshold"]))
    random.seed(seed)
    np.random.seed(seed)
    model.update_topics(list(texts), topics=list(after), top_n_words=params["representation"]["top_n_words"],
                        vectorizer_model=model.vectorizer_model, ctfidf_model=model.ctfidf_model,
                        representation_model=representation)
    probability = np.where(before == -1, 0.0, np.asarray(probs, dtype=np.float64))
    assignment = np.where(before != -1, "cluster", np.where(after != -1, "outlier_reduced", "outlier"))
    return Fit(model, before, after, probability, assignment.astype(object), model.vectorizer_model, bounded)


def signatures(fit: Fit, embeddings: np.ndarray, n_terms: int) -> list[TopicSignature]:
    """Centroid, terms, size and label of each non-outlier topic, largest
    first (ties by topic id)."""
    out = []
    for topic_id in sorted(set(fit.topics.tolist()) - {-1}):
        mask = fit.topics == topic_id
        centroid = embeddings[mask].mean(axis=0).astype(np.float64)
        centroid /= np.linalg.norm(centroid) or 1.0
        terms = ctfidf_terms(fit.model, topic_id, n_terms)
        rep = [w for w, _ in fit.model.get_topic(topic_id) or []]
        out.append(TopicSignature(topic_id, centroid, terms, int(mask.sum()), topic_label(rep)))
    return sorted(out, key=lambda t: (-t.size, t.topic_id))


def _stems(term: str) -> frozenset[str]:
    """The words of a topic term with a plural ``s`` dropped (``"benchmarks"``
    → ``{"benchmark"}``; words of 3 letters or fewer and ``-ss`` kept)."""
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                     for w in term.split())


def topic_label(words: Sequence[str], n: int = 4) -> str:
    """A topic's label: its first ``n`` representation words (KeyBERTInspired
    + MMR order) that do not repeat one another, joined by ", ".

    A term whose words an earlier pick already has, singular or plural, is
    skipped (``deep research, deep`` → ``deep research``; ``benchmark,
    benchmarks`` → ``benchmark``); a term that holds an earlier pick's words
    takes that pick's place (``deep, deep research`` → ``deep research``).
    MMR (``representation.mmr_diversity``) scores terms by embedding, so it
    keeps such pairs.
    """
    picked: list[str] = []
    for word in words:
        stems = _stems(word)
        if not stems or any(stems <= _stems(p) for p in picked):
            continue
        covered = [i for i, p in enumerate(picked) if _stems(p) <= stems]
        if covered:
            picked[covered[0]] = word
            picked = [p for i, p in enumerate(picked) if i not in covered[1:]]
        else:
            picked.append(word)
        if len(picked) == n:
            break
    return ", ".join(picked)


def save_model(model: Any, path: Path, embedding_model_name: str) -> None:
    """Save BERTopic with safetensors (no pickle) to ``path``, replacing it."""
    import shutil

    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp), serialization="safetensors", save_ctfidf=True, save_embedding_model=embedding_model_name)
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)

