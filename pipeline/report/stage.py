"""Stage ``report``: figures, topic pages, ``reports/report.md`` and the topic exports.

Reads the published warehouse ``data/debate.duckdb`` (read-only, through
:mod:`pipeline.workspace`), the saved BERTopic model, ``metrics/actors.json``
and ``metrics/topics.json``; writes

* ``reports/figures/*.png`` (:mod:`pipeline.report.figures`);
* ``reports/html/*.html`` (:mod:`pipeline.report.pages`; cached in
  ``data/cache/report``);
* ``reports/plots/*.csv``, the long tables behind the DVC ``plots:``;
* ``reports/report.md`` (:mod:`pipeline.report.markdown`): the figures and
  tables, each claim citing a topic key and example documents (outlet, date,
  URL);
* ``reports/topics.csv`` and ``reports/topics.md``
  (:mod:`pipeline.report.topic_exports`).

Usage: ``python -m pipeline.report``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from pipeline import workspace
from pipeline.config import METRICS_DIR, MODELS_DIR, REPORT_CACHE_DIR, REPORTS_DIR, WAREHOUSE_FILE, load_params
from pipeline.report.coverage import load_coverage, trend_panel
from pipeline.report.figures import (
    figure_actor_stance,
    figure_narrative_heatmap,
    figure_stance_share,
    top_actors,
    top_topics,
    write_plot_tables,
)
from pipeline.report.markdown import measurable_stances, stance_quality, write_report
from pipeline.report.narrative_figure import figure_claims_by_month
from pipeline.report.narrative_section import claim_quality, claim_trend, unmeasurable_claims
from pipeline.report.pages import topic_pages
from pipeline.report.source_mix_figure import figure_source_mix
from pipeline.report.stance_shares import share_errors
from pipeline.report.topic_exports import write_topic_exports
from pipeline.report.topic_stance_figure import figure_narrative_stance

#: The figures of ``reports/figures``, by name (file ``<name>.png``).
FIGURES = ("narratives_by_month", "stance_share", "narrative_heatmap", "narrative_stance", "source_mix",
           "actor_stance")


def run(params: dict[str, Any], *, db: Path = WAREHOUSE_FILE, reports_dir: Path = REPORTS_DIR,
        model_dir: Path | None = None, metrics_file: Path = METRICS_DIR / "actors.json",
        topic_metrics_file: Path = METRICS_DIR / "topics.json", cache_dir: Path | None = None) -> dict[str, Any]:
    """Write every output of the stage; returns a summary (paths, counts).
    ``cache_dir`` keeps BERTopic's pages for re-runs
    (:func:`pipeline.report.pages.topic_pages`).

    Args:
        params: the ``report`` section of ``params.yaml``.
        db: the published warehouse.
        reports_dir: where the outputs go (``reports/``).
        model_dir: the saved BERTopic model (default ``models/topics/bertopic``).
        metrics_file: ``metrics/actors.json`` (attribution quality).
        topic_metrics_file: ``metrics/topics.json`` (the topic exports' summary).
        cache_dir: the page cache; ``None`` renders every page.

    Raises:
        FileNotFoundError: no warehouse, no saved topic model, or no
            metrics/actors.json or metrics/topics.json.
    """
    model_dir = model_dir or MODELS_DIR / "topics" / "bertopic"
    figures_dir, html_dir = reports_dir / "figures", reports_dir / "html"
    con = workspace.open_warehouse(db)
    try:
        topics = top_topics(con, int(params["top_narratives"]))
        min_docs = int(params["min_docs_per_month"])
        figures = {name: figures_dir / f"{name}.png" for name in FIGURES}
        quality = stance_quality(con)
        panel = trend_panel(load_coverage(con), params)  # the sources and months of the monthly trends
        measurable = measurable_stances(quality, float(params["min_recall"]))
        shares, _ = figure_stance_share(con, figures["stance_share"], panel=panel, min_docs=min_docs,
                                        seed=int(params["seed"]), quality=quality, errors=share_errors(con),
                                        labels=measurable)
        quality_claims = claim_quality(con)[0].query("not catch_all")
        figure_claims_by_month(*claim_trend(con, panel, min_docs), quality_claims["narrative"].tolist(),
                               figures["narratives_by_month"], panel=panel, min_docs=min_docs,
                               unmeasurable=unmeasurable_claims(quality_claims, float(params["min_recall"])))
        figure_narrative_heatmap(con, figures["narrative_heatmap"], topics, panel=panel, min_docs=min_docs)
        figure_narrative_stance(con, figures["narrative_stance"], topics, measurable)
        figure_source_mix(con, figures["source_mix"], min_docs=min_docs)
        figure_actor_stance(con, figures["actor_stance"], top_actors(con, int(params["top_actors"])),
                            min_quotes=int(params["min_quotes"]))
        actor_metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        topic_metrics = json.loads(topic_metrics_file.read_text(encoding="utf-8"))
        pages = topic_pages(con, model_dir, html_dir, topics, cache_dir=cache_dir)
        write_plot_tables(shares, topics, reports_dir / "plots", measurable)
        write_report(con, reports_dir / "report.md", topics=topics, shares=shares, params=params, figures=figures,
                     pages=pages, quality=quality, actor_metrics=actor_metrics,
                     topic_metrics=topic_metrics)
        exports = write_topic_exports(con, topic_metrics, reports_dir)
    finally:
        con.close()
    return {"figures": sorted(str(p.relative_to(reports_dir)) for p in figures.values()),
            "html": sorted(str(p.relative_to(reports_dir)) for p in pages), "n_topics_reported": len(topics),
            "exports": [str(p.relative_to(reports_dir)) for p in exports]}


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.report``."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.report", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    summary = run(load_params("report"), cache_dir=REPORT_CACHE_DIR)
    print(f"report: {len(summary['figures'])} figures, {len(summary['html'])} HTML pages, "
          f"{summary['n_topics_reported']} narratives → {REPORTS_DIR / 'report.md'}, "
          f"{', '.join(summary['exports'])} ({time.perf_counter() - started:.0f} s)")
