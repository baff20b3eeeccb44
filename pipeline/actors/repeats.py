"""One quote, counted once: the same words quoted in two sources.

An AINews issue page (source ``ainews_html``) holds the recap lines that the
recap file (``ainews_recaps``) holds one per document, so the quote finder
found 119 quotes twice, and 28 of them with two different speakers. A quote
whose text (whitespace and case aside) repeats a quote of a document of
*another* source is the same report of the same words: it is kept once, in
the shorter document, the item rather than the digest that holds it (the
recap line, cited by its own post and date, rather than the issue page),
with its copies in that document's source. Repeats inside one source stay: they are separate publications (a
copy-paste campaign on X, a White House text posted twice).
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
    key = quotes["quote_text"].str.split().str.join(" ").str.casefold()
    frame = pd.DataFrame({"key": key, "source": quotes["doc_id"].map(source),
                          "length": quotes["doc_id"].map(lambda d: len(documents.get(d, ""))),
                          "quote_id": quotes["quote_id"]}, index=quotes.index)
    shared = frame.groupby("key")["source"].transform("nunique") > 1
    best = frame[shared].sort_values(["length", "quote_id"]).drop_duplicates("key").set_index("key")["source"]
    drop = frame.index[shared & (frame["source"] != frame["key"].map(best))]
    return quotes.drop(index=drop), len(drop)
