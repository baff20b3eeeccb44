"""Section 3's shares by reading per period: the stance mix of the trend panel's sources quarter by quarter (or
month or year, ``params.yaml`` ``stance.sample_period``) as the annotators read it, with no classifier (table
``stance_sample_shares_by_period``, :func:`pipeline.stance.sample_shares.sample_shares_by_period`).

Within a source file the labelled documents are a random sample, so those dated in a period are a random sample
of that period's documents. The model's monthly shares above carry the classifier's errors (CV precision 0.18
for ``pro_china_tools``); these carry only the sampling error, and fewer labels make it wider.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.sample_types import FEW_LABELS, read_share_cell

#: DuckDB ``date_trunc`` part of each ``stance.sample_period`` value.
UNITS = ("month", "quarter", "year")


def period_heading(start: Any, unit: str, last: Any) -> str:
    """``2025 Q1``, ``2025-03`` or ``2025`` for the period of ``unit`` starting ``start``, with " (to MM-DD)"
    when the corpus's latest ``published_at`` (``last``) falls inside it before its last day."""
    d, last_day = pd.Timestamp(start), pd.Timestamp(last).tz_localize(None) if pd.Timestamp(last).tzinfo else \
        pd.Timestamp(last)
    label = {"month": f"{d:%Y-%m}", "quarter": f"{d.year} Q{(d.month - 1) // 3 + 1}", "year": f"{d.year}"}[unit]
    end = d + {"month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3),
               "year": pd.DateOffset(years=1)}[unit] - pd.Timedelta(days=1)
    return label + (f" (to {last_day:%m-%d})" if d <= last_day.normalize() < end else "")


def sample_period_lines(con: Any, sources: Sequence[str], last: Any) -> list[str]:
    """A sentence and, per source of ``sources`` (the trend panel) with rows in the table, a table of its
    periods: documents, labelled documents and the share by reading of each of the three stances
    (``workspace.LABELS[:3]``) with its 95 % interval; periods with fewer than :data:`FEW_LABELS` labelled
    documents are marked. Empty without the table (a warehouse built before session 34) or its rows.

    Raises:
        ValueError: the table's ``unit`` is not one of :data:`UNITS`.
    """
    if workspace.query(con, "SELECT 1 FROM duckdb_tables() WHERE table_name = 'stance_sample_shares_by_period'"
                       ).empty:
        return []
    rows = workspace.query(con, "SELECT source, period, unit, label, corpus_share, corpus_lo, corpus_hi, n_covered "
                                "FROM stance_sample_shares_by_period WHERE list_contains(?, source) "
                                "ORDER BY source, period", [list(sources)])
    if rows.empty:
        return []
    unit = str(rows["unit"].iloc[0])
    if unit not in UNITS or rows["unit"].nunique() > 1:
        raise ValueError(f"stance_sample_shares_by_period.unit: {sorted(set(rows['unit']))}, not one of {UNITS}")
    read = workspace.query(con, f"""
        SELECT d.source, date_trunc('{unit}', timezone('UTC', d.published_at))::DATE AS period, count(*) AS n
        FROM stance_labels l JOIN documents d USING (doc_id) GROUP BY ALL""")
    read = read.assign(period=pd.to_datetime(read["period"])).set_index(["source", "period"])["n"]
    stances = list(workspace.LABELS[:3])
    out = ["", f"**Per {unit}, by reading** (table `stance_sample_shares_by_period`; no classifier): within the "
           "trend's sources, the labelled documents dated in a period are a random sample of that period's "
           "documents, so each row is the period's stance mix as the annotators read it, with the 95 % interval of "
           "the sampling only. The model's months above carry its classification errors as well; these do not, "
           "and they are the figures to compare between periods: where two periods' intervals overlap, the "
           "labels do not show a change."]
    for source, mine in rows.groupby("source", sort=True):
        out += ["", f"`{source}`:", "", f"| {unit} | documents | labelled | " + " | ".join(stances) + " |",
                "|---|---:|---:|" + "---:|" * len(stances)]
        few = []
        for when, part in mine.groupby("period", sort=True):
            share = part.set_index("label")
            n_read = int(read.get((source, pd.Timestamp(when)), 0))
            heading = period_heading(when, unit, last)
            if n_read < FEW_LABELS:
                few.append(heading)
            out.append(f"| {heading} | {int(part['n_covered'].iloc[0]):,} | {n_read:,} | "
                       + " | ".join(read_share_cell(share, s) if s in share.index else "—" for s in stances) + " |")
        if few:
            out += ["", f"Fewer than {FEW_LABELS} labelled documents, too few to compare: {', '.join(few)}."]
    return out
