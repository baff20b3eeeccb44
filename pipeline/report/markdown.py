"""``reports/report.md``: the stance classifier's cross-validated quality and
the assembly of the report from its sections
(:mod:`pipeline.report.sections`, :mod:`pipeline.report.narrative_section`,
:mod:`pipeline.report.actor_section`).

Section order: 1 corpus (short), 2 narratives (the claims: by month, which
side, which outlets and actors, cited examples), 3 stance over time, 4 who
says what (actors), then discovery: 5 topics (BERTopic), 6 which topic
carries which stance, 7 earliest documents, 8 interactive views; 9 appendix,
the sources.

Stance shares count only documents without a training label (a labelled
document's prediction is in-sample; labelled passages are decided out of
fold); a stance whose cross-validated recall
or precision is under ``report.min_recall`` is reported as not measurable
instead of being given a share, except its corpus-wide ACC share when that
share's cross-validated error is at most ``report.max_share_error``
(:func:`share_only_stances`). Every monthly trend is computed over a
constant panel of sources and states its sources and months above it
(:mod:`pipeline.report.coverage`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import workspace
from pipeline.report.actor_section import actor_section
from pipeline.report.coverage import coverage_line, load_coverage, panel_narratives, panel_stance, trend_panel
from pipeline.report.discovery_section import discovery_section, panel_peaks
from pipeline.report.narrative_section import claims_section
from pipeline.report.relevance_line import relevance_lines
from pipeline.report.sample_periods import sample_period_lines
from pipeline.report.sections import (
    corpus_section,
    earliest_section,
    narrative_stance_section,
    pages_section,
    source_mix_line,
    sources_section,
    stance_section,
)
from pipeline.report.stance_shares import (
    ESTIMATOR_COLUMNS,
    ShareErrors,
    best_estimator,
    estimator_error,
    overall_shares,
    share_errors,
)
from pipeline.workspace import LABELS

STANCES = LABELS[:3]


def stance_quality(con: Any) -> dict[str, Any]:
    """Cross-validated macro-F1, per-class precision and recall, recomputed
    from table ``stance_labels`` (each labelled document's out-of-fold prediction).

    Returns:
        ``n`` (labelled documents), ``model_version`` (view
        ``report_stance_model``), ``per_class`` (label → precision, recall,
        support), ``macro_f1_all`` (five labels), ``macro_f1_stances`` and
        ``f1`` (the three stances), ``counts`` (gold label → documents) and
        ``gold`` (the frame ``label, cv_prediction``).
    """
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    gold = workspace.query(con, "SELECT label, cv_prediction FROM stance_labels")
    model = workspace.query(con, "SELECT model_version AS v FROM report_stance_model")["v"].iat[0]
    f1 = f1_score(gold["label"], gold["cv_prediction"], labels=list(STANCES), average=None, zero_division=0)
    p, r, _, n = precision_recall_fscore_support(gold["label"], gold["cv_prediction"], labels=list(LABELS),
                                                 zero_division=0)
    return {"n": len(gold), "model_version": model,
            "per_class": {lab: {"precision": float(p[i]), "recall": float(r[i]), "support": int(n[i])}
                          for i, lab in enumerate(LABELS)},
            "macro_f1_all": f1_score(gold["label"], gold["cv_prediction"], labels=list(LABELS), average="macro",
                                     zero_division=0),
            "macro_f1_stances": float(np.mean(f1)), "f1": dict(zip(STANCES, map(float, f1))),
            "counts": gold["label"].value_counts().to_dict(),
            "gold": gold}


def measurable_stances(quality: dict[str, Any], min_recall: float) -> list[str]:
    """The stances whose cross-validated recall and precision both reach
    ``min_recall`` (``report.min_recall``), in codebook order."""
    return [s for s in STANCES if quality["per_class"][s]["recall"] >= min_recall
            and quality["per_class"][s]["precision"] >= min_recall]


def share_only_stances(measurable: list[str], errors: ShareErrors,
                       max_error: float, intervals: dict[str, tuple[float, float]] | None = None,
                       max_halfwidth: float = 1.0) -> tuple[list[str], list[str]]:
    """The stances that are not measurable by their decisions but whose
    corpus-wide ACC or PCC share (the one with the smaller error,
    :func:`pipeline.report.stance_shares.best_estimator`) has a
    cross-validated mean absolute error of at most ``max_error``
    (``report.max_share_error``; ``errors`` from
    :func:`pipeline.report.stance_shares.share_errors`), in codebook order:
    ACC corrects the many false decisions of a low-precision stance with the
    cross-validated error rates, and PCC does not count decisions at all, so
    such a share can be quoted while the stance's documents, months and
    quotes cannot. ``intervals`` holds each stance's interval of that share.

    Returns:
        ``(quoted, too_wide)``: the stances whose share is quoted, and those
        that pass on error but whose 95 % bootstrap interval (``intervals``:
        label → (lo, hi), shares 0–1) is more than ±``max_halfwidth``
        (``report.max_share_halfwidth``) wide, so no share is quoted
        (session 28: `pro_china_tools` 14.5 %, interval 0.3–29.0, after 5.8 %,
        0.0–14.5, in a build whose inputs differed by 18 passage texts).
    """
    passing = [s for s in STANCES if s not in measurable and s in errors
               and estimator_error(errors, s, best_estimator(errors, s, with_cc=False)) <= max_error]
    wide = [s for s in passing if intervals and s in intervals and
            (intervals[s][1] - intervals[s][0]) / 2 > max_halfwidth]
    return [s for s in passing if s not in wide], wide


def write_report(con: Any, path: Path, *, topics: pd.DataFrame, shares: pd.DataFrame, params: dict[str, Any],
                 figures: dict[str, Path], pages: list[Path], quality: dict[str, Any],
                 actor_metrics: dict[str, Any], topic_metrics: dict[str, Any] | None = None) -> str:
    """Assemble ``reports/report.md`` from warehouse queries; returns the text.

    Args:
        con: the warehouse, read-only.
        path: the report file; links to figures and pages are relative to it.
        topics: the top topics (:func:`pipeline.report.figures.top_topics`).
        shares: the monthly stance shares of the stance figure.
        params: the ``report`` section of ``params.yaml``.
        figures: figure name → PNG path.
        pages: the interactive pages.
        quality: :func:`stance_quality`.
        actor_metrics: ``metrics/actors.json``.
        topic_metrics: ``metrics/topics.json`` (section 5's passages left out and label name share).
    """
    keys = topics["topic_key"].tolist()
    min_recall = float(params["min_recall"])
    measurable = measurable_stances(quality, min_recall)
    errors = share_errors(con)
    overall = overall_shares(con)
    intervals = {}   # each label's interval of its better adjusted share (ACC's, or PCC's error band)
    for lab, r in overall.iterrows():
        _, lo, hi = ESTIMATOR_COLUMNS[best_estimator(errors, lab, with_cc=False)]
        if pd.notna(r.lo):
            intervals[lab] = (float(r[lo]), float(r[hi]))
    share_only, too_wide = share_only_stances(measurable, errors, float(params["max_share_error"]), intervals,
                                              float(params.get("max_share_halfwidth", 1.0)))
    corpus = workspace.query(con, "SELECT n, first, last, sources, english FROM report_corpus_summary").iloc[0]
    rel = lambda p: os.path.relpath(p, path.parent)  # noqa: E731

    out = ["# The open-source AI debate, US and China, in English-language sources: generated report", "",
           "_Generated by `dvc repro` (stage `report`, `pipeline/report/`) from `data/debate.duckdb`. "
           "Every number below is a query result; do not edit this file by hand. "
           f"Stance model: `{quality['model_version']}`._", ""]
    min_docs = int(params["min_docs_per_month"])
    panel = trend_panel(load_coverage(con), params)
    stance_cells = panel_stance(con, panel, min_docs)[1]
    narrative_frame, narrative_cells = panel_narratives(con, panel, min_docs)
    out += corpus_section(con, corpus, rel(figures["source_mix"]), scope=source_mix_line(con, min_docs))
    out += relevance_lines(con)
    out += claims_section(con, panel, min_docs, figure=rel(figures["narratives_by_month"]), stance_quality=quality,
                          measurable=measurable, errors=errors, min_recall=min_recall)
    out += stance_section(con, quality, shares, corpus["last"], measurable, min_recall, rel(figures["stance_share"]),
                          cells=stance_cells, scope=coverage_line(panel, stance_cells, "documents"),
                          overall=overall, errors=errors, share_only=share_only, too_wide=too_wide,
                          max_halfwidth=float(params.get("max_share_halfwidth", 1.0)))
    out += sample_period_lines(con, panel.sources)
    out += actor_section(con, params, figures, rel, measurable, actor_metrics)
    # discovery (BERTopic topics on the passages with no taxonomy narrative): what the taxonomy may miss
    out += discovery_section(con, topics, topic_metrics or {}, rel(figures["narrative_heatmap"]),
                             scope=coverage_line(panel, narrative_cells, "discovery passages"),
                             peaks=panel_peaks(narrative_frame, narrative_cells))
    out += narrative_stance_section(con, keys, measurable, int(params["min_docs_narrative"]),
                                    rel(figures["narrative_stance"]))
    out += earliest_section(con, keys, float(params["min_membership"]))
    out += pages_section(pages, rel)
    out += sources_section(con)
    text = "\n".join(out) + "\n"
    path.write_text(text, encoding="utf-8")
    return text
