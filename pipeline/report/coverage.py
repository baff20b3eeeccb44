"""Comparable monthly trends: the panel of sources a trend is computed over,
and which of its months are measured (issue 17, "comparable trends").

Each source covers its own months (the NTIA docket in 2024, one day of X
posts, the AI Action Plan comments in 2025, mostly newsletter recaps in
2026), so a share over *all* sources changes whenever the mix of sources
does. The rule, used by every monthly trend of the report and reusable by
any other (call :func:`trend_panel`, then :func:`measured_cells`):

1. **Period and panel.** ``report.trend_period`` (``[first, last]``, months
   ``YYYY-MM``) and ``report.trend_sources`` declare them; either left empty
   is derived from view ``coverage`` (a source is *collected* in a month when
   it has a document dated there, or a window-dated document whose comment
   window covers it; see ``pipeline/sql/warehouse/050_coverage_views.sql``):

   * no sources declared: the panel is every source collected in every month
     of the period;
   * no period declared: the longest run of consecutive months in which every
     declared source is collected; with no sources declared either, the
     longest run of any single source (ties: more documents, then the
     earlier run, then the source's name).

2. **Measured cells.** A month of the period is *measured* when every panel
   source was collected in it and the panel has at least ``min_n``
   documents (or passages) in the trend's own count for that month
   (``report.min_docs_per_month``); any other month is shown as "not
   measured" (hatched in figures, the words in tables), never as a share.

A month outside the period is not shown. So a month holding only one
docket's 20 comments is never a point of a trend: the docket is not
collected in the other months, so it is not in the panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.config import ConfigError
from pipeline.report.cells import _month_label

NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Panel:
    """The sources and months of a trend.

    Attributes:
        sources: the panel, sorted.
        months: every month of the period (first days, consecutive).
        declared: which of ``sources``/``period`` came from params
            (``{"sources", "period"}`` subset).
        gaps: month → panel sources not collected that month (empty for a
            derived panel).
    """

    sources: tuple[str, ...]
    months: tuple[date, ...]
    declared: frozenset[str] = frozenset()
    gaps: dict[date, tuple[str, ...]] = field(default_factory=dict)


def load_coverage(con: Any) -> pd.DataFrame:
    """View ``coverage``: ``source, source_type, period (date), n_docs, n_corpus, n_window, collected``."""
    frame = workspace.query(con, "SELECT source, source_type, period, n_docs, n_corpus, n_window, collected "
                                 "FROM coverage ORDER BY source, period")
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return frame


def _month(text: Any, key: str) -> date:
    try:
        return pd.Timestamp(str(text)).date().replace(day=1)
    except ValueError as exc:
        raise ConfigError(f"params.yaml report.{key}: {text!r} is not a month YYYY-MM") from exc


def _months(first: date, last: date) -> tuple[date, ...]:
    return tuple(p.date() for p in pd.date_range(first, last, freq="MS"))


def _runs(months: list[date]) -> list[tuple[date, date]]:
    """Runs of consecutive months in a sorted list: ``[(first, last), ...]``."""
    runs: list[tuple[date, date]] = []
    for m in months:
        if runs and (runs[-1][1].year * 12 + runs[-1][1].month + 1) == m.year * 12 + m.month:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    return runs


def _longest_run(coverage: pd.DataFrame, sources: list[str]) -> tuple[date, date] | None:
    """Longest run of months in which every source of ``sources`` is collected
    (ties: more documents, then the earlier run); ``None`` if there is none."""
    collected = coverage[coverage["collected"] & coverage["source"].isin(sources)]
    per_month = collected.groupby("period").agg(k=("source", "nunique"), n=("n_corpus", "sum"))
    months = sorted(per_month.index[per_month["k"] == len(set(sources))])
    best, key = None, None
    for first, last in _runs(months):
        k = (len(_months(first, last)), int(per_month.loc[first:last, "n"].sum()), -first.toordinal())
        if key is None or k > key:
            best, key = (first, last), k
    return best


def trend_panel(coverage: pd.DataFrame, params: dict[str, Any]) -> Panel:
    """The panel and period of the report's monthly trends (module docstring, rule 1).

    Args:
        coverage: :func:`load_coverage` (optionally filtered, e.g. to one source type).
        params: the ``report`` section of params.yaml (``trend_sources``, ``trend_period``).

    Raises:
        ConfigError: a declared source is not in view ``coverage``, the
            period is not two months in order, or no period can be derived.
    """
    sources = list(params.get("trend_sources") or [])
    period = list(params.get("trend_period") or [])
    declared = frozenset(k for k, v in (("sources", sources), ("period", period)) if v)
    unknown = sorted(set(sources) - set(coverage["source"]))
    if unknown:
        raise ConfigError(f"params.yaml report.trend_sources: {unknown} have no month in view coverage")
    if period:
        if len(period) != 2:
            raise ConfigError(f"params.yaml report.trend_period: expected [first, last], got {period!r}")
        first, last = _month(period[0], "trend_period"), _month(period[1], "trend_period")
        if first > last:
            raise ConfigError(f"params.yaml report.trend_period: {period[0]} is after {period[1]}")
    elif sources:
        run = _longest_run(coverage, sources)
        if run is None:
            raise ConfigError(f"params.yaml report.trend_sources: {sources} are never all collected in one month")
        first, last = run
    else:
        runs = [(s, _longest_run(coverage, [s])) for s in sorted(coverage["source"].unique())]
        runs = [(s, r) for s, r in runs if r is not None]
        if not runs:
            raise ConfigError("view coverage: no source is collected in any month; no trend period can be derived")

        def size(item: tuple[str, tuple[date, date]]) -> tuple[int, int, int]:
            s, (a, b) = item
            cells = coverage[(coverage["source"] == s) & (coverage["period"] >= a) & (coverage["period"] <= b)]
            return -len(_months(a, b)), -int(cells["n_corpus"].sum()), a.toordinal()

        first, last = min(runs, key=lambda item: (*size(item), item[0]))[1]
    months = _months(first, last)
    inside = coverage[(coverage["period"] >= first) & (coverage["period"] <= last) & coverage["collected"]]
    if not sources:
        per_source = inside.groupby("source")["period"].nunique()
        sources = sorted(per_source.index[per_source == len(months)])
        if not sources:
            raise ConfigError(f"params.yaml report.trend_period: no source is collected in every month of {period}; "
                              "declare report.trend_sources")
    got = inside[inside["source"].isin(sources)].groupby("period")["source"].agg(set)
    gaps = {m: tuple(sorted(set(sources) - got.get(m, set()))) for m in months}
    return Panel(tuple(sorted(sources)), months, declared, {m: g for m, g in gaps.items() if g})


def measured_cells(counts: pd.Series, panel: Panel, min_n: int) -> pd.DataFrame:
    """Which months of ``panel`` are measured (module docstring, rule 2).

    Args:
        counts: the trend's own count (documents or passages) of the panel's
            sources, indexed by month (``date``); missing months count 0.
        min_n: ``report.min_docs_per_month``.

    Returns:
        One row per month of the period: ``period, n, measured, reason``
        (``""``, ``"fewer than <min_n>"`` or ``"<sources> not collected"``).
    """
    counts = pd.Series(counts.to_numpy(), index=[pd.Timestamp(p).date() for p in counts.index])
    rows = []
    for m in panel.months:
        n = int(counts.get(m, 0))
        reason = (f"{', '.join(panel.gaps[m])} not collected" if m in panel.gaps
                  else f"fewer than {min_n}" if n < min_n else "")
        rows.append({"period": m, "n": n, "measured": not reason, "reason": reason})
    return pd.DataFrame(rows, columns=["period", "n", "measured", "reason"])


def coverage_line(panel: Panel, cells: pd.DataFrame, unit: str) -> str:
    """The sentence stated above a trend: its sources, its months, and which
    months are not measured (with why).

    Args:
        unit: what ``cells.n`` counts (``"documents"``, ``"narrative passages"``).
    """
    how = ("declared in params.yaml (report.trend_sources)" if "sources" in panel.declared
           else "derived from view `coverage`: every source collected in each month of the period")
    when = ("declared in params.yaml (report.trend_period)" if "period" in panel.declared
            else "derived: the longest run of months in which the panel is collected")
    missing = cells[~cells["measured"]]
    text = (f"**Coverage of this trend:** sources {', '.join(f'`{s}`' for s in panel.sources)} (panel {how}); "
            f"months {_month_label(panel.months[0])} to {_month_label(panel.months[-1])} ({when}); "
            f"{int(cells['measured'].sum())} of {len(cells)} months measured.")
    if len(missing):
        text += (f" Not measured ({unit} of the panel in the month; why): "
                 + ", ".join(f"{_month_label(r.period)} ({r.n:,}; {r.reason})" for r in missing.itertuples()) + ".")
    return text + " Other sources and months are left out of this trend, so its shares compare like with like."


def panel_stance(con: Any, panel: Panel, min_docs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stance counts per month of ``panel`` over its sources' documents without
    a training label (view ``report_stance_month_source_counts``), and which
    months are measured (:func:`pipeline.report.coverage.measured_cells`).

    Returns:
        ``(frame (period Timestamp, label, n_docs) of the measured months only,
        cells (period, n, measured, reason) of every month of the period)``.
    """
    frame = workspace.query(con, "SELECT period, label, sum(n_docs) AS n_docs FROM report_stance_month_source_counts "
                                 "WHERE source IN (SELECT unnest(?)) GROUP BY ALL ORDER BY period, label",
                            [list(panel.sources)])
    frame["period"] = pd.to_datetime(frame["period"])
    frame["n_docs"] = frame["n_docs"].astype(int)
    cells = measured_cells(frame.groupby("period")["n_docs"].sum(), panel, min_docs)
    keep = pd.to_datetime(cells.loc[cells["measured"], "period"])
    return frame[frame["period"].isin(keep)].reset_index(drop=True), cells


def panel_narratives(con: Any, panel: Panel, min_docs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Narrative passages per (topic, month) of ``panel``'s sources (view
    ``report_topic_month_source_counts``; outliers as ``outlier``) and
    which months are measured (their narrative passages, outliers included,
    against ``min_docs``).

    Returns:
        ``(frame (period Timestamp, topic_key, n_passages), cells)``.
    """
    frame = workspace.query(con, "SELECT period, topic_key, sum(n_passages) AS n_passages "
                                 "FROM report_topic_month_source_counts WHERE source IN (SELECT unnest(?)) "
                                 "GROUP BY ALL ORDER BY period, topic_key", [list(panel.sources)])
    frame["period"] = pd.to_datetime(frame["period"])
    frame["n_passages"] = frame["n_passages"].astype(int)
    return frame, measured_cells(frame.groupby("period")["n_passages"].sum(), panel, min_docs)
