"""c-TF-IDF of the topic terms (pipeline/topics/ctfidf.py), on real corpus text."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from pipeline.config import DEMO_CORPUS_DIR
from pipeline.topics.ctfidf import class_tfidf


def _essays() -> list[str]:
    files = sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:12]
    assert len(files) >= 6, "the shipped corpus has markdown essays"
    return [f.read_text(encoding="utf-8") for f in files]


def test_class_tfidf_equals_bertopics_transformer_on_essays():
    """The c-TF-IDF written out for period terms gives BERTopic's weights
    (reduce_frequent_words=True), terms absent from every class included."""
    from bertopic.vectorizers import ClassTfidfTransformer

    essays = _essays()
    # the vocabulary comes from all essays, the classes from a subset, so
    # some terms have df = 0, as in a month without them
    vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=2).fit(essays)
    classes = [" ".join(essays[i:i + 3]) for i in range(0, 9, 3)]
    counts = vectorizer.transform(classes)
    assert (np.asarray(counts.sum(axis=0)).ravel() == 0).any()
    with np.errstate(divide="ignore"):
        expected = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(counts).toarray()
    expected = np.nan_to_num(expected, nan=0.0, posinf=0.0, neginf=0.0)
    got = class_tfidf(counts)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    # the top terms per class, the table's content, are the same
    assert [list(np.argsort(-r, kind="stable")[:10]) for r in got] == \
        [list(np.argsort(-r, kind="stable")[:10]) for r in expected]


def test_period_terms_see_only_their_month():
    """A month's topic terms come from that month's passages of the topic,
    and do not change when other months are added (no leak across months)."""
    from pipeline.topics.ctfidf import period_terms

    paragraphs = [p for e in _essays() for p in e.split("\n\n") if len(p.split()) >= 8]
    keys = [f"N-{i % 3:02d}" for i in range(len(paragraphs))]
    months = ["2024-01" if i % 2 else "2024-02" for i in range(len(paragraphs))]
    months[5] = None  # an undated passage counts in no month
    vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=2).fit(paragraphs)
    terms = period_terms(paragraphs, keys, months, vectorizer, 10)
    assert set(terms) == {(k, m) for k, m in zip(keys, months) if m is not None}
    for (key, month), words in terms.items():
        assert 0 < len(words) <= 10
        tokens = set(vectorizer.build_analyzer()(" ".join(p for p, k, m in zip(paragraphs, keys, months)
                                                          if k == key and m == month)))
        assert set(words) <= tokens, (key, month)
    january = [i for i, m in enumerate(months) if m == "2024-01"]
    alone = period_terms([paragraphs[i] for i in january], [keys[i] for i in january],
                         [months[i] for i in january], vectorizer, 10)
    assert alone == {k: v for k, v in terms.items() if k[1] == "2024-01"}
