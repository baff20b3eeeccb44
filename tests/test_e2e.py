"""End-to-end smoke test: the real DVC DAG (``dvc repro``) in a scratch copy
of the project whose ``corpora/`` is a small slice of the shipped corpus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.config import PROJECT_ROOT
from tests.conftest import slice_corpus

pytestmark = pytest.mark.e2e


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "DVC_NO_ANALYTICS": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("DEBATE_PROJECT_ROOT", None)
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch project (git + DVC) with the real code, params and DAG."""
    root = tmp_path_factory.mktemp("project")
    for name in ("pipeline", ".dvc"):
        shutil.copytree(PROJECT_ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "tmp", "cache"))
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    slice_corpus(root / "corpora", n_files=2, n_lines=60)
    _run(["git", "init", "-q"], root)
    return root


def test_dvc_repro_builds_the_warehouse_from_every_source(project):
    out = _run(["dvc", "repro"], project)
    assert "Relevance summary" in out.stdout
    con = duckdb.connect(str(project / "data/debate.duckdb"), read_only=True)
    n_sources = con.execute("SELECT count(DISTINCT source) FROM documents").fetchone()[0]
    assert n_sources == 17
    n, dated = con.execute("SELECT count(*), count(published_at) FROM documents").fetchone()
    assert dated / n >= 0.98
    assert con.execute("SELECT count(*) FROM corpus").fetchone()[0] > 0
    metrics = json.loads((project / "metrics/clean.json").read_text())
    assert metrics["n_documents"] == n and len(metrics["sources"]) == 17
    manifest = (project / "corpora/raw/manifest.jsonl").read_text().splitlines()
    assert len(manifest) == con.execute("SELECT count(*) FROM manifest").fetchone()[0]


def test_second_repro_is_a_no_op(project):
    if not (project / "data/debate.duckdb").exists():
        _run(["dvc", "repro"], project)
    before = (project / "data/debate.duckdb").stat().st_mtime_ns
    out = _run(["dvc", "repro"], project)
    assert "didn't change" in out.stdout or "up to date" in out.stdout
    assert (project / "data/debate.duckdb").stat().st_mtime_ns == before
