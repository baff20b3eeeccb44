"""Figure ``source_mix`` of the report (``reports/figures/source_mix.png``):
what was collected, month by month, by source type (view
``report_source_type_month_counts``). Shares leave out months with fewer than
``report.min_docs_per_month`` documents (named in the source note); the
counts below show every month.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _month_label
from pipeline.report.figures import SOURCE_NOTE, _note, _plt, _save

#: Source-type colours: hues far from the stance colours, so no figure suggests a stance.
SOURCE_TYPE_COLOURS = {"social": "#8C8C8C", "recap": "#C9B458", "forum": "#9467BD", "policy": "#000000",
                       "news": "#8C564B", "blog": "#E377C2", "newsletter": "#4FB9C9"}


def figure_source_mix(con: Any, path: Path, *, min_docs: int) -> pd.DataFrame:
    """100 % stacked bars of documents per month by source type, n below;
    every calendar month from the first to the last has a slot. The shares
    leave out months with fewer than ``min_docs`` documents (named in the
    note); the counts below show every month, those left out in light grey
    (session-28 review: a month of 7 documents looked like one of none)."""
    plt = _plt()
    frame = workspace.query(con, "SELECT period, source_type, n_docs FROM report_source_type_month_counts "
                                 "ORDER BY period, source_type")
    wide = frame.pivot(index="period", columns="source_type", values="n_docs").fillna(0)
    totals = wide.sum(axis=1)
    dropped = [_month_label(p) for p in totals.index[totals < min_docs]]
    wide = wide[totals >= min_docs]
    few = totals[totals < min_docs]
    types = [t for t in SOURCE_TYPE_COLOURS if t in wide.columns] + sorted(set(wide.columns) - set(SOURCE_TYPE_COLOURS))
    share = wide[types].div(wide.sum(axis=1), axis=0) * 100
    # one slot per calendar month from the first to the last, so a month left out (or with no document)
    # shows as a gap instead of its neighbours standing side by side
    slots = (pd.date_range(pd.Timestamp(totals.index.min()), pd.Timestamp(totals.index.max()), freq="MS")
             if len(totals) else pd.DatetimeIndex([]))
    x = np.array([slots.get_loc(pd.Timestamp(p)) for p in share.index], dtype=int)
    fig, (ax, axn) = plt.subplots(2, 1, figsize=(10, 6.2), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    bottom = np.zeros(len(share))
    for t in types:
        ax.bar(x, share[t], bottom=bottom, color=SOURCE_TYPE_COLOURS.get(t, "#999999"), label=t, width=0.85)
        bottom += share[t].to_numpy()
    ax.set_ylim(0, 100)
    ax.set_ylabel("share of the month's documents (%)")
    ax.set_title("Source mix by month (relevant, non-duplicate documents)")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              title="source type")  # top of the legend = top of the stack
    axn.bar(x, wide.sum(axis=1).to_numpy(), color="#555555", width=0.85)
    if len(few):
        axn.bar(np.array([slots.get_loc(pd.Timestamp(p)) for p in few.index], dtype=int), few.to_numpy(),
                color="#c8c8c8", width=0.85, label=f"fewer than {min_docs}: no shares above")
        axn.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    axn.set_yscale("log")
    axn.set_ylim(bottom=0.8)  # a month of one document shows
    axn.set_ylabel("documents\n(log scale)")
    axn.set_xticks(np.arange(len(slots)), [_month_label(p) for p in slots], rotation=90, fontsize=7)
    axn.set_xlim(-0.6, len(slots) - 0.4)
    axn.set_xlabel("month of publication (UTC)")
    note = SOURCE_NOTE.format(view="view corpus")
    if dropped:
        note += f"\nMonths with fewer than {min_docs} documents left out: {', '.join(dropped)}."
    _note(fig, note)
    _save(fig, path)
    return frame
