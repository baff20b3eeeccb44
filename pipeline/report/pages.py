"""BERTopic's interactive pages (``reports/html/*.html``): the intertopic
distance map, the topic hierarchy and topics over time, standalone with the
plotly JavaScript inlined, so they open offline.

Only this module's code shapes the pages (with the saved model, the labels
and the monthly table), so only it is in their cache key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import workspace


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
    keyed by the saved model's files, the labels, the monthly table (view
    ``report_topic_page_terms``), this module's code and the BERTopic,
    plotly and UMAP versions): the distance
    map alone takes about 40 s (UMAP of the topic embeddings), and a re-run
    that only assigned new passages to the fit leaves the model unchanged.

    With no topic (``topics`` empty: the topics stage fitted none) no page
    is written and no model is needed.

    Raises:
        FileNotFoundError: no saved BERTopic model in ``model_dir``.
    """
    import hashlib
    import sys

    from pipeline.stage_cache import KeyedStore, fingerprint

    if topics.empty:  # no topic fitted (too few passages, metrics/topics.json): no model, no pages
        return []
    if not (model_dir / "topics.json").exists():
        raise FileNotFoundError(f"{model_dir}: no saved BERTopic model; run `dvc repro topics`")
    ids = workspace.query(con, "SELECT topic_id, topic_key, label FROM topics ORDER BY topic_id")
    labels = {int(r.topic_id): f"{r.topic_key} {r.label.split(',')[0]}" for r in ids.itertuples()}
    out_dir.mkdir(parents=True, exist_ok=True)
    top_ids = ids.set_index("topic_key").loc[topics["topic_key"], "topic_id"].astype(int).tolist()
    over = workspace.query(con, 'SELECT topic_id AS "Topic", words AS "Words", n_passages AS "Frequency", '
                                'period AS "Timestamp" FROM report_topic_page_terms ORDER BY period, topic_id')
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
