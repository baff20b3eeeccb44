"""Section 2 of ``reports/report.md``, the one the report leads with: the
narratives as claims (issue 19).

A narrative is a claim of ``corpora/narratives.yaml`` (table
``narrative_taxonomy``); a document carries it when one of its narrative
passages states it (table ``doc_narratives``, stage ``narratives``). The
section gives the classifier's cross-validated quality (recomputed from table
``narrative_labels``: each labelled passage's honest prediction), then (a) each
narrative's share of documents by month over the report's constant panel of
sources (:mod:`pipeline.report.coverage`: the coverage line above the figure,
months not measured hatched in it and worded in the table;
:mod:`pipeline.report.narrative_figure`), (b) which side carries it and (c)
which outlets and actors (:mod:`pipeline.report.narrative_carriers`), and (d)
cited examples (:mod:`pipeline.report.narrative_examples`). The catch-all
narrative is left out: it is not one claim.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _cite, _md_cell, _pct, month_heading
from pipeline.report.coverage import NOT_MEASURED, Panel, coverage_line, measured_cells
from pipeline.report.narrative_carriers import side_table, source_table
from pipeline.report.narrative_examples import examples, quote

#: Months shown as columns of the trend table (the last ones of the period, measured or not).
SHOWN_MONTHS = 6


def claim_quality(con: Any) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-narrative and micro scores of the honest predictions in table ``narrative_labels``.

    Returns:
        ``(frame narrative, mode, catch_all, claim, precision, recall, f1,
        support in taxonomy order, {"micro_f1", "n"})``; micro-F1 over the
        claim narratives (not the catch-all).
    """
    tax = workspace.query(con, "SELECT narrative, mode, catch_all, claim FROM narrative_taxonomy ORDER BY position")
    labels = workspace.query(con, "SELECT narratives, cv_narratives FROM narrative_labels")
    gold = [set(g) for g in labels["narratives"]]
    pred = [set(p) for p in labels["cv_narratives"]]
    rows, tp_all, n_gold, n_pred = [], 0, 0, 0
    for r in tax.itertuples():
        tp = sum(r.narrative in g and r.narrative in p for g, p in zip(gold, pred))
        ng, npr = sum(r.narrative in g for g in gold), sum(r.narrative in p for p in pred)
        prec, rec = (tp / npr if npr else 0.0), (tp / ng if ng else 0.0)
        rows.append({"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
                     "support": ng})
        if not r.catch_all:
            tp_all, n_gold, n_pred = tp_all + tp, n_gold + ng, n_pred + npr
    micro = 2 * tp_all / (n_gold + n_pred) if n_gold + n_pred else float("nan")
    return pd.concat([tax, pd.DataFrame(rows)], axis=1), {"micro_f1": micro, "n": len(labels)}


