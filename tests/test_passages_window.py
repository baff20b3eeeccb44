"""Passages fit the encoder's window (issue 16, part 3): cut with the
encoder's own tokenizer, on real posts, a real Chinese clipping and a
pathological one-sentence text built from real corpus text."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pipeline.clean import clean
from pipeline.config import load_params
from pipeline.encoder import TokenWindow, encode, load_encoder, load_window
from pipeline.passages import PassageParams, SentenceSplitter, split_corpus, split_document
from pipeline.relevance import RelevanceQuery


@pytest.fixture(scope="module")
def window():
    return load_window(load_params("encoder")["model"])


@pytest.fixture(scope="module")
def encoder():
    return load_encoder(load_params("encoder")["model"])


@pytest.fixture(scope="module")
def docs(corpus_slice, sources):
    params = load_params("clean", include=("relevance", "privacy"))
    subset = [s for s in sources if s["id"] in ("x_deepseek", "clippings", "ntia_open_weights")]
    out, _ = clean(subset, params, manifest=[], root=corpus_slice)
    return [d for d in out if d.duplicate_of is None]


@pytest.fixture(scope="module")
def splitter():
    return SentenceSplitter()


@pytest.fixture(scope="module")
def query():
    return RelevanceQuery.from_params(load_params("relevance"))


def assert_fitting_slices(text, passages, window):
    """Every passage is ``text[char_start:char_end]``, within the window, in
    order, and only whitespace lies between them."""
    assert passages
    counts = window.counts([p.text for p in passages])
    assert max(counts) <= window.limit
    prev = 0
    for p in passages:
        assert p.text == text[p.char_start:p.char_end] and p.char_start >= prev
        assert text[prev:p.char_start].strip() == ""
        prev = p.char_end
    assert text[prev:].strip() == ""


def test_the_window_is_the_encoders(window, encoder):
    assert window.size == encoder.max_seq_length == 256
    assert window.limit == 254  # [CLS] and [SEP]
    text = "DeepSeek-R1 出口管制 unbelievably open-weight models"
    assert window.counts([text]) == [len(encoder.tokenizer(text)["input_ids"]) - 2]


def test_a_long_post_becomes_parts_whose_tails_count(docs, window, encoder, splitter, query):
    """Two long posts (real posts of the X export joined into one, as a
    thread reads) that differ only after the first 256 word pieces: cut
    whole, the encoder gives them the same vector; cut to the window, all
    their parts enter the narratives and the posts' mean vectors differ."""
    posts = sorted((d.text for d in docs if d.source == "x_deepseek"), key=len, reverse=True)
    head = ""
    for text in posts[2:]:
        if window.counts([head])[0] > 300:
            break
        head += text + " "
    a_text, b_text = head + posts[0], head + posts[1]
    params = PassageParams()
    assert len(a_text.split()) <= 4 * params.max_words  # a post of this length used to be one passage
    old = list(split_corpus([("a", "social", a_text)], query=query, params=params, sentences=splitter))
    assert len(old) == 1 and window.counts([old[0].text])[0] > window.limit

    whole = encode(encoder, [a_text, b_text], batch_size=8)
    assert float(whole[0] @ whole[1]) > 0.999999  # the issue: the tails are not read

    doc_vectors = []
    for doc_id, text in (("a", a_text), ("b", b_text)):
        passages = list(split_corpus([(doc_id, "social", text)], query=query, params=params, sentences=splitter,
                                     window=window))
        assert len(passages) >= 2
        assert_fitting_slices(text, passages, window)
        assert all(p.in_narratives and p.narrative_reason == "post_part" for p in passages)
        vectors = encode(encoder, [p.text for p in passages], batch_size=8)
        mean = vectors.mean(axis=0)
        doc_vectors.append(mean / np.linalg.norm(mean))
    assert float(doc_vectors[0] @ doc_vectors[1]) < 0.999


