"""Section 3's shares by reading per period: the stance mix of the trend panel's sources quarter by quarter (or
month or year, ``params.yaml`` ``stance.sample_period``) as the annotators read it, with no classifier (table
``stance_sample_shares_by_period``, :func:`pipeline.stance.sample_shares.sample_shares_by_period`), and a
permutation test of equal shares across the periods (:func:`pipeline.stance.sample_shares.equal_shares_p`).

Within a source file the labelled documents are a random sample of the eligible ones (relevant, not reserved),
so those dated in a period are a random sample of that period's eligible documents. The intervals and the test
cover that sampling only, not the readers' disagreement (``corpora/labels/README.md``, the second reading of the
recaps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.sample_types import FEW_LABELS, read_share_cell
from pipeline.stance.sample_shares import PERIODS, equal_shares_p, period_start

#: The ``stance.sample_period`` values.
UNITS = tuple(PERIODS)


def _naive_utc(t: Any) -> pd.Timestamp:
    """``t`` as a time-zone-free UTC timestamp (a naive ``t`` is taken as UTC)."""
    t = pd.Timestamp(t)
    return t.tz_convert("UTC").tz_localize(None) if t.tzinfo else t


def period_heading(start: Any, unit: str, first: Any = None, last: Any = None) -> str:
    """``2025 Q1``, ``2025-03`` or ``2025`` for the period of ``unit`` starting ``start``, with " (from MM-DD)"
    when the source's first document (``first``) falls inside it after its first day and " (to MM-DD)" when
    its last (``last``) falls inside it before its last day: a partial period's share is of fewer days."""
    p = pd.Period(pd.Timestamp(start), freq=PERIODS[unit])
    out = {"month": f"{p.start_time:%Y-%m}", "quarter": f"{p.year} Q{p.quarter}", "year": f"{p.year}"}[unit]
    lo, hi = p.start_time.normalize(), p.end_time.normalize()
    if first is not None and lo < _naive_utc(first).normalize() <= hi:
        out += f" (from {_naive_utc(first):%m-%d})"
    if last is not None and lo <= _naive_utc(last).normalize() < hi:
        out += f" (to {_naive_utc(last):%m-%d})"
    return out


def sample_period_lines(con: Any, sources: Sequence[str]) -> list[str]:
    """A sentence and, per source of ``sources`` (the trend panel) with rows in the table, a table of its
    periods: documents in files that hold labels (of all the source's documents of the period, where fewer),
    labelled documents and the share by reading of each of the three stances (``workspace.LABELS[:3]``) with
    its 95 % interval; a period with fewer than :data:`FEW_LABELS` labelled documents shows no share. Then,
    per stance, the permutation p-value of equal shares across the periods with at least :data:`FEW_LABELS`
    labels. Empty without the table (a warehouse built before session 34) or its rows.

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
    units = sorted(set(rows["unit"]))
    if len(units) > 1 or units[0] not in UNITS:
        raise ValueError(f"stance_sample_shares_by_period.unit: {units}, not one of {UNITS}")
    unit = units[0]
    docs = workspace.query(con, """
        SELECT d.source, d.source_file, d.published_at, l.label
        FROM stances s JOIN documents d USING (doc_id) LEFT JOIN stance_labels l USING (doc_id)
        WHERE list_contains(?, d.source) AND d.published_at IS NOT NULL""", [list(sources)])
    docs["period"] = pd.to_datetime(period_start(docs["published_at"], unit))   # the stage's own periods
    stances = list(workspace.LABELS[:3])
    out = ["", f"**Per {unit}, by reading** (table `stance_sample_shares_by_period`; no classifier): within the "
           "trend's sources, the labelled documents dated in a period are a random sample of that period's "
           "eligible documents (relevant, not reserved for evaluation; the reserved ones, never labelled, are "
           "taken to be like them), so each row is the stance mix of that source as collected, as the "
           "annotators read it. The 95 % interval covers the sampling only, not the readers' disagreement: on "
           "the recaps a blind second reading kept half of the first round's `pro_china_tools` labels and all "
           "of the second round's before adjudication (`corpora/labels/README.md`). Overlapping intervals do "
           "not show that two periods are alike, and with many periods one pair will differ by chance: the test "
           "below asks whether the "
           f"shares differ between the {unit}s at all."]
    for source, mine in rows.groupby("source", sort=True):
        own = docs[docs["source"] == source]
        first, last = own["published_at"].min(), own["published_at"].max()
        n_all = own.groupby("period").size()
        n_read = own[own["label"].notna()].groupby("period").size()
        out += ["", f"`{source}`:", "", f"| {unit} | documents | labelled | " + " | ".join(stances) + " |",
                "|---|---:|---:|" + "---:|" * len(stances)]
        few = []
        for when, part in mine.groupby("period", sort=True):
            key, share = pd.Timestamp(when), part.set_index("label")
            covered, total, read = int(part["n_covered"].iloc[0]), int(n_all.get(key, 0)), int(n_read.get(key, 0))
            heading = period_heading(when, unit, first, last)
            docs_cell = f"{covered:,}" if covered == total else f"{covered:,} (of {total:,})"
            if read < FEW_LABELS:
                few.append(heading)
                cells = ["—"] * len(stances)
            else:
                cells = [read_share_cell(share, s) if s in share.index else "—" for s in stances]
            out.append(f"| {heading} | {docs_cell} | {read:,} | " + " | ".join(cells) + " |")
        if few:
            out += ["", f"No share where fewer than {FEW_LABELS} documents are labelled: {', '.join(few)}."]
        tested = own[own["label"].notna() & own["period"].isin(n_read[n_read >= FEW_LABELS].index)]
        if tested["period"].nunique() >= 2:
            ps = {s: equal_shares_p(tested["period"], tested["source_file"], tested["label"] == s) for s in stances}
            tests = ", ".join(f"{s} p {'< 0.001' if p < 0.001 else f'= {p:.3f}'}" for s, p in ps.items())
            out += ["", f"Equal shares in every {unit} with at least {FEW_LABELS} labels "
                    f"({tested['period'].nunique()} {unit}s, {len(tested):,} labels; permutation test of the "
                    f"chi-square statistic, the labels' {unit}s shuffled within each source file, 10,000 "
                    f"draws): {tests}. A p under 0.05 says that stance's share differs between these {unit}s "
                    "more than sampling explains; a larger one gives no evidence of a change."]
    return out