def claim_trend(con: Any, panel: Panel, min_docs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each narrative's monthly share of documents over ``panel``'s sources.

    The denominator of a month is the panel's dated corpus documents with a
    narrative passage (view ``report_claim_month_source_totals``); a month is
    measured when the panel is collected and has at least ``min_docs`` of them
    (:func:`pipeline.report.coverage.measured_cells`).

    Returns:
        ``(frame narrative, period (date), n_docs, share; months of the
        period only, cells)``.
    """
    sources = [list(panel.sources)]
    totals = workspace.query(con, "SELECT period, sum(n_docs) AS n FROM report_claim_month_source_totals "
                                  "WHERE source IN (SELECT unnest(?)) GROUP BY 1 ORDER BY 1", sources)
    totals["period"] = pd.to_datetime(totals["period"]).dt.date
    cells = measured_cells(totals.set_index("period")["n"], panel, min_docs)
    counts = workspace.query(con, "SELECT period, narrative, sum(n_docs) AS n_docs FROM "
                                  "report_claim_month_source_counts WHERE source IN (SELECT unnest(?)) "
                                  "GROUP BY ALL ORDER BY 1, 2", sources)
    counts["period"] = pd.to_datetime(counts["period"]).dt.date
    n = cells.set_index("period")["n"]
    counts = counts[counts["period"].isin(n.index)]
    counts["share"] = counts["n_docs"].to_numpy() / n.reindex(counts["period"]).to_numpy()
    return counts.reset_index(drop=True), cells


def _month_cells(key: str, shown: pd.DataFrame, share: pd.Series) -> str:
    """The month columns of the trend table: the share, or "not measured"."""
    return "".join(f" {_pct(float(share.get((key, c.period), 0.0)))} |" if c.measured else f" {NOT_MEASURED} |"
                   for c in shown.itertuples())


def unmeasurable_claims(quality: pd.DataFrame, min_recall: float) -> dict[str, str]:
    """Claims whose cross-validated precision or recall is under ``min_recall``
    (``report.min_recall``, the rule that makes a stance "not measurable" in
    section 3), with why: ``{narrative: "CV recall 0.15"}``. A claim without
    labels (zero-shot) has no measured quality and is not listed here.

    Args:
        quality: :func:`claim_quality`'s frame.
    """
    out = {}
    for r in quality.itertuples():
        low = [f"{name} {v:.2f}" for name, v in (("precision", r.precision), ("recall", r.recall)) if v < min_recall]
        if r.support and low:
            out[r.narrative] = "CV " + " and ".join(low)
    return out


def claims_section(con: Any, panel: Panel, min_docs: int, *, figure: str, stance_quality: dict[str, Any],
                   measurable: list[str], errors: dict[str, tuple[float, float]], per_narrative: int = 3,
                   min_recall: float = 0.0) -> list[str]:
    """Section 2, the narratives: quality; (a) the figure by month with its
    coverage line and the trend table; (b) which side carries each
    (:func:`pipeline.report.narrative_carriers.side_table`); (c) which outlets
    and actors (:func:`pipeline.report.narrative_carriers.source_table`); (d)
    ``per_narrative`` cited examples each
    (:func:`pipeline.report.narrative_examples.examples`).

    Args:
        figure: link to figure ``narratives_by_month``.
        stance_quality: :func:`pipeline.report.markdown.stance_quality`.
        measurable: the stances with a share (section 3).
        errors: label → (ACC, CC) cross-validated share error.
        min_recall: ``report.min_recall``: a claim whose CV precision or recall is lower gets no share
            (:func:`unmeasurable_claims`), as a stance gets none in section 3.
    """
    quality, totals = claim_quality(con)
    trend, cells = claim_trend(con, panel, min_docs)
    shown = cells.tail(SHOWN_MONTHS)
    claims = quality[~quality["catch_all"]]
    catch_all = quality[quality["catch_all"]]
    keys = list(claims["narrative"])
    low = unmeasurable_claims(claims, min_recall)
    out = ["## 2. Narratives: the claims of the debate", "",
           "A **narrative** is a claim that recurs (\"Chinese models are cheap and good enough\", \"export controls "
           "backfired\"), from the taxonomy `corpora/narratives.yaml` (table `narrative_taxonomy`); the topics of "
           "section 5 are only what a text is about. Stage `narratives` scores every narrative passage for every "
           "claim (table `passage_narratives`); a document carries a narrative when at least one of its narrative "
           "passages states it (table `doc_narratives`, with that evidence passage). "
           + (f"Quality, from grouped cross-validation by source file on {totals['n']:,} labelled "
              f"passage{'s' if totals['n'] != 1 else ''} "
              "(LLM-labelled by the narrative codebook; thresholds tuned on inner folds only): micro-F1 "
              f"**{totals['micro_f1']:.2f}** over the {len(claims)} claims, per narrative in the table below. At this "
              "quality the shares are rough: compare months and narratives, do not quote a level as exact. The "
              "thresholds maximise F1 on labelled passages whose class shares are not corpus shares, so levels "
              "lean high for low-precision narratives, and a document of several narrative passages has several "
              "chances to carry one." if totals["n"] else
              "There are no labelled passages: every narrative is a zero-shot first cut (similarity to its claim "
              "text), with no measured quality."), ""]
    if catch_all.size:
        out += [f"The catch-all `{catch_all['narrative'].iat[0]}` (on-topic claims that fit no other) is left "
                "out: it is not one claim.", ""]
    out += ["### Narratives by month", "", coverage_line(panel, cells, "documents with a narrative passage"), "",
            f"![Narratives by month]({figure})", ""]
    if not cells["measured"].any():
        out += ["No month of the panel is measured, so no share is given.", ""]
    pooled_n = int(cells.loc[cells["measured"], "n"].sum())
    measured = set(cells.loc[cells["measured"], "period"])
    last = workspace.query(con, "SELECT last FROM report_corpus_summary")["last"].iat[0]
    head = ("| narrative | claim | CV precision / recall / F1 | share of documents, measured months (95 % Wilson "
            "interval) |")
    out += ["The same shares in numbers: pooled over the measured months, and the last "
            f"{len(shown)} months of the period:", "",
            head + "".join(f" {month_heading(m, last)} |" for m in shown["period"]),
            "|---|---|---|---:|" + "---:|" * len(shown)]
    by = trend.set_index(["narrative", "period"])["n_docs"] if len(trend) else pd.Series(dtype=float)
    share = trend.set_index(["narrative", "period"])["share"] if len(trend) else pd.Series(dtype=float)
    for r in claims.itertuples():
        n = sum(int(v) for (k, m), v in by.items() if k == r.narrative and m in measured)
        lo, hi = workspace.wilson_interval(n, pooled_n)  # sampling only; the classifier's error is the CV column
        pooled = f"{_pct(n / pooled_n)} ({n:,} of {pooled_n:,}; {100 * lo:.1f}–{100 * hi:.1f})" if pooled_n \
            else NOT_MEASURED
        quality_cell = (f"{r.precision:.2f} / {r.recall:.2f} / {r.f1:.2f} (n = {r.support})" if r.support
                        else f"no labels ({r.mode})")
        if r.narrative in low:
            out.append(f"| `{r.narrative}` | {_md_cell(r.claim)} | {quality_cell} | not measurable "
                       f"({low[r.narrative]} < {min_recall:.2f}) |" + " not measurable |" * len(shown))
            continue
        out.append(f"| `{r.narrative}` | {_md_cell(r.claim)} | {quality_cell} | {pooled} |"
                   + _month_cells(r.narrative, shown, share))
    sq = stance_quality
    hedges = "; ".join(f"of the documents decided {s}, {_pct(sq['per_class'][s]['precision'])} are {s} in "
                       "cross-validation" for s in measurable)
    if low:
        out += ["", f"**Not measurable:** {', '.join(f'`{k}`' for k in low)}: cross-validated precision or recall "
                f"under {min_recall:.2f} (`report.min_recall`, the rule that withholds a stance's share in section 3), "
                "so no share is given here or drawn in the figure; the tables below still list the documents the "
                "classifier gives it, and its examples are passages a reader labelled with it where there are any."]
    out += ["", "Source: tables `narrative_taxonomy`, `narrative_labels`; views `report_claim_month_source_counts`, "
            "`report_claim_month_source_totals` (summed over the panel).", "",
            "### Which side carries each narrative", "",
            "The stance mix of the documents carrying each narrative, over all months and sources (view "
            "`narrative_stance`, counted over the documents without a stance training label, view "
            "`report_claim_stance_counts`). **A caveat on the stance model** (section 3): its cross-validated "
            f"macro-F1 is {sq['macro_f1_stances']:.2f} over the three stances; each column head gives the stance's "
            "cross-validated precision (P) and recall (R), and ± the cross-validated error of a classify-and-count "
            "share" + (f" ({hedges})" if hedges else "") + ". Read a row as which side a narrative leans to, not as "
            "a measured share. A stance whose precision or recall is too low to measure gets no share, so the shares "
            "of a row need not add up to 100 %: the rest are documents decided that stance. *Side in "
            "the taxonomy*: the side the narrative usually serves by the codebook (a prior, not a measurement).",
            "", *side_table(con, claims.assign(side=claims["narrative"].map(_sides(con))), sq, measurable, errors),
            "", "### Which outlets and actors carry each narrative", "",
            "Outlets (view `narrative_sources`, all months, labelled documents included, unlike the stance table "
            "above, which counts only documents without a stance label): the documents carrying the narrative, and in"
            " brackets their share of the outlet's documents with a narrative passage: the counts follow what was "
            "collected (section 1), the brackets say how much of an outlet's coverage the claim takes. Actors: listed"
            " actors (`corpora/actors.yaml`) quoted in passages that carry the narrative (view `actor_narratives`; "
            "automatic attribution, see section 4).", "", *source_table(con, keys), "",
            "### Examples", "",
            f"Up to {per_narrative} cited passages per narrative, citable (their own record's URL and date) and "
            "spread over outlets, and over narratives (a passage cited above comes after the others). First, "
            "passages a reader labelled with the narrative (table `narrative_labels`; "
            "\"read by\" names the annotator), with the reader's evidence sentence in **bold**: one reader's reading "
            "(an LLM annotator's), so read the passage before quoting "
            "it. Then, "
            "where fewer were read, the passage that made an unlabelled document carry it "
            "(`doc_narratives.evidence_passage_id`; p: its probability of the narrative), with its sentence "
            "sharing the most words with the claim in bold (a reading aid: the model scores the whole passage). "
            "The model's passages are not read: in a review of this report about a third of them did not state "
            "their claim, so read one before citing it. Social posts are quoted as stored, handles "
            "pseudonymised.", ""]
    ex = examples(con, per_narrative)
    for r in claims.itertuples():
        rows = ex[ex["narrative"] == r.narrative]
        if len(rows):
            out += [f"**`{r.narrative}`**: {_md_cell(r.claim)}", ""]
            out += [f"- “{quote(e.text, r.claim, evidence=e.evidence if pd.notna(e.evidence) else None)}” "
                    f"({_cite(e)}; " + (f"read by {e.annotator})" if pd.notna(e.annotator) else
                                        f"p = {float(e.p):.2f}, not read)") for e in rows.itertuples()]
            out.append("")
    none = [f"`{k}`" for k in keys if k not in set(ex["narrative"])]
    return out + ([f"No citable passage carries {', '.join(none)}.", ""] if none else [])


def _sides(con: Any) -> dict[str, str | None]:
    """Narrative → its side in table ``narrative_taxonomy`` (``None``: no one side)."""
    return dict(con.execute("SELECT narrative, side FROM narrative_taxonomy").fetchall())
