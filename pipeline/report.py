"""Stage ``report``: figures, interactive topic pages and ``reports/report.md``.

Everything here is read from the published warehouse (``data/debate.duckdb``,
opened read-only through :mod:`pipeline.workspace`) and the saved BERTopic
model; no number in the report is typed by hand. Outputs:

* ``reports/figures/*.png`` (matplotlib, 150 dpi, A4-width): stance share by
  month, prevalence of the top narratives by month, narrative × stance, and
  the source mix by month;
* ``reports/html/*.html``: BERTopic's plotly views (topics, hierarchy, topics
  over time) with the plotly JavaScript inlined, so they open offline;
* ``reports/plots/*.csv``: long tables behind the DVC ``plots:`` definitions;
* ``reports/report.md``: the figures and tables, each claim citing a topic
  key and example documents (outlet, date, URL).

Months with fewer than ``report.min_docs_per_month`` documents are left out
of the monthly figures (their shares are mostly noise) and named in the
figure's source note.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import workspace
from pipeline.config import METRICS_DIR, MODELS_DIR, REPORT_CACHE_DIR, REPORTS_DIR, WAREHOUSE_FILE, load_params
from pipeline.workspace import LABELS, STANCE_COLOURS

STANCES = LABELS[:3]
#: Source-type colours: hues far from the stance colours, so no figure suggests a stance.
SOURCE_TYPE_COLOURS = {"social": "#8C8C8C", "recap": "#C9B458", "forum": "#9467BD", "policy": "#000000",
                       "news": "#8C564B", "blog": "#E377C2", "newsletter": "#4FB9C9"}
SOURCE_NOTE = "Source: data/debate.duckdb ({view}), built by `dvc repro`; figure by pipeline/report.py."


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10, "legend.fontsize": 9,
                         "svg.hashsalt": "debate", "figure.dpi": 150})
    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _note(fig: Any, text: str) -> None:
    """Write the source note under everything already drawn (tick labels included)."""
    renderer = fig.canvas.get_renderer()
    bottom = fig.get_tightbbox(renderer).y0  # inches from the figure's bottom edge
    fig.text(0.01, bottom / fig.get_figheight() - 0.01, text, fontsize=7.5, va="top", ha="left")


def _month_label(d: Any) -> str:
    return pd.Timestamp(d).strftime("%Y-%m")


#: Documents the stance model did not train on: the shares reports quote. A
#: labelled document's prediction is in-sample (the model has seen its label).
UNLABELLED = "doc_id NOT IN (SELECT doc_id FROM stance_labels)"


def monthly_stance(con: Any, min_docs: int) -> tuple[pd.DataFrame, list[str]]:
    """Stance counts per month over documents without a training label
    (the same grouping as view ``stance_over_time``).

    Returns:
        ``(frame (period, label, n_docs), months left out for having fewer
        than min_docs documents)``.
    """
    frame = workspace.query(con, f"""
        SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, s.label,
               count(*) AS n_docs
        FROM stances s JOIN corpus d USING (doc_id)
        WHERE d.published_at IS NOT NULL AND s.{UNLABELLED}
        GROUP BY ALL ORDER BY period, label""")
    totals = frame.groupby("period")["n_docs"].sum()
    dropped = [_month_label(p) for p in totals.index[totals < min_docs]]
    return frame[frame["period"].isin(totals.index[totals >= min_docs])], dropped


def figure_stance_share(con: Any, path: Path, *, min_docs: int, seed: int, quality: dict[str, Any]) -> pd.DataFrame:
    """Stacked area of monthly stance shares (%), documents per month below;
    ``quality`` (:func:`stance_quality`) goes into the source note.

    Returns the plotted shares with 95 % bootstrap intervals
    (:func:`pipeline.workspace.bootstrap_shares`).
    """
    plt = _plt()
    counts, dropped = monthly_stance(con, min_docs)
    shares = workspace.bootstrap_shares(counts, seed=seed)
    wide = shares.pivot(index="period", columns="label", values="share").reindex(columns=list(LABELS)).fillna(0)
    n = shares.groupby("period")["n_group"].first()
    x = pd.to_datetime(wide.index)
    fig, (ax, axn) = plt.subplots(2, 1, figsize=(10, 6.2), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    # one area per run of consecutive months, so that no area is drawn across a left-out month
    months = x.year * 12 + x.month
    run_id = np.cumsum(np.r_[1, np.diff(months) != 1])
    for run in np.unique(run_id):
        sel = run_id == run
        if sel.sum() == 1:  # a lone month: a stacked bar
            bottom = 0.0
            for lab in LABELS:
                v = 100 * float(wide[lab][sel].iloc[0])
                ax.bar(x[sel], v, bottom=bottom, width=25, color=STANCE_COLOURS[lab])
                bottom += v
            continue
        ax.stackplot(x[sel], *(100 * wide[lab][sel] for lab in LABELS),
                     colors=[STANCE_COLOURS[lab] for lab in LABELS], edgecolor="white", linewidth=0.3)
    ax.set_ylim(0, 100)
    ax.set_ylabel("share of the month's documents (%)")
    ax.set_title("Stance share by month (classifier labels; documents it was not trained on)")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=STANCE_COLOURS[lab], label=lab.replace("_", " ")) for lab in reversed(LABELS)],
              loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="stance")
    axn.bar(x, n.to_numpy(), width=20, color="#555555")
    axn.set_yscale("log")
    axn.set_ylabel("documents\n(log scale)")
    axn.set_xlabel("month of publication (UTC)")
    note = SOURCE_NOTE.format(view="tables stances, corpus; labelled documents excluded") + (
        "\nClassifier (grouped cross-validation): macro-F1 over the three stances "
        f"{quality['macro_f1_stances']:.2f}; "
        + ", ".join(f"{k.replace('_', ' ')} precision {v['precision']:.2f} recall {v['recall']:.2f}"
                    for k, v in quality["per_class"].items() if k in STANCES) + ".")
    if dropped:
        note += f"\nMonths with fewer than {min_docs} documents left out: {', '.join(dropped)}."
    fig.autofmt_xdate()
    _note(fig, note)
    _save(fig, path)
    return shares


def top_topics(con: Any, n: int) -> pd.DataFrame:
    """The ``n`` largest topics (``topic_key, label, size, share, first_month, peak_month``)."""
    return workspace.query(con, "SELECT topic_key, label, size, share, first_month, last_month, peak_month FROM topics "
                                "ORDER BY size DESC, topic_key LIMIT ?", [n])


def _topic_name(key: str, label: str, width: int = 38) -> str:
    label = label.split(",")[0:2]
    text = f"{key}  {', '.join(s.strip() for s in label)}"
    return text if len(text) <= width else text[: width - 1] + "…"


def figure_narrative_heatmap(con: Any, path: Path, topics: pd.DataFrame, *, min_docs: int) -> pd.DataFrame:
    """Heatmap: share of each month's narrative passages (%) in each top topic."""
    plt = _plt()
    tot = workspace.query(con, "SELECT period, count(*) AS n FROM passage_narratives WHERE period IS NOT NULL "
                               "GROUP BY period ORDER BY period")
    months = tot.loc[tot["n"] >= min_docs, "period"]
    tot_over = workspace.query(con, "SELECT topic_key, period, share_of_period FROM topics_over_time")
    grid = (tot_over.pivot(index="topic_key", columns="period", values="share_of_period")
            .reindex(index=topics["topic_key"], columns=months).fillna(0) * 100)
    fig, ax = plt.subplots(figsize=(11, 0.34 * len(topics) + 2.2))
    values = grid.to_numpy()
    vmax = float(np.percentile(values[values > 0], 98)) if (values > 0).any() else 1.0
    im = ax.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=vmax)
    ax.set_yticks(range(len(topics)), [_topic_name(k, lab) for k, lab in zip(topics["topic_key"], topics["label"])])
    ax.set_xticks(range(len(months)), [_month_label(m) for m in months], rotation=90)
    ax.set_xlabel("month of publication (UTC)")
    ax.set_title(f"Prevalence of the {len(topics)} largest narratives by month")
    cb = fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01, extend="max")
    cb.set_label(f"% of the month's narrative passages (scale capped at {vmax:.0f})")
    left_out = [_month_label(m) for m in tot.loc[tot["n"] < min_docs, "period"]]
    _note(fig, SOURCE_NOTE.format(view="table topics_over_time") +
          f"\nTopics ordered by size. Months with fewer than {min_docs} narrative passages left out"
          + (f": {', '.join(left_out)}." if left_out else "."))
    _save(fig, path)
    return grid


