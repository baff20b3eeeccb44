"""The report's matplotlib figures (``reports/figures/*.png``, 150 dpi,
A4-width) and the long CSVs behind the DVC ``plots:`` (``reports/plots``).

Figures: stance share by month, prevalence of the top narratives by month,
narrative × stance, the source mix by month and the actors' net stance by
quarter. Each reads its view of the warehouse (``pipeline/sql/warehouse``)
and carries a source note under the plot. The two monthly trends (stance,
narratives) are computed over a constant panel of sources and hatch the
months that are not measured (:mod:`pipeline.report.coverage`). The source
mix is :mod:`pipeline.report.source_mix_figure`, the narratives by month
:mod:`pipeline.report.narrative_figure`, narrative × stance
:mod:`pipeline.report.topic_stance_figure`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _month_label
from pipeline.report.coverage import NOT_MEASURED, Panel, panel_narratives, panel_stance
from pipeline.report.stance_shares import cc_better, panel_shares
from pipeline.workspace import LABELS, STANCE_COLOURS

STANCES = LABELS[:3]
#: The note under every figure: where its numbers come from.
SOURCE_NOTE = "Source: data/debate.duckdb ({view}), built by `dvc repro`; figure by pipeline/report/figures.py."


def _plt():
    """``matplotlib.pyplot`` on the Agg backend with the report's fonts and
    150 dpi (a fixed ``svg.hashsalt``, so output is reproducible)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10, "legend.fontsize": 9,
                         "svg.hashsalt": "debate", "figure.dpi": 150})
    return plt


def _save(fig: Any, path: Path) -> Path:
    """Write ``fig`` as a 150-dpi PNG (no "Software" metadata, so the bytes
    do not depend on the matplotlib version string), close it, return ``path``."""
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


def monthly_stance(con: Any, min_docs: int) -> tuple[pd.DataFrame, list[str]]:
    """Stance counts per month over documents without a training label
    (view ``report_stance_month_counts``; the same grouping as view ``stance_over_time``).

    Returns:
        ``(frame (period, label, n_docs), months left out for having fewer
        than min_docs documents)``.
    """
    frame = workspace.query(con, "SELECT period, label, n_docs FROM report_stance_month_counts "
                                 "ORDER BY period, label")
    totals = frame.groupby("period")["n_docs"].sum()
    dropped = [_month_label(p) for p in totals.index[totals < min_docs]]
    return frame[frame["period"].isin(totals.index[totals >= min_docs])], dropped


def _not_measured(ax: Any, months: pd.DatetimeIndex) -> None:
    """Hatch each month of ``months`` over the full height of ``ax`` (one legend entry)."""
    for i, m in enumerate(months):
        ax.axvspan(m - pd.Timedelta(days=14), m + pd.Timedelta(days=14), facecolor="#F2F2F2", edgecolor="#A0A0A0",
                   hatch="///", linewidth=0, label="not measured" if i == 0 else None)


