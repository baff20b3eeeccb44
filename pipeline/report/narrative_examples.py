"""Cited examples of each narrative for the report (issue 19): outlet, date,
URL and the evidence sentence.

An example is the evidence passage of a document carrying the narrative
(``doc_narratives.evidence_passage_id``), citable only (the passage's own
record has a URL and a date, ``passages.citable``), of a corpus document, and
not a labelled passage (its probability would be in-sample). Examples are
spread over outlets: each outlet's most probable passage first, then the
outlets' second ones, and so on (ties: ``p``, then ``passage_id``); a text
already cited for the narrative (same ``text_sha256``: reposts) is skipped.

The quote is the passage's sentence that shares the most content words with
the narrative's claim (table ``narrative_taxonomy``), in **bold**, with the
sentences around it up to :data:`QUOTE_CHARS` characters, cuts marked "…".
The classifier scores whole passages, so the bold sentence is a reading aid,
not the model's own choice; with no word in common the passage is quoted from
its start. Texts are quoted as stored (pseudonymised handles stay so), HTML
entities unescaped, a recap's own metadata after a Reddit title ("(Score: 214,
Comments: 84)") elided as "[…]" (:func:`pipeline.report.cells.without_recap_meta`).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import without_recap_meta

#: Characters of a quoted example (the bold sentence and its context).
QUOTE_CHARS = 320
_WORD = re.compile(r"[a-z][a-z-]{3,}")
#: Crude stem length: "security"/"cybersecurity" share no prefix, "censorship"/"censored" do.
_STEM = 6


def examples(con: Any, per_narrative: int = 3) -> pd.DataFrame:
    """Up to ``per_narrative`` cited examples per narrative (module docstring).

    Returns:
        Rows ``narrative, rank, doc_id, passage_id, p, text, outlet,
        source_type, url, published_at`` ordered by narrative and rank.
    """
    return workspace.query(con, """
        WITH c AS (
            SELECT dn.narrative, dn.doc_id, dn.evidence_passage_id AS passage_id, dn.p, p.text, p.text_sha256,
                   coalesce(d.outlet, d.platform) AS outlet, d.source_type, p.url, p.published_at
            FROM doc_narratives dn JOIN passages p ON p.passage_id = dn.evidence_passage_id
            JOIN corpus d ON d.doc_id = dn.doc_id
            WHERE p.citable AND dn.evidence_passage_id NOT IN
                  (SELECT passage_id FROM narrative_labels WHERE passage_id IS NOT NULL)
            QUALIFY row_number() OVER (PARTITION BY dn.narrative, p.text_sha256
                                       ORDER BY dn.p DESC, dn.evidence_passage_id) = 1),
        r AS (SELECT *, row_number() OVER (PARTITION BY narrative, outlet ORDER BY p DESC, passage_id) AS k
              FROM c)
        SELECT narrative, row_number() OVER (PARTITION BY narrative ORDER BY k, p DESC, passage_id) AS rank,
               doc_id, passage_id, p, text, outlet, source_type, url, published_at
        FROM r QUALIFY rank <= ? ORDER BY narrative, rank""", [per_narrative])


@lru_cache(maxsize=1)
def _splitter() -> Any:
    """spaCy's rule-based sentencizer on a blank English pipeline (no model to load)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _stems(text: str) -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return {w[:_STEM] for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def quote(text: str, claim: str, limit: int = QUOTE_CHARS) -> str:
    """The passage ``text`` as quoted in the report (module docstring).

    Args:
        text: the passage.
        claim: the narrative's claim (its content words pick the sentence).
        limit: characters of the quote, markup and ellipses excluded.

    Returns:
        Markdown: the sentences around the best one (best in ``**bold**``
        unless the passage is one sentence),
        "…" where the passage was cut; ``|`` escaped for a table cell.
    """
    text = without_recap_meta(" ".join(html.unescape(str(text)).split()))
    spans = [(s.start_char, s.end_char) for s in _splitter()(text).sents if s.text.strip()]
    sents = [text[a:b].strip() for a, b in spans]
    want = _stems(claim)
    scores = [len(_stems(s) & want) for s in sents]
    if not sents or max(scores) == 0:
        return _cut(text, limit).replace("|", "\\|")
    best = scores.index(max(scores))  # ties: the earlier sentence
    first = last = best
    used = len(sents[best])
    while True:  # grow the window one sentence at a time, after first, while it fits
        grown = False
        for j in (last + 1, first - 1):
            if 0 <= j < len(sents) and used + len(sents[j]) + 1 <= limit:
                used += len(sents[j]) + 1
                first, last = min(first, j), max(last, j)
                grown = True
                break
        if not grown:
            break
    best_text = _cut(sents[best], limit)
    if len(sents) > 1:  # a one-sentence passage is quoted plain
        core, tail = re.fullmatch(r"(.*?)([\s(\[{“‘\"']*)", best_text, re.S).groups()
        best_text = f"**{core}**{tail}" if core else best_text  # "**… closed-source?** (I think": not "(**"
    # the passage's own characters between the sentences (none after "(", one space after ".")
    body = (text[spans[first][0]:spans[best][0]] + best_text
            + (text[spans[best][1]:spans[last][1]] if last > best else ""))
    out = ("… " if first > 0 else "") + body.strip() + (" …" if last < len(sents) - 1 else "")
    return out.replace("|", "\\|")
