"""The report's figures and the shares behind them: ACC on known error
rates, the stance figure's quoted estimator and its CSV, the narrative
figure's months not measured (the small published warehouse of
``tests/report_warehouse.py``)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import workspace
from pipeline.report.figures import top_topics
from pipeline.report.markdown import stance_quality
from pipeline.workspace import LABELS
from tests.test_report_markdown import PARAMS


def test_acc_counts_inverts_known_error_rates():
    from pipeline.report.stance_shares import acc_counts
    from pipeline.workspace import LABELS

    labels = list(LABELS)
    # labelled documents: every class 10 times; pro_china_tools half decided neutral, off_topic 3/10 neutral
    gold = pd.DataFrame({"label": [lab for lab in labels for _ in range(10)]})
    pred = list(gold["label"])
    for i in range(20, 25):
        pred[i] = "neutral"
    for i in range(40, 43):
        pred[i] = "neutral"
    gold["cv_prediction"] = pred
    true = {"pro_open_source": .1, "security_hawk": .1, "pro_china_tools": .4, "neutral": .2, "off_topic": .2}
    # the counts such a classifier gives 1,000 documents of that mix
    decided = {"pro_open_source": 100, "security_hawk": 100, "pro_china_tools": 200, "neutral": 200 + 200 + 60,
               "off_topic": 140}
    counts = pd.DataFrame({"period": "2025-01-01", "label": list(decided), "n_docs": list(decided.values())})
    out = acc_counts(counts, gold, labels, seed=0, reps=200).set_index("label")
    for lab, p in true.items():
        assert abs(out.at[lab, "share_acc"] - p) < 1e-3
        assert out.at[lab, "lo"] <= p <= out.at[lab, "hi"]
    assert abs(out.at["pro_china_tools", "share_cc"] - 0.2) < 1e-9 and (out["n"] == 1000).all()


def test_stance_figure_plots_the_quoted_estimator(wh, tmp_path):
    from pipeline.report.coverage import load_coverage, trend_panel
    from pipeline.report.figures import figure_stance_share, write_plot_tables
    from pipeline.report.stance_shares import acc_counts, share_errors

    con, _ = wh
    q = stance_quality(con)
    panel = trend_panel(load_coverage(con), PARAMS)
    errors = share_errors(con)
    for acc_wins in (True, False):  # the fixture's ACC error (.05) is below CC's (.08); then the reverse
        errs = errors if acc_wins else {k: (v[1], v[0]) for k, v in errors.items()}
        shares, cells = figure_stance_share(con, tmp_path / "s.png", panel=panel, min_docs=1, seed=0, quality=q,
                                            errors=errs, labels=["pro_open_source"])
        assert (tmp_path / "s.png").stat().st_size > 10_000 and len(shares) and cells["measured"].any()
        assert set(shares["estimator"]) == {"ACC" if acc_wins else "CC"}
        if acc_wins:
            counts = shares[["period", "label", "n_docs"]]
            acc = acc_counts(counts, q["gold"], LABELS, seed=0).set_index(["label"])
            one = shares[shares["label"] == "pro_open_source"].iloc[0]
            assert one["quoted"] == pytest.approx(acc.loc["pro_open_source", "share_acc"])
            assert one["quoted_lo"] <= one["quoted"] <= one["quoted_hi"]
        else:
            assert (shares["quoted"] == shares["share"]).all() and (shares["quoted_hi"] == shares["share_hi"]).all()
    write_plot_tables(shares, top_topics(con, 2), tmp_path / "plots", ["pro_open_source", "security_hawk"])
    csv = pd.read_csv(tmp_path / "plots" / "stance_share.csv")
    assert set(csv["label"]) == {"pro_open_source", "security_hawk"}  # the stances drawn, no pro_china_tools
    assert set(csv["estimator"]) == {"CC"} and {"share", "share_lo", "share_hi"} <= set(csv.columns)
    # the CSV holds both estimates section 3's table quotes: CC with its Wilson interval, ACC with its bootstrap
    assert (csv["share"] == csv["cc"]).all() and (csv["cc"] == (csv["n_docs"] / csv["n_group"]).round(4)).all()
    for r in csv.itertuples():
        lo, hi = workspace.wilson_interval(r.n_docs, r.n_group)
        assert (r.cc_lo, r.cc_hi) == (round(lo, 4), round(hi, 4))
        assert r.acc_lo <= r.acc + 1e-4 and r.acc <= r.acc_hi + 1e-4
    # DVC's plot reads the same quoted shares wide, a column per stance, empty for a stance not drawn
    wide = pd.read_csv(tmp_path / "plots" / "stance_share_by_stance.csv", index_col="period")
    assert list(wide.columns) == ["pro_open_source", "security_hawk", "pro_china_tools"]
    assert wide["pro_china_tools"].isna().all() and len(wide) == csv["period"].nunique()
    for r in csv.itertuples():
        assert wide.at[f"{r.period}-01", r.label] == r.share
    # a month without a share keeps its row, empty, so that the DVC line breaks there instead of joining
    later = shares.assign(period=shares["period"] + pd.DateOffset(months=2))  # the fixture's month, 2 months on
    write_plot_tables(pd.concat([shares, later]), top_topics(con, 2), tmp_path / "gap",
                      ["pro_open_source", "security_hawk"])
    gap = pd.read_csv(tmp_path / "gap" / "stance_share_by_stance.csv", index_col="period")
    first = pd.Timestamp(shares["period"].min())
    assert list(gap.index) == [f"{first + pd.DateOffset(months=k):%Y-%m}-01" for k in range(3)]
    assert gap.iloc[1].isna().all() and gap.iloc[0].equals(gap.iloc[2]) and gap.iloc[0]["pro_open_source"] >= 0
    # DVC's topic sizes name each topic by its key and label, as the figure does, not by the key alone
    sizes = pd.read_csv(tmp_path / "plots" / "topic_sizes.csv")
    top = top_topics(con, 2)
    assert sizes["topic_key"].tolist() == top["topic_key"].tolist() and sizes["size"].tolist() == top["size"].tolist()
    for key, name, label in zip(sizes["topic_key"], sizes["topic"], top["label"]):
        assert name.startswith(f"{key}  ") and label.split(",")[0].strip()[:10] in name
    zero = csv[csv["n_docs"] == 0]
    assert len(zero) and (zero["cc_hi"] > 0).all()  # 0 of n is not "0.0–0.0", as a percentile bootstrap says


def test_narrative_figure_hatches_months_not_measured(wh, tmp_path):
    from pipeline.report.coverage import Panel
    from pipeline.report.narrative_figure import claim_grid, figure_claims_by_month
    from pipeline.report.narrative_section import claim_trend

    con, _ = wh
    panel = Panel(("technews",), tuple(pd.date_range("2025-09-01", "2025-11-01", freq="MS").date))
    trend, cells = claim_trend(con, panel, 1)
    assert cells["measured"].tolist() == [False, True, True]  # no technews document in 2025-09
    claims = workspace.query(con, "SELECT narrative FROM narrative_taxonomy WHERE NOT catch_all "
                                  "ORDER BY position")["narrative"].tolist()
    grid = figure_claims_by_month(trend, cells, claims, tmp_path / "n.png", panel=panel, min_docs=1)
    assert (tmp_path / "n.png").stat().st_size > 10_000
    assert len(grid) == 3 * len(claims) and grid.loc[grid["period"] == "2025-09-01", "share"].isna().all()
    first = grid[(grid["narrative"] == claims[0]) & grid["share"].notna()]
    assert first["k"].tolist() == [1, 0] and first["n"].tolist() == [1, 1]  # news1 in 2025-10
    assert (first["lo"] <= first["share"]).all() and (first["share"] <= first["hi"]).all()
    assert claim_grid(trend, cells, []).empty


def test_source_mix_counts_every_month_and_greys_those_without_shares(wh, tmp_path, monkeypatch):
    """Session-28 review: the count panel of figure ``source_mix`` left months under ``min_docs`` blank, as
    if they had no document. Their counts are drawn in light grey; the shares above leave them out; the
    coverage line names both ranges."""
    from matplotlib.colors import to_hex

    from pipeline.report import source_mix_figure
    from pipeline.report.sections import source_mix_line

    con, _ = wh
    drawn = {}
    monkeypatch.setattr(source_mix_figure, "_save", lambda fig, path: drawn.setdefault("fig", fig))
    totals = workspace.query(con, "SELECT period, sum(n_docs) AS n FROM report_source_type_month_counts "
                                  "GROUP BY 1 ORDER BY 1")
    min_docs = int(totals["n"].max())  # only the largest month(s) get shares
    few = totals[totals["n"] < min_docs]
    assert len(few) >= 1
    source_mix_figure.figure_source_mix(con, tmp_path / "s.png", min_docs=min_docs)
    counts = drawn["fig"].axes[1]
    grey = sorted(p.get_height() for p in counts.patches if to_hex(p.get_facecolor()) == "#c8c8c8")
    assert grey == sorted(few["n"].astype(float).tolist())
    line = source_mix_line(con, min_docs)
    assert "the months without shares in light grey" in line
    first, last = (pd.Timestamp(t).strftime("%Y-%m") for t in (totals["period"].min(), totals["period"].max()))
    assert f"every month with documents, {first} to {last}" in line
