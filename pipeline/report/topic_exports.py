"""``reports/topics.csv`` and ``reports/topics.md``: every topic with its
key, label, size, months, top terms, the sources carrying it most and its
representative passages, each cited with outlet, date and URL.

Read from the warehouse (table ``topics``; views
``report_topic_sources`` and ``report_topic_representatives``) and from
``metrics/topics.json`` (passage and topic counts, outlier shares, NPMI,
diversity). Deterministic: no timestamps, so a re-run with the same
warehouse writes the same bytes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _month_label, cited_day, excerpt, recap_source

#: Sources listed per topic, and representative passages per topic in the CSV.
N_SOURCES = 3
N_PASSAGES = 3
#: Most characters of a passage excerpt in ``topics.csv`` and the chart tooltips, " …" included.
SNIPPET_CHARS = 280


def _month_str(value: Any) -> str | None:
    """``YYYY-MM`` of a date, or ``None`` for a missing one (``None``, ``NaT``)."""
    return None if value is None or pd.isna(value) else _month_label(value)


def read_topics(con: Any) -> pd.DataFrame:
    """All topics of table ``topics`` by key: ``topic_key, label, top_terms,
    size, share, first_month, last_month, peak_month``."""
    return workspace.query(con, "SELECT topic_key, label, top_terms, size, share, first_month, last_month, "
                                "peak_month FROM topics ORDER BY topic_key")


def top_sources(con: Any, n: int = N_SOURCES) -> dict[str, list[tuple[str, int]]]:
    """Per topic key, the ``n`` sources with the most of its passages, as
    ``(source, passages)``, most first, ties by source name (view
    ``report_topic_sources``)."""
    out: dict[str, list[tuple[str, int]]] = {}
    rows = con.execute("SELECT topic_key, source, n FROM report_topic_sources "
                       "ORDER BY topic_key, n DESC, source").fetchall()
    for key, source, count in rows:
        if len(out.setdefault(key, [])) < n:
            out[key].append((source, count))
    return out


def representatives(con: Any) -> dict[str, list[dict[str, Any]]]:
    """Per topic key, its representative passages, HDBSCAN's members first,
    then by rank (view ``report_topic_representatives``): dicts with ``passage_id``, ``text``,
    ``outlet``, ``date`` (``YYYY-MM-DD``), ``url`` and ``paraphrase`` (the
    document is an AINews recap line, a paraphrase of the linked post); a
    recap line's ``outlet`` says so and ``date_words`` reads "recapped DATE"
    where only the recap issue dates it (:func:`pipeline.report.cells.recap_source`). A public comment
    dated only by its docket's comment window (view ``report_window_ends``) has ``date`` as an ISO 8601
    interval, ``2024-02-26/2024-03-27``, and ``date_words`` "comment window 2024-02-26 to 2024-03-27"."""
    frame = workspace.query(con, "SELECT topic_key, rank, passage_id, text, outlet, published_at, url, source_type, "
                                 "window_end FROM report_topic_representatives "
                                 "ORDER BY topic_key, NOT member, rank")
    out: dict[str, list[dict[str, Any]]] = {}
    for r in frame.itertuples():
        rep = {"passage_id": r.passage_id, "text": r.text, "outlet": r.outlet,
               "date": pd.Timestamp(r.published_at).strftime("%Y-%m-%d"), "url": r.url,
               "paraphrase": r.source_type == "recap"}
        if not pd.isna(r.window_end):
            rep.update(date=f"{rep['date']}/{pd.Timestamp(r.window_end):%Y-%m-%d}",
                       date_words=cited_day(r.published_at, r.window_end))
        if rep["paraphrase"]:  # "paraphrase by AINews … of the linked post", "recapped DATE"
            where, when = recap_source(r.outlet, str(r.url))
            rep.update(outlet=where, date_words=f"{when}{rep['date']}")
        out.setdefault(r.topic_key, []).append(rep)
    return out


def _fit_lines(metrics: dict[str, Any]) -> list[str]:
    """The outlier and quality lines of ``topics.md`` for a fit (NPMI is
    ``nan`` or ``None`` without a topic)."""
    def num(v: Any) -> float:
        return float("nan") if v is None else float(v)

    return [f"- Outliers: {metrics['outlier_share_before']:.1%} of passages before outlier reduction, "
            f"{metrics['outlier_share_after']:.1%} after (strategy `{metrics['outlier_strategy']}`, "
            f"threshold {metrics['outlier_threshold']})",
            f"- NPMI coherence {num(metrics['npmi']):.3f}, topic diversity {num(metrics['diversity']):.3f} "
            f"(top {metrics['n_terms']} c-TF-IDF terms)"]


def export_reports(topics: pd.DataFrame, reps: dict[str, list[dict[str, Any]]],
                   top_sources: dict[str, list[tuple[str, int]]], metrics: dict[str, Any], out_dir: Path) -> None:
    """Write ``topics.csv`` and ``topics.md`` to ``out_dir``.

    Args:
        topics: :func:`read_topics`.
        reps: :func:`representatives`.
        top_sources: :func:`top_sources`.
        metrics: ``metrics/topics.json`` (``n_passages``, ``n_topics``,
            ``outlier_share_before``/``_after``, ``outlier_strategy``,
            ``outlier_threshold``, ``npmi``, ``diversity``, ``n_terms``).
        out_dir: ``reports/``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    header = ["topic_key", "label", "size", "share", "top_terms", "first_month", "peak_month", "last_month",
              "top_sources"]
    for i in range(1, N_PASSAGES + 1):
        header += [f"passage_{i}", f"passage_{i}_outlet", f"passage_{i}_date", f"passage_{i}_url", f"passage_{i}_id"]
    w.writerow(header)
    for t in topics.itertuples():
        row = [t.topic_key, t.label, t.size, f"{t.share:.4f}", "; ".join(t.top_terms), _month_str(t.first_month),
               _month_str(t.peak_month), _month_str(t.last_month),
               "; ".join(f"{s} ({n})" for s, n in top_sources.get(t.topic_key, []))]
        for r in reps.get(t.topic_key, [])[:N_PASSAGES]:
            row += [excerpt(r["text"], SNIPPET_CHARS, mark_within=True), r["outlet"], r["date"], r["url"],
                    r["passage_id"]]
        w.writerow(row + [""] * (len(header) - len(row)))
    (out_dir / "topics.csv").write_text(buf.getvalue(), encoding="utf-8")

    lines = ["# Discovery topics (BERTopic)", "",
             "Generated by `dvc repro` (stage `report`, from the topics stage's tables); do not edit. "
             "Topics are what the passages without a taxonomy narrative are about, not claims (the claims are "
             "the narratives of `reports/report.md`, section 2). A key follows its cluster from run to run "
             "(`models/topics/keys.json`, matches in table `topic_key_history`); a refit can pass a key to a "
             "different cluster, so cite a key with its words and the build's `dvc.lock`.", "",
             f"- Discovery passages (narrative passages without a taxonomy narrative): {metrics['n_passages']:,}; "
             f"topics: {metrics['n_topics']}",
             *(_fit_lines(metrics) if metrics.get("fitted", True) else
               [f"- Topics not fitted: {metrics['reason']}."]), "",
             "The peak month counts every source, so it follows what was collected (the one-day X collection "
             "of 2025-02-03, comments dated at their docket's window); `reports/report.md` section 5 gives each "
             "topic's peak over its panel of sources. Representative passages are the topic's HDBSCAN members "
             "first, then passages outlier reduction gave it.", "",
             "| key | label | size | share | first | peak (all sources) | last |", "|---|---|---:|---:|---|---|---|"]
    for t in topics.itertuples():
        lines.append(f"| {t.topic_key} | {t.label} | {t.size:,} | {t.share:.1%} | {_month_str(t.first_month)} | "
                     f"{_month_str(t.peak_month)} | {_month_str(t.last_month)} |")
    for t in topics.itertuples():
        lines += ["", f"## {t.topic_key}: {t.label}", "",
                  f"{t.size:,} passages ({t.share:.1%}); first {_month_str(t.first_month)}, "
                  f"peak (all sources) {_month_str(t.peak_month)}, last {_month_str(t.last_month)}.", "",
                  f"- Top terms (c-TF-IDF): {', '.join(t.top_terms)}",
                  "- Sources carrying it most: "
                  + ", ".join(f"{s} ({n})" for s, n in top_sources.get(t.topic_key, [])), "",
                  "Representative passages:", ""]
        for r in reps.get(t.topic_key, []):
            text = excerpt(r["text"], SNIPPET_CHARS, mark_within=True).replace('"', "'")
            cited = f"Recap paraphrase (not a quote): {text}" if r["paraphrase"] else f'"{text}"'
            day = r.get("date_words", r["date"])
            lines.append(f"- {cited} ({r['outlet']}, {day}, <{r['url']}>, passage `{r['passage_id']}`)")
    (out_dir / "topics.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_topic_exports(con: Any, metrics: dict[str, Any], out_dir: Path) -> list[Path]:
    """Read the topics, sources and representatives from the warehouse and
    write ``topics.csv`` and ``topics.md`` to ``out_dir``; returns their paths."""
    export_reports(read_topics(con), representatives(con), top_sources(con), metrics, out_dir)
    return [out_dir / "topics.csv", out_dir / "topics.md"]
