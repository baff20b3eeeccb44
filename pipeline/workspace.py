"""Read-only access to the published warehouse, for notebooks and the report.

Notebooks in ``notebooks/`` and :mod:`pipeline.report` open
``data/debate.duckdb`` through :func:`open_warehouse` (read-only, so an
analysis can never change what reports cite) and share the stance colours and
the uncertainty helpers below.

Point a notebook at another project (the end-to-end test's scratch copy)
with the ``DEBATE_PROJECT_ROOT`` environment variable, or pass ``path``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import NOTES_FILE, WAREHOUSE_FILE, load_params
from pipeline.intervals import wilson_interval  # noqa: F401  (notebooks call workspace.wilson_interval)

#: Stance labels in the order of ``params.yaml`` → ``stance.labels`` (codebook
#: order, ``../shared/ANNOTATION.md``): a debate with other labels edits params only.
LABELS: tuple[str, ...] = tuple(load_params("stance")["labels"])
#: Colours of the sides, in label order: the colour-blind-safe palette of
#: Okabe & Ito (2008, "Color Universal Design"): blue, vermilion, bluish green,
#: then reddish purple, orange, sky blue, yellow; greys for the two non-stances.
SIDE_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
NON_STANCE_COLOURS = {"neutral": "#A0A0A0", "off_topic": "#DDDDDD"}


def stance_colours(labels: Sequence[str]) -> dict[str, str]:
    """One colour per label: greys for ``neutral`` and ``off_topic``, the
    :data:`SIDE_PALETTE` in order for the others (cycled past seven)."""
    sides = [lab for lab in labels if lab not in NON_STANCE_COLOURS]
    colours = {lab: SIDE_PALETTE[i % len(SIDE_PALETTE)] for i, lab in enumerate(sides)}
    return {lab: NON_STANCE_COLOURS.get(lab) or colours[lab] for lab in labels}


#: One colour per stance in every figure (:func:`stance_colours` of :data:`LABELS`).
STANCE_COLOURS = stance_colours(LABELS)


def open_warehouse(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only.

    Args:
        path: a DuckDB file; default ``data/debate.duckdb`` of the project
            (``DEBATE_PROJECT_ROOT`` if set).

    Each call reads the warehouse file that is there now (so re-running the
    cell after ``make run`` gives the new build) and prints a line when that
    build is newer than the one this process opened before. A pipeline run
    never waits for this connection: it builds a new file and swaps it in.

    Returns:
        A read-only DuckDB connection; close it when done.

    Raises:
        FileNotFoundError: the file does not exist (run ``make run``).
    """
    path = Path(path or WAREHOUSE_FILE)
    con = warehouse.connect(path, read_only=True)
    stat = path.stat()
    build = (stat.st_ino, stat.st_mtime_ns)
    seen = _OPENED.get(path.resolve())
    if seen is not None and seen != build:
        print(f"workspace: {path} is a newer build (written {_when(stat.st_mtime)}) than the one opened "
              "before in this session; connections opened before still read the old one")
    _OPENED[path.resolve()] = build
    return con


#: (inode, mtime) of the warehouse build each path had when last opened.
_OPENED: dict[Path, tuple[int, int]] = {}


