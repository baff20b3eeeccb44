"""Sections 1, 3 and 6 to 9 of ``reports/report.md`` (section 2, the
narratives, is :mod:`pipeline.report.narrative_section`, section 4
:mod:`pipeline.report.actor_section`, section 5
:mod:`pipeline.report.discovery_section`), each a function returning its
Markdown lines, and the example documents they cite. Sections 5 to 7 are
the discovery sections (BERTopic topics).

Every number is read from the warehouse views of
``pipeline/sql/warehouse/040_report_views.sql`` (or a table). Stance shares
count only documents without a training label (view
``report_unlabelled_stances``; a labelled document's prediction is
in-sample); the stance stage decides labelled passages by their
out-of-fold probabilities, so unlabelled documents that hold one are not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _cite, _md_cell, _month_label, _pct, acc_cell, month_heading
from pipeline.report.coverage import NOT_MEASURED
from pipeline.report.stance_shares import (
    bold_model_shares,
    evidence_lines,
    prior_note,
    read_example_lines,
    sample_lines,
    share_cells,
)
from pipeline.report.stance_shares import cc_better as _cc_better
from pipeline.workspace import LABELS

STANCES = LABELS[:3]
#: An ACC interval wider than this (a share of 0–1; half the scale) is named in section 3's note: the
#: correction does not bound that share (the report's own threshold, no published constant).
WIDE_INTERVAL = 0.5
LABELLED_NOTE = ("LLM-labelled (Claude annotator sessions reading each document by the codebook; not human "
                 "labels, see `corpora/labels/README.md`)")


def representatives(con: Any, keys: list[str], per_topic: int = 2) -> pd.DataFrame:
    """Citable example documents per topic (table ``topic_representatives``
    through view ``report_topic_representatives``, documents of the corpus):
    rows ``topic_key, rank, passage_id, outlet, published_at, url,
    source_type, text, window_end, member`` (HDBSCAN put the passage in the topic) of the topics in
    ``keys``: the first ``per_topic`` whose
    words differ (a recap file repeats a paragraph on two days: the session-26 review found one
    topic's two examples identical), passages HDBSCAN itself put in the topic (``assignment``
    'cluster') by rank before those outlier reduction gave it (session-27 review: two examples had
    membership 0.00), then by rank."""
    rows = workspace.query(con, """
        SELECT topic_key, rank, passage_id, outlet, published_at, url, source_type, text, window_end, member
        FROM report_topic_representatives
        WHERE in_corpus ORDER BY topic_key, NOT member, rank""").query("topic_key in @keys")
    words = rows["text"].map(lambda t: " ".join(re.findall(r"\w+", str(t).lower())))
    rows = rows[~pd.DataFrame({"k": rows["topic_key"], "w": words}).duplicated()]
    return rows.groupby("topic_key", sort=False).head(per_topic).reset_index(drop=True)


def first_voices(con: Any, keys: list[str], per_topic: int = 2, min_probability: float = 0.5) -> pd.DataFrame:
    """The earliest citable records (a passage whose own record has a URL
    and a date) in each topic, among passages HDBSCAN itself put in the topic (``assignment =
    'cluster'``, membership ≥ ``min_probability``), not outliers reassigned
    to it (view ``report_first_voice_candidates``).

    Returns:
        Rows ``topic_key, doc_id, outlet, published_at, url, source_type,
        window_end, rank`` (1 = earliest; ties by ``doc_id``, ``url``) of the topics in ``keys``. A
        comment dated only by its docket's window (``window_end`` not null) ranks by the window's last
        day, the latest it can have been posted, not by the first day its ``published_at`` holds.
    """
    return workspace.query(con, """
        SELECT topic_key, doc_id, outlet, published_at, url, source_type, window_end,
               row_number() OVER (PARTITION BY topic_key ORDER BY coalesce(window_end, published_at), doc_id, url)
                   AS rank
        FROM report_first_voice_candidates WHERE probability >= ?
        QUALIFY rank <= ? ORDER BY topic_key, rank""", [min_probability, per_topic]).query("topic_key in @keys")


def corpus_section(con: Any, corpus: pd.Series, figure: str, *, scope: str = "") -> list[str]:
    """Section 1, short: the corpus and how it was collected (the table of
    sources is the appendix, :func:`sources_section`).

    Args:
        corpus: the row of view ``report_corpus_summary``.
        figure: link to the source-mix figure.
        scope: the sources and months of the source-mix figure, stated above it.
    """
    by_type = workspace.query(con, "SELECT source_type, n FROM report_source_type_counts ORDER BY n DESC, source_type")
    peak = workspace.query(con, "SELECT m, n FROM report_month_counts ORDER BY n DESC, m LIMIT 1").iloc[0]
    busiest_day = workspace.query(con, "SELECT d, source, n FROM report_day_source_counts "
                                       "ORDER BY n DESC, d LIMIT 1").iloc[0]
    windowed = workspace.query(con, "SELECT source, n, d FROM report_window_dated_sources ORDER BY n DESC, source")
    out = ["## 1. Corpus", "",
           f"The warehouse holds **{int(corpus.n):,} relevant, non-duplicate documents** from "
           f"{int(corpus.sources)} sources, published {pd.Timestamp(corpus['first']):%Y-%m-%d} to "
           f"{pd.Timestamp(corpus['last']):%Y-%m-%d} (view `corpus`); {_pct(corpus.english)} are in English. "
           "By source type: " + ", ".join(f"{r.source_type} {r.n:,}" for r in by_type.itertuples()) + ".", "",
           "**How the corpus was collected matters more than anything below.** "
           f"The busiest month is {pd.Timestamp(peak.m):%Y-%m} with {int(peak.n):,} documents "
           f"({_pct(peak.n / corpus.n)} of the corpus), and the busiest single day is "
           f"{pd.Timestamp(busiest_day.d):%Y-%m-%d}: {int(busiest_day.n):,} documents of `{busiest_day.source}` "
           "(a one-day collection, not a surge of debate). "
           + ("Documents without their own date are dated at the start of their source's comment window: "
              + ", ".join(f"`{r.source}` {r.n:,} on {pd.Timestamp(r.d):%Y-%m-%d}" for r in windowed.itertuples())
              + ". " if len(windowed) else "")
           + "Each source covers its own period, so a month's mix of sources (figure below) shapes its shares. "
           "Monthly shares are shares *within* each month, over a constant panel of sources. Documents kept and "
           "dropped per source: section 9.", "",
           _utc_note(con), ""]
    return out + [*([scope, ""] if scope else []), f"![Source mix by month]({figure})", ""]


#: Days written in URLs: ``/2024/01/30/``, ``/2026/Mar/4/`` (Simon Willison), ``-2026-06-17/`` (Reuters; a
#: trailing ``/`` is required, so a model version ending a recap's URL, ``o1-2024-12-17``, is not a day).
URL_DAY_SQL = r"""coalesce(
    try_strptime(nullif(regexp_extract(url, '/(20\d\d/[01]\d/[0-3]\d)(?:/|$)', 1), ''), '%Y/%m/%d'),
    try_strptime(nullif(regexp_extract(url, '/(20\d\d/[A-Z][a-z]{2}/[0-3]?\d)(?:/|$)', 1), ''), '%Y/%b/%d'),
    try_strptime(nullif(regexp_extract(url, '-(20\d\d-[01]\d-[0-3]\d)/', 1), ''), '%Y-%m-%d'))::DATE"""


def _utc_note(con: Any) -> str:
    """Section 1's note that dates are UTC days, with the number of documents whose URL carries
    another day (:data:`URL_DAY_SQL`), the largest gap and an example, and the number of Hacker News
    front-page items (platform ``hn``), which are dated by the day they were listed but cite the linked
    article (session-27 review: a Politico article of 07-22 listed on 07-24)."""
    row = workspace.query(con, f"""
        WITH dated AS (SELECT url, CAST(published_at AT TIME ZONE 'UTC' AS DATE) AS day, {URL_DAY_SQL} AS in_url
                       FROM corpus WHERE url IS NOT NULL AND published_at IS NOT NULL)
        SELECT count(*) AS n, min(url) AS url, arg_min(day, url) AS day, max(abs(day - in_url)) AS gap FROM dated
        WHERE in_url <> day""").iloc[0]
    n_hn = int(workspace.query(con, "SELECT count(*) AS n FROM corpus WHERE platform = 'hn'")["n"].iat[0])
    many = "documents' URLs carry another day than their UTC date" if row.n != 1 else \
        "document's URL carries another day than its UTC date"
    example = (f" {int(row.n):,} {many} (up to {int(row.gap)} day{'s' if row.gap != 1 else ''}; {row.url} is "
               f"dated {pd.Timestamp(row.day):%Y-%m-%d}); a recap issue can also be dated by its page in one source "
               "and by its issue date in another." if row.n else "")
    hn = (f" The {n_hn:,} Hacker News front-page items are dated by the day they were listed there, and they cite "
          "the linked article, which can be older: \"Hacker News, DATE\" is not the article's date." if n_hn else "")
    return ("**Dates are UTC days** (`documents.published_at`, a timestamp with time zone): an item published "
            "in a US evening falls on the next UTC day, so a cited date can be a day after the outlet's own "
            f"dateline.{example}{hn} Cite the outlet's own date from the source.")


def sources_section(con: Any) -> list[str]:
    """Section 9, appendix: per source, the documents kept and dropped (view ``report_source_accounts``)."""
    summary = workspace.query(con, "SELECT * FROM report_source_accounts ORDER BY n_kept DESC, source")
    out = ["", "## 9. Appendix: sources", "",
           "| source | documents kept | duplicates | not relevant | rejects | undated | window-dated |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {r.source} | {r.n_kept:,} | {r.n_duplicates:,} | {r.n_irrelevant:,} | {r.n_rejects:,} | "
            f"{r.n_undated:,} | {r.n_window:,} |" for r in summary.itertuples()]
    return out + [""]


def source_mix_line(con: Any, min_docs: int) -> str:
    """The sources and months of figure ``source_mix`` (view
    ``report_source_type_month_counts``), stated above it: every source,
    months with at least ``min_docs`` documents."""
    frame = workspace.query(con, "SELECT period, sum(n_docs) AS n FROM report_source_type_month_counts "
                                 "GROUP BY 1 ORDER BY 1")
    shown = frame[frame["n"] >= min_docs]
    n_sources = int(workspace.query(con, "SELECT count(DISTINCT source) AS n FROM corpus")["n"].iat[0])
    if shown.empty:
        return f"**Coverage of this figure:** no month has {min_docs} or more documents."
    return (f"**Coverage of this figure:** all {n_sources} sources of the corpus (what was collected, not a trend of "
            f"opinion). The shares cover the months {_month_label(shown['period'].min())} to "
            f"{_month_label(shown['period'].max())} with at least {min_docs} documents ({len(shown)} of {len(frame)} "
            f"months with documents); the counts below them cover every month with documents, "
            f"{_month_label(frame['period'].min())} to {_month_label(frame['period'].max())}, the months without "
            "shares in light grey. Per source and month: view `coverage`.")


def stance_section(con: Any, quality: dict[str, Any], shares: pd.DataFrame, last: Any, measurable: list[str],
                   min_recall: float, figure: str, *, cells: pd.DataFrame, scope: str,
                   overall: pd.DataFrame, errors: dict[str, tuple[float, float]],
                   share_only: Sequence[str] = (), too_wide: Sequence[str] = (),
                   max_halfwidth: float = 1.0) -> list[str]:
    """Section 3: classifier quality, the CC and ACC shares of each label over
    unlabelled documents with their cross-validated error (views
    ``report_stance_shares``, ``report_stance_share_error``), evidence
    passages (view ``report_stance_evidence``), the figure, and the last six
    months of ``shares`` as CC (Wilson) and ACC (bootstrap) shares.

    Args:
        quality: :func:`pipeline.report.markdown.stance_quality`.
        shares: the monthly shares of figure ``stance_share``
            (:func:`pipeline.report.figures.figure_stance_share`), also
            written to ``reports/plots/stance_share.csv``.
        last: the corpus's latest ``published_at`` (marks a partial last month).
        measurable: stances whose CV precision and recall reach ``min_recall``.
        figure: link to the stance-share figure.
        cells: the months of the trend's period, measured or not
            (:func:`pipeline.report.coverage.measured_cells`).
        scope: the trend's coverage sentence
            (:func:`pipeline.report.coverage.coverage_line`), stated above the figure.
        share_only: stances not in ``measurable`` whose corpus-wide ACC share is
            quoted (:func:`pipeline.report.markdown.share_only_stances`): the ACC
            share and read examples (not the model's evidence), no CC share
            and no months.
        too_wide: stances that would be ``share_only`` but whose ACC
            interval is too wide to quote (``report.max_share_halfwidth``):
            read examples, and the share only as the reason it is not given.
        overall: the corpus-wide shares by label
            (:func:`pipeline.report.stance_shares.overall_shares`).
        errors: label → (ACC, CC) cross-validated share error
            (:func:`pipeline.report.stance_shares.share_errors`).
        max_halfwidth: ``report.max_share_halfwidth`` (a share 0–1), named in the note.
    """
    q = quality
    overall = overall.reindex(list(LABELS))
    n_unlabelled = int(overall["n_docs"].fillna(0).max())
    out = ["## 3. Stance over time", "",
           f"The stance of a document comes from its passages: a passage classifier trained on labelled passages "
           f"decides each narrative passage, and a document takes the stance whose best passage most exceeds a "
           f"per-stance threshold tuned in cross-validation (that passage is the evidence cited below). The "
           f"document decisions were checked against {q['n']:,} documents "
           f"{LABELLED_NOTE}. Their own predictions are in-sample, so **every model share below counts only the "
           f"{n_unlabelled:,} documents without a training label**; a labelled passage inside them is decided "
           f"by its out-of-fold probabilities, so no decision rests on a passage the model was trained on. "
           f"Grouped 5-fold cross-validation on the "
           f"labelled documents (table `stance_labels`) gives macro-F1 **{q['macro_f1_stances']:.3f} over the three "
           f"stances** and {q['macro_f1_all']:.3f} over all five labels.", "",
           "| label | CV precision | CV recall | documents | share classified (CC) | ACC share (95 % interval) "
           "| PCC share (error band) | CV share error, CC / ACC / PCC |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for lab in LABELS:
        pc = q["per_class"][lab]
        row = overall.loc[lab]
        n_lab = int(round(float(row["share_cc"]) * n_unlabelled)) if pd.notna(row["share_cc"]) else 0
        share = share_cells(row, lab, errors, measured=lab not in STANCES or lab in measurable,
                            share_only=lab in share_only, too_wide=lab in too_wide)
        out.append(f"| {lab} | {pc['precision']:.2f} | {pc['recall']:.2f} | {n_lab:,} | {share} |")
    not_measurable = [s for s in STANCES if s not in measurable and s not in share_only and s not in too_wide]
    shared = [lab for lab in LABELS if lab not in STANCES or lab in measurable or lab in share_only]
    wide = [lab for lab in shared if pd.notna(overall.loc[lab, "hi"])
            and overall.loc[lab, "hi"] - overall.loc[lab, "lo"] > WIDE_INTERVAL]
    bands = [lab for lab in LABELS if overall.loc[lab, "band_hi"] - overall.loc[lab, "band_lo"] > WIDE_INTERVAL]
    out += ["", "CC counts each document's decided label (the thresholds rule). The ACC share (adjusted "
            "classify-and-count, Forman 2008; table `stance_shares`) corrects CC with the cross-validated error rates "
            "of those decisions; its interval is a 95 % bootstrap over the documents and the labelled documents "
            "behind the rates. The PCC share (probabilistic classify-and-count, Bella et al. 2010) is the mean "
            "probability of a second document model, the pooling regression of `stance_probabilities`, and counts "
            f"no decision; it stays near the labelled documents' label mix ({prior_note(errors)}), so it flattens "
            "differences between months or sources. Its band is no 95 % interval: its sampling interval "
            "(`stance_shares.pcc_lo`–`pcc_hi`) widened on each side by its largest error on a held-out fold. CV "
            "share error: the mean absolute error of the CC, ACC and PCC shares of each held-out fold in the grouped "
            "cross-validation (table `stance_quantification_error`). The CC and ACC intervals do not include it. "
            "Each fold holds other source files than the ones the error rates come from, so where ACC's error "
            "exceeds CC's, the error rates do not carry over between sources. **Bold**: the model share with the "
            "smallest cross-validated error (five folds choose it, so that error is optimistic). Months and "
            "sources use the better of CC and ACC by the same errors (PCC, in `stance_shares.share_pcc` for them "
            "too, is not used there: it flattens their differences); "
            "for the corpus as a whole, the shares by reading below."
            + (f" The ACC intervals of **{', '.join(wide)}** span more than {100 * WIDE_INTERVAL:.0f} points: the "
               "error rates behind the correction are too uncertain for ACC to bound those shares." if wide else "")
            + (f" The PCC bands of **{', '.join(bands)}** span more than {100 * WIDE_INTERVAL:.0f} points: PCC "
               "does not bound those shares either." if bands else "")
            + (f" **{', '.join(share_only)}**: cross-validated recall or precision is under {min_recall:.2f}, so "
               "its documents are mostly misclassified and its CC share, months, quotes and topics are not given; "
               "the bold model share (ACC corrects for those errors, PCC counts no decision) has a cross-validated "
               "error within `report.max_share_error`; quote the share by reading below instead."
               if share_only else "")
            + (f" **{', '.join(too_wide)}**: cross-validated recall or precision is under {min_recall:.2f}, and "
               "its better adjusted share (ACC or PCC), whose cross-validated error is small, has a 95 % interval "
               "too wide to quote (more "
               f"than ±{100 * max_halfwidth:.0f} points, `report.max_share_halfwidth`): no share is given, only "
               "passages read as it."
               if too_wide else "")
            + (f" **{', '.join(not_measurable)}**: cross-validated recall or precision is under {min_recall:.2f}, so "
               "the classifier cannot measure it; no share or claim about it is made in this report."
               if not_measurable else ""), *sample_lines(con, bold_model_shares(overall, errors, measurable,
                                                                             share_only)), "",
            "Examples of each stance, passages with their own URL and date: first passages a reader labelled with "
            "the stance whose out-of-fold prediction agrees (table `stance_passage_labels`; \"read by\" names the "
            "annotator, an LLM session; those whose document the shares count under the stance first, and a "
            "citation says where its document is counted otherwise); then, where fewer were read, the "
            "passages that decided unlabelled documents with the highest passage probability of the stance "
            "(view `report_stance_evidence`; every decision's passage is `stances.evidence_passage_id`), not read: "
            "such a passage can argue the opposite of its stance, so read it before citing it:", ""]
    out += evidence_lines(con, measurable)
    for s in [*share_only, *too_wide]:
        out += read_example_lines(con, s, q["per_class"][s]["precision"])
    out += ["", scope, "", f"![Stance share by month]({figure})", ""]
    last_day = pd.Timestamp(last)
    out += ["Last six months in the figure (same sources and months as above): the share of the month's "
            "documents classified "
            "with the label (CC, documents / documents of the month; its 95 % Wilson interval), and the ACC "
            "share with its 95 % bootstrap interval; bold, the one of these two with the smaller cross-validated "
            "error (PCC is given for the corpus as a whole above; notebook `3.0-stance-evolution` draws the "
            "monthly mean probability). Every month of the figure, with both estimates: "
            "`reports/plots/stance_share.csv`.", "",
            "| month | documents | " + " | ".join(measurable) + " |", "|---|---:|" + "---:|" * len(measurable)]
    for c in cells.tail(6).itertuples():
        m, n = pd.Timestamp(c.period), int(c.n)
        rows = shares[pd.to_datetime(shares["period"]) == m].set_index("label")
        if not c.measured or rows.empty:
            row = [f"{NOT_MEASURED} ({c.reason})"] * len(measurable)
        else:
            row = []
            for s in measurable:
                r = rows.loc[s]  # CC with its Wilson interval: 0 of 65 is not "0.0–0.0"
                cc = (f"{_pct(r['share'])} ({int(r['n_docs'])}/{n}; {100 * r['share_lo']:.1f}–"
                      f"{100 * r['share_hi']:.1f})")
                ac = f"ACC {acc_cell(r['share_acc'], r['acc_lo'], r['acc_hi'])}"
                row.append(f"**{cc}**; {ac}" if _cc_better(errors, s) else f"{cc}; **{ac}**")
        out.append(f"| {month_heading(m, last_day)} | {n:,} | " + " | ".join(row) + " |")
    return out


def narrative_stance_section(con: Any, keys: list[str], measurable: list[str], min_docs: int,
                             figure: str) -> list[str]:
    """Section 6: for each measurable stance, the topic (with at least
    ``min_docs`` unlabelled documents) where it has the largest share, the
    topic holding most of its documents, and two example documents (views
    ``report_topic_stance_counts``, ``report_topic_stance_examples``).

    Args:
        keys: the topics in the figures (others are marked as such).
        min_docs: ``report.min_docs_narrative``.
        figure: link to the narrative × stance figure.
    """
    topic_label = dict(workspace.query(con, "SELECT topic_key, label FROM topics").itertuples(index=False))
    nstance = workspace.query(con, "SELECT topic_key, label, n_docs FROM report_topic_stance_counts")
    nstance = nstance[nstance["topic_key"].isin(topic_label)]  # topics only: the outliers are no narrative
    ntot = nstance.groupby("topic_key")["n_docs"].sum()
    out = ["", "## 6. Discovery: which topic carries which stance", "",
           f"![Topic × stance]({figure})", "",
           f"Counts below use documents without a training label; topics with at least {min_docs} such documents.",
           ""]
    for s in STANCES:
        if s not in measurable:
            out.append(f"- **{s}**: its decisions are not measurable (section 3 gives only shares by reading and a "
                       "corpus-wide model share).")
            continue
        cand = nstance[(nstance["label"] == s) & nstance["topic_key"].map(ntot).ge(min_docs)]
        if cand.empty:
            out.append(f"- **{s}**: no narrative with at least {min_docs} documents carries this stance.")
            continue
        cand = cand.assign(share=cand["n_docs"] / cand["topic_key"].map(ntot))
        top_share = cand.sort_values(["share", "topic_key"], ascending=[False, True]).iloc[0]
        top_count = cand.sort_values(["n_docs", "topic_key"], ascending=[False, True]).iloc[0]
        all_s = int(nstance.loc[nstance["label"] == s, "n_docs"].sum())
        tied = sorted(cand.loc[(cand["share"] == top_share.share) & (cand["topic_key"] != top_share.topic_key),
                               "topic_key"])
        in_fig = "" if top_share.topic_key in keys else " (not among the topics in the figure)"
        ex = workspace.query(con, """
            SELECT outlet, published_at, url, source_type, window_end FROM report_topic_stance_examples
            WHERE topic_key = ? AND label = ? ORDER BY probability DESC, doc_id LIMIT 2""",
                             [top_share.topic_key, s])
        out.append(f"- **{s}** has its largest share in **{top_share.topic_key}** "
                   f"({_md_cell(topic_label[top_share.topic_key])}){in_fig}: {int(top_share.n_docs)} of its "
                   f"{int(ntot[top_share.topic_key]):,} documents ({_pct(top_share.share)}; no other topic has a "
                   f"larger share of {s}, whatever the topic's other labels"
                   + (f"; {', '.join(tied)} as large" if tied else "") + f"). Most {s} documents sit "
                   f"in **{top_count.topic_key}**: {int(top_count.n_docs)} of the {all_s:,} topic memberships of {s} "
                   f"documents (a document counts once per topic). Examples from {top_share.topic_key}: "
                   + ("; ".join(_cite(r) for r in ex.itertuples()) or "none citable") + ".")
    return out + ["", "(A document counts in every topic that holds one of its discovery passages.)", ""]


def earliest_section(con: Any, keys: list[str], min_membership: float) -> list[str]:
    """Section 7: the two earliest citable documents of each topic in
    ``keys`` (:func:`first_voices`, membership ≥ ``min_membership``)."""
    first = first_voices(con, keys, min_probability=min_membership)
    out = ["## 7. Discovery: earliest documents in this corpus", "",
           "The earliest citable records (a passage's own post, with URL and date) among passages the clustering "
           "itself "
           f"put in each of the largest discovery topics (membership ≥ {min_membership:.1f}; "
           "view `topic_passages`). *Earliest in this corpus* is not *first in the world*: each source "
           "covers its own period (section 1). A recap line of a tweet is dated by the tweet; other recap lines "
           "(Reddit threads) only by the recap issue that carried them (\"recapped\"), so the post may be older.", "",
           "| key | earliest documents |", "|---|---|"]
    for k in keys:
        rows = first[first["topic_key"] == k]
        cited = "; ".join(f"{_cite(r)} ({r.source_type})" for r in rows.itertuples()) or "none above the threshold"
        out.append(f"| {k} | {_md_cell(cited)} |")
    return out


def pages_section(pages: list[Path], rel: Any) -> list[str]:
    """Section 8: links to the interactive pages (``rel``: path → link)."""
    return ["", "## 8. Interactive views", "",
            "Standalone HTML (plotly inlined, opens offline): "
            + (", ".join(f"[{p.stem}]({rel(p)})" for p in pages) or "none (no topic)") + ". "
            "The pages are written by `make run` (stage `report`) and are not kept in git (several MB each, "
            "`.gitignore`): on a fresh clone these links work once `make run` has run.", ""]