def figure_narrative_stance(con: Any, path: Path, topics: pd.DataFrame) -> pd.DataFrame:
    """Heatmap: stance shares (%) of the documents in each top topic, with n."""
    plt = _plt()
    frame = workspace.query(con, "SELECT topic_key, label, n_docs, share FROM narrative_stance")
    grid = (frame.pivot(index="topic_key", columns="label", values="share")
            .reindex(index=topics["topic_key"], columns=list(LABELS)).fillna(0) * 100)
    n = frame.groupby("topic_key")["n_docs"].sum().reindex(topics["topic_key"]).fillna(0).astype(int)
    from matplotlib.colors import LinearSegmentedColormap

    fig, ax = plt.subplots(figsize=(9, 0.36 * len(topics) + 2.4))
    values = grid.to_numpy()
    for j, lab in enumerate(LABELS):  # each column in its stance's colour, shaded within the column
        column = np.full_like(values, np.nan)
        column[:, j] = values[:, j]
        cmap = LinearSegmentedColormap.from_list(lab, ["#FFFFFF", STANCE_COLOURS[lab] if lab in STANCES else "#707070"])
        ax.imshow(column, aspect="auto", cmap=cmap, vmin=0, vmax=max(float(values[:, j].max()), 1e-9))
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid.iat[i, j]
            dark = v > 0.6 * max(float(values[:, j].max()), 1e-9)
            ax.text(j, i, f"{v:.1f}" if 0 < v < 10 else f"{v:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_yticks(range(len(topics)), [f"{_topic_name(k, lab)} (n={n[k]})"
                                       for k, lab in zip(topics["topic_key"], topics["label"])])
    ax.xaxis.tick_top()
    ax.set_xticks(range(len(LABELS)), [lab.replace("_", "\n") for lab in LABELS])
    for tick, lab in zip(ax.xaxis.get_major_ticks(), LABELS):
        tick.label2.set_color(STANCE_COLOURS[lab] if lab in STANCES else "#555555")
        tick.label2.set_fontweight("bold")
    ax.set_title("Stance inside each narrative (% of the topic's documents)")
    _note(fig, SOURCE_NOTE.format(view="view narrative_stance") +
          "\nA document counts in every topic that holds one of its narrative passages; n = documents (the tables "
          "count passages).\nShading is relative within each column; the numbers are the shares. Labelled "
          "(training) documents included.")
    _save(fig, path)
    return grid


def figure_source_mix(con: Any, path: Path, *, min_docs: int) -> pd.DataFrame:
    """100 % stacked bars of documents per month by source type, n below."""
    plt = _plt()
    frame = workspace.query(con, """
        SELECT CAST(date_trunc('month', published_at AT TIME ZONE 'UTC') AS DATE) AS period, source_type,
               count(*) AS n_docs
        FROM corpus WHERE published_at IS NOT NULL GROUP BY ALL ORDER BY period, source_type""")
    wide = frame.pivot(index="period", columns="source_type", values="n_docs").fillna(0)
    totals = wide.sum(axis=1)
    dropped = [_month_label(p) for p in totals.index[totals < min_docs]]
    wide = wide[totals >= min_docs]
    types = [t for t in SOURCE_TYPE_COLOURS if t in wide.columns] + sorted(set(wide.columns) - set(SOURCE_TYPE_COLOURS))
    share = wide[types].div(wide.sum(axis=1), axis=0) * 100
    x = np.arange(len(share))
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
    axn.set_yscale("log")
    axn.set_ylabel("documents\n(log scale)")
    axn.set_xticks(x, [_month_label(p) for p in share.index], rotation=90)
    axn.set_xlabel("month of publication (UTC)")
    note = SOURCE_NOTE.format(view="view corpus")
    if dropped:
        note += f"\nMonths with fewer than {min_docs} documents left out: {', '.join(dropped)}."
    _note(fig, note)
    _save(fig, path)
    return frame


