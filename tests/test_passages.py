"""Passages cut from real corpus documents (cleaned by the real clean stage)."""

from __future__ import annotations

import pytest

from pipeline.clean import clean
from pipeline.passages import (
    NARRATIVE_REASONS,
    PassageParams,
    SentenceSplitter,
    paragraph_spans,
    split_corpus,
    split_document,
)
from pipeline.relevance import RelevanceQuery


@pytest.fixture(scope="module")
def docs(corpus_slice, sources):
    from pipeline.config import load_params
    subset = [s for s in sources if s["id"] in ("ntia_open_weights", "x_deepseek", "whitehouse", "reddit_threads")]
    out, _ = clean(subset, load_params("clean", include=("relevance", "privacy")), manifest=[], root=corpus_slice)
    return [d for d in out if d.is_relevant and d.duplicate_of is None]


@pytest.fixture(scope="module")
def splitter():
    return SentenceSplitter()


@pytest.fixture(scope="module")
def query(clean_params_module):
    return RelevanceQuery.from_params(clean_params_module["relevance"])


@pytest.fixture(scope="module")
def clean_params_module():
    from pipeline.config import load_params
    return load_params("clean", include=("relevance", "privacy"))


def test_passages_are_exact_slices_within_the_cap(docs, splitter, query):
    params = PassageParams(max_words=120, min_words=25)
    long_docs = [d for d in docs if d.source == "ntia_open_weights"]
    assert long_docs, "the slice must hold NTIA comments"
    for d in long_docs:
        passages = list(split_corpus([(d.doc_id, d.source_type, d.text)], query=query, params=params,
                                     sentences=splitter))
        assert len(passages) > 5
        prev_end = 0
        for i, p in enumerate(passages):
            assert p.idx == i and p.passage_id == f"{d.doc_id}-{i:04d}"
            assert p.text == d.text[p.char_start:p.char_end]
            assert p.char_start >= prev_end
            assert p.n_words <= params.max_words
            assert p.narrative_reason in NARRATIVE_REASONS
            prev_end = p.char_end
        # nothing but whitespace is lost between passages
        covered = "".join(d.text[a.char_end:b.char_start] for a, b in zip(passages, passages[1:]))
        assert covered.strip() == ""
        assert any(p.in_narratives for p in passages)


def test_short_paragraphs_merge_with_the_next(docs, splitter):
    d = next(d for d in docs if d.source == "ntia_open_weights")
    params = PassageParams(max_words=120, min_words=25)
    spans = split_document(d.text, single=False, params=params, sentences=splitter)
    words = [len(d.text[a:b].split()) for a, b in spans]
    # a passage under min_words is only left when merging would break the cap
    for n, nxt in zip(words, words[1:] + [0]):
        assert n >= params.min_words or n + nxt > params.max_words or nxt == 0
    short_paragraphs = [1 for a, b in paragraph_spans(d.text) if len(d.text[a:b].split()) < params.min_words]
    assert sum(1 for n in words if n < params.min_words) < len(short_paragraphs)
    # the letterhead lines merge into the first passage
    assert spans[0][0] == paragraph_spans(d.text)[0][0] and spans[0][1] > paragraph_spans(d.text)[0][1]


def test_a_post_is_one_passage_and_enters_narratives(docs, splitter, query):
    posts = [d for d in docs if d.source_type in ("social", "forum")]
    assert posts
    passages = list(split_corpus([(d.doc_id, d.source_type, d.text) for d in posts], query=query,
                                 params=PassageParams(), sentences=splitter))
    assert len(passages) == len(posts)
    assert all(p.in_narratives and p.narrative_reason == "single" for p in passages)


def test_long_documents_send_at_most_the_quota_to_narratives(docs, splitter, query):
    params = PassageParams(max_words=60, min_words=10, narrative_threshold=0.3, max_narrative_passages=2)
    long_docs = [d for d in docs if d.source in ("ntia_open_weights", "whitehouse")]
    passages = list(split_corpus([(d.doc_id, d.source_type, d.text) for d in long_docs], query=query,
                                 params=params, sentences=splitter))
    by_doc: dict[str, list] = {}
    for p in passages:
        by_doc.setdefault(p.doc_id, []).append(p)
    capped = 0
    for doc_passages in by_doc.values():
        chosen = [p for p in doc_passages if p.in_narratives]
        assert 1 <= len(chosen) <= 2
        over = [p for p in doc_passages if p.narrative_reason == "over_document_cap"]
        capped += bool(over)
        # the chosen are at least as relevant as any passage left over the cap
        if over:
            assert min(p.relevance for p in chosen) >= max(p.relevance for p in over)
        for p in doc_passages:
            if p.narrative_reason == "relevant":
                assert p.relevance >= params.narrative_threshold
    assert capped, "some long comment must exceed the quota of 2 relevant passages"


def test_statistical_and_rule_sentences_both_cut_long_paragraphs(docs):
    d = max((d for d in docs if d.source == "ntia_open_weights"), key=lambda d: len(d.text))
    params = PassageParams(max_words=40, min_words=0)
    for method in ("sentencizer", "senter"):
        spans = split_document(d.text, single=False, params=params, sentences=SentenceSplitter(method=method))
        assert all(len(d.text[a:b].split()) <= 40 for a, b in spans)
    with pytest.raises(ValueError, match="sentencizer"):
        SentenceSplitter(method="regex")


def test_bad_passage_params_are_refused():
    with pytest.raises(ValueError, match="min_words"):
        PassageParams.from_params({"max_words": 10, "min_words": 20})
    with pytest.raises(ValueError, match="narrative_threshold"):
        PassageParams.from_params({"narrative_threshold": 2})

