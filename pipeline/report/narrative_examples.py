"""Cited examples of each narrative for the report (issue 19): outlet, date,
URL and the evidence sentence.

Examples are read passages first: labelled passages whose reader gave them
the narrative (table ``narrative_labels``, the passage still in the corpus
as labelled: match ``exact`` or ``within``), quoted with the reader's
evidence sentence in **bold** and the annotator named. The classifier can
cite a passage that does not state the claim (about a third of its examples
in the session-24 review), so a reader's passage is what an analyst should
quote. Where fewer than ``per_narrative`` read passages are citable, the
model's examples follow: the evidence passage of a document carrying the
narrative (``doc_narratives.evidence_passage_id``), not a labelled passage
(its probability would be in-sample), with ``p``. Only citable passages (the
passage's own record has a URL and a date, ``passages.citable``) of corpus
documents; within each kind examples are spread over outlets (each outlet's
most probable, or for read ones most recent, passage first, then the
outlets' second ones, and so on; ties: ``passage_id``); a text already cited
for the narrative (same ``text_sha256``: reposts) is skipped, and a passage
already cited for an earlier narrative (taxonomy order) comes after the
others of its kind (session-31 review: one AINews line was the example of
three narratives, and 39 examples held 33 passages), and so, after it, does
a passage of a document already cited, for this narrative or an earlier one
(session-32 review: 11 of the 39 examples came from 5 documents).

The bold sentence of a model example is the passage's sentence that shares
the most content words with the narrative's claim (table
``narrative_taxonomy``), with the sentences around it up to
:data:`QUOTE_CHARS` characters, cuts marked "…". The classifier scores whole
passages, so that bold sentence is a reading aid, not the model's own choice;
with no word in common the passage is quoted from its start. A read
example bolds the reader's evidence words themselves and grows the excerpt
around them; where the passage does not hold them verbatim, the sentence
sharing the most content words with them. Texts are quoted as stored (pseudonymised handles
stay so), HTML entities unescaped, a recap's own metadata after a Reddit title
("(Score: 214, Comments: 84)") elided as "[…]"
(:func:`pipeline.report.cells.without_recap_meta`).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import cut_words, without_recap_meta

#: Characters of a quoted example (the bold sentence and its context).
QUOTE_CHARS = 320
_WORD = re.compile(r"[a-z][a-z-]{3,}")
#: Crude stem length: "security"/"cybersecurity" share no prefix, "censorship"/"censored" do.
_STEM = 6


def examples(con: Any, per_narrative: int = 3) -> pd.DataFrame:
    """Up to ``per_narrative`` cited examples per narrative (module docstring):
    read passages first, then the model's.

    Returns:
        Rows ``narrative, rank, doc_id, passage_id, p, text, outlet,
        source_type, url, published_at, annotator, evidence, window_end`` ordered by
        the narrative's taxonomy position and rank; a read example has ``annotator`` and the reader's
        ``evidence`` sentence (``None`` if the label gives none) and no ``p``,
        a model example ``p`` and no ``annotator``.
    """
    cands = workspace.query(con, """
        WITH read AS (
            SELECT l.passage_id, l.doc_id, l.annotator, unnest(l.narratives) AS narrative,
                   unnest(l.evidence) AS evidence
            FROM narrative_labels l WHERE l.passage_id IS NOT NULL AND l.match IN ('exact', 'within')),
        c AS (
            SELECT r.narrative, r.doc_id, r.passage_id, NULL::DOUBLE AS p, 0 AS src, r.annotator,
                   nullif(r.evidence, '') AS evidence
            FROM read r
            UNION ALL
            SELECT dn.narrative, dn.doc_id, dn.evidence_passage_id, dn.p, 1, NULL, NULL
            FROM doc_narratives dn
            WHERE dn.evidence_passage_id NOT IN
                  (SELECT passage_id FROM narrative_labels WHERE passage_id IS NOT NULL)),
        t AS (
            SELECT c.*, p.text, p.text_sha256, coalesce(d.outlet, d.platform) AS outlet, d.source_type, p.url,
                   p.published_at, we.window_end
            FROM c JOIN passages p ON p.passage_id = c.passage_id JOIN corpus d ON d.doc_id = c.doc_id
            LEFT JOIN report_window_ends we ON we.doc_id = c.doc_id
            WHERE p.citable
            QUALIFY row_number() OVER (PARTITION BY c.narrative, p.text_sha256
                                       ORDER BY c.src, c.p DESC, p.published_at DESC, c.passage_id) = 1),
        r AS (SELECT *, row_number() OVER (PARTITION BY narrative, src, outlet
                                           ORDER BY p DESC, published_at DESC, passage_id) AS k
              FROM t)
        SELECT narrative, src, row_number() OVER (PARTITION BY narrative
                                                  ORDER BY src, k, p DESC, published_at DESC, passage_id) AS rank,
               doc_id, passage_id, p, text, outlet, source_type, url, published_at, annotator, evidence, window_end
        FROM r ORDER BY narrative, rank""")
    order = dict(con.execute("SELECT narrative, position FROM narrative_taxonomy").fetchall())
    used: set[str] = set()
    used_docs: set[str] = set()
    chosen = []
    for narrative in sorted(cands["narrative"].unique(), key=lambda n: (order.get(n, len(order)), n)):
        rows = list(cands[cands["narrative"] == narrative].itertuples(index=False))
        picked: list[Any] = []
        while rows and len(picked) < per_narrative:  # greedy: the sets grow with each pick
            best = min(rows, key=lambda r: (r.src, r.passage_id in used, r.doc_id in used_docs, r.rank))
            rows.remove(best)
            picked.append(best)
            used.add(best.passage_id)
            used_docs.add(best.doc_id)
        g = pd.DataFrame(picked, columns=cands.columns)
        chosen.append(g.assign(rank=range(1, len(g) + 1)))
    columns = ["narrative", "rank", "doc_id", "passage_id", "p", "text", "outlet", "source_type", "url",
               "published_at", "annotator", "evidence", "window_end"]
    return pd.concat(chosen)[columns].reset_index(drop=True) if chosen else cands.reindex(columns=columns)


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


def _around(text: str, spans: list[tuple[int, int]], evidence: str | None
            ) -> tuple[list[tuple[int, int]], int | None]:
    """``(spans, index)``: the sentence spans of ``text`` with the reader's
    ``evidence`` as one span of its own (sentences it overlaps are clipped to
    what lies outside it) and that span's index; ``(spans, None)`` when the
    text does not hold the evidence."""
    ev = " ".join(html.unescape(evidence or "").split())
    at = text.lower().find(ev.lower()) if ev else -1
    if at < 0:
        return spans, None
    a, b = at, at + len(ev)
    out: list[tuple[int, int]] = []
    best = None
    for s, e in spans:
        if e <= a or s >= b:
            if s >= b and best is None:
                best = len(out)
                out.append((a, b))
            out.append((s, e))
            continue
        if s < a and text[s:a].strip():
            out.append((s, a))
        if best is None:
            best = len(out)
            out.append((a, b))
        if e > b and text[b:e].strip():
            out.append((b, e))
    if best is None:
        best = len(out)
        out.append((a, b))
    return out, best


def quote(text: str, claim: str, limit: int = QUOTE_CHARS, evidence: str | None = None) -> str:
    """The passage ``text`` as quoted in the report (module docstring).

    Args:
        text: the passage.
        claim: the narrative's claim (its content words pick the sentence).
        limit: characters of the quote, markup and ellipses excluded.
        evidence: a reader's evidence sentence: when the passage holds it
            (whitespace and case aside), that span is the bold unit and the
            window grows around it; otherwise its content words pick the
            sentence instead of the claim's.

    Returns:
        Markdown: the sentences around the best one (best in ``**bold**``
        unless the passage is one sentence),
        "…" where the passage was cut; ``|`` escaped for a table cell.
    """
    text = without_recap_meta(" ".join(html.unescape(str(text)).split()))
    spans = [(s.start_char, s.end_char) for s in _splitter()(text).sents if s.text.strip()]
    spans, best = _around(text, spans, evidence)
    sents = [text[a:b].strip() for a, b in spans]
    if best is None:
        want = _stems(evidence or claim)
        scores = [len(_stems(s) & want) for s in sents]
        if not sents or max(scores) == 0:
            return cut_words(text, limit).replace("|", "\\|")
        best = scores.index(max(scores))  # ties: the earlier sentence
    first = last = best
    used = len(sents[best])
    if evidence is not None and best > 0 and spans[best - 1][1] == spans[best][0] and \
            not re.search(r"[.!?…:;][\"”’')\]]*\s*$", sents[best - 1]) and used + len(sents[best - 1]) + 1 <= limit:
        # a reader's evidence that starts mid-sentence keeps the start of its sentence, who says it ("Anthropic
        # … instead supports: chip controls …", not "… supports: chip controls …"; session-27 review)
        first, used = best - 1, used + len(sents[best - 1]) + 1
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
    best_text = cut_words(sents[best], limit)
    if len(sents) > 1:  # a one-sentence passage is quoted plain
        core, tail = re.fullmatch(r"(.*?)([\s(\[{“‘\"']*)", best_text, re.S).groups()
        best_text = f"**{core}**{tail}" if core else best_text  # "**… closed-source?** (I think": not "(**"
    # the passage's own characters between the sentences (none after "(", one space after ".")
    body = (text[spans[first][0]:spans[best][0]] + best_text
            + (text[spans[best][1]:spans[last][1]] if last > best else ""))
    out = ("… " if first > 0 else "") + body.strip() + (" …" if last < len(sents) - 1 else "")
    return out.replace("|", "\\|")
