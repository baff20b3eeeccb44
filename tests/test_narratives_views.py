"""The narrative views and data tests of the warehouse (pipeline/sql/warehouse/060_narrative_views.sql),
on the small published warehouse of tests/report_warehouse.py: real demo documents whose passages carry
two narratives of the shipped taxonomy (first claim: news1 and the recap; second: both passages of news3)."""

from __future__ import annotations

import duckdb
import pytest

from pipeline import data_tests
from pipeline.config import load_params
from pipeline.narratives.taxonomy import load_narratives
from pipeline.workspace import query

K0, K1 = load_narratives(sides=load_params("stance")["labels"]).keys[:2]


def test_doc_narratives_take_the_most_probable_passage_as_evidence(wh):
    con, ids = wh
    rows = query(con, "SELECT doc_id, narrative, p, evidence_passage_id, n_passages FROM doc_narratives "
                      "ORDER BY narrative, doc_id")
    got = {(r.doc_id, r.narrative): (r.p, r.evidence_passage_id, r.n_passages) for r in rows.itertuples()}
    assert got == {(ids["news1"], K0): (0.9, f"{ids['news1']}-0000", 1),
                   (ids["recap"], K0): (0.7, f"{ids['recap']}-0000", 1),
                   (ids["news3"], K1): (0.8, f"{ids['news3']}-0000", 2)}  # news4's 0.3 is under the threshold


def test_narrative_stance_sources_and_actors(wh):
    con, _ = wh
    stance = query(con, "SELECT narrative, label, n_docs, share FROM narrative_stance ORDER BY 1, 2")
    assert stance.values.tolist() == sorted([[K0, "pro_open_source", 2, 1.0], [K1, "security_hawk", 1, 1.0]])
    sources = query(con, "SELECT narrative, source_type, outlet, n_docs FROM narrative_sources ORDER BY 1, 2, 3")
    rows = [tuple(r) for r in sources.values.tolist()]
    assert (K0, "news", "ZDNET", 1) in rows and (K1, "news", "ZDNET", 1) in rows  # news1, news3
    assert [r[:2] for r in rows if r not in {(K0, "news", "ZDNET", 1), (K1, "news", "ZDNET", 1)}] == [(K0, "recap")]
    actors = query(con, "SELECT actor, narrative, n_quotes FROM actor_narratives ORDER BY 1, 2")
    # quotes sit in each document's first passage: Meta twice in news1, Meta and NVIDIA in news3
    assert sorted(map(tuple, actors.values.tolist())) == sorted(
        [("Meta", K0, 2), ("Meta", K1, 1), ("NVIDIA", K1, 1), ("other:Someone", K0, 1)])


def test_an_evidence_passage_of_another_document_fails_the_data_tests(tmp_path):
    from tests.report_warehouse import build

    db, ids = build(tmp_path)
    con = duckdb.connect(str(db))
    tests = data_tests.load_tests({"stance": load_params("stance")})
    assert all(n == 0 for n in data_tests.run_tests(con, tests).values())
    con.execute("UPDATE doc_narratives SET evidence_passage_id = ? WHERE doc_id = ?",
                [f"{ids['news2']}-0000", ids["news1"]])
    with pytest.raises(data_tests.DataTestError, match="doc_narrative_evidence"):
        data_tests.run_tests(con, tests)
    con.execute("UPDATE doc_narratives SET evidence_passage_id = ? WHERE doc_id = ?",
                [f"{ids['news1']}-0001", ids["news1"]])  # its own document, but not carrying the narrative
    with pytest.raises(data_tests.DataTestError, match="doc_narrative_evidence"):
        data_tests.run_tests(con, tests)
    con.execute("UPDATE doc_narratives SET evidence_passage_id = ?, narrative = 'no.such' WHERE doc_id = ?",
                [f"{ids['news1']}-0000", ids["news1"]])
    with pytest.raises(data_tests.DataTestError, match="narratives_are_taxonomy_keys"):
        data_tests.run_tests(con, tests)
    con.close()
