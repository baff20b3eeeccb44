"""Comparable trends (issue 17): view ``coverage`` and the panel rule of
``pipeline/report/coverage.py`` on a published warehouse of real rows: 20
NTIA docket comments (``corpora/demo/policy/ntia_open_weights_2024``, dated
by the docket's comment window as the clean stage dates them) and every
AINews recap line of ``corpora/demo/social/ainews_social_recaps.jsonl``
from 2024-03 to 2024-08 (8, 13, 20, 31, 28 and 25 lines a month), with
stances given by hand."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from pipeline import warehouse, workspace
from pipeline.config import DEMO_CORPUS_DIR, SQL_DIR, ConfigError
from pipeline.publish import publish
from pipeline.report.coverage import (
    NOT_MEASURED,
    coverage_line,
    load_coverage,
    measured_cells,
    panel_stance,
    trend_panel,
)
from pipeline.report.figures import figure_stance_share
from pipeline.stance.predict import write_long
from tests.report_warehouse import LABELS, _insert, doc_id

NTIA = DEMO_CORPUS_DIR / "policy" / "ntia_open_weights_2024" / "texts"
RECAPS = DEMO_CORPUS_DIR / "social" / "ainews_social_recaps.jsonl"


def _doc(source: str, source_type: str, native_id: str, text: str, published: datetime, precision: str,
         line: int) -> dict:
    text = " ".join(text.split())
    return {"doc_id": doc_id(source, native_id), "source": source, "source_file": f"demo/{source}", "line": line,
            "native_id": native_id, "platform": "web", "source_type": source_type, "url": None, "title": text[:60],
            "author": None, "outlet": None, "published_at": published, "date_precision": precision,
            "date_source": "date_window" if precision == "window" else "record_field", "lang": "en",
            "text": text, "n_chars": len(text), "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "duplicate_of": None, "duplicate_kind": None, "relevance": 0.9, "relevance_terms": ["open-source"],
            "is_relevant": True, "n_records": 1, "raw_sha256": hashlib.sha256(native_id.encode()).hexdigest(),
            "ingested_at": datetime(2026, 1, 1, tzinfo=UTC)}


@pytest.fixture(scope="module")
def cov(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("coverage")
    rows = []
    for i, path in enumerate(sorted(NTIA.glob("*.txt"))[:20]):  # window [2024-02-26, 2024-03-27] in sources.yaml
        rows.append(_doc("ntia_open_weights", "policy", path.stem, path.read_text(encoding="utf-8")[:2000],
                         datetime(2024, 2, 26, tzinfo=UTC), "window", i + 1))
    with open(RECAPS, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            r = json.loads(line)
            if "2024-03" <= r["issue_date"][:7] <= "2024-08":
                rows.append(_doc("ainews_recaps", "recap", f"{r['issue_date']}#{i}", r["text"],
                                 datetime.fromisoformat(r["issue_date"]).replace(hour=12, tzinfo=UTC), "day", i + 1))
    docs = pd.DataFrame(rows)
    stages = tmp / "stages"
    with warehouse.build(stages / "clean.duckdb", SQL_DIR / "clean", fresh=True) as con:
        _insert(con, "documents", docs)
    for stage in ("embed", "topics", "actors", "narratives"):
        with warehouse.build(stages / f"{stage}.duckdb", SQL_DIR / stage, fresh=True):
            pass
    # every docket comment pro_open_source (the lone 90 % bar of issue 17); recaps neutral but every 4th
    labels = ["pro_open_source" if d.source == "ntia_open_weights" else
              ("security_hawk" if i % 4 == 0 else "neutral") for i, d in enumerate(docs.itertuples())]
    probs = [{f"p_{lab}": 0.5 if lab == label else 0.125 for lab in LABELS} for label in labels]
    with warehouse.build(stages / "stance.duckdb", SQL_DIR / "stance", fresh=True) as con:
        write_long(con, pd.DataFrame([{"doc_id": d, "label": lab, **p, "model_version": "m-1"}
                                      for d, lab, p in zip(docs["doc_id"], labels, probs)]),
                   "stances", "stance_probabilities")
        _insert(con, "stance_codebook", [{"label": lab, "description": f"the {lab} side"} for lab in LABELS])
    db = tmp / "debate.duckdb"
    publish(db, clean_db=stages / "clean.duckdb",
            stage_dbs=tuple((s, stages / f"{s}.duckdb") for s in ("embed", "topics", "stance", "actors",
                                                                         "narratives")))
    con = workspace.open_warehouse(db)
    yield con
    con.close()


def test_coverage_places_window_dated_documents_in_every_month_of_their_window(cov):
    c = load_coverage(cov).set_index(["source", "period"])
    assert c.loc[("ntia_open_weights", date(2024, 2, 1)), ["n_docs", "n_window"]].tolist() == [20, 20]
    assert c.loc[("ntia_open_weights", date(2024, 3, 1)), ["n_docs", "n_window"]].tolist() == [0, 20]
    assert c.loc["ntia_open_weights", "collected"].tolist() == [True, True]
    recaps = c.loc["ainews_recaps"]
    assert recaps["n_docs"].tolist() == [8, 13, 20, 31, 28, 25] and recaps["collected"].all()
    assert int(c["n_docs"].sum()) == len(workspace.query(cov, "SELECT doc_id FROM documents"))


def test_the_docket_month_is_not_measured_and_panel_months_are(cov, tmp_path):
    panel = trend_panel(load_coverage(cov), {})
    assert panel.sources == ("ainews_recaps",)  # the docket is collected in 2 months only: not in the panel
    assert (panel.months[0], panel.months[-1]) == (date(2024, 3, 1), date(2024, 8, 1))
    counts, cells = panel_stance(cov, panel, 20)
    assert cells["measured"].tolist() == [False, False, True, True, True, True]  # 8 and 13 < 20
    assert set(counts["period"]) == {pd.Timestamp(f"2024-{m:02d}-01") for m in (5, 6, 7, 8)}
    assert (counts.groupby("period")["n_docs"].sum() == [20, 31, 28, 25]).all()
    # the figure starts at the panel's first month, hatched, not with the docket's 20 documents
    errors = {lab: (0.2, 0.1) for lab in LABELS}  # CC quoted for every label: no error rates needed
    gold = pd.DataFrame({"label": list(LABELS), "cv_prediction": list(LABELS)})
    shares, fig_cells = figure_stance_share(cov, tmp_path / "s.png", panel=panel, min_docs=20, seed=0,
                                            quality={"macro_f1_stances": 0.5, "per_class": {}, "gold": gold},
                                            errors=errors, labels=["pro_open_source", "security_hawk"])
    assert set(shares["estimator"]) == {"CC"}
    assert (tmp_path / "s.png").stat().st_size > 10_000
    assert pd.Timestamp("2024-02-01") not in set(shares["period"])
    assert shares.loc[shares["label"] == "pro_open_source", "share"].max() == 0  # no docket comment counted
    pd.testing.assert_frame_equal(fig_cells, cells)


def test_a_declared_panel_marks_months_a_source_was_not_collected(cov):
    params = {"trend_sources": ["ainews_recaps", "ntia_open_weights"], "trend_period": ["2024-02", "2024-08"]}
    panel = trend_panel(load_coverage(cov), params)
    _, cells = panel_stance(cov, panel, 20)
    by_month = cells.set_index("period")
    # 2024-02 holds the docket's 20 documents, but the recaps were not collected: not measured
    assert by_month.loc[date(2024, 2, 1), "n"] == 20 and not by_month.loc[date(2024, 2, 1), "measured"]
    assert by_month.loc[date(2024, 2, 1), "reason"] == "ainews_recaps not collected"
    assert by_month.loc[date(2024, 3, 1), "reason"] == "fewer than 20"  # the docket's window covers March
    assert by_month.loc[date(2024, 5, 1), "reason"] == "ntia_open_weights not collected"
    assert not cells["measured"].any()
    line = coverage_line(panel, cells, "documents")
    assert "`ainews_recaps`, `ntia_open_weights` (panel declared in params.yaml" in line
    assert "months 2024-02 to 2024-08 (declared" in line and "0 of 7 months measured" in line
    assert "2024-02 (20; ainews_recaps not collected)" in line


def test_bad_trend_params_name_the_key(cov):
    c = load_coverage(cov)
    with pytest.raises(ConfigError, match="report.trend_sources.*'nope'"):
        trend_panel(c, {"trend_sources": ["nope"]})
    with pytest.raises(ConfigError, match="report.trend_period"):
        trend_panel(c, {"trend_period": ["2024-08", "2024-03"]})
    with pytest.raises(ConfigError, match="no source is collected in every month"):
        trend_panel(c, {"trend_period": ["2024-01", "2024-08"]})


def test_measured_cells_counts_missing_months_as_zero(cov):
    panel = trend_panel(load_coverage(cov), {})
    cells = measured_cells(pd.Series([25], index=[date(2024, 5, 1)]), panel, 20)
    assert cells["n"].tolist() == [0, 0, 25, 0, 0, 0] and cells["measured"].sum() == 1


def test_the_report_states_sources_and_months_above_every_trend(wh, tmp_path):
    from pipeline.report.figures import top_topics
    from pipeline.report.markdown import stance_quality, write_report
    from pipeline.report.stance_shares import panel_shares, share_errors
    from tests.test_report_markdown import PARAMS

    con, _ = wh
    panel = trend_panel(load_coverage(con), PARAMS)
    counts, _ = panel_stance(con, panel, 1)
    shares = panel_shares(counts, stance_quality(con)["gold"], share_errors(con), seed=0)
    figures = {n: tmp_path / f"{n}.png" for n in ("narratives_by_month", "stance_share", "narrative_heatmap",
                                                  "narrative_stance",
                                                  "source_mix", "actor_stance")}
    metrics = {"quotes": 9, "evaluation": {"attribution_partial_span": {"precision": 0.8, "recall": 0.6},
                                           "attribution_exact_span": {"precision": 0.7, "recall": 0.5},
                                           "gold_quotes": 40, "documents": 10, "gold_documents_read": 9}}
    text = write_report(con, tmp_path / "report.md", topics=top_topics(con, 2), shares=shares, params=PARAMS,
                        figures=figures, pages=[], quality=stance_quality(con), actor_metrics=metrics)
    lines = text.split("\n")
    months = f"months {panel.months[0]:%Y-%m} to {panel.months[-1]:%Y-%m}"
    sources = ", ".join(f"`{s}`" for s in panel.sources)
    figs = [i for i, line in enumerate(lines)
            if re.match(r"!\[(Narratives|Stance share|Narrative prevalence|Candidate narratives) by month\]", line)]
    tables = [i for i, line in enumerate(lines) if line.startswith(("| month |", "| narrative | claim |"))]
    assert len(figs) == 3 and len(tables) == 2  # three trend figures; the tables of the narratives and stances
    for i in figs:  # the coverage sentence right above the figure
        above = [line for line in lines[i - 4:i] if line.startswith("**Coverage of this trend:**")]
        assert len(above) == 1 and sources in above[0] and months in above[0], lines[i - 4:i]
    for i in tables:  # a trend table follows its figure (the same panel), at most a caption between
        assert any(f < i <= f + 4 for f in figs), lines[i - 4:i]
        assert "same" in lines[i - 2] or "The same" in lines[i - 2], lines[i - 2]
    for fig in ("![Source mix by month]", "![Actor stance by quarter]"):
        i = next(k for k, line in enumerate(lines) if line.startswith(fig))
        assert lines[i - 2].startswith("**Coverage of this figure:**")
    assert NOT_MEASURED in text or "months measured" in text


def test_a_measured_month_between_gaps_is_marked_isolated():
    """A line and a fill_between band draw nothing at a lone measured month
    (2024-06 of the demo panel, between hatched months); the figures mark
    those months' intervals with a bar."""
    from pipeline.report.figures import isolated

    s = pd.Series([float("nan"), 0.7, float("nan"), float("nan"), 0.5, 0.4, float("nan"), 0.2])
    assert isolated(s).tolist() == [False, True, False, False, False, False, False, True]
    assert not isolated(pd.Series([float("nan")] * 3)).any() and isolated(pd.Series([0.0])).all()
