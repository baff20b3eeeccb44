"""Every benchmark script starts as the docs show it: ``python benchmarks/<name>.py
--help`` from the repository root imports the script and the package (a
script named like the package would shadow it: ``benchmarks/pipeline.py``
did) and prints its usage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import scratch_env

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "benchmarks").glob("*.py"))
PACKAGES = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}


def test_no_script_shadows_a_project_package():
    assert PACKAGES >= {"pipeline"}
    assert not {p.stem for p in SCRIPTS} & PACKAGES


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_imports_and_prints_usage(script):
    result = subprocess.run([sys.executable, f"benchmarks/{script.name}", "--help"], cwd=ROOT, env=scratch_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith(f"usage: {script.name}"), result.stdout[:300]
