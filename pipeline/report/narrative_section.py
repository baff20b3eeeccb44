"""Section 3 of ``reports/report.md``: the narratives as claims (issue 19).

A narrative is a claim of ``corpora/narratives.yaml`` (table
``narrative_taxonomy``); a document carries it when one of its narrative
passages states it (table ``doc_narratives``, stage ``narratives``). The
section gives the classifier's cross-validated quality (recomputed from table
``narrative_labels``: each labelled passage's honest prediction), each
narrative's share of documents over the report's constant panel of sources
(:mod:`pipeline.report.coverage`, with the coverage line above the trend), and
one cited evidence passage per narrative (a citable passage: its own record's
URL and date). The catch-all narrative is left out of the trend: it is not one
claim.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _cite, _md_cell, _month_label, _pct
from pipeline.report.coverage import Panel, coverage_line, measured_cells

#: Characters of an evidence passage quoted in the report.
QUOTE_CHARS = 400
#: Measured months shown as columns of the trend table (the latest ones).
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


def evidence(con: Any) -> pd.DataFrame:
    """One cited evidence passage per narrative (view ``report_claim_evidence``):
    the most probable unlabelled citable passage carrying it (ties: ``passage_id``)."""
    return workspace.query(con, """
        SELECT narrative, passage_id, p, text, outlet, source_type, url, published_at,
               row_number() OVER (PARTITION BY narrative ORDER BY p DESC, passage_id) AS rank
        FROM report_claim_evidence WHERE NOT labelled QUALIFY rank = 1 ORDER BY narrative""")


def carriers(con: Any, claims: list[str], measurable: list[str], top: int = 3) -> list[str]:
    """The table "who carries each narrative", over all months: the stance mix of
    its unlabelled corpus documents (view ``report_claim_stance_counts``; the
    ``measurable`` stances only), its ``top`` outlets (view ``narrative_sources``)
    and listed actors (view ``actor_narratives``, actors of table ``actors``)."""
    stance = workspace.query(con, "SELECT narrative, label, n_docs FROM report_claim_stance_counts")
    outlets = workspace.query(con, "SELECT narrative, outlet, sum(n_docs) AS n FROM narrative_sources "
                                   "GROUP BY ALL ORDER BY narrative, n DESC, outlet")
    actors = workspace.query(con, "SELECT narrative, actor, n_quotes AS n FROM actor_narratives "
                                  "WHERE actor IN (SELECT actor FROM actors) ORDER BY narrative, n DESC, actor")
    out = ["| narrative | unlabelled documents | " + "".join(f"{s} share | " for s in measurable)
           + f"top {top} outlets (documents) | top {top} listed actors (quotes in its passages) |",
           "|---|---:|" + "---:|" * len(measurable) + "---|---|"]
    for key in claims:
        st = stance[stance["narrative"] == key].set_index("label")["n_docs"]
        n = int(st.sum())
        shares = "".join(f"{_pct(st.get(s, 0) / n) if n else '–'} | " for s in measurable)
        top_o = ", ".join(f"{_md_cell(r.outlet)} ({int(r.n):,})" for r in outlets[outlets["narrative"] == key]
                          .head(top).itertuples()) or "–"
        top_a = ", ".join(f"{_md_cell(r.actor)} ({int(r.n):,})" for r in actors[actors["narrative"] == key]
                          .head(top).itertuples()) or "–"
        out.append(f"| `{key}` | {n:,} | {shares}{top_o} | {top_a} |")
    return out


def claims_section(con: Any, panel: Panel, min_docs: int, measurable: list[str] = ()) -> list[str]:
    """Section 3: quality, trend table (coverage line above it), who carries each
    narrative (:func:`carriers`; ``measurable``: the stances with a share, section 2)
    and evidence per narrative."""
    quality, totals = claim_quality(con)
    trend, cells = claim_trend(con, panel, min_docs)
    measured = [m for m, ok in zip(cells["period"], cells["measured"]) if ok]
    shown = measured[-SHOWN_MONTHS:]
    claims = quality[~quality["catch_all"]]
    catch_all = quality[quality["catch_all"]]
    out = ["## 3. Narratives (claims)", "",
           "A **narrative** is a claim that recurs, from the taxonomy `corpora/narratives.yaml` (table "
           "`narrative_taxonomy`); a topic (section 4) is only what a text is about. Stage `narratives` scores "
           "every narrative passage for every claim (table `passage_narratives`); a document carries a narrative "
           "when at least one of its narrative passages states it (table `doc_narratives`, with the evidence "
           "passage). "
           + (f"Quality, from grouped cross-validation by source file on {totals['n']:,} labelled passages "
              "(LLM-labelled by the narrative codebook; thresholds tuned on inner folds only): micro-F1 "
              f"**{totals['micro_f1']:.2f}** over the {len(claims)} claims, per narrative below. At this quality "
              "the shares are rough estimates: compare months and narratives, do not quote a level as exact. The "
              "thresholds maximise F1 on labelled passages whose class shares are not corpus shares, so levels "
              "lean high for low-precision narratives, and a document of several narrative passages has several "
              "chances to carry one." if totals["n"] else
              "There are no labelled passages: every narrative is a zero-shot first cut (similarity to its claim "
              "text), with no measured quality."), ""]
    if catch_all.size:
        out += [f"The catch-all `{catch_all['narrative'].iat[0]}` (on-topic claims that fit no other) is left "
                "out of the trend: it is not one claim.", ""]
    out += [coverage_line(panel, cells, "documents with a narrative passage"), ""]
    if not measured:
        out += ["No month of the panel is measured, so no share is given.", ""]
    pooled_n = int(cells.loc[cells["measured"], "n"].sum())
    head = "| narrative | claim | mode | CV precision / recall / F1 | share of documents, measured months |"
    head += "".join(f" {_month_label(m)} |" for m in shown)
    out += [head, "|---|---|---|---|---:|" + "---:|" * len(shown)]
    by = trend.set_index(["narrative", "period"])["n_docs"] if len(trend) else pd.Series(dtype=float)
    share = trend.set_index(["narrative", "period"])["share"] if len(trend) else pd.Series(dtype=float)
    for r in claims.itertuples():
        n = sum(int(by.get((r.narrative, m), 0)) for m in measured)
        pooled = f"{_pct(n / pooled_n)} ({n:,} of {pooled_n:,})" if pooled_n else "not measured"
        quality_cell = (f"{r.precision:.2f} / {r.recall:.2f} / {r.f1:.2f} (n = {r.support})" if r.support
                        else "no labels")
        months = "".join(f" {_pct(float(share.get((r.narrative, m), 0.0)))} |" for m in shown)
        out.append(f"| `{r.narrative}` | {_md_cell(r.claim)} | {r.mode} | {quality_cell} | {pooled} |{months}")
    out += ["", "Source: tables `narrative_taxonomy`, `narrative_labels`; views `report_claim_month_source_counts`, "
            "`report_claim_month_source_totals` (summed over the panel).", "",
            "**Who carries each narrative** (all months and sources; stance shares of its unlabelled documents, "
            "the stances measurable in section 2 only):", "",
            *carriers(con, list(claims["narrative"]), list(measurable)), "", "**Evidence** (for each narrative, "
            "its most probable citable passage without a training label; view `report_claim_evidence`):", ""]
    ev = evidence(con).set_index("narrative")
    for r in claims.itertuples():
        if r.narrative not in ev.index:
            out.append(f"- `{r.narrative}`: no citable passage carries it.")
            continue
        e = ev.loc[r.narrative]
        text = " ".join(str(e.text).split())
        text = text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
        cite = _cite(SimpleNamespace(outlet=e.outlet, published_at=e.published_at, url=e.url,
                                     source_type=e.source_type))
        out.append(f"- `{r.narrative}` (p = {float(e.p):.2f}): “{_md_cell(text)}” ({cite})")
    return out + [""]
