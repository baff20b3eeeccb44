"""Privacy by default, end to end (issue 17): after ``dvc repro`` on the
corpus slice, no raw personal handle is left in the warehouse or reports/,
nor an account of the slice's dictionary written bare (pipeline.account_names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.account_names import corpus_accounts
from pipeline.privacy import (
    load_not_people,
    load_organisation_handles,
    load_person_names,
    scan_reports,
    scan_warehouse,
    summary,
)
from pipeline.sources import load_sources

pytestmark = pytest.mark.e2e


def test_no_raw_handles_in_the_warehouse_or_reports(e2e_project: Path):
    corpora = e2e_project / "corpora"
    keep = load_organisation_handles(corpora / "organisation_handles.yaml")
    people = load_person_names(corpora / "person_names.yaml")
    not_people = load_not_people(corpora / "person_names.yaml")
    bare = corpus_accounts(load_sources(corpora / "sources.yaml", root=corpora), keep, corpora, people, not_people).find
    findings = scan_warehouse(e2e_project / "data/debate.duckdb", keep, bare)
    findings += scan_reports(e2e_project / "reports", keep, bare)
    assert not findings, summary(findings)
