"""Topic-model helpers on real corpus text."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from pipeline.config import DEMO_CORPUS_DIR
from pipeline.topics import class_tfidf


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