#: Quotes of listed actors (table ``actors``), not ``other:`` names or unknown speakers.
LISTED = "q.speaker_actor IN (SELECT actor FROM actors)"


def top_actors(con: Any, n: int) -> pd.DataFrame:
    """The ``n`` listed actors with the most quotes: ``actor, kind, n_quotes``."""
    return workspace.query(con, f"""
        SELECT q.speaker_actor AS actor, a.kind, count(*) AS n_quotes
        FROM quotes q JOIN actors a ON a.actor = q.speaker_actor WHERE {LISTED}
        GROUP BY ALL ORDER BY n_quotes DESC, actor LIMIT ?""", [n])


def figure_actor_stance(con: Any, path: Path, actors: pd.DataFrame, *, min_quotes: int) -> pd.DataFrame:
    """Heatmap: per actor (rows) and quarter (columns), the net stance of the
    actor's quotes, ``(pro_open_source - security_hawk) / quotes`` (−1 … 1),
    from view ``actor_stance``; cells with fewer than ``min_quotes`` quotes
    are left blank. Returns the quarterly counts."""
    plt = _plt()
    frame = workspace.query(con, "SELECT actor, period, label, n_quotes FROM actor_stance WHERE actor IN "
                                 "(SELECT unnest(?))", [actors["actor"].tolist()])
    frame["quarter"] = pd.PeriodIndex(pd.to_datetime(frame["period"]), freq="Q").astype(str)
    wide = frame.pivot_table(index=["actor", "quarter"], columns="label", values="n_quotes", aggfunc="sum",
                             fill_value=0).reindex(columns=list(LABELS), fill_value=0)
    total = wide.sum(axis=1)
    net = ((wide["pro_open_source"] - wide["security_hawk"]) / total).unstack("quarter")
    counts = total.unstack("quarter").fillna(0).astype(int)
    if len(counts.columns):  # every quarter from the first to the last, none skipped
        span = pd.period_range(min(counts.columns), max(counts.columns), freq="Q")
        quarters = [str(qq) for qq in span]
    else:
        quarters = []
    net = net.reindex(index=actors["actor"], columns=quarters)
    counts = counts.reindex(index=actors["actor"], columns=quarters).fillna(0).astype(int)
    shown = net.where(counts >= min_quotes)
    if not len(actors) or not quarters:
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.axis("off")
        ax.text(0.5, 0.5, f"No listed actor has a quarter with {min_quotes} or more quotes.", ha="center")
        _note(fig, SOURCE_NOTE.format(view="view actor_stance"))
        _save(fig, path)
        return counts
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("net", [STANCE_COLOURS["security_hawk"], "#FFFFFF",
                                                     STANCE_COLOURS["pro_open_source"]])
    fig, ax = plt.subplots(figsize=(max(6.0, 0.62 * len(quarters) + 3.5), 0.42 * len(actors) + 2.2))
    stanced = ((wide["pro_open_source"] + wide["security_hawk"]).unstack("quarter")
               .reindex(index=actors["actor"], columns=quarters).fillna(0))
    none = np.where((counts >= min_quotes) & (stanced == 0), 1.0, np.nan)
    im = ax.imshow(shown.where(stanced > 0).to_numpy(dtype=float), aspect="auto", cmap=cmap, vmin=-1, vmax=1)
    from matplotlib.colors import ListedColormap

    ax.imshow(none, aspect="auto", cmap=ListedColormap(["#D9D9D9"]), vmin=0, vmax=1)  # no quote with a stance
    for i in range(len(actors)):
        for j in range(len(quarters)):
            k = int(counts.iat[i, j])
            if k:
                ax.text(j, i, str(k), ha="center", va="center", fontsize=7,
                        color="black" if k >= min_quotes else "#9A9A9A")
    ax.set_yticks(range(len(actors)), [f"{a} ({kind})" for a, kind in zip(actors["actor"], actors["kind"])])
    ax.set_xticks(range(len(quarters)), quarters, rotation=90)
    ax.set_xlabel("quarter of publication (UTC)")
    ax.set_title("Net stance of each actor's quotes by quarter")
    bar = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    bar.set_ticks([-1, 0, 1], labels=["all security_hawk", "balanced / neutral", "all pro_open_source"])
    _note(fig, SOURCE_NOTE.format(view="view actor_stance") +
          "\nColour: (pro_open_source − security_hawk quotes) / all quotes of the actor in the quarter; numbers: "
          f"quotes; fewer than {min_quotes} quotes: blank (grey number); grey cell: {min_quotes} or more quotes, "
          "none pro_open_source or security_hawk.\nQuote stance is the "
          "document classifier applied to the quote's text; speakers come from automatic attribution "
          "(precision and recall in metrics/actors.json).")
    _save(fig, path)
    return counts


