"""Long-form probabilities and their pivot views (pipeline.stance.predict.write_long,
pipeline.publish.create_pivot_views) on a real DuckDB: the label set of params,
not the schema, decides the columns."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from pipeline.config import SQL_DIR, load_params
from pipeline.publish import create_pivot_views
from pipeline.stance.predict import prob_frame, write_long

LABELS = list(load_params("stance")["labels"])


def _stance_db(labels, probs, classes):
    con = duckdb.connect()
    con.execute((SQL_DIR / "stance" / "001_init.sql").read_text(encoding="utf-8"))
    write_long(con, prob_frame(["d1", "d2"], classes, probs, labels, "doc_id", "v1"), "stances",
               "stance_probabilities")
    return con


def test_long_rows_pivot_back_to_the_wide_frame():
    probs = np.array([[0.1, 0.6, 0.1, 0.1, 0.1], [0.05, 0.05, 0.7, 0.1, 0.1]])
    con = _stance_db(LABELS, probs, LABELS)
    assert con.sql("SELECT count(*) FROM stance_probabilities").fetchall()[0][0] == 2 * len(LABELS)
    assert create_pivot_views(con, LABELS, {"stances", "stance_probabilities"}) == ["stances_wide"]
    wide = con.sql("SELECT * FROM stances_wide ORDER BY doc_id").fetchdf()
    assert list(wide.columns) == ["doc_id", "label", "model_version", "evidence_passage_id"] + \
        [f"p_{lab}" for lab in LABELS]
    assert wide["label"].tolist() == ["security_hawk", "pro_china_tools"]
    assert np.allclose(wide[[f"p_{lab}" for lab in LABELS]].to_numpy(), probs)


def test_another_debate_label_set_needs_no_schema_change():
    labels = ["for_ban", "against_ban", "neutral"]
    con = _stance_db(labels, np.array([[0.2, 0.7, 0.1], [0.5, 0.2, 0.3]]), labels)
    create_pivot_views(con, labels, {"stances", "stance_probabilities"})
    cols = [r[0] for r in con.execute("DESCRIBE stances_wide").fetchall()]
    assert cols[-3:] == ["p_for_ban", "p_against_ban", "p_neutral"]
    assert con.sql("SELECT label FROM stances_wide ORDER BY doc_id").fetchall() == [("against_ban",), ("for_ban",)]


def test_a_label_that_cannot_be_a_column_is_refused():
    with pytest.raises(ValueError, match="cannot be column names"):
        create_pivot_views(duckdb.connect(), ["pro-open"], set())


def test_tables_absent_from_the_warehouse_get_no_view():
    con = duckdb.connect()
    con.execute("CREATE TABLE stances (doc_id VARCHAR, label VARCHAR, model_version VARCHAR)")
    assert create_pivot_views(con, LABELS, {"stances"}) == []