def _when(seconds: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def open_notes(path: Path | str | None = None, *, warehouse_path: Path | str | None = None
               ) -> duckdb.DuckDBPyConnection:
    """A writable database for an analyst's own tables, ``data/notes.duckdb``
    by default, with the warehouse attached read-only as ``debate`` (join
    ``debate.documents`` …). Publishing never touches it, so what a notebook
    writes here survives every ``make run``; the warehouse itself is never
    written by notebooks.

    Raises:
        FileNotFoundError: the warehouse does not exist yet.
    """
    notes = Path(path or NOTES_FILE)
    notes.parent.mkdir(parents=True, exist_ok=True)
    return warehouse.connect(notes, read_only=False, attach={"debate": Path(warehouse_path or WAREHOUSE_FILE)})


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """Run ``sql`` (with ``?`` placeholders bound to ``params``) and return a DataFrame."""
    return con.execute(sql, list(params or [])).df()


def bootstrap_shares(counts: pd.DataFrame, *, by: str = "period", labels: Sequence[str] = LABELS,
                     n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Label shares per group with percentile bootstrap intervals.

    Resampling documents with replacement within a group is the same as
    drawing label counts from ``Multinomial(n, p̂)``; that is what is done,
    ``n_boot`` times per group (Efron & Tibshirani 1993, ch. 13, percentile
    interval). The interval covers sampling noise only, not classifier error
    (see :func:`adjusted_shares`).

    Args:
        counts: rows ``(by, label, n_docs)``; labels missing from a group count 0.
        by: the grouping column (``period``, ``topic_key``, …).
        labels: the label order of the result.
        n_boot: bootstrap replicates.
        level: interval coverage, 0–1.
        seed: NumPy generator seed (re-runs give the same intervals).

    Returns:
        One row per ``(by, label)``: ``n_docs``, ``n_group``, ``share``,
        ``share_lo``, ``share_hi`` (shares 0–1); no row, with these columns,
        when ``counts`` is empty (a warehouse without topics).
    """
    rng = np.random.default_rng(seed)
    wide = (counts.pivot_table(index=by, columns="label", values="n_docs", aggfunc="sum", fill_value=0)
            .reindex(columns=list(labels), fill_value=0).sort_index())
    rows = []
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    for key, n_lab in wide.iterrows():
        n_lab = n_lab.to_numpy(dtype=np.int64)
        n = int(n_lab.sum())
        p = n_lab / n
        draws = rng.multinomial(n, p, size=n_boot) / n
        lo, hi = np.quantile(draws, [lo_q, hi_q], axis=0)
        for j, lab in enumerate(labels):
            rows.append({by: key, "label": lab, "n_docs": int(n_lab[j]), "n_group": n, "share": float(p[j]),
                         "share_lo": float(lo[j]), "share_hi": float(hi[j])})
    return pd.DataFrame(rows, columns=[by, "label", "n_docs", "n_group", "share", "share_lo", "share_hi"])


def confusion_rates(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS) -> np.ndarray:
    """``(k, k)`` matrix of P(predicted = j | true = i) from cross-validated predictions.

    Rows of labels without a gold example are the identity (no correction).
    """
    k = len(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    M = np.zeros((k, k))
    for g, p in zip(gold, predicted):
        M[index[g], index[p]] += 1
    totals = M.sum(axis=1, keepdims=True)
    return np.where(totals > 0, M / np.where(totals == 0, 1, totals), np.eye(k))


def adjusted_shares(observed: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Confusion-adjusted label shares ("adjusted classify and count").

    The classifier's predicted shares ``q`` relate to the true shares ``p``
    by ``q = Mᵀ p`` with ``M = confusion_rates(...)`` (Forman 2008, "Quantifying
    counts and costs via classification", DMKD 17). ``p`` is found by
    non-negative least squares with a heavily weighted sum-to-one row, then
    renormalised.

    Args:
        observed: ``(k,)`` or ``(n, k)`` predicted shares (rows sum to 1).
        rates: ``(k, k)`` confusion rates, rows true, columns predicted.

    Returns:
        Array of the same shape as ``observed``: adjusted shares, rows sum to 1.
    """
    from scipy.optimize import nnls

    q = np.atleast_2d(np.asarray(observed, dtype=float))
    k = rates.shape[0]
    A = np.vstack([rates.T, 100.0 * np.ones((1, k))])
    out = np.empty_like(q)
    for i, row in enumerate(q):
        p, _ = nnls(A, np.concatenate([row, [100.0]]))
        out[i] = p / p.sum() if p.sum() > 0 else row
    return out.reshape(np.shape(observed))
