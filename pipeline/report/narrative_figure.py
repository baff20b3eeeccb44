"""Figure ``narratives_by_month``: the taxonomy's narratives by month, one
small panel per claim (issue 19, the figure the report leads with).

Each panel is a narrative's share of the month's documents (the documents
with a narrative passage) over the report's constant panel of sources, from
:func:`pipeline.report.narrative_section.claim_trend`; months that are not
measured (:mod:`pipeline.report.coverage`) are hatched and draw no point. The
band is a 95 % Wilson interval of the month's share (sampling only: the
classifier's own error, given in the report's quality table, is not in it).
Panels keep their own y scale, since the claims' levels differ by a factor of
fifty; the pooled share over the measured months is in each panel's title.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.intervals import wilson_interval
from pipeline.report.cells import _month_label
from pipeline.report.coverage import NOT_MEASURED, Panel
from pipeline.report.figures import SOURCE_NOTE, _not_measured, _note, _plt, _save, isolated

#: Panels per row of the figure.
COLUMNS = 4


def wilson(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals (:func:`pipeline.intervals.wilson_interval`) of
    ``k`` successes in ``n`` trials, arrays of equal shape, ``n > 0``.
    Returns ``(low, high)`` as shares 0–1."""
    ci = [wilson_interval(int(a), int(b), level) for a, b in zip(k, n)]
    return np.array([c[0] for c in ci]), np.array([c[1] for c in ci])


def _sources(panel: Panel) -> str:
    """``"source `a`, the only source collected in every month shown"`` or the plural."""
    names = ", ".join(panel.sources)
    return (f"{names}, the only source collected in every month shown" if len(panel.sources) == 1
            else f"{len(panel.sources)} sources collected in every month shown ({names})")


