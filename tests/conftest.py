"""Shared fixtures: real inputs from the shipped corpus, sliced or damaged
in the test, and a real DuckDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import CORPORA_DIR, DEMO_CORPUS_DIR, PROJECT_ROOT, load_params
from pipeline.sources import load_sources

DEMO = DEMO_CORPUS_DIR


def slice_corpus(dst: Path, *, n_files: int = 2, n_lines: int = 40) -> Path:
    """Copy a small slice of ``corpora/`` to ``dst`` (same layout).

    Folders keep their first ``n_files`` files per sub-folder (sorted),
    JSON Lines / NDJSON / CSV files their first ``n_lines`` lines (CSV: rows),
    other files are copied whole. Every ``corpora/*.yaml`` (``sources.yaml``,
    ``actors.yaml``, ``narratives.yaml``, ``model_names.yaml``, ...) is copied
    unchanged, so the slice is read by the real declarations.

    Returns:
        ``dst`` (the sliced ``corpora/`` folder).
    """
    dst.mkdir(parents=True, exist_ok=True)
    for spec in sorted(CORPORA_DIR.glob("*.yaml")):  # sources, actors, narratives, model names, ...
        shutil.copy(spec, dst / spec.name)
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
    return load_params("clean", include=("relevance", "privacy"))


def technews_body(url: str) -> str:
    """The body of the real tech-news article ``url`` (``source_url``) of the demo corpus."""
    import json

    for line in (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["source_url"] == url:
            return record["body"]
    raise KeyError(url)


@pytest.fixture(scope="module")
def finder():
    """The quote finder over the real actor registry and spaCy model."""
    from pipeline.actors.quotes import QuoteFinder
    from pipeline.actors.registry import load_actors, load_nlp

    actors = load_actors()
    return QuoteFinder(load_nlp(actors=actors), actors)


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    """A small published warehouse of real demo rows (tests/report_warehouse.py),
    open read-only, with its document ids by name."""
    from pipeline import workspace
    from tests.report_warehouse import build

    db, ids = build(tmp_path_factory.mktemp("warehouse"))
    con = workspace.open_warehouse(db)
    yield con, ids
    con.close()


def copy_demo_files(root: Path, files: list[str]) -> Path:
    """Copy files of the demo corpus (paths relative to ``corpora/demo``) under ``root/demo``, as a
    ``corpora/`` folder for :func:`pipeline.clean.clean` (``root=``); returns ``root``."""
    for rel in files:
        (root / "demo" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / rel, root / "demo" / rel)
    return root


def spec_for(sources: list[dict], source_id: str, **overrides) -> dict:
    """The entry ``source_id`` of ``sources``, with ``overrides`` applied."""
    spec = next(s for s in sources if s["id"] == source_id)
    return {**spec, **overrides}


def serve_on_loopback(handler: Any, *, seed: int = 0) -> Any:
    """A ``ThreadingHTTPServer`` for ``handler`` on port 80 of a free loopback
    address (127.x.y.z), not yet serving.

    Port 80, because trafilatura's URL checks (courlan.get_hostinfo) refuse
    hosts with an explicit port; a random 127/8 address, so parallel runs and
    other services do not collide. Binding port 80 needs root or
    CAP_NET_BIND_SERVICE, which the project's machines and CI have.
    """
    import random
    from http.server import ThreadingHTTPServer

    rng = random.Random(os.getpid() + seed)
    for _ in range(20):
        host = f"127.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        try:
            server = ThreadingHTTPServer((host, 80), handler)
        except PermissionError:
            pytest.fail("binding port 80 on loopback needs root or CAP_NET_BIND_SERVICE")
        except OSError:
            continue
        server.daemon_threads = True
        return server
    pytest.fail("no free loopback address with port 80")


def scratch_env() -> dict[str, str]:
    """Environment for commands run in a scratch project: this venv first on
    PATH, offline, no analytics, fixed hash seed, and no
    ``DEBATE_PROJECT_ROOT`` (the scratch project is the working directory)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "DVC_NO_ANALYTICS": "1", "HF_HUB_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    env.pop("DEBATE_PROJECT_ROOT", None)
    return env


def run_in(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``cmd`` in ``cwd``; fail the test with its output when it fails."""
    result = subprocess.run(cmd, cwd=cwd, env=scratch_env(), capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def small_data_params(path: Path) -> None:
    """Shrink the parameters that depend on corpus size, for a corpus slice:
    the topic model's minimum cluster size and the stance and narrative CV folds; every
    other parameter is the shipped one."""
    params = yaml.safe_load(path.read_text())
    params["topics"]["hdbscan"].update(min_cluster_size=8, min_samples=4)
    params["topics"]["umap"]["n_neighbors"] = 10
    params["topics"]["vectorizer"]["min_df"] = 2
    params["stance"].update(cv_folds=3, C_grid=[1.0])
    params["narratives"].update(cv_folds=3, C_grid=[1.0])
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="session")
def e2e_project(tmp_path_factory) -> Path:
    """A scratch project (git + DVC) with the real code, params, labels and
    DAG, and a slice of the corpus (about 60 records per file), built by
    ``dvc repro``. Shared by the end-to-end and kill tests."""
    root = tmp_path_factory.mktemp("project")
    for name in ("pipeline", ".dvc"):
        shutil.copytree(PROJECT_ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "tmp", "cache"))
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    small_data_params(root / "params.yaml")
    slice_corpus(root / "corpora", n_files=2, n_lines=60)
    shutil.copytree(PROJECT_ROOT / "corpora" / "labels", root / "corpora" / "labels")
    run_in(["git", "init", "-q"], root)
    run_in(["dvc", "repro"], root)
    return root


__all__ = ["DEMO", "PROJECT_ROOT", "run_in", "scratch_env", "serve_on_loopback", "slice_corpus", "small_data_params",
           "spec_for", "technews_body"]
