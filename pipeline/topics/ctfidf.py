"""Class-based TF-IDF (c-TF-IDF) terms of the topics, overall and per month.

:func:`ctfidf_terms` reads a topic's terms from the fitted BERTopic.
Topic words of a month (``topics_over_time.top_terms_period``) are computed
from that month's passages only (:func:`period_terms`): c-TF-IDF fitted on
the month's topic-by-term counts, so no word leaks in from other months
(BERTopic #983, #688). :func:`class_tfidf` writes BERTopic's weighting out
so that this needs no BERTopic import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


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
    import BERTopic (15 s on 2 cores); ``tests/test_topics_ctfidf.py`` checks it
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