def claim_grid(trend: pd.DataFrame, cells: pd.DataFrame, claims: list[str]) -> pd.DataFrame:
    """Long frame of every (claim, month of the period): ``narrative, period
    (Timestamp), k, n, share, lo, hi``; ``share``/``lo``/``hi`` are NaN where
    the month is not measured.

    Args:
        trend: :func:`pipeline.report.narrative_section.claim_trend` counts
            (``narrative, period, n_docs``).
        cells: its months (``period, n, measured``).
        claims: the narratives, in panel order.
    """
    months = pd.to_datetime(cells["period"])
    n = cells["n"].to_numpy()
    measured = cells["measured"].to_numpy(dtype=bool)
    counts = trend.assign(period=pd.to_datetime(trend["period"])).set_index(["narrative", "period"])["n_docs"]
    rows = []
    for key in claims:
        k = np.array([int(counts.get((key, m), 0)) for m in months])
        lo, hi = np.full(len(k), np.nan), np.full(len(k), np.nan)
        if measured.any():
            lo[measured], hi[measured] = wilson(k[measured], n[measured])
        share = np.where(measured, k / np.maximum(n, 1), np.nan)
        rows.append(pd.DataFrame({"narrative": key, "period": months, "k": k, "n": n, "share": share,
                                  "lo": lo, "hi": hi}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["narrative", "period", "k", "n", "share", "lo", "hi"])


def figure_claims_by_month(trend: pd.DataFrame, cells: pd.DataFrame, claims: list[str], path: Path, *,
                           panel: Panel, min_docs: int, unmeasurable: dict[str, str] | None = None) -> pd.DataFrame:
    """Small multiples: each claim's monthly share (%) with its Wilson band,
    not-measured months hatched; returns :func:`claim_grid`.

    Args:
        trend, cells: :func:`pipeline.report.narrative_section.claim_trend`.
        claims: the taxonomy's claims (catch-all left out), taxonomy order.
        path: the PNG.
        panel: the trend's sources and months (named in the source note).
        min_docs: ``report.min_docs_per_month`` (named in the source note).
        unmeasurable: claims whose CV precision or recall is under ``report.min_recall``, with why
            (:func:`pipeline.report.narrative_section.unmeasurable_claims`): their panels say so and draw
            no share, as the report's table gives none.
    """
    plt = _plt()
    import matplotlib.dates as mdates

    grid = claim_grid(trend, cells, claims)
    rows = max(1, -(-len(claims) // COLUMNS))
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(11, 1.85 * rows + 0.9), sharex=True, squeeze=False)
    months = pd.to_datetime(cells["period"])
    gaps = months[~cells["measured"].to_numpy(dtype=bool)]
    pooled_n = int(cells.loc[cells["measured"], "n"].sum())
    unmeasurable = unmeasurable or {}
    for ax, key in zip(axes.flat, claims):
        g = grid[grid["narrative"] == key]
        _not_measured(ax, gaps)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        ax.tick_params(labelsize=7)
        if key in unmeasurable:
            ax.set_title(f"{key}  (not measurable)", fontsize=9, loc="left")
            ax.text(0.5, 0.5, f"no share:\n{unmeasurable[key]}\nunder report.min_recall", transform=ax.transAxes,
                    ha="center", va="center", fontsize=8, color="#7F7F7F")
            ax.set_ylim(0, 5.0)
            continue
        ax.fill_between(g["period"], 100 * g["lo"], 100 * g["hi"], color="#9ecae1", linewidth=0, label="95 % band")
        alone = isolated(g["share"])  # a measured month between gaps: fill_between draws no band there
        ax.vlines(g.loc[alone, "period"], 100 * g.loc[alone, "lo"], 100 * g.loc[alone, "hi"], color="#9ecae1",
                  linewidth=3)
        ax.plot(g["period"], 100 * g["share"], color="#08519c", linewidth=1.2, marker="o", markersize=2)
        k = int(g.loc[g["share"].notna(), "k"].sum())
        pooled = f"{100 * k / pooled_n:.1f} %" if pooled_n else NOT_MEASURED
        ax.set_title(f"{key}  ({pooled})", fontsize=9, loc="left")
        # the scale follows the line (twice its peak, at least 5 %); a wider band runs off the top
        peak = np.nanmax(100 * g["share"].to_numpy(dtype=float)) if g["share"].notna().any() else 0.0
        band = np.nanmax(100 * g["hi"].to_numpy(dtype=float)) if g["hi"].notna().any() else 1.0
        ax.set_ylim(0, max(1.0, min(band * 1.05, max(2 * peak, 5.0))))
        ax.grid(axis="y", color="#E0E0E0", linewidth=0.5)
    for i, ax in enumerate(axes.flat):
        if i >= len(claims):
            ax.axis("off")
        elif i + COLUMNS >= len(claims):  # no panel below: this panel carries the month labels
            ax.tick_params(labelbottom=True)
            for t in ax.get_xticklabels():
                t.set_rotation(30)
                t.set_ha("right")
    if len(months):
        axes[0, 0].set_xlim(months.min() - pd.Timedelta(days=16), months.max() + pd.Timedelta(days=16))
    for ax in axes[:, 0]:
        ax.set_ylabel("% of docs", fontsize=8)
    fig.suptitle("Narratives by month: share of the month's documents carrying each claim\n"
                 f"over {_sources(panel)}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    _note(fig, SOURCE_NOTE.format(view="views report_claim_month_source_counts, report_claim_month_source_totals; "
                                       "panel from view coverage").replace("figures.py", "narrative_figure.py")
          + f"\nSources: {', '.join(panel.sources)}; months {_month_label(panel.months[0])} to "
          f"{_month_label(panel.months[-1])}. Denominator: the panel's documents with a narrative passage. "
          f"Hatched: not measured (fewer than {min_docs} such documents, or a source not collected).\n"
          "Band: 95 % Wilson interval (sampling only; the classifier's error is not in it; cut at the top of the panel "
          "where wider). Each panel has its own y scale; in brackets, the share pooled over the measured months.")
    _save(fig, path)
    return grid