def test_a_short_post_is_still_one_passage(docs, window, splitter, query):
    posts = [d for d in docs if d.source == "x_deepseek"]
    passages = list(split_corpus([(d.doc_id, d.source_type, d.text) for d in posts], query=query,
                                 params=PassageParams(), sentences=splitter, window=window))
    assert len(passages) == len(posts)
    assert all(p.narrative_reason == "single" for p in passages)


def test_chinese_clipping_is_cut_at_its_sentences(docs, window, splitter, query):
    """The wallstreetcn clipping has about 100 "words" (no spaces in Chinese)
    but over 1,000 word pieces: the word cap left it whole."""
    doc = next(d for d in docs if d.source == "clippings" and "。" in d.text)
    params = PassageParams()
    assert len(doc.text.split()) <= params.max_words and window.counts([doc.text])[0] > 4 * window.limit
    assert split_document(doc.text, single=False, params=params, sentences=splitter) == [(0, len(doc.text))]

    passages = list(split_corpus([(doc.doc_id, doc.source_type, doc.text)], query=query, params=params,
                                 sentences=splitter, window=window))
    assert len(passages) >= 5
    assert_fitting_slices(doc.text, passages, window)
    # cut where a sentence or a paragraph ends, not inside a sentence
    for p in passages[:-1]:
        after = doc.text[p.char_end:p.char_end + 2]
        assert re.search(r"[。！？」”）]$", p.text) or after.startswith("\n"), p.text[-20:]


@pytest.mark.parametrize("kind", ["spaced", "unspaced"])
def test_one_sentence_of_2000_word_pieces(docs, window, splitter, query, kind):
    """No sentence boundary at all: cut at word pieces, nothing lost."""
    if kind == "spaced":  # the words of a real NTIA comment, without sentence punctuation
        source = max((d.text for d in docs if d.source == "ntia_open_weights"), key=len)
        text = re.sub(r"[.!?;:\n]+", " ", source)
    else:  # the Chinese clipping's characters, without punctuation or spaces
        source = next(d.text for d in docs if d.source == "clippings" and "。" in d.text)
        text = re.sub(r"[\s\W]+", "", source) * 2
    n = window.counts([text])[0]
    text = text[:int(len(text) * 2000 / n)] if n > 2000 else text
    assert window.counts([text])[0] >= 1500
    for doc_type in ("news", "social"):
        passages = list(split_corpus([("x", doc_type, text)], query=query, params=PassageParams(),
                                     sentences=splitter, window=window))
        assert_fitting_slices(text, passages, window)
        assert len(passages) >= -(-window.counts([text])[0] // window.limit)


def test_documents_within_the_window_keep_their_passages(docs, window, splitter):
    """The word cap still packs ordinary English text: a document none of
    whose word-cut passages is over the window is cut exactly as before."""
    params = PassageParams()
    kept = 0
    for d in docs:
        if "。" in d.text:
            continue
        old = split_document(d.text, single=d.source_type == "social", params=params, sentences=splitter)
        if max(window.counts([d.text[a:b] for a, b in old])) <= window.limit:
            assert split_document(d.text, single=d.source_type == "social", params=params, sentences=splitter,
                                  window=window) == old
            kept += 1
    assert kept > 20


def test_the_passage_cache_key_covers_the_tokenizer(tmp_path, docs, window, splitter, query):
    from pipeline.embed import split_cached

    triples = [(d.doc_id, d.source_type, d.text) for d in docs[:3]]
    kwargs = dict(query=query, pparams=PassageParams(), sentences=splitter, params={}, relevance_params={},
                  cache_dir=tmp_path, progress=False)
    names = []
    for w in (window, TokenWindow(window.tokenizer, 128, window.model),
              TokenWindow(window.tokenizer, 256, "another-model"), window):
        split_cached(triples, window=w, **kwargs)
        names.append(sorted(p.name for p in tmp_path.iterdir()))
    # one store file per digest (a new digest deletes the old file): window size and model are in it
    assert all(len(n) == 1 for n in names)
    assert len({n[0] for n in names[:3]}) == 3 and names[3] == names[0]