def topic_pages(con: Any, model_dir: Path, out_dir: Path, topics: pd.DataFrame,
                cache_dir: Path | None = None) -> list[Path]:
    """BERTopic's plotly views as standalone HTML with plotly.js inlined.

    Writes ``topics.html`` (intertopic distance map), ``hierarchy.html``
    (Ward clustering of the c-TF-IDF vectors) and ``topics_over_time.html``
    (monthly passages per topic from table ``topics_over_time``, drawn by
    :func:`topics_over_time_figure` without loading BERTopic). Labels are
    ``topic_key label`` so they match the tables. Fixed ``div_id``\\s keep the
    files identical across runs, so a page whose inputs did not change is
    taken from ``cache_dir`` (a :class:`pipeline.stage_cache.KeyedStore`
    keyed by the saved model's files, the labels, the monthly table, this
    module's code and the BERTopic, plotly and UMAP versions): the distance
    map alone takes about 40 s (UMAP of the topic embeddings), and a re-run
    that only assigned new passages to the fit leaves the model unchanged.

    Raises:
        FileNotFoundError: no saved BERTopic model in ``model_dir``.
    """
    import hashlib
    import sys

    from pipeline.stage_cache import KeyedStore, fingerprint

    if not (model_dir / "topics.json").exists():
        raise FileNotFoundError(f"{model_dir}: no saved BERTopic model; run `dvc repro topics`")
    ids = workspace.query(con, "SELECT topic_id, topic_key, label FROM topics ORDER BY topic_id")
    labels = {int(r.topic_id): f"{r.topic_key} {r.label.split(',')[0]}" for r in ids.itertuples()}
    out_dir.mkdir(parents=True, exist_ok=True)
    top_ids = ids.set_index("topic_key").loc[topics["topic_key"], "topic_id"].astype(int).tolist()
    over = workspace.query(con, """
        SELECT t.topic_id AS "Topic", array_to_string(o.top_terms_period[1:5], ', ') AS "Words",
               o.n_passages AS "Frequency", o.period AS "Timestamp"
        FROM topics_over_time o JOIN topics t USING (topic_key) ORDER BY o.period, t.topic_id""")
    over["Timestamp"] = pd.to_datetime(over["Timestamp"])
    code = fingerprint(sorted(labels.items()), files=sorted(p for p in model_dir.iterdir() if p.is_file()),
                       modules=[sys.modules[__name__]], packages=["bertopic", "plotly", "umap-learn", "numba"])
    store = KeyedStore(cache_dir, "pages", code)
    figures = {
        "topics": lambda m: m.visualize_topics(custom_labels=True, title="Intertopic distance map"),
        "hierarchy": lambda m: m.visualize_hierarchy(custom_labels=True, title="Topic hierarchy (c-TF-IDF)"),
        "topics_over_time": lambda m: topics_over_time_figure(
            over, labels, top_ids, title="Narrative passages per month, largest topics"),
    }
    inputs = {"topics": "", "hierarchy": "",
              "topics_over_time": hashlib.sha256((over.to_csv(index=False) + repr(top_ids)).encode()).hexdigest()}
    model = None
    written = []
    for name, make in figures.items():
        key = f"{name}-{inputs[name]}"
        html = store.get(key)
        if html is None:
            if model is None and name != "topics_over_time":  # drawn from the table alone
                from bertopic import BERTopic

                model = BERTopic.load(str(model_dir), embedding_model=None)
                model.set_topic_labels(labels)
            html = make(model).to_html(include_plotlyjs=True, full_html=True, div_id=f"debate-{name}")
            store.put(key, html)
        path = out_dir / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        written.append(path)
    store.save()
    return written


def topics_over_time_figure(over: pd.DataFrame, labels: dict[int, str], topic_ids: list[int], *,
                            title: str) -> Any:
    """Monthly passages of ``topic_ids`` as a plotly line chart, drawn like
    BERTopic's ``visualize_topics_over_time`` (its Okabe–Ito colours,
    ``simple_white`` template, 1250 × 450 px, one trace per topic), from the
    table alone: a re-run whose fit is unchanged need not load BERTopic
    (about 16 s on 2 cores). Unlike BERTopic's page, the hover text and the
    legend name topic keys (as the tables do) and the y axis says
    "Passages".

    Args:
        over: rows ``Topic`` (topic_id), ``Words``, ``Frequency`` (passages),
            ``Timestamp`` (month start).
        labels: ``topic_id → "topic_key label"``, the legend names.
        topic_ids: the topics drawn; traces follow ascending topic id, as in
            BERTopic.

    Returns:
        A ``plotly.graph_objects.Figure``.
    """
    import plotly.graph_objects as go

    colours = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#D55E00", "#0072B2", "#CC79A7"]
    data = over[over["Topic"].isin(topic_ids)].sort_values(["Topic", "Timestamp"])
    fig = go.Figure()
    for index, (topic, rows) in enumerate(data.groupby("Topic", sort=True)):
        name = labels.get(int(topic), str(topic))
        fig.add_trace(go.Scatter(
            x=rows["Timestamp"], y=rows["Frequency"], mode="lines", marker_color=colours[index % len(colours)],
            hoverinfo="text", name=name,
            hovertext=[f"<b>{name.split()[0]}</b><br>Words: {w}" for w in rows["Words"]]))
    fig.update_xaxes(showgrid=True)
    fig.update_yaxes(showgrid=True)
    fig.update_layout(
        yaxis_title="Passages", template="simple_white", width=1250, height=450,
        title={"text": title, "y": 0.95, "x": 0.40, "xanchor": "center", "yanchor": "top",
               "font": {"size": 22, "color": "Black"}},
        hoverlabel={"bgcolor": "white", "font_size": 16, "font_family": "Rockwell"},
        legend={"title": "<b>Topic</b>"})
    return fig


def write_plot_tables(shares: pd.DataFrame, topics: pd.DataFrame, out_dir: Path) -> None:
    """Long CSVs behind the DVC ``plots:`` definitions in ``dvc.yaml``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    s = shares[shares["label"].isin(STANCES)].assign(period=lambda f: f["period"].map(_month_label))
    s[["period", "label", "share", "share_lo", "share_hi", "n_group"]].round(4).to_csv(
        out_dir / "stance_share.csv", index=False)
    topics[["topic_key", "size"]].to_csv(out_dir / "topic_sizes.csv", index=False)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _cite(r: Any) -> str:
    """``outlet, date, <url>``; a recap line is AINews's paraphrase of the linked post."""
    kind = getattr(r, "source_type", None)
    where = f"paraphrase by {r.outlet} of the linked post" if kind == "recap" else r.outlet
    return f"{where}, {pd.Timestamp(r.published_at):%Y-%m-%d}, <{r.url}>"


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def representatives(con: Any, keys: list[str], per_topic: int = 2) -> pd.DataFrame:
    """Citable example documents per topic (table ``topic_representatives``)."""
    return workspace.query(con, """
        SELECT r.topic_key, r.rank, r.passage_id, coalesce(d.outlet, d.platform) AS outlet, d.published_at, d.url,
               d.source_type, p.text
        FROM topic_representatives r JOIN corpus d USING (doc_id) JOIN passages p USING (passage_id)
        WHERE r.rank <= ? ORDER BY r.topic_key, r.rank""", [per_topic]).query("topic_key in @keys")


