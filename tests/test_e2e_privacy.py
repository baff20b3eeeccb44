"""Privacy by default, end to end (issue 17): after ``dvc repro`` on the
corpus slice, no raw personal handle is left in the warehouse or reports/."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.privacy import load_organisation_handles, scan_reports, scan_warehouse, summary

pytestmark = pytest.mark.e2e


def test_no_raw_handles_in_the_warehouse_or_reports(e2e_project: Path):
    keep = load_organisation_handles(e2e_project / "corpora/organisation_handles.yaml")
    findings = scan_warehouse(e2e_project / "data/debate.duckdb", keep)
    findings += scan_reports(e2e_project / "reports", keep)
    assert not findings, summary(findings)
