"""Section 5 of ``reports/report.md``: candidate narratives, the discovery
topics over the passages the taxonomy misses (issue 19, part 4).

The topics stage clusters only the narrative passages that carry no claim of
``corpora/narratives.yaml`` (:mod:`pipeline.topics.discovery`), with names
of companies, labs, models and products kept out of the topic words
(:mod:`pipeline.topics.names`). This section lists those topics as
candidates an analyst may add to the taxonomy: key, label, top terms, size,
and two example passages each, cited with outlet, date and URL (citable
passages of corpus documents only, :func:`pipeline.report.sections.representatives`).
Its figures come from the warehouse (view ``report_topic_totals``,
table ``topics``) and from ``metrics/topics.json`` (the passages left out and
the measured share of label words that are names).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _cite, _md_cell, _month_label, _pct, excerpt
from pipeline.report.sections import representatives

#: Characters of an example passage quoted in the table.
EXCERPT_CHARS = 220
#: Top c-TF-IDF terms shown next to the label.
N_TERMS = 6
#: Passages of a topic a month needs to be its peak month over the panel (session-27 re-review: N-12, 404 of
#: whose 409 passages are X posts of one day, "peaked" in 2026-05 on 1 passage of the panel's 127).
MIN_PEAK_PASSAGES = 5


def name_share_line(metrics: dict[str, Any]) -> str:
    """The sentence on the label words that are names, from ``metrics/topics.json``
    (``label_name_share``, ``label_name_words``, ``label_words``)."""
    share = metrics.get("label_name_share")
    if share is None:
        return "The share of label words that are names was not measured (`metrics/topics.json`)."
    return (f"Names of companies, labs, models and products (`corpora/actors.yaml`, `corpora/model_names.yaml`) "
            f"are kept out of the topic words: {int(metrics['label_name_words'])} of the "
            f"{int(metrics['label_words'])} label words ({_pct(share)}) are such names "
            "(`label_name_share` in `metrics/topics.json`), counted by those two lists: a name they miss (a new "
            "product, a start-up) is not counted, so read the labels.")


def panel_peaks(frame: pd.DataFrame, cells: pd.DataFrame) -> dict[str, tuple[pd.Timestamp, int, int]]:
    """Each topic's peak month over the trend panel: the measured month in
    which it holds the largest share of the panel's discovery passages (the
    heatmap's cells; ties to the earlier month), among months where it has
    at least :data:`MIN_PEAK_PASSAGES` passages. The topics table's own
    ``peak_month`` counts every source, so it follows what was collected
    (the one-day X collection of 2025-02-03, a docket's comments dated at its
    window's start: session-27 review, N-118's "peak" was 316 RFI comments).

    Args:
        frame, cells: :func:`pipeline.report.coverage.panel_narratives`.

    Returns:
        ``{topic_key: (month, the topic's passages there, the month's discovery passages)}``; a topic
        with no month of :data:`MIN_PEAK_PASSAGES` passages is absent.
    """
    measured = set(pd.to_datetime(cells.loc[cells["measured"], "period"]))
    f = frame[frame["period"].isin(measured) & (frame["topic_key"] != "outlier")]
    if f.empty:
        return {}
    totals = frame[frame["period"].isin(measured)].groupby("period")["n_passages"].sum()
    f = f.assign(total=totals.reindex(f["period"]).to_numpy())
    f = f.assign(share=f["n_passages"] / f["total"])
    f = f[f["n_passages"] >= MIN_PEAK_PASSAGES].sort_values(["topic_key", "share", "period"],
                                                             ascending=[True, False, True])
    return {r.topic_key: (r.period, int(r.n_passages), int(r.total))
            for r in f.groupby("topic_key").head(1).itertuples()}


def discovery_section(con: Any, topics: pd.DataFrame, topic_metrics: dict[str, Any], figure: str, *,
                      scope: str, peaks: dict[str, tuple[pd.Timestamp, int, int]] | None = None) -> list[str]:
    """Section 5: the candidate narratives (discovery).

    Args:
        con: the warehouse, read-only.
        topics: the topics listed (:func:`pipeline.report.figures.top_topics`:
            ``topic_key, label, size, share, first_month, peak_month``).
        topic_metrics: ``metrics/topics.json``.
        figure: link to the monthly heatmap of the topics.
        scope: the sentence on the heatmap's sources and months.
        peaks: each topic's peak month over that panel (:func:`panel_peaks`); the table's "peak
            month" column with the topic's passages of the month, "too few" for a topic absent from it.
            ``None``: the topics table's peak over all sources, labelled so.

    Returns:
        Markdown lines.
    """
    totals = workspace.query(con, "SELECT passages, narrative, outliers, topics, retired "
                                  "FROM report_topic_totals").iloc[0]
    keys = topics["topic_key"].tolist()
    terms = workspace.query(con, "SELECT topic_key, top_terms FROM topics").set_index("topic_key")["top_terms"]
    reps = representatives(con, keys)
    n_narr, n_tax = topic_metrics.get("n_narrative_passages"), topic_metrics.get("n_taxonomy_passages")
    left_out = (f"Of {int(n_narr):,} narrative passages, {int(n_tax):,} carry a narrative of the taxonomy "
                "(section 2) and are left out; " if n_narr is not None and n_tax is not None else "")
    out = ["", "## 5. Discovery: candidate narratives (what the taxonomy misses; BERTopic)", "",
           f"{left_out}the other {int(totals.narrative):,} were clustered into {int(totals.topics)} topics with "
           f"BERTopic ({int(totals.outliers):,} remain outliers). Each topic is a candidate narrative for "
           "`corpora/narratives.yaml`: read its examples before adding it. Labels are the topic's top key "
           "phrases, not claims written by a person. " + name_share_line(topic_metrics), "",
           "Topic keys (`N-01`, …) carry over between runs when a topic is still there; a topic that disappears "
           f"has its key retired, never reused ({int(totals.retired)} retired so far, table "
           "`retired_topic_keys`). Cite keys with the run's date.", "",
           scope, "",
           *([] if int(totals.topics) else
             ["No topic was found: too few passages without a taxonomy narrative, or none clustered "
              "(`fitted` and `reason` in `metrics/topics.json`).", ""]),
           f"![Candidate narratives by month]({figure})", "",
           "Passages, shares and months count every passage of a topic, outliers that outlier reduction "
           "assigned to it included; section 7's earliest documents count only passages the clustering itself "
           "put there, so a topic's earliest document there can be later than its first month here. "
           + ("*Peak month* is over the figure's sources and measured months (the month in which the topic holds "
              f"the largest share of their discovery passages, among months with at least {MIN_PEAK_PASSAGES} of its "
              "passages; in brackets, its passages of that month and all discovery passages of the month); over all "
              "sources a topic's busiest month follows "
              "what was collected (2025-02 holds the one-day X collection and the RFI comments dated at their "
              "docket's window), not the debate." if peaks is not None else
              "*Peak month* counts every source, so it follows what was collected, not the debate."), "",
           f"| key | label | top terms | passages | share | first month | "
           f"{'peak month (panel)' if peaks is not None else 'peak month (all sources)'} | example passages |",
           "|---|---|---|---:|---:|---|---|---|"]
    for t in topics.itertuples():
        rows = reps[reps["topic_key"] == t.topic_key].itertuples()
        ex = " ".join(f"“{excerpt(r.text, EXCERPT_CHARS)}” ({_cite(r)}"
                      + ("" if r.member else "; not a cluster member: given to the topic by outlier reduction")
                      + ")." for r in rows)
        top = ", ".join(list(terms.get(t.topic_key, []))[:N_TERMS])
        if peaks is None:
            peak = _month_label(t.peak_month)
        elif t.topic_key in peaks:
            month, k, n = peaks[t.topic_key]
            peak = f"{_month_label(month)} ({k} of {n:,})"
        else:
            peak = f"too few (no month with {MIN_PEAK_PASSAGES} passages)"
        out.append(f"| {t.topic_key} | {_md_cell(t.label)} | {_md_cell(top)} | {t.size:,} | {_pct(t.share)} | "
                   f"{_month_label(t.first_month)} | {peak} | "
                   f"{_md_cell(ex or 'none citable')} |")
    return out