def first_voices(con: Any, keys: list[str], per_topic: int = 2, min_probability: float = 0.5) -> pd.DataFrame:
    """The earliest citable documents (single record, URL and date) in each
    topic, among passages HDBSCAN itself put in the topic (``assignment =
    'cluster'``, membership ≥ ``min_probability``), not outliers reassigned
    to it."""
    return workspace.query(con, """
        WITH d AS (
            SELECT DISTINCT pn.topic_key, pn.doc_id, pn.outlet, pn.published_at, pn.url, pn.source_type
            FROM passage_narratives pn JOIN corpus c USING (doc_id)
            WHERE pn.url IS NOT NULL AND pn.published_at IS NOT NULL AND c.n_records = 1
              AND pn.assignment = 'cluster' AND pn.probability >= ?),
        r AS (SELECT *, row_number() OVER (PARTITION BY topic_key ORDER BY published_at, doc_id) AS rank FROM d)
        SELECT * FROM r WHERE rank <= ? ORDER BY topic_key, rank""",
                           [min_probability, per_topic]).query("topic_key in @keys")


def stance_quality(con: Any) -> dict[str, Any]:
    """Cross-validated macro-F1, per-class precision and recall, recomputed
    from table ``stance_labels`` (each labelled document's out-of-fold prediction)."""
    from sklearn.metrics import f1_score

    from sklearn.metrics import precision_recall_fscore_support

    gold = workspace.query(con, "SELECT label, cv_prediction FROM stance_labels")
    model = workspace.query(con, "SELECT min(model_version) AS v FROM stances")["v"].iat[0]
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


def actor_section(con: Any, params: dict[str, Any], figures: dict[str, Path], rel: Any, measurable: list[str],
                  metrics: dict[str, Any]) -> list[str]:
    """Markdown lines of the report's "who says what" section: attribution
    quality (from ``metrics/actors.json``), the actor figure, the listed
    actors most quoted with each measurable stance with their most typical
    quote cited, and the outlets that quote listed actors."""
    n = int(params["top_actors"])
    totals = workspace.query(con, f"""
        SELECT count(*) AS quotes, count(DISTINCT doc_id) AS docs,
               count(*) FILTER (WHERE {LISTED}) AS listed,
               count(*) FILTER (WHERE q.speaker_actor = 'unknown') AS unknown
        FROM quotes q""").iloc[0]
    ev = metrics["evaluation"]
    part, exact = ev["attribution_partial_span"], ev["attribution_exact_span"]
    gold_mix = ", ".join(f"{n} {kind}" for kind, n in ev.get("gold_documents_by_source_type", {}).items()) or \
        "news articles"
    out = ["## 5. Who says what: actors and quotes", "",
           f"{int(totals.quotes):,} quotes in {int(totals.docs):,} documents (tables `quotes`, `quote_stances`): "
           f"{int(totals.listed):,} by actors listed in `corpora/actors.yaml`, {int(totals.unknown):,} by speakers the "
           "finder could not name. Each public comment is one quote of its submitter (its most relevant passage). "
           f"On the quote gold set ({ev['gold_quotes']} quotes in {ev['documents']} documents, "
           f"{ev['gold_documents_read']} of them read by the stage; LLM-labelled, `corpora/labels/quotes_v1.jsonl`) "
           f"the stage's attribution has **precision {part['precision']:.2f} and recall {part['recall']:.2f}** "
           f"(partial span; exact span {exact['precision']:.2f} / {exact['recall']:.2f}). The gold documents are "
           f"{gold_mix}: the figures say nothing about AINews recaps, social posts or public comments. **So the "
           "counts below hold missed quotes and wrongly attributed ones, and a quote's stance is the document "
           "classifier applied to the quote's own text**, which it was not trained on: read the quotes before "
           "citing them.", "",
           f"![Actor stance by quarter]({rel(figures['actor_stance'])})", ""]
    min_q = int(params["min_stance_quotes"])
    for st in STANCES:
        if st not in measurable:
            out += [f"**{st}**: not measurable (section 2).", ""]
            continue
        rows = workspace.query(con, f"""
            WITH counts AS (
                SELECT q.speaker_actor AS actor, count(*) FILTER (WHERE s.label = ?) AS n_label, count(*) AS n_all,
                       count(DISTINCT q.doc_id) FILTER (WHERE s.label = ?) AS n_docs
                FROM quotes q JOIN quote_stances s USING (quote_id) WHERE {LISTED} GROUP BY 1),
            citable AS (
                SELECT q.speaker_actor AS actor, q.quote_text, q.cue, coalesce(d.outlet, d.platform) AS outlet,
                       d.published_at, d.url, d.source_type,
                       row_number() OVER (PARTITION BY q.speaker_actor ORDER BY s.p_{st} DESC, q.quote_id) AS rank
                FROM quotes q JOIN quote_stances s USING (quote_id) JOIN documents d USING (doc_id)
                WHERE {LISTED} AND s.label = ? AND d.url IS NOT NULL AND d.published_at IS NOT NULL)
            SELECT c.*, a.kind, e.quote_text, e.cue, e.outlet, e.published_at, e.url, e.source_type
            FROM counts c JOIN actors a USING (actor) LEFT JOIN citable e ON e.actor = c.actor AND e.rank = 1
            WHERE c.n_label >= ? ORDER BY c.n_label DESC, c.actor LIMIT ?""", [st, st, st, min_q, n])
        out += [f"**Most quoted with stance {st}** (actors with at least {min_q} such quotes; quotes classified "
                f"{st} / all quotes of the actor, and the documents they come from; the example is the actor's "
                "citable quote, with URL and date, with the highest probability of the stance):", "",
                "| actor | kind | quotes | documents | example quote | cited |", "|---|---|---:|---:|---|---|"]
        for r in rows.itertuples():
            if isinstance(r.quote_text, str):
                text = r.quote_text if len(r.quote_text) <= 220 else r.quote_text[:217].rsplit(" ", 1)[0] + " …"
                example, cited = f"“{_md_cell(text)}” ({r.cue})", _md_cell(_cite(r))
            else:
                example, cited = "no quote of this stance with a URL and a date", ""
            out.append(f"| {r.actor} | {r.kind} | {int(r.n_label)}/{int(r.n_all)} | {int(r.n_docs)} | {example} | "
                       f"{cited} |")
        if rows.empty:
            out.append(f"| no listed actor has {min_q} or more | | | | | |")
        out.append("")
    outlets = workspace.query(con, """
        SELECT o.outlet, sum(o.n) AS n,
               sum(o.n) FILTER (WHERE o.label = 'pro_open_source') AS pos,
               sum(o.n) FILTER (WHERE o.label = 'security_hawk') AS sh
        FROM outlet_quotes o JOIN actors a USING (actor)
        GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?""", [n])
    out += ["**Which outlets quote listed actors, and with which stance** (view `outlet_quotes`: quotes found by the "
            "quote finder; an actor's own public comments are not an outlet quoting it):", "",
            "| outlet | quotes of listed actors | pro_open_source | security_hawk |", "|---|---:|---:|---:|"]
    for r in outlets.itertuples():
        pos, sh = int(0 if pd.isna(r.pos) else r.pos), int(0 if pd.isna(r.sh) else r.sh)
        out.append(f"| {_md_cell(r.outlet)} | {int(r.n):,} | {pos} ({_pct(pos / r.n)}) | {sh} ({_pct(sh / r.n)}) |")
    return out + [""]


