"""The warehouse's data tests (pipeline/data_tests.py) on a real DuckDB holding
real Reddit titles from the shipped corpus: each generic test passes on good
rows and names the relation, the test and the offending rows on bad ones."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipeline.config import ConfigError, load_params
from pipeline.data_tests import DataTestError, compile_generic, load_tests, run_tests
from tests.conftest import DEMO

STANCE = {"stance": load_params("stance")}


@pytest.fixture
def con():
    """``documents`` (the first real Reddit titles), ``stances`` over them and
    a monthly share view shaped like ``stance_over_time``."""
    rows = [json.loads(line) for line in (DEMO / "social" / "reddit_ai_threads.jsonl").read_text().splitlines()[:6]]
    c = duckdb.connect()
    c.execute("CREATE TABLE documents (doc_id VARCHAR, text VARCHAR, published_at DATE)")
    c.executemany("INSERT INTO documents VALUES (?, ?, ?)",
                  [(f"d{i}", r["title"], r["date"]) for i, r in enumerate(rows)])
    labels = list(STANCE["stance"]["labels"])
    c.execute("CREATE TABLE stances (doc_id VARCHAR, label VARCHAR)")
    c.executemany("INSERT INTO stances VALUES (?, ?)", [(f"d{i}", labels[i % len(labels)]) for i in range(len(rows))])
    c.execute("""CREATE VIEW stance_over_time AS
        WITH c AS (SELECT date_trunc('month', d.published_at) AS period, s.label, count(*) AS n
                   FROM stances s JOIN documents d USING (doc_id) GROUP BY ALL)
        SELECT period, label, n AS n_docs, n / sum(n) OVER (PARTITION BY period) AS share FROM c""")
    yield c
    c.close()


def _tests(spec):
    return [t for rel, generic in spec.items() for t in compile_generic(rel, generic, STANCE)]


SPEC = {"documents": {"unique": ["doc_id"], "not_null": ["doc_id", "text"]},
        "stances": {"unique": ["doc_id"], "accepted_values": {"label": "params:stance.labels"}},
        "stance_over_time": {"unique": [["period", "label"]],
                             "shares_sum_to_one": {"column": "share", "by": ["period"]}}}


def test_generic_tests_pass_on_good_rows(con):
    counts = run_tests(con, _tests(SPEC))
    assert counts and set(counts.values()) == {0}
    assert "stances.accepted_values[label]" in counts


def test_a_duplicate_key_and_an_unknown_label_are_named_with_their_rows(con):
    con.execute("INSERT INTO stances VALUES ('d0', 'pro_everything')")
    with pytest.raises(DataTestError) as err:
        run_tests(con, _tests(SPEC))
    msg = str(err.value)
    assert "stances.unique[doc_id]: 1 failing rows" in msg and "doc_id='d0'" in msg
    assert "stances.accepted_values[label]: 1 failing rows" in msg and "label='pro_everything'" in msg
    # the view recomputes its shares from the rows, so they still sum to 1
    assert "shares_sum_to_one" not in msg


def test_shares_that_do_not_sum_to_one_fail(con):
    con.execute("CREATE TABLE bad_shares AS SELECT period, label, share * 0.9 AS share FROM stance_over_time")
    with pytest.raises(DataTestError, match=r"bad_shares.shares_sum_to_one\[share by period\]"):
        run_tests(con, _tests({"bad_shares": {"shares_sum_to_one": {"column": "share", "by": ["period"]}}}))


def test_a_null_text_fails_not_null(con):
    con.execute("UPDATE documents SET text = NULL WHERE doc_id = 'd3'")
    with pytest.raises(DataTestError, match=r"documents.not_null\[text\]: 1 failing rows"):
        run_tests(con, _tests(SPEC))


def test_labels_come_from_params():
    """accepted_values with params: follows params.yaml, so a new label set changes the test."""
    sql = compile_generic("stances", {"accepted_values": {"label": "params:stance.labels"}},
                          {"stance": {"labels": {"a": "x", "b": "y"}}})[0].sql
    assert "NOT IN ('a', 'b')" in sql


@pytest.mark.parametrize("spec, match", [
    ({"t": {"no_such_test": ["x"]}}, "t.no_such_test: unknown test kind"),
    ({"t": {"accepted_values": {"label": "params:stance.nope"}}}, "params:stance.nope is not in params.yaml"),
])
def test_malformed_tests_fail_fast_naming_the_test(spec, match):
    with pytest.raises(ConfigError, match=match):
        _tests(spec)


def test_the_shipped_tests_load(tmp_path):
    tests = load_tests(STANCE)
    names = {t.name for t in tests}
    assert {"stances.accepted_values[label]", "quote_text_is_document_slice",
            "cited_passages_have_url_and_date", "stance_over_time.shares_sum_to_one[share by period]"} <= names
    (tmp_path / "schema.yaml").write_text("stances: [unique]\n")
    with pytest.raises(ConfigError, match="schema.yaml: stances: expected a mapping"):
        load_tests(STANCE, tmp_path)
