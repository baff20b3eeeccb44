"""One quote, counted once: the same words quoted in two sources.

An AINews issue page (source ``ainews_html``) holds the recap lines that the
recap file (``ainews_recaps``) holds one per document, so the quote finder
found 119 quotes twice, and 28 of them with two different speakers. A quote
whose words (punctuation, whitespace and case aside) repeat a quote of a document of
*another* source is the same report of the same words: it is kept once, in
the shorter document, the item rather than the digest that holds it (the
recap line, cited by its own post and date, rather than the issue page),
with its copies in that document's source. Repeats inside one source stay: they are separate publications (a
copy-paste campaign on X, a White House text posted twice), except the same words cited to the same
record (passage URL) in two documents: AINews' recap file summarises some Reddit threads on two days,
so 10 quotes were counted twice (session-24 review: Sam Altman's "the U.S. is underestimating China's
next-gen AI threat", 2025-08-19 and 2025-08-20); those are kept once, in the shorter document
(:func:`drop_same_record_repeats`). Repeats inside one document stay (a speaker saying the same words
twice in a transcript), except a restatement by the same speaker: an AINews recap record gives a post's
claim in its title and again in its summary ("OpenAI's Altman says the U.S. is underestimating China's
next-gen AI threat" then "OpenAI CEO Sam Altman stated that the U.S. is underestimating the threat …"),
which counted Sam Altman's and DeepSeek's words twice (session-29 review), and an AINews issue page
summarises one post in two channels' digests ("R1 was built on spare GPUs as a side project …" and "R1 was
merely a side project using spare GPUs …", both Liang Wenfeng's; session-31 review); the longer one is kept
(:func:`drop_restatements`).
"""

from __future__ import annotations

import pandas as pd


def drop_cross_source_repeats(quotes: pd.DataFrame, passages: pd.DataFrame,
                              documents: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """``quotes`` without the repeats of a quote of another source.

    Args:
        quotes: the ``quotes`` rows (``quote_id``, ``doc_id``, ``quote_text``, …).
        passages: the passages read, with ``doc_id`` and ``source``.
        documents: ``doc_id → documents.text`` (its length ranks the copies).

    Returns:
        ``(kept, n_dropped)``: the rows in their order, less, for a text
        found in more than one source, its copies in the sources other than
        that of its shortest document (ties: the smallest ``quote_id``);
        ``n_dropped`` counts the rows left out.
    """
    if quotes.empty:
        return quotes, 0
    source = passages.drop_duplicates("doc_id").set_index("doc_id")["source"]
    frame = _keyed(quotes, documents).assign(source=quotes["doc_id"].map(source), quote_id=quotes["quote_id"])
    shared = frame.groupby("key")["source"].transform("nunique") > 1
    best = frame[shared].sort_values(["length", "quote_id"]).drop_duplicates("key").set_index("key")["source"]
    drop = frame.index[shared & (frame["source"] != frame["key"].map(best))]
    return quotes.drop(index=drop), len(drop)


def drop_same_record_repeats(quotes: pd.DataFrame, passages: pd.DataFrame,
                             documents: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """``quotes`` without the repeats of a quote cited to the same record in
    another document (module docstring).

    Args:
        quotes: the ``quotes`` rows (``quote_id``, ``doc_id``, ``passage_id``,
            ``quote_text``, …).
        passages: the passages read, with ``passage_id`` and ``url`` (the
            passage's own record's URL; ``None`` when it has none).
        documents: ``doc_id → documents.text`` (its length ranks the copies).

    Returns:
        ``(kept, n_dropped)``: the rows in their order, less, for a text and
        URL found in more than one document, its copies outside the shortest
        such document (ties: the smallest ``doc_id``); quotes of passages
        without a URL are all kept.
    """
    if quotes.empty:
        return quotes, 0
    frame = _keyed(quotes, documents).assign(url=quotes["passage_id"].map(passages.set_index("passage_id")["url"]),
                                             doc_id=quotes["doc_id"])
    frame = frame[frame["url"].notna()]
    shared = frame.groupby(["key", "url"])["doc_id"].transform("nunique") > 1
    keep = (frame[shared].sort_values(["length", "doc_id"]).groupby(["key", "url"])["doc_id"].transform("first")
            .reindex(frame.index))
    drop = frame.index[shared & (frame["doc_id"] != keep)]
    return quotes.drop(index=drop), len(drop)


#: Share of a quote's words that must recur in a longer quote of the same speaker and document for it to be a
#: restatement: 7 of the 8 words of Altman's title quote recur in the summary's, 7 of 9 of DeepSeek's.
RESTATED = 0.7


def drop_restatements(quotes: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``quotes`` without a quote that restates a longer quote of the same
    named speaker in the same document (module docstring): at least
    :data:`RESTATED` of its distinct words (case and punctuation aside) are
    words of the longer one (of two as long, the one later in the text is dropped). Quotes of ``unknown`` speakers and
    transcript turns are all kept. Until session 33 only restatements in one passage were dropped (3 quotes);
    over the build of 5be72ca the document as the unit drops 14, 11 of them in other passages of the document.

    Args:
        quotes: the ``quotes`` rows (``doc_id``, ``speaker_actor``, ``cue``, ``quote_text``, ``start_char``, …).

    Returns:
        ``(kept, n_dropped)``: the rows in their order, less the restatements.
    """
    drop = []
    named = quotes[(quotes["speaker_actor"] != "unknown") & (quotes["cue"] != "transcript")]
    for _, group in named.groupby(["doc_id", "speaker_actor"], sort=False):
        if len(group) < 2:
            continue
        words = {i: set(k.split()) for i, k in _keyed(group, {})["key"].items()}
        start = group["start_char"].to_dict()
        for i in group.index:
            rank = (len(words[i]), -start[i], -i)  # longer, then earlier in the text, wins
            longer = [j for j in group.index if j != i and (len(words[j]), -start[j], -j) > rank]
            if words[i] and any(len(words[i] & words[j]) >= RESTATED * len(words[i]) for j in longer):
                drop.append(i)
    return quotes.drop(index=drop), len(drop)


def _keyed(quotes: pd.DataFrame, documents: dict[str, str]) -> pd.DataFrame:
    """``key`` (the quote's words: punctuation, whitespace and case aside, so
    “Fenghua No.3,” and "Fenghua No.3" are one; session-24 review) and
    ``length`` (its document's characters, which rank the copies), on
    ``quotes``' index."""
    words = quotes["quote_text"].str.replace(r"[^\w\s]", " ", regex=True).str.split().str.join(" ")
    return pd.DataFrame({"key": words.str.casefold(),
                         "length": quotes["doc_id"].map(lambda d: len(documents.get(d, "")))}, index=quotes.index)