def write_report(con: Any, path: Path, *, topics: pd.DataFrame, shares: pd.DataFrame, params: dict[str, Any],
                 figures: dict[str, Path], pages: list[Path], quality: dict[str, Any],
                 actor_metrics: dict[str, Any]) -> str:
    """Assemble ``reports/report.md`` from warehouse queries; returns the text.

    Stance shares count only documents without a training label (a labelled
    document's prediction is in-sample); a stance whose cross-validated
    recall or precision is under ``report.min_recall`` is reported as not
    measurable instead of being given a share.
    """
    keys = topics["topic_key"].tolist()
    corpus = workspace.query(con, "SELECT count(*) AS n, min(published_at) AS first, max(published_at) AS last, "
                                  "count(DISTINCT source) AS sources, avg(CASE WHEN lang = 'en' THEN 1 ELSE 0 END) "
                                  "AS english FROM corpus").iloc[0]
    by_type = workspace.query(con, "SELECT source_type, count(*) AS n FROM corpus GROUP BY 1 ORDER BY n DESC, 1")
    peak = workspace.query(con, "SELECT CAST(date_trunc('month', published_at) AS DATE) AS m, count(*) AS n "
                                "FROM corpus GROUP BY 1 ORDER BY n DESC, m LIMIT 1").iloc[0]
    busiest_day = workspace.query(con, "SELECT CAST(published_at AS DATE) AS d, source, count(*) AS n FROM corpus "
                                       "GROUP BY ALL ORDER BY n DESC, d LIMIT 1").iloc[0]
    windowed = workspace.query(con, "SELECT source, count(*) AS n, min(CAST(published_at AS DATE)) AS d FROM corpus "
                                    "WHERE date_precision = 'window' GROUP BY 1 ORDER BY n DESC, source")
    summary = workspace.query(con, "SELECT s.*, coalesce(w.n, 0) AS n_window FROM source_summary s LEFT JOIN "
                                   "(SELECT source, count(*) AS n FROM corpus WHERE date_precision = 'window' "
                                   "GROUP BY 1) w USING (source) ORDER BY n_kept DESC, source")
    totals = workspace.query(con, "SELECT (SELECT count(*) FROM passages) AS passages, "
                                  "(SELECT count(*) FROM passage_topics) AS narrative, "
                                  "(SELECT count(*) FROM passage_topics WHERE topic_key = 'outlier') AS outliers, "
                                  "(SELECT count(*) FROM topics) AS topics, "
                                  "(SELECT count(*) FROM retired_topic_keys) AS retired").iloc[0]
    q = quality  # stance_quality(con), computed once by run()
    min_recall = float(params["min_recall"])
    measurable = [s for s in STANCES if q["per_class"][s]["recall"] >= min_recall
                  and q["per_class"][s]["precision"] >= min_recall]
    overall = workspace.query(con, f"SELECT label, count(*) AS n FROM stances WHERE {UNLABELLED} GROUP BY 1")
    overall = overall.set_index("label")["n"].reindex(list(LABELS)).fillna(0).astype(int)
    n_unlabelled = int(overall.sum())
    mean_p = workspace.query(con, "SELECT " + ", ".join(f"avg(p_{lab}) AS {lab}" for lab in LABELS)
                             + f" FROM stances WHERE {UNLABELLED}")
    reps = representatives(con, keys)
    first = first_voices(con, keys, min_probability=float(params["min_membership"]))
    nstance = workspace.query(con, f"""
        SELECT dt.topic_key, s.label, count(*) AS n_docs FROM doc_topics dt JOIN stances s USING (doc_id)
        WHERE s.{UNLABELLED} GROUP BY ALL""")
    ntot = nstance.groupby("topic_key")["n_docs"].sum()
    topic_label = dict(workspace.query(con, "SELECT topic_key, label FROM topics").itertuples(index=False))
    rel = lambda p: os.path.relpath(p, path.parent)  # noqa: E731
    labelled_note = ("LLM-labelled (Claude annotator sessions reading each document by the codebook; not human "
                     "labels, see `corpora/labels/README.md`)")

    out = ["# The open-source AI debate, US and China, in English-language sources: generated report", "",
           "_Generated by `dvc repro` (stage `report`, `pipeline/report.py`) from `data/debate.duckdb`. "
           "Every number below is a query result; do not edit this file by hand. "
           f"Stance model: `{q['model_version']}`._", ""]
    out += ["## 1. Corpus", "",
            f"The warehouse holds **{int(corpus.n):,} relevant, non-duplicate documents** from "
            f"{int(corpus.sources)} sources, published {pd.Timestamp(corpus['first']):%Y-%m-%d} to "
            f"{pd.Timestamp(corpus['last']):%Y-%m-%d} (view `corpus`); {_pct(corpus.english)} are in English. "
            "By source type: " + ", ".join(f"{r.source_type} {r.n:,}" for r in by_type.itertuples()) + ".", "",
            "**How the corpus was collected matters more than anything below.** "
            f"The busiest month is {pd.Timestamp(peak.m):%Y-%m} with {int(peak.n):,} documents "
            f"({_pct(peak.n / corpus.n)} of the corpus), and the busiest single day is "
            f"{pd.Timestamp(busiest_day.d):%Y-%m-%d}: {int(busiest_day.n):,} documents of `{busiest_day.source}` "
            "(a one-day collection, not a surge of debate). "
            + ("Documents without their own date are dated at the start of their source's comment window: "
               + ", ".join(f"`{r.source}` {r.n:,} on {pd.Timestamp(r.d):%Y-%m-%d}" for r in windowed.itertuples())
               + ". " if len(windowed) else "")
            + "Each source covers its own period, so a month's mix of sources (figure below) shapes its shares. "
            "Monthly shares are shares *within* each month.", "",
            "| source | documents kept | duplicates | not relevant | rejects | undated | window-dated |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {r.source} | {r.n_kept:,} | {r.n_duplicates:,} | {r.n_irrelevant:,} | {r.n_rejects:,} | "
            f"{r.n_undated:,} | {r.n_window:,} |" for r in summary.itertuples()]
    out += ["", f"![Source mix by month]({rel(figures['source_mix'])})", ""]

    out += ["## 2. Stance over time", "",
            f"The stance classifier was trained on {q['n']:,} documents {labelled_note}. Their own predictions "
            f"are in-sample, so **every share below counts only the {n_unlabelled:,} documents without a training "
            f"label**. Grouped 5-fold cross-validation on the labelled documents (table `stance_labels`) gives "
            f"macro-F1 **{q['macro_f1_stances']:.3f} over the three stances** and {q['macro_f1_all']:.3f} over all "
            "five labels.", "",
            "| label | CV precision | CV recall | documents | share of documents | mean probability |",
            "|---|---:|---:|---:|---:|---:|"]
    for lab in LABELS:
        pc = q["per_class"][lab]
        measured = lab not in STANCES or lab in measurable
        out.append(f"| {lab} | {pc['precision']:.2f} | {pc['recall']:.2f} | {int(overall[lab]):,} | "
                   + (f"{_pct(overall[lab] / n_unlabelled)} | {_pct(float(mean_p[lab].iat[0]))} |" if measured
                      else "not measurable | not measurable |"))
    not_measurable = [s for s in STANCES if s not in measurable]
    out += ["", "Share of documents counts each document's most probable label; mean probability (probabilistic "
            "classify-and-count, Bella et al. 2010) counts uncertain documents fractionally. Where the two differ "
            "much, neither is reliable."
            + (f" **{', '.join(not_measurable)}**: cross-validated recall or precision is under {min_recall:.2f}, so "
               "the classifier cannot measure it; no share or claim about it is made in this report."
               if not_measurable else ""), "",
            f"![Stance share by month]({rel(figures['stance_share'])})", ""]
    recent = sorted(shares["period"].unique())[-6:]
    last_day = pd.Timestamp(corpus["last"])
    out += ["Last six months in the figure: documents with the label / documents of the month, and the 95 % Wilson "
            "interval of the share:", "",
            "| month | documents | " + " | ".join(measurable) + " |", "|---|---:|" + "---:|" * len(measurable)]
    for m in recent:
        rows = shares[shares["period"] == m].set_index("label")
        n = int(rows["n_group"].iat[0])
        cells = []
        for s in measurable:
            k = int(rows.at[s, "n_docs"])
            lo, hi = workspace.wilson_interval(k, n)
            cells.append(f"{k}/{n}: {_pct(k / n)} ({100 * lo:.1f}–{100 * hi:.1f})")
        month = pd.Timestamp(m)
        partial = (f" (to {last_day:%m-%d})" if (month.year, month.month) == (last_day.year, last_day.month)
                   and last_day.day < last_day.days_in_month else "")
        out.append(f"| {_month_label(m)}{partial} | {n:,} | " + " | ".join(cells) + " |")

    out += ["", "## 3. Narratives", "",
            f"{int(totals.passages):,} passages; {int(totals.narrative):,} narrative passages were clustered into "
            f"{int(totals.topics)} topics with BERTopic ({int(totals.outliers):,} remain outliers). Topic keys "
            "(`N-01`, …) carry over between runs when a topic is still there; a topic that disappears has its key "
            f"retired, never reused ({int(totals.retired)} retired so far, table `retired_topic_keys`). Cite keys "
            "with the run's date. Labels are the topic's top key phrases, not human summaries; peak month is the "
            "month with the most passages, which the collection (section 1) drives.", "",
            f"![Narrative prevalence by month]({rel(figures['narrative_heatmap'])})", "",
            "| key | label | passages | share | first month | peak month | example documents |",
            "|---|---|---:|---:|---|---|---|"]
    for t in topics.itertuples():
        ex = "; ".join(_cite(r) for r in reps[reps["topic_key"] == t.topic_key].itertuples())
        out.append(f"| {t.topic_key} | {_md_cell(t.label)} | {t.size:,} | {_pct(t.share)} | "
                   f"{_month_label(t.first_month)} | {_month_label(t.peak_month)} | {_md_cell(ex)} |")

    min_docs = int(params["min_docs_narrative"])
    out += ["", "## 4. Which narrative carries which stance", "",
            f"![Narrative × stance]({rel(figures['narrative_stance'])})", "",
            f"Counts below use documents without a training label; topics with at least {min_docs} such documents.",
            ""]
    for s in STANCES:
        if s not in measurable:
            out.append(f"- **{s}**: not measurable (see section 2).")
            continue
        cand = nstance[(nstance["label"] == s) & nstance["topic_key"].map(ntot).ge(min_docs)]
        if cand.empty:
            out.append(f"- **{s}**: no narrative with at least {min_docs} documents carries this stance.")
            continue
        cand = cand.assign(share=cand["n_docs"] / cand["topic_key"].map(ntot))
        top_share = cand.sort_values(["share", "topic_key"], ascending=[False, True]).iloc[0]
        top_count = cand.sort_values(["n_docs", "topic_key"], ascending=[False, True]).iloc[0]
        all_s = int(nstance.loc[nstance["label"] == s, "n_docs"].sum())
        in_fig = "" if top_share.topic_key in keys else " (not among the topics in the figure)"
        ex = workspace.query(con, f"""
            SELECT coalesce(d.outlet, d.platform) AS outlet, d.published_at, d.url, d.source_type
            FROM doc_topics dt JOIN stances s USING (doc_id) JOIN corpus d USING (doc_id)
            WHERE dt.topic_key = ? AND s.label = ? AND d.url IS NOT NULL AND d.n_records = 1 AND s.{UNLABELLED}
            ORDER BY s.p_{s} DESC, d.doc_id LIMIT 2""", [top_share.topic_key, s])
        out.append(f"- **{s}** makes up the largest share of **{top_share.topic_key}** "
                   f"({_md_cell(topic_label[top_share.topic_key])}){in_fig}: {int(top_share.n_docs)} of its "
                   f"{int(ntot[top_share.topic_key]):,} documents ({_pct(top_share.share)}). Most {s} documents sit "
                   f"in **{top_count.topic_key}**: {int(top_count.n_docs)} of the {all_s:,} {s} documents across "
                   "topics. Examples: " + ("; ".join(_cite(r) for r in ex.itertuples()) or "none citable") + ".")
    out += ["", "(A document counts in every topic that holds one of its narrative passages.)", ""]

    out += actor_section(con, params, figures, rel, measurable, actor_metrics)

    out += ["## 6. Earliest documents in this corpus", "",
            "The earliest citable documents (single records with URL and date) among passages the clustering itself "
            f"put in each of the largest narratives (membership ≥ {float(params['min_membership']):.1f}; "
            "view `passage_narratives`). *Earliest in this corpus* is not *first in the world*: each source "
            "covers its own period (section 1), and recap lines are dated by the post they paraphrase.", "",
            "| key | earliest documents |", "|---|---|"]
    for k in keys:
        rows = first[first["topic_key"] == k]
        cited = "; ".join(f"{_cite(r)} ({r.source_type})" for r in rows.itertuples()) or "none above the threshold"
        out.append(f"| {k} | {_md_cell(cited)} |")
    out += ["", "## 7. Interactive views", "",
            "Standalone HTML (plotly inlined, opens offline): "
            + ", ".join(f"[{p.stem}]({rel(p)})" for p in pages) + ".", ""]
    text = "\n".join(out) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


