"""Quality figures of a fit: NPMI coherence, topic diversity, outlier shares,
key events (the fit's part of ``metrics/topics.json``) and the share of
label words that are names (:func:`label_names`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.topics.keys import TopicSignature
from pipeline.topics.model import Fit
from pipeline.topics.names import Names, name_share


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


def label_names(sigs: Sequence[TopicSignature], names: Names | None) -> dict[str, Any]:
    """The share of the topics' label words that are names of companies,
    labs, models or products (:func:`pipeline.topics.names.name_share`;
    issue 19 asks for at most 0.20).

    Returns:
        ``label_name_share`` (4 decimals; ``None`` without names or label
        words), ``label_name_words`` and ``label_words`` (counts).
    """
    if names is None:
        return {"label_name_share": None, "label_name_words": None, "label_words": None}
    share, n, total = name_share([s.label for s in sigs], names)
    return {"label_name_share": share, "label_name_words": n, "label_words": total}


def fit_quality(fit: Fit, sigs: list[TopicSignature], texts: Sequence[str],
                key_events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a fit that later runs keep while they only assign new
    passages to it (stored with the fit, :mod:`pipeline.topics.incremental`).

    Args:
        fit: a fit of :func:`~pipeline.topics.model.fit_topics`.
        sigs: its topics (:func:`~pipeline.topics.model.signatures`); their
            terms are the top words of NPMI and diversity.
        texts: the passages fitted, as given to the fit.
        key_events: the key events of the fit
            (:attr:`~pipeline.topics.keys.KeyRegistry.last_events`).

    Returns:
        ``npmi`` and ``diversity`` (:func:`npmi_coherence`, :func:`diversity`,
        4 decimals; ``npmi`` is ``None`` when no topic has two terms),
        ``outlier_share_before`` and ``outlier_share_after``
        (share of passages in topic -1 before and after outlier reduction,
        4 decimals), ``keys_matched``, ``keys_created``, ``keys_retired``
        (counts of the events).
    """
    term_lists = [s.terms for s in sigs]
    events = Counter(e["event"] for e in key_events)
    npmi = npmi_coherence(term_lists, texts, fit.vectorizer.build_analyzer())
    return {"npmi": None if np.isnan(npmi) else round(npmi, 4),  # None: no topic (metrics stay valid JSON)
            "diversity": round(diversity(term_lists), 4),
            "outlier_share_before": round(float((fit.topics_before == -1).mean()), 4),
            "outlier_share_after": round(float((fit.topics == -1).mean()), 4),
            "keys_matched": events["matched"], "keys_created": events["created"],
            "keys_retired": events["retired"]}
