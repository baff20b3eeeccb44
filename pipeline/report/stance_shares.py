"""Adjusted stance shares for the report: ACC (adjusted classify-and-count,
Forman 2008; :mod:`pipeline.stance.quantify`) of the monthly panel counts
with bootstrap intervals, the overall CC, ACC and PCC shares of the stance
stage (view ``report_stance_shares``), their cross-validated error (view
``report_stance_share_error``), the one of them to quote
(:func:`best_estimator`) and the passages cited for each stance (read
passages first, table ``stance_passage_labels``; then the model's evidence
passages, view ``report_stance_evidence``; only read ones for a stance whose
decisions are not reliable).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import workspace
from pipeline.intervals import wilson_interval
from pipeline.report.cells import _cite, _pct, acc_cell, cut_words, without_recap_meta
from pipeline.report.sample_types import sample_type_lines
from pipeline.stance.quantify import confusion_rates, one_hot, solve_simplex

#: Label → cross-validated share errors ``(ACC, CC, PCC, prior)`` (:func:`share_errors`; PCC and prior ``None``
#: where not evaluated). Functions that read only ACC and CC take 2-tuples too.
ShareErrors = dict[str, tuple[float, ...]]


def cc_shares(counts: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """Classify-and-count shares per period with 95 % Wilson intervals
    (:func:`pipeline.intervals.wilson_interval`, the interval of the report's
    tables, which a percentile bootstrap would collapse to 0–0 for a count of 0).

    Args:
        counts: ``period, label, n_docs`` (decided labels per period; a label
            missing from a period counts 0).
        labels: the label order of the result.

    Returns:
        One row per ``(period, label)``: ``n_docs``, ``n_group`` (the period's
        documents), ``share``, ``share_lo``, ``share_hi`` (0–1).
    """
    rows = []
    for period, g in counts.groupby("period", sort=True):
        c = g.groupby("label")["n_docs"].sum().reindex(list(labels)).fillna(0).astype(int)
        n = int(c.sum())
        for lab, k in c.items():
            lo, hi = wilson_interval(int(k), n)
            rows.append([period, lab, int(k), n, k / n if n else 0.0, lo, hi])
    return pd.DataFrame(rows, columns=["period", "label", "n_docs", "n_group", "share", "share_lo", "share_hi"])


def acc_counts(counts: pd.DataFrame, gold: pd.DataFrame, labels: Sequence[str], *, seed: int, reps: int = 500,
               level: float = 0.95) -> pd.DataFrame:
    """ACC shares with percentile bootstrap intervals for each period of ``counts``.

    Args:
        counts: ``period, label, n_docs`` (decided labels per period).
        gold: ``label, cv_prediction`` of the labelled documents (table
            ``stance_labels``): the cross-validated error rates.
        seed: numpy ``default_rng`` seed (``report.seed``).
        reps: bootstrap replicates; each draws the period's counts from a
            multinomial with its observed shares and resamples ``gold``.

    Returns:
        ``period, label, n, share_cc, share_acc, lo, hi`` (one row per
        period and label; ``n`` the period's documents).
    """
    labels = list(labels)
    k = len(labels)
    rng = np.random.default_rng(seed)
    y = np.array([labels.index(v) for v in gold["label"]])
    pred = np.array([labels.index(v) for v in gold["cv_prediction"]])
    H = one_hot(pred, k)
    M = confusion_rates(y, H, k)
    boot_M = []
    for _ in range(reps):
        idx = rng.integers(0, len(y), len(y))
        boot_M.append(confusion_rates(y[idx], H[idx], k))
    rows = []
    for period, g in counts.groupby("period", sort=True):
        c = g.set_index("label")["n_docs"].reindex(labels).fillna(0).to_numpy(dtype=float)
        n = int(c.sum())
        cc = c / max(n, 1)
        acc = solve_simplex(M, cc)
        draws = np.array([solve_simplex(boot_M[r], rng.multinomial(n, cc) / max(n, 1)) for r in range(reps)])
        a = (1 - level) / 2 * 100
        lo, hi = np.percentile(draws, a, axis=0), np.percentile(draws, 100 - a, axis=0)
        for i, lab in enumerate(labels):
            rows.append([period, lab, n, cc[i], acc[i], lo[i], hi[i]])
    return pd.DataFrame(rows, columns=["period", "label", "n", "share_cc", "share_acc", "lo", "hi"])


def overall_shares(con: Any) -> pd.DataFrame:
    """View ``report_stance_shares`` (grouping ``all``), indexed by label: CC,
    ACC (``lo``–``hi``) and PCC shares, 0–1, with PCC's error band
    ``band_lo``–``band_hi``: its 95 % sampling interval (``pcc_lo``–``pcc_hi``,
    the documents resampled) widened on each side by the largest error of a
    held-out fold (view ``report_stance_share_error``, ``pcc_worst``), since
    the sampling interval alone says nothing of the model's error (session-31
    review: `pro_china_tools` 6.0 %, 5.8–6.1, at a cross-validated error of
    2.3 points)."""
    return workspace.query(con, "SELECT s.label, s.n_docs, s.share_cc, s.share_acc, s.lo, s.hi, s.share_pcc, "
                                "greatest(0, s.pcc_lo - coalesce(e.pcc_worst, 0)) AS band_lo, "
                                "least(1, s.pcc_hi + coalesce(e.pcc_worst, 0)) AS band_hi "
                                "FROM report_stance_shares s LEFT JOIN report_stance_share_error e USING (label) "
                                "WHERE s.grouping = 'all'").set_index("label")


def share_errors(con: Any) -> ShareErrors:
    """Label → cross-validated mean absolute error of the ACC share and of
    the CC share of the stored decisions, of the PCC share and of the ``prior`` baseline, the training folds'
    label mix (``None`` where the stage did not evaluate them; view ``report_stance_share_error``)."""
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in con.execute(
        "SELECT label, acc_error, cc_error, pcc_error, prior_error FROM report_stance_share_error").fetchall()}


#: The columns of :func:`overall_shares` behind each estimator: its share and its interval (CC: none here; PCC:
#: its error band).
ESTIMATOR_COLUMNS = {"CC": ("share_cc", None, None), "ACC": ("share_acc", "lo", "hi"),
                     "PCC": ("share_pcc", "band_lo", "band_hi")}


def estimator_error(errors: ShareErrors, label: str, name: str) -> float | None:
    """The cross-validated error of estimator ``name`` (``"CC"``, ``"ACC"``, ``"PCC"``) for ``label``
    (:func:`share_errors`; ``None`` where not evaluated)."""
    e = errors[label]
    return {"CC": e[1], "ACC": e[0], "PCC": e[2] if len(e) > 2 else None}[name]


def best_estimator(errors: ShareErrors, label: str, with_cc: bool = True) -> str:
    """``"CC"``, ``"ACC"`` or ``"PCC"``: the share of ``label`` with the
    smallest cross-validated error (:func:`share_errors`; ties go to the
    first of that order), CC only ``with_cc`` (a stance whose decisions are
    measurable). Session 31: PCC, the mean probability, had the smallest
    error for `security_hawk` and `pro_china_tools` (2.6 and 2.3 points,
    against 4.3 and 6.8 for CC), whose decisions over-count them."""
    if label not in errors:
        return "CC" if with_cc else "ACC"
    names = ["CC"] * with_cc + ["ACC", "PCC"]
    options = [(n, estimator_error(errors, label, n)) for n in names]
    return min([o for o in options if o[1] is not None], key=lambda o: o[1])[0]


def _quote(text: Any, width: int) -> str:
    """A passage for a bullet: one line, recap metadata elided, cut at ``width`` characters, ``|`` escaped."""
    text = without_recap_meta(" ".join(str(text).split()))
    return cut_words(text, width).replace("|", "\\|")


def _read_rows(con: Any, stance: str, limit: int, width: int) -> pd.DataFrame:
    """Up to ``limit`` citable passages read as ``stance`` (table ``stance_passage_labels``) whose
    out-of-fold prediction agrees and which hold the whole text read (``match`` ``exact`` or ``within``, as
    the narrative examples: a passage that only overlaps the read text, or lies inside it, would be cited for
    a stance read in words it lacks), one per document
    before a second of the same document (session-27 re-review: both `pro_open_source` examples were one
    NTIA comment), passages that fit in ``width``
    characters before longer ones (session-28 review: two examples were cut before the sentence that
    carries their stance; a passage label marks no evidence span), passages whose document the
    shares count under ``stance`` (``stances.label``) before others (session-29 review: two cited
    ``security_hawk`` posts were counted ``off_topic``), then by passage id: text, outlet,
    source_type, published_at, url, annotator, window_end (view ``report_window_ends``) and
    doc_label (the document's decided stance)."""
    return workspace.query(con, "SELECT p.text, coalesce(d.outlet, d.platform) AS outlet, d.source_type, "
                                "p.published_at, p.url, l.annotator, we.window_end, s.label AS doc_label "
                                "FROM stance_passage_labels l "
                                "JOIN passages p USING (passage_id) JOIN documents d ON d.doc_id = p.doc_id "
                                "LEFT JOIN stances s ON s.doc_id = p.doc_id "
                                "LEFT JOIN report_window_ends we ON we.doc_id = p.doc_id "
                                "WHERE l.label = ? AND l.cv_prediction = l.label AND p.citable "
                                "AND l.match IN ('exact', 'within') "
                                "ORDER BY row_number() OVER (PARTITION BY p.doc_id ORDER BY length(p.text) > ?, "
                                "p.passage_id), s.label IS DISTINCT FROM l.label, length(p.text) > ?, p.passage_id "
                                "LIMIT ?", [stance, width, width, limit])


def _counted(r: Any, stance: str) -> str:
    """"; its document is counted <label>" when the read passage's document is decided otherwise."""
    return "" if r.doc_label in (None, stance) else f"; its document is counted `{r.doc_label}`"


def read_example_lines(con: Any, stance: str, precision: float, per_stance: int = 2, width: int = 280) -> list[str]:
    """Bullets for a stance whose decisions are not reliable (its share is
    ACC only): instead of its highest-probability passages, which are
    mostly misread at CV ``precision``, ``per_stance`` citable passages read
    as that stance whose out-of-fold prediction agrees (:func:`_read_rows`):
    what the stance means, with the annotator, outlet, date and URL."""
    rows = _read_rows(con, stance, per_stance, width)
    out = [f"- **{stance}**: at CV precision {precision:.2f} most of its decisions are wrong, so its "
           "highest-probability passages are not cited as evidence. Passages read as this stance "
           "(table `stance_passage_labels`), for what it means:" + ("" if len(rows) else " none citable.")]
    out += [f"  - “{_quote(r.text, width)}” ({_cite(r)}; read by {r.annotator}{_counted(r, stance)})"
            for r in rows.itertuples()]
    return out


def evidence_lines(con: Any, stances: Sequence[str], per_stance: int = 2, width: int = 280) -> list[str]:
    """Markdown bullets citing ``per_stance`` passages for each stance: first
    citable passages a reader labelled with it whose out-of-fold prediction
    agrees (:func:`_read_rows`, "read by" the annotator), then, where fewer
    were read, the evidence passages of highest passage probability that
    decided unlabelled documents (view ``report_stance_evidence``), marked
    "not read": in the session-26 review the model's most probable
    ``security_hawk`` passage argued for lifting export controls. Each gives
    the passage text (cut at ``width`` characters), outlet, date and URL
    (:func:`pipeline.report.cells._cite`: a recap passage is cited as the
    recap's paraphrase of the linked post)."""
    out = []
    for s in stances:
        read = _read_rows(con, s, per_stance, width)
        out += [f"- **{s}** (read by {r.annotator}): “{_quote(r.text, width)}” ({_cite(r)}{_counted(r, s)})"
                for r in read.itertuples()]
        if len(read) >= per_stance:
            continue
        rows = workspace.query(con, "SELECT text, outlet, source_type, published_at, url, probability, window_end "
                                    "FROM report_stance_evidence WHERE label = ? ORDER BY probability DESC, "
                                    "passage_id LIMIT ?", [s, per_stance - len(read)])
        if rows.empty and read.empty:
            out.append(f"- **{s}**: no citable evidence passage.")
        out += [f"- **{s}** (not read; passage probability {r.probability:.2f}): “{_quote(r.text, width)}” "
                f"({_cite(r)})" for r in rows.itertuples()]
    return out


def share_cells(row: Any, label: str, errors: ShareErrors, *, measured: bool,
                share_only: bool, too_wide: bool) -> str:
    """The CC, ACC and PCC cells and the CV error cell of ``label``'s row in
    section 3's table (``row``: :func:`overall_shares`' row), joined by ``|``.

    The share to quote, the one with the smallest cross-validated error
    (:func:`best_estimator`), is bold. A stance whose decisions are not
    measurable has no CC share; if it is ``share_only`` its better adjusted
    share is bold, if ``too_wide`` that share is given only as the reason it
    is not quoted, else none is given.
    """
    errs = [estimator_error(errors, label, n) if label in errors else None for n in ("CC", "ACC", "PCC")]
    err = " / ".join("n/a" if e is None else f"{100 * e:.1f}" for e in errs) + " pts"
    cells = {"CC": _pct(row["share_cc"]), "ACC": acc_cell(row["share_acc"], row["lo"], row["hi"]),
             "PCC": acc_cell(row["share_pcc"], row["band_lo"], row["band_hi"]) if pd.notna(row["share_pcc"]) else "n/a"}
    if measured and pd.notna(row["share_acc"]):
        best = best_estimator(errors, label)
        return " | ".join(f"**{cells[e]}**" if e == best else cells[e] for e in ("CC", "ACC", "PCC")) + f" | {err}"
    best = best_estimator(errors, label, with_cc=False)
    if share_only and pd.notna(row["share_acc"]):
        adjusted = [f"**{cells[e]}**" if e == best else cells[e] for e in ("ACC", "PCC")]
    elif too_wide:
        adjusted = [f"not quoted: {cells[e]}, interval too wide" if e == best else "—" for e in ("ACC", "PCC")]
    else:
        adjusted = ["not measurable", "not measurable"]
    return " | ".join(["not measurable", *adjusted]) + f" | {err}"


def prior_note(errors: ShareErrors) -> str:
    """"guessing that mix errs by …": the cross-validated share error of the
    training folds' label mix against PCC's, for the stances (``errors``: :func:`share_errors`); a plainer
    phrase where the stage has no ``prior`` rows."""
    errs = {lab: (errors[lab][3], errors[lab][2]) for lab in workspace.LABELS[:3]
            if lab in errors and len(errors[lab]) > 3 and errors[lab][3] is not None and errors[lab][2] is not None}
    if not errs:
        return "a prior it inherits from its training documents"
    return "in cross-validation, guessing the training folds' mix errs by " + ", ".join(
        f"{100 * e[0]:.1f} points for {lab} against PCC's {100 * e[1]:.1f}" for lab, e in errs.items())


def bold_model_shares(overall: pd.DataFrame, errors: ShareErrors,
                      measurable: Sequence[str], share_only: Sequence[str]) -> dict[str, tuple[str, float]]:
    """Label → (estimator, share) of the model share section 3 bolds (:func:`best_estimator`; ``overall``:
    :func:`overall_shares`); none for a stance whose decisions are not measurable and whose share is not quoted."""
    out = {}
    for lab in workspace.LABELS:
        measured = lab not in workspace.LABELS[:3] or lab in measurable
        if lab in overall.index and (measured or lab in share_only):
            name = best_estimator(errors, lab, with_cc=measured)
            out[lab] = (name, float(overall.loc[lab, ESTIMATOR_COLUMNS[name][0]]))
    return out


def sample_lines(con: Any, model: dict[str, tuple[str, float]] | None = None) -> list[str]:
    """Section 3's shares by reading (table ``stance_sample_shares``,
    :mod:`pipeline.stance.sample_shares`): a sentence and a table with each
    label's share of the covered corpus and of its unlabelled documents, with
    95 % intervals, then the same per source type (:func:`pipeline.report.sample_types.sample_type_lines`);
    none without the table's rows. ``model``: label →
    (estimator, share) of the bold model share, named where it falls outside
    the unlabelled documents' interval by reading."""
    rows = workspace.query(con, "SELECT * FROM stance_sample_shares")
    rows = rows.set_index("label").reindex(workspace.LABELS).dropna().reset_index()
    if rows.empty:
        return []
    r0 = rows.iloc[0]
    big = workspace.query(con, """
        WITH read AS (SELECT DISTINCT d.source_file FROM stance_labels l JOIN documents d USING (doc_id)),
             files AS (SELECT d.source_file, count(*) AS n FROM stances s JOIN documents d USING (doc_id)
                       WHERE d.source_file IN (SELECT source_file FROM read) GROUP BY 1)
        SELECT source_file, n, sum(n) OVER () AS total FROM files ORDER BY n DESC, source_file LIMIT 1""")
    weight = "" if big.empty else (
        f" Each source file counts by the documents collected from it: `{Path(big.source_file[0]).name}` alone "
        f"holds {int(big.n[0]):,} of the {int(big.total[0]):,} ({_pct(big.n[0] / big.total[0])}), and the label mix "
        "differs widely between files (table `stance_labels`), so these are shares **of this corpus as "
        "collected**, not of the debate at large (section 1).")
    out = ["", f"**Shares by reading** (table `stance_sample_shares`; no model): the labelled documents are a random "
           "sample, within each source file, of the documents eligible then (relevant, not reserved; "
           "`corpora/labels/README.md`), so each source's label mix estimates that of its other documents. Weighted "
           f"by source, with the labelled documents as labelled, it gives the shares of the {int(r0.n_covered):,} "
           f"corpus documents of the source files that hold a label, and of the {int(r0.n_docs):,} documents "
           f"without a training label in the {int(r0.n_sources)} of those files that were not read whole, the ones "
           f"the model's shares above count ({int(r0.n_unlabelled) - int(r0.n_docs):,} more are in files nobody "
           "read; stratified estimator, Cochran 1977, with 95 % Korn–Graubard intervals of that sampling, which do "
           "not cover the readers' own errors). These are the shares as the LLM annotators read the codebook."
           + weight + " **Quote the corpus share for this corpus as a whole**, and the shares by source type below "
           "for a kind of source; for the trend's sources the shares by reading per quarter close the section, and the "
           "model's shares above give the months.", "",
           "| label | share of the corpus by reading (95 % interval) | of its documents without a training label |",
           "|---|---:|---:|"]
    out += [f"| {r.label} | **{_pct(r.corpus_share)} ({100 * r.corpus_lo:.1f}–{100 * r.corpus_hi:.1f})** | "
            f"{_pct(r.share)} ({100 * r.lo:.1f}–{100 * r.hi:.1f}) |" for r in rows.itertuples()]
    off = [f"{r.label} ({model[r.label][0]} {_pct(model[r.label][1])})" for r in rows.itertuples()
           if model and r.label in model and not r.lo <= model[r.label][1] <= r.hi]
    return out + (["", "Bold model shares outside the interval by reading of the same documents, so likely off: "
                   f"{', '.join(off)}."] if off else []) + sample_type_lines(con)


def cc_better(errors: dict[str, tuple[float, float]], label: str) -> bool:
    """Whether the CC share of ``label`` had a cross-validated error no larger
    than the ACC share's (``errors``: label → (ACC error, CC error),
    :func:`share_errors`): the report then quotes CC, else ACC."""
    return label in errors and errors[label][1] <= errors[label][0]


def quoted_shares(shares: pd.DataFrame, acc: pd.DataFrame, errors: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """The share the report quotes for each (period, label), with its interval.

    Args:
        shares: CC shares with their intervals (``period, label, share,
            share_lo, share_hi``).
        acc: :func:`acc_counts` of the same counts (``period, label,
            share_acc, lo, hi``).
        errors: :func:`share_errors`.

    Returns:
        ``shares`` with the ACC share and its interval (``share_acc,
        acc_lo, acc_hi``), ``estimator`` ("CC" or "ACC", by :func:`cc_better`),
        ``quoted``, ``quoted_lo`` and ``quoted_hi`` (shares 0–1).
    """
    right = (acc[["period", "label", "share_acc", "lo", "hi"]].rename(columns={"lo": "acc_lo", "hi": "acc_hi"})
             .assign(period=lambda f: pd.to_datetime(f["period"])))
    out = shares.assign(period=pd.to_datetime(shares["period"])).merge(right, how="left", on=["period", "label"])
    cc = out["label"].map(lambda lab: cc_better(errors, lab)).astype(bool)
    out["estimator"] = np.where(cc, "CC", "ACC")
    out["quoted"] = np.where(cc, out["share"], out["share_acc"])
    out["quoted_lo"] = np.where(cc, out["share_lo"], out["acc_lo"])
    out["quoted_hi"] = np.where(cc, out["share_hi"], out["acc_hi"])
    return out


def panel_shares(counts: pd.DataFrame, gold: pd.DataFrame, errors: dict[str, tuple[float, float]], *,
                 seed: int) -> pd.DataFrame:
    """The monthly shares of the report's stance figure and table: CC with
    Wilson intervals (:func:`cc_shares`), ACC with bootstrap intervals
    (:func:`acc_counts`, ``seed``) and the quoted one (:func:`quoted_shares`).

    Args:
        counts: ``period, label, n_docs`` of the panel's measured months.
        gold: ``label, cv_prediction`` of the labelled documents.
        errors: :func:`share_errors`.

    Returns:
        :func:`quoted_shares`' frame; empty, with its columns, when ``counts`` is.
    """
    labels = list(workspace.LABELS)
    shares = cc_shares(counts, labels)
    acc = (acc_counts(counts, gold, labels, seed=seed) if len(counts) else
           pd.DataFrame(columns=["period", "label", "share_acc", "lo", "hi"]))
    return quoted_shares(shares, acc, errors)
