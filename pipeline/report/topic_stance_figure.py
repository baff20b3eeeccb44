"""Figure ``narrative_stance.png`` (report section 6): the stance shares of
each top discovery topic's documents without a stance training label, the
counts of view ``report_topic_stance_counts``; stances the report calls
not measurable are hatched, not drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import workspace
from pipeline.report.figures import SOURCE_NOTE, STANCES, _no_topics_figure, _note, _plt, _save, _topic_name
from pipeline.workspace import LABELS, STANCE_COLOURS


def figure_narrative_stance(con: Any, path: Path, topics: pd.DataFrame, measurable: list[str] | None = None
                            ) -> pd.DataFrame:
    """Heatmap: stance shares (%) of the unlabelled documents in each top
    discovery topic, with n (view ``report_topic_stance_counts``, the
    counts of report section 6; a figure that says so when there is no
    topic). A stance not in ``measurable`` (default: all) is drawn as an
    empty, hatched column: report section 3 gives it no share."""
    title = "Stance inside each discovery topic (% of the topic's unlabelled documents)"
    if topics.empty:
        return _no_topics_figure(path, title)
    plt = _plt()
    shown = list(LABELS) if measurable is None else [lab for lab in LABELS if lab in measurable or lab not in STANCES]
    frame = workspace.query(con, "SELECT topic_key, label, n_docs FROM report_topic_stance_counts")
    counts = (frame.pivot(index="topic_key", columns="label", values="n_docs")
              .reindex(index=topics["topic_key"], columns=list(LABELS)).fillna(0))
    n = counts.sum(axis=1).astype(int)
    grid = counts.div(n.where(n > 0, 1), axis=0) * 100
    grid[[lab for lab in LABELS if lab not in shown]] = np.nan
    from matplotlib.colors import LinearSegmentedColormap

    fig, ax = plt.subplots(figsize=(9, 0.36 * len(topics) + 2.4))
    values = grid.to_numpy()
    top = grid.max(axis=0).fillna(0).to_numpy()   # each shown column's largest share (hidden ones: 0)
    for j, lab in enumerate(LABELS):  # each column in its stance's colour, shaded within the column
        if lab not in shown:
            ax.add_patch(plt.Rectangle((j - 0.5, -0.5), 1, len(topics), fill=False, hatch="//", edgecolor="#BBBBBB"))
            ax.text(j, (len(topics) - 1) / 2, "not\nmeasurable", ha="center", va="center", fontsize=8, color="#555555")
            continue
        column = np.full_like(values, np.nan)
        column[:, j] = values[:, j]
        cmap = LinearSegmentedColormap.from_list(lab, ["#FFFFFF", STANCE_COLOURS[lab] if lab in STANCES else "#707070"])
        ax.imshow(column, aspect="auto", cmap=cmap, vmin=0, vmax=max(float(top[j]), 1e-9))
    for i in range(grid.shape[0]):
        for j, lab in enumerate(LABELS):
            v = grid.iat[i, j]
            if lab in shown:
                ax.text(j, i, f"{v:.1f}" if 0 < v < 10 else f"{v:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if v > 0.6 * max(float(top[j]), 1e-9) else "black")
    ax.set_xlim(-0.5, len(LABELS) - 0.5)
    ax.set_ylim(len(topics) - 0.5, -0.5)
    ax.set_yticks(range(len(topics)), [f"{_topic_name(k, lab)} (n={n[k]})"
                                       for k, lab in zip(topics["topic_key"], topics["label"])])
    ax.xaxis.tick_top()
    ax.set_xticks(range(len(LABELS)), [lab.replace("_", "\n") for lab in LABELS])
    for tick, lab in zip(ax.xaxis.get_major_ticks(), LABELS):
        tick.label2.set_color(STANCE_COLOURS[lab] if lab in STANCES else "#555555")
        tick.label2.set_fontweight("bold")
    ax.set_title(title)
    source = SOURCE_NOTE.format(view="view report_topic_stance_counts")
    _note(fig, source.replace("figures.py", "topic_stance_figure.py") +
          "\nA document counts in every topic that holds one of its discovery passages; n = documents without a "
          "stance training label (report section 6).\nShading is relative within each column; the numbers are the "
          "shares. Hatched: a stance whose cross-validated precision or recall is too low to quote (section 3).")
    _save(fig, path)
    return grid
