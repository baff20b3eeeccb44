"""Shared fixtures: real inputs from the shipped corpus, sliced or damaged
in the test, and a real DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.config import CORPORA_DIR, DEMO_CORPUS_DIR, PROJECT_ROOT, load_params
from pipeline.sources import load_sources

DEMO = DEMO_CORPUS_DIR


def slice_corpus(dst: Path, *, n_files: int = 2, n_lines: int = 40) -> Path:
    """Copy a small slice of ``corpora/`` to ``dst`` (same layout).

    Folders keep their first ``n_files`` files per sub-folder (sorted),
    JSON Lines / NDJSON / CSV files their first ``n_lines`` lines (CSV: rows),
    other files are copied whole. ``sources.yaml`` is copied unchanged, so the
    slice is read by the real declarations.

    Returns:
        ``dst`` (the sliced ``corpora/`` folder).
    """
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPORA_DIR / "sources.yaml", dst / "sources.yaml")
    for path in sorted(DEMO.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(CORPORA_DIR)
        siblings = sorted(p for p in path.parent.iterdir() if p.is_file() and p.suffix == path.suffix)
        if path.suffix in (".html", ".md", ".txt") and path.parent != DEMO and len(siblings) > n_files \
                and path not in siblings[:n_files]:
            continue
        out = dst / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in (".jsonl", ".ndjson"):
            lines = path.read_bytes().split(b"\n")[:n_lines]
            out.write_bytes(b"\n".join(lines) + b"\n")
        elif path.suffix == ".csv":
            import csv
            import io
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))[: n_lines + 1]
            buf = io.StringIO(newline="")
            csv.writer(buf, lineterminator="\n").writerows(rows)
            out.write_text(buf.getvalue(), encoding="utf-8")
        else:
            shutil.copy(path, out)
    return dst


@pytest.fixture(scope="session")
def corpus_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only slice of the real corpus (see :func:`slice_corpus`)."""
    return slice_corpus(tmp_path_factory.mktemp("corpora"))


@pytest.fixture(scope="session")
def sources() -> list[dict]:
    """The validated entries of the real ``corpora/sources.yaml``."""
    return load_sources()


@pytest.fixture
def clean_params() -> dict:
    """The ``clean`` section of the real ``params.yaml``."""
    return load_params("clean")


def spec_for(sources: list[dict], source_id: str, **overrides) -> dict:
    """The entry ``source_id`` of ``sources``, with ``overrides`` applied."""
    spec = next(s for s in sources if s["id"] == source_id)
    return {**spec, **overrides}


__all__ = ["DEMO", "PROJECT_ROOT", "slice_corpus", "spec_for"]