def run(params: dict[str, Any], *, db: Path = WAREHOUSE_FILE, reports_dir: Path = REPORTS_DIR,
        model_dir: Path | None = None, metrics_file: Path = METRICS_DIR / "actors.json",
        cache_dir: Path | None = None) -> dict[str, Any]:
    """Write every output of the stage; returns a summary (paths, counts).
    ``cache_dir`` keeps BERTopic's pages for re-runs (:func:`topic_pages`).

    Raises:
        FileNotFoundError: no warehouse, no saved topic model or no metrics/actors.json.
    """
    model_dir = model_dir or MODELS_DIR / "topics" / "bertopic"
    figures_dir, html_dir = reports_dir / "figures", reports_dir / "html"
    con = workspace.open_warehouse(db)
    try:
        topics = top_topics(con, int(params["top_narratives"]))
        min_docs = int(params["min_docs_per_month"])
        figures = {name: figures_dir / f"{name}.png"
                   for name in ("stance_share", "narrative_heatmap", "narrative_stance", "source_mix",
                                "actor_stance")}
        quality = stance_quality(con)
        shares = figure_stance_share(con, figures["stance_share"], min_docs=min_docs, seed=int(params["seed"]),
                                     quality=quality)
        figure_narrative_heatmap(con, figures["narrative_heatmap"], topics, min_docs=min_docs)
        figure_narrative_stance(con, figures["narrative_stance"], topics)
        figure_source_mix(con, figures["source_mix"], min_docs=min_docs)
        figure_actor_stance(con, figures["actor_stance"], top_actors(con, int(params["top_actors"])),
                            min_quotes=int(params["min_quotes"]))
        actor_metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        pages = topic_pages(con, model_dir, html_dir, topics, cache_dir=cache_dir)
        write_plot_tables(shares, topics, reports_dir / "plots")
        write_report(con, reports_dir / "report.md", topics=topics, shares=shares, params=params, figures=figures,
                     pages=pages, quality=quality, actor_metrics=actor_metrics)
    finally:
        con.close()
    return {"figures": sorted(str(p.relative_to(reports_dir)) for p in figures.values()),
            "html": sorted(str(p.relative_to(reports_dir)) for p in pages), "n_topics_reported": len(topics)}


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.report``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    summary = run(load_params("report"), cache_dir=REPORT_CACHE_DIR)
    print(f"report: {len(summary['figures'])} figures, {len(summary['html'])} HTML pages, "
          f"{summary['n_topics_reported']} narratives → {REPORTS_DIR / 'report.md'} "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
