"""Section 4 of ``reports/report.md``, "Who says what": attribution quality,
the actor figure, the listed actors most quoted with each stance and the
outlets that quote them (views ``report_quote_totals``,
``report_actor_stance_quotes``, ``report_outlet_listed_quotes``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _cite, _md_cell, _pct, cut_words
from pipeline.workspace import LABELS

STANCES = LABELS[:3]
#: Quote cues whose text is the writer's, not the speaker's ("Sam Altman acknowledges OpenAI's stance … was a
#: misstep", an X user's summary): the report prints them without quotation marks (session-26 review).
REPORTED = frozenset({"reported", "according_to"})


#: Characters of an example quote printed before it is cut with "…". Transcript turns run to 700 characters and
#: carry their stance anywhere in them: at 220 (before session 32) Nathan Lambert's and Jake Sullivan's examples
#: were cut before the words that argue it (review).
QUOTE_WIDTH = 720


def _actor_scope(con: Any, min_quotes: int) -> str:
    """The sources and quarters of figure ``actor_stance`` (view ``actor_stance``,
    listed actors), stated above it."""
    row = workspace.query(con, """
        SELECT min(a.period) AS first, max(a.period) AS last, count(DISTINCT d.source) AS n_sources
        FROM actor_stance a JOIN quotes q ON q.speaker_actor = a.actor JOIN documents d USING (doc_id)
        WHERE a.actor IN (SELECT actor FROM actors)
          AND CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) = a.period""").iloc[0]
    if pd.isna(row["first"]):
        return "**Coverage of this figure:** no listed actor has a dated quote."
    quarter = lambda d: str(pd.Period(pd.Timestamp(d), freq="Q"))  # noqa: E731
    return (f"**Coverage of this figure:** quotes of listed actors from the {int(row['n_sources'])} sources that "
            f"hold them, quarters {quarter(row['first'])} to {quarter(row['last'])}. Not a constant panel of sources: "
            "each quarter holds the sources collected in it (view `coverage`), so compare an actor's quarters "
            f"with care; quarters with fewer than {min_quotes} quotes are blank.")


def actor_section(con: Any, params: dict[str, Any], figures: dict[str, Path], rel: Callable[[Path], str],
                  measurable: list[str], metrics: dict[str, Any]) -> list[str]:
    """Markdown lines of the report's "who says what" section: attribution
    quality (from ``metrics/actors.json``), the actor figure, the listed
    actors most quoted with each measurable stance with their most typical
    quote cited, and the outlets that quote listed actors.

    Args:
        con: the warehouse, read-only.
        params: ``report`` params (``top_actors``, ``min_stance_quotes``).
        figures: figure name → PNG path (``actor_stance`` is linked).
        rel: path → link relative to ``report.md``.
        measurable: the stances with a share (section 3); the others are
            named "not measurable".
        metrics: ``metrics/actors.json`` (its ``evaluation`` block).
    """
    n = int(params["top_actors"])
    totals = workspace.query(con, "SELECT quotes, docs, listed, unknown FROM report_quote_totals").iloc[0]
    ev = metrics["evaluation"]
    part, exact = ev["attribution_partial_span"], ev["attribution_exact_span"]
    gold_mix = ", ".join(f"{n} {kind}" for kind, n in ev.get("gold_documents_by_source_type", {}).items()) or \
        "news articles"
    out = ["", "## 4. Who says what: actors and quotes", "",
           f"{int(totals.quotes):,} quotes in {int(totals.docs):,} documents (tables `quotes`, `quote_stances`): "
           f"{int(totals.listed):,} by actors listed in `corpora/actors.yaml`, "
           f"{int(totals.quotes - totals.listed - totals.unknown):,} by named speakers not on that list "
           "(`speaker_actor` `other:<name>`: people, outlets, pseudonymised accounts, groups such as "
           "\"Commenters\", and models or apps whose output a writer quotes, \"other:DeepSeek R1\", "
           f"\"other:o3-mini\"), {int(totals.unknown):,} by speakers the finder could not name. "
           f"{_comment_sentence(con)}"
           f"On the quote gold set ({ev['gold_quotes']} quotes in {ev['documents']} documents, "
           f"{ev['gold_documents_read']} of them read by the stage; LLM-labelled, `corpora/labels/quotes_v1.jsonl`) "
           f"the stage's attribution has **precision {part['precision']:.2f} and recall {part['recall']:.2f}** "
           f"(partial span; exact span {exact['precision']:.2f} / {exact['recall']:.2f}). The gold documents are "
           f"{gold_mix}: the figures say nothing about AINews recaps, social posts or public comments. **So the "
           "counts below hold missed quotes and wrongly attributed ones, and a quote's stance is the passage stance "
           "classifier (with the stance stage's decision offsets) applied to the quote's own text**, which it was not "
           "trained on: read the quotes before "
           "citing them.", "",
           _actor_scope(con, int(params["min_quotes"])), "",
           f"![Actor stance by quarter]({rel(figures['actor_stance'])})", ""]
    min_q = int(params["min_stance_quotes"])
    for st in STANCES:
        if st not in measurable:
            read = metrics.get("quote_stance_evaluation", {}).get("by_decision", {}).get(st) or {}
            quotes = (f" Of the {read['read']} quotes of listed actors decided {st} that a reader read, "
                      f"{read['argue_it']} argue{'s' if read['argue_it'] == 1 else ''} it (precision "
                      f"{read['argue_it'] / read['read']:.2f}, 95 % interval "
                      f"{read['precision_lo']:.2f}–{read['precision_hi']:.2f}); no quote table is given for it."
                      if read.get("read") else "")
            out += [f"**{st}**: its document decisions are not measurable; section 3 gives only shares by reading "
                    f"and a corpus-wide model share.{quotes}", ""]
            continue
        read = metrics.get("quote_stance_evaluation", {}).get("by_decision", {}).get(st)
        out += stance_table(con, st, min_quotes=min_q, limit=n, read=read)
    outlets = workspace.query(con, "SELECT outlet, n, pos, sh, count(*) OVER () AS n_outlets, sum(n) OVER () AS "
                                   "n_total FROM report_outlet_listed_quotes ORDER BY n DESC, outlet LIMIT ?", [n])
    n_outlets = int(outlets["n_outlets"].iloc[0]) if len(outlets) else 0
    shown = f"the {len(outlets)} with most quotes of {n_outlets} outlets" if n_outlets > len(outlets) else \
        f"all {n_outlets} outlets"
    out += [f"**Which outlets quote listed actors, and with which stance** ({shown}; view `outlet_quotes`: quotes "
            "found by the quote finder; an actor speaking in its own publication is not an outlet quoting it, so "
            "its public comments, its words in its own outlet and those of its people (actors whose `org` in "
            "`corpora/actors.yaml` it is, such as the White House's officials in its transcripts) are left out: "
            f"the outlets count {int(outlets['n_total'].iloc[0]) if len(outlets) else 0:,} of the "
            f"{int(totals.listed):,} quotes of listed actors):", "",
            "| outlet | quotes of listed actors | pro_open_source | security_hawk |", "|---|---:|---:|---:|"]
    for r in outlets.itertuples():
        pos, sh = int(0 if pd.isna(r.pos) else r.pos), int(0 if pd.isna(r.sh) else r.sh)
        out.append(f"| {_md_cell(r.outlet)} | {int(r.n):,} | {pos} ({_pct(pos / r.n)}) | {sh} ({_pct(sh / r.n)}) |")
    return out + [""]


def _comment_sentence(con: Any) -> str:
    """"Each public comment with a named submitter is one quote …" with the counts of view
    ``report_comment_quotes``; empty without comments."""
    r = workspace.query(con, "SELECT comments, quoted, unnamed FROM report_comment_quotes").iloc[0]
    if not r.comments:
        return ""
    other = int(r.comments - r.quoted - r.unnamed)
    return (f"Each public comment with a named submitter is one quote of the submitter (its most relevant passage): "
            f"{int(r.quoted):,} of the {int(r.comments):,} comments; {int(r.unnamed):,} name no submitter"
            + (f", and {other:,} name one the quote finder does not take as a speaker (a platform or a "
               "subreddit)" if other > 0 else "") + ". ")


def _precision_sentence(stance: str, read: dict[str, Any] | None) -> str:
    """What the quotes read for their stance say of the ``stance`` decisions (``metrics/actors.json`` →
    ``quote_stance_evaluation.by_decision[stance]``), or that nothing was read. The precision is
    recomputed from the counts (the metrics file rounds it to 3 places, so 5/11 = 0.4545 printed 0.46)."""
    if not read or not read.get("read"):
        return ("its precision on quotes is not measured (no quote decided so was read), and no one read these "
                "examples, so one can argue the opposite of its stance")
    return (f"of the {read['read']} quotes of listed actors decided {stance} that a reader read "
            f"(`corpora/labels/quote_stance_v1.jsonl`, LLM annotators, codebook v1.3 with the quote as the unit), "
            f"{read['argue_it']} argue{'s' if read['argue_it'] == 1 else ''} it: **precision "
            f"{read['argue_it'] / read['read']:.2f}** (95 % interval "
            f"{read['precision_lo']:.2f}–{read['precision_hi']:.2f}). The example is a citable quote (URL and date) a "
            f"reader labelled {stance} where the actor has one, else the model's most probable citable one, marked "
            "\"not read\" or with the reader's other label")


def stance_table(con: Any, stance: str, *, min_quotes: int, limit: int,
                 read: dict[str, Any] | None = None) -> list[str]:
    """Markdown lines: the ``limit`` listed actors with at least
    ``min_quotes`` quotes classified ``stance`` (most first, then by name),
    each with its example quote (view ``report_actor_stance_quotes``: read
    and labelled the stance first, then the unread one of highest
    probability) and whether a reader read it, then a blank line. A quote
    that runs to the end of a stored text cut mid-sentence (the view's
    ``cut``) ends in "…" and says so; reported speech (:data:`REPORTED`) is
    printed without quotation marks, as the writer's words, except where the
    writer is the actor (``own``: "we believe that …" in Anthropic's own post,
    session-27 review). ``read``
    gives the decisions' precision on the quotes read
    (:func:`_precision_sentence`)."""
    rows = workspace.query(con, """
        SELECT actor, n_label, n_all, n_docs, n_read, n_read_agree, kind, quote_text, cue, outlet, published_at, url,
               source_type, read_label, annotator, cut, window_end, own
        FROM report_actor_stance_quotes WHERE stance = ? AND n_label >= ?
        ORDER BY n_label DESC, actor LIMIT ?""", [stance, min_quotes, limit])
    out = [f"**Most quoted with stance {stance}** (actors with at least {min_quotes} such quotes; quotes classified "
           f"{stance} / all quotes of the actor, the documents they come from, and of the quotes classified {stance} "
           "those read that argue it / those read). A quote's stance is the stance model's decision on the quote's "
           f"words, trained on passages: {_precision_sentence(stance, read)}. Read the quote in its source before "
           "citing it:", "",
           "| actor | kind | quotes | documents | read: argue it | example quote | cited |",
           "|---|---|---:|---:|---:|---|---|"]
    for r in rows.itertuples():
        if isinstance(r.quote_text, str):
            text = " ".join(r.quote_text.split())
            text = text if len(text) <= QUOTE_WIDTH else cut_words(text, QUOTE_WIDTH - 3)
            reading = "not read" if not isinstance(r.read_label, str) else \
                f"read by {r.annotator}" if r.read_label == stance else f"read by {r.annotator} as {r.read_label}"
            if bool(r.cut) and not text.endswith("…"):
                text, reading = text + " …", reading + "; the stored text ends here, cut: read the rest at the source"
            if r.cue not in REPORTED:
                example = f"“{_md_cell(text)}” ({r.cue}; {reading})"
            elif bool(r.own):  # "we believe that …" in the actor's own post: its words
                example = f"“{_md_cell(text)}” ({r.cue} by the actor itself in its own publication: its words; " \
                          f"{reading})"
            else:
                example = f"{_md_cell(text)} ({r.cue}: the writer's words for what the actor said, not a quotation; " \
                          f"{reading})"
            cited = _md_cell(_cite(r))
        else:
            example, cited = "no quote of this stance with a URL and a date", ""
        out.append(f"| {r.actor} | {r.kind} | {int(r.n_label)}/{int(r.n_all)} | {int(r.n_docs)} | "
                   f"{int(r.n_read_agree)}/{int(r.n_read)} | {example} | {cited} |")
    if rows.empty:
        out.append(f"| no listed actor has {min_quotes} or more | | | | | | |")
    out.append("")
    return out