def figure_stance_share(con: Any, path: Path, *, panel: Panel, min_docs: int, seed: int,
                        quality: dict[str, Any], errors: dict[str, tuple[float, float]],
                        labels: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly share of each stance in ``labels`` over the constant panel of
    sources (:mod:`pipeline.report.coverage`), the panel's documents per month
    below; months not measured are hatched. Each line is the monthly share the report
    quotes: CC or ACC, whichever had the smaller cross-validated error (PCC,
    which section 3 may quote for the corpus as a whole, is not computed per month)
    (:func:`pipeline.report.stance_shares.quoted_shares`), with its 95 %
    band (Wilson for CC, bootstrap for ACC); the legend and the note name the estimator. ``quality``
    (:func:`pipeline.report.markdown.stance_quality`) goes into the note.

    Args:
        errors: label → (ACC, CC, PCC) cross-validated share error
            (:func:`pipeline.report.stance_shares.share_errors`).
        labels: the stances drawn (the measurable ones).

    Returns:
        ``(shares of the measured months
        (:func:`pipeline.report.stance_shares.panel_shares`), cells of every
        month (:func:`panel_stance`))``.
    """
    plt = _plt()
    counts, cells = panel_stance(con, panel, min_docs)
    shares = panel_shares(counts, quality["gold"], errors, seed=seed)
    all_months = pd.to_datetime(cells["period"])
    fig, (ax, axn) = plt.subplots(2, 1, figsize=(10, 6.2), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    _not_measured(ax, all_months[~cells["measured"].to_numpy()])
    from matplotlib.patches import Patch

    handles = []
    for lab in labels:  # reindexed on every month, so a line breaks at a month not measured
        g = shares[shares["label"] == lab].set_index("period").reindex(all_months)
        est = "CC" if cc_better(errors, lab) else "ACC"
        ax.fill_between(all_months, 100 * g["quoted_lo"].astype(float), 100 * g["quoted_hi"].astype(float),
                        color=STANCE_COLOURS[lab], alpha=0.18, linewidth=0)
        alone = isolated(g["quoted"]).to_numpy()  # a measured month between gaps: no band from fill_between
        ax.vlines(all_months[alone], 100 * g["quoted_lo"][alone].astype(float),
                  100 * g["quoted_hi"][alone].astype(float), color=STANCE_COLOURS[lab], alpha=0.35, linewidth=3)
        line, = ax.plot(all_months, 100 * g["quoted"].astype(float), color=STANCE_COLOURS[lab], marker="o",
                        markersize=3, linewidth=1.6, label=f"{lab.replace('_', ' ')} ({est})")
        handles.append(line)
    handles.append(Patch(facecolor="#F2F2F2", edgecolor="#A0A0A0", hatch="///", label=NOT_MEASURED))
    ax.set_xlim(all_months.min() - pd.Timedelta(days=16), all_months.max() + pd.Timedelta(days=16))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("share of the month's documents (%)")
    one = len(panel.sources) == 1
    ax.set_title(f"Stance share by month over {panel.sources[0] + ', the only source' if one else 'the sources'} "
                 f"collected in every month shown\n(CC or ACC, the monthly share with the smaller CV error, with its "
                 "95 % interval; documents without a training label)")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="stance (estimator)")
    ax.grid(axis="y", color="#E0E0E0", linewidth=0.5)
    axn.bar(all_months, cells["n"].clip(lower=0.8).to_numpy(), width=20,
            color=np.where(cells["measured"], "#555555", "#C8C8C8"))
    axn.axhline(min_docs, color="#A0A0A0", linewidth=0.8, linestyle="--")
    axn.set_yscale("log")
    axn.set_ylabel("documents\n(log scale)")
    axn.set_xlabel("month of publication (UTC)")
    left_out = [lab for lab in LABELS if lab not in labels]
    note = SOURCE_NOTE.format(view="view report_stance_month_source_counts; panel from view coverage") + (
        f"\nSources: {', '.join(panel.sources)}; months {_month_label(panel.months[0])} to "
        f"{_month_label(panel.months[-1])}. Hatched: not measured (fewer than {min_docs} documents of these "
        "sources, dashed line, or a source not collected).\nEstimator per stance, the one with the smaller "
        "cross-validated share error: CC = documents classified with the stance / documents; ACC = CC adjusted "
        "with the cross-validated error rates (Forman 2008).\nBand: 95 % interval of that estimator "
        "(Wilson for CC, bootstrap for ACC; sampling only: the cross-validated share error is not in it)"
        + (f". Not drawn: {', '.join(left_out)} (not measurable, or not a stance; report section 3)." if left_out
           else ".")
        + "\nClassifier (grouped cross-validation): macro-F1 over the three stances "
        f"{quality['macro_f1_stances']:.2f}; "
        + ", ".join(f"{k.replace('_', ' ')} precision {v['precision']:.2f} recall {v['recall']:.2f}"
                    for k, v in quality["per_class"].items() if k in labels) + ".")
    fig.autofmt_xdate()
    _note(fig, note)
    _save(fig, path)
    return shares, cells


def top_topics(con: Any, n: int) -> pd.DataFrame:
    """The ``n`` largest topics (``topic_key, label, size, share, first_month, peak_month``)."""
    return workspace.query(con, "SELECT topic_key, label, size, share, first_month, last_month, peak_month FROM topics "
                                "ORDER BY size DESC, topic_key LIMIT ?", [n])


def _topic_name(key: str, label: str, width: int = 38) -> str:
    """``"N-01  first, second"`` label phrase pair, cut to ``width`` characters with an ellipsis."""
    label = label.split(",")[0:2]
    text = f"{key}  {', '.join(s.strip() for s in label)}"
    return text if len(text) <= width else text[: width - 1] + "…"


def _no_topics_figure(path: Path, title: str) -> pd.DataFrame:
    """A figure that says there is no narrative (the topics stage fitted none:
    too few passages, see ``metrics/topics.json``); returns an empty grid."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 2.2))
    ax.axis("off")
    ax.set_title(title)
    ax.text(0.5, 0.5, "No narratives: the topics stage found no topic (reason in metrics/topics.json).",
            ha="center", va="center", fontsize=10)
    _note(fig, SOURCE_NOTE.format(view="table topics"))
    _save(fig, path)
    return pd.DataFrame()


def figure_narrative_heatmap(con: Any, path: Path, topics: pd.DataFrame, *, panel: Panel,
                             min_docs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Heatmap: share of each month's narrative passages (%) in each top topic,
    over the panel's sources; months not measured are hatched.

    Returns:
        ``(grid topic × month (%, NaN where not measured), cells)``; the grid
        is empty, and the figure says so, when there is no topic.
    """
    if topics.empty:
        return _no_topics_figure(path, "Prevalence of the largest discovery topics by month"), \
            panel_narratives(con, panel, min_docs)[1]
    plt = _plt()
    frame, cells = panel_narratives(con, panel, min_docs)
    months = pd.to_datetime(cells["period"])
    totals = frame.groupby("period")["n_passages"].sum()
    grid = (frame.pivot(index="topic_key", columns="period", values="n_passages")
            .reindex(index=topics["topic_key"], columns=months).fillna(0).div(totals.reindex(months), axis=1) * 100)
    grid.loc[:, ~cells["measured"].to_numpy()] = np.nan
    fig, ax = plt.subplots(figsize=(11, 0.34 * len(topics) + 2.2))
    values = grid.to_numpy(dtype=float)
    shown = values[np.isfinite(values)]
    vmax = float(np.percentile(shown[shown > 0], 98)) if (shown > 0).any() else 1.0
    im = ax.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=vmax)
    from matplotlib.patches import Rectangle

    for j in np.flatnonzero(~cells["measured"].to_numpy()):
        ax.add_patch(Rectangle((j - 0.5, -0.5), 1, len(topics), facecolor="#F2F2F2", edgecolor="#A0A0A0",
                               hatch="///", linewidth=0))
    ax.set_yticks(range(len(topics)), [_topic_name(k, lab) for k, lab in zip(topics["topic_key"], topics["label"])])
    ax.set_xticks(range(len(months)), [_month_label(m) for m in months], rotation=90)
    ax.set_xlabel("month of publication (UTC)")
    ax.set_title(f"Prevalence of the {len(topics)} largest discovery topics by month, "
                 f"{len(panel.sources)} source(s) collected in every month shown")
    cb = fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01, extend="max")
    cb.set_label(f"% of the month's discovery passages (scale capped at {vmax:.0f})")
    _note(fig, SOURCE_NOTE.format(view="view report_topic_month_source_counts; panel from view coverage") +
          f"\nSources: {', '.join(panel.sources)}; months {_month_label(months.min())} to "
          f"{_month_label(months.max())}. Topics ordered by size (all sources). Hatched: not measured (fewer than "
          f"{min_docs} discovery passages of these sources, or a source not collected).")
    _save(fig, path)
    return grid, cells


def top_actors(con: Any, n: int) -> pd.DataFrame:
    """The ``n`` listed actors (table ``actors``, not ``other:`` names or
    unknown speakers) with the most quotes: ``actor, kind, n_quotes`` (view
    ``report_listed_actor_quotes``)."""
    return workspace.query(con, "SELECT actor, kind, n_quotes FROM report_listed_actor_quotes "
                                "ORDER BY n_quotes DESC, actor LIMIT ?", [n])


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
          "passage stance classifier (with the stance stage's offsets) applied to the quote's text; "
          "speakers come from automatic attribution "
          "(precision and recall in metrics/actors.json).")
    _save(fig, path)
    return counts


def isolated(values: pd.Series) -> pd.Series:
    """Which entries of a month-ordered series are measured (not NaN) with
    no measured neighbour: a line and a ``fill_between`` band draw nothing
    there, so the figures mark their interval with a vertical bar."""
    have = values.notna().to_numpy()
    before = np.r_[False, have[:-1]]
    after = np.r_[have[1:], False]
    return pd.Series(have & ~before & ~after, index=values.index)


def write_plot_tables(shares: pd.DataFrame, topics: pd.DataFrame, out_dir: Path, stances: list[str]) -> None:
    """Long CSVs behind the DVC ``plots:`` definitions in ``dvc.yaml``.

    ``stance_share.csv``: one row per measured month of the report's panel
    and stance the figure draws (``stances``, the measurable ones: a stance
    whose decisions are not measurable gets no monthly share, section 3),
    the figure's line and band (``estimator``, ``share``,
    ``share_lo``, ``share_hi``: the quoted share) and both estimates behind
    it, as section 3's table gives them: ``n_docs`` of ``n_group``
    documents, ``cc`` (``cc_lo``–``cc_hi``, Wilson), ``acc``
    (``acc_lo``–``acc_hi``, bootstrap). Shares 0–1, rounded to 4 places.

    ``stance_share_by_stance.csv``: the same quoted shares wide, one row per
    month from the first measured month to the last (``period``,
    ``YYYY-MM-01``) and one column per stance of :data:`STANCES`, empty where
    the stance is not drawn or the month has no share: DVC's templates draw
    one line per column, not per value of a column (``dvc.yaml``'s "stance
    share by month"), and ``.dvc/plots/monthly_lines.json`` breaks a line at
    an empty cell instead of joining the months around it.

    ``topic_sizes.csv``: the figure's topics (``topic_key``; ``topic``, the
    key and the label's first two phrases as the figure names them; ``size``
    in passages), for ``dvc.yaml``'s "topic sizes".
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    s = shares[shares["label"].isin(stances)].assign(period=lambda f: f["period"].map(_month_label))
    s = s.assign(cc=s["share"], cc_lo=s["share_lo"], cc_hi=s["share_hi"], acc=s["share_acc"],
                 share=s["quoted"], share_lo=s["quoted_lo"], share_hi=s["quoted_hi"])  # the quoted estimator
    s[["period", "label", "estimator", "share", "share_lo", "share_hi", "n_docs", "n_group", "cc", "cc_lo", "cc_hi",
       "acc", "acc_lo", "acc_hi"]].round(4).to_csv(out_dir / "stance_share.csv", index=False)
    wide = s.pivot(index="period", columns="label", values="share").reindex(columns=list(STANCES))
    if len(wide):  # every month from the first to the last, so that a month without a share breaks the line
        wide = wide.reindex([str(p) for p in pd.period_range(wide.index.min(), wide.index.max(), freq="M")])
    wide.index = [f"{m}-01" for m in wide.index]  # a date, for the template's time axis
    wide.rename_axis("period").round(4).to_csv(out_dir / "stance_share_by_stance.csv")
    named = topics.assign(topic=[_topic_name(k, str(lab), width=60)
                                 for k, lab in zip(topics["topic_key"], topics["label"])])
    named[["topic_key", "topic", "size"]].to_csv(out_dir / "topic_sizes.csv", index=False)
