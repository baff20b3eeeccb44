"""Quality figures of a fit (pipeline/topics/quality.py), on real corpus text."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.config import DEMO_CORPUS_DIR
from pipeline.topics.keys import TopicSignature
from pipeline.topics.model import Fit, topic_vectorizer
from pipeline.topics.quality import diversity, fit_quality, npmi_coherence


def test_diversity():
    assert diversity([["a", "b"], ["b", "c"]]) == 0.75
    assert diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert diversity([]) == 0.0


def test_fit_quality_of_a_fit_on_essay_paragraphs():
    """NPMI over the fit's own analyzer; words that go together in the
    essays score higher than words from different essays."""
    files = sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:12]
    texts = [p for f in files for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.split()) >= 8]
    vectorizer = topic_vectorizer({"min_df": 2}).fit(texts)
    analyzer = vectorizer.build_analyzer()
    topics_before = np.array([-1, 0, 1] * (len(texts) // 3) + [-1] * (len(texts) % 3))
    topics = np.where(np.arange(len(texts)) % 6 == 0, 0, topics_before)
    fit = Fit(None, topics_before, topics, np.zeros(len(texts)), np.array(["cluster"] * len(texts), dtype=object),
              vectorizer)
    sigs = [TopicSignature(0, np.ones(2), ["open", "source", "models"], 10),
            TopicSignature(1, np.ones(2), ["open", "weights", "release"], 5)]
    events = [{"event": "matched"}, {"event": "created"}, {"event": "created"}, {"event": "retired"}]
    q = fit_quality(fit, sigs, texts, events)
    assert q["diversity"] == round(5 / 6, 4)
    assert q["npmi"] == round(npmi_coherence([s.terms for s in sigs], texts, analyzer), 4)
    assert -1 <= q["npmi"] <= 1
    assert q["outlier_share_before"] == round(float((topics_before == -1).mean()), 4) > q["outlier_share_after"]
    assert (q["keys_matched"], q["keys_created"], q["keys_retired"]) == (1, 2, 1)
    assert math.isnan(npmi_coherence([["zzzunseen", "qqqunseen"]], texts, analyzer))


@pytest.mark.parametrize("terms", [["open", "source"], ["open source", "source"]])
def test_npmi_counts_bigram_terms_as_tokens(terms):
    """A 2-gram term is a token of the model's analyzer (else the topic would
    keep one term and NPMI would be ``nan``)."""
    files = sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:12]
    texts = [p for f in files for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.split()) >= 8]
    analyzer = topic_vectorizer({"min_df": 1}).build_analyzer()
    score = npmi_coherence([terms], texts, analyzer)
    assert not math.isnan(score) and -1 <= score <= 1
