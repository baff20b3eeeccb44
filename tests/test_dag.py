"""The DAG is exact: each stage's ``dvc.yaml`` deps cover every project module
and SQL folder that its command imports or reads, and its ``params`` name
exactly the ``params.yaml`` sections its code loads.

The imports are followed statically (``ast``), including imports inside
functions, from the module that ``python -m pipeline.<stage>`` runs (a
package's ``__main__.py``). A project module is any file under
``pipeline/``; a SQL folder is a ``SQL_DIR / "<name>"`` path in a module's
source. A dep covers a file when it names the file or a folder above it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "pipeline"
DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
SQL_REF = re.compile(r"SQL_DIR\s*/\s*\"([\w-]+)\"(?:\s*/\s*\"([\w-]+)\")?")


def module_file(name: str) -> Path | None:
    """``pipeline.a.b`` → its file (``a/b.py`` or ``a/b/__init__.py``); None
    for names outside the package or that do not exist."""
    if name != "pipeline" and not name.startswith("pipeline."):
        return None
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("__init__", "__main__"):
        parts = parts[:-1]
        return ".".join(parts)
    return ".".join(parts[:-1])


def imports_of(path: Path) -> set[Path]:
    """Project files that ``path`` imports directly (also inside functions),
    with the ``__init__.py`` of every package on the way."""
    found: set[Path] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = _package_of(path).split(".")
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                target = module_file(".".join(parts[:i]))
                if target is not None:
                    found.add(target)
    return found


def closure(start: Path) -> set[Path]:
    """Every project file reachable from ``start`` by imports, plus the SQL
    folders (``pipeline/sql/<name>[/<sub>]``) that those files name."""
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo += imports_of(path) - seen
    sql = set()
    for path in seen:
        for m in SQL_REF.finditer(path.read_text(encoding="utf-8")):
            sql.add(PKG / "sql" / m.group(1) / (m.group(2) or ""))
    return seen | {p for p in sql if p.exists()}


def entry_module(cmd: str) -> Path:
    """The file that ``python -m pipeline.x`` runs."""
    m = re.search(r"python -m (pipeline(?:\.\w+)*)", cmd)
    assert m, f"dvc.yaml: command {cmd!r} is not `python -m pipeline...`"
    base = ROOT.joinpath(*m.group(1).split("."))
    return base / "__main__.py" if base.is_dir() else base.with_suffix(".py")


def covered(path: Path, deps: list[str]) -> bool:
    path = path.resolve()
    return any(path == (ROOT / d).resolve() or (ROOT / d).resolve() in path.parents for d in deps)


STAGES = sorted(DVC["stages"])


@pytest.mark.parametrize("stage", STAGES)
def test_stage_deps_cover_its_imports(stage):
    spec = DVC["stages"][stage]
    deps = [d if isinstance(d, str) else next(iter(d)) for d in spec.get("deps", [])]
    used = closure(entry_module(spec["cmd"]))
    missing = sorted(p.relative_to(ROOT).as_posix() for p in used if not covered(p, deps))
    assert not missing, f"dvc.yaml stage {stage!r}: deps miss {missing}"


def sections_loaded(files: set[Path]) -> set[str]:
    """The ``params.yaml`` sections that ``load_params("<section>", include=(…))``
    calls with literal arguments in ``files`` read."""
    found: set[str] = set()
    for path in files:
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node.func, "id", getattr(node.func, "attr", None)) if isinstance(node, ast.Call) else None
            if name == "load_params":
                args = [a for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                found |= {a.value for a in args}
                for kw in node.keywords:
                    if kw.arg == "include" and isinstance(kw.value, (ast.Tuple, ast.List)):
                        found |= {e.value for e in kw.value.elts if isinstance(e, ast.Constant)}
    return found


#: Sections a stage's imports load in code the stage never runs: clean imports
#: ``read_manifest`` from pipeline/scrape.py, whose ``main()`` loads ``scrape``.
NOT_RUN = {"clean": {"scrape"}}


@pytest.mark.parametrize("stage", STAGES)
def test_stage_params_name_the_sections_its_code_loads(stage):
    """At section level (a stage that reads one key lists that key)."""
    spec = DVC["stages"][stage]
    listed = {(p if isinstance(p, str) else next(iter(p))).split(".")[0] for p in spec.get("params", [])}
    loaded = sections_loaded(closure(entry_module(spec["cmd"]))) - NOT_RUN.get(stage, set())
    assert loaded == listed, f"dvc.yaml stage {stage!r}: code loads {sorted(loaded)}, params list {sorted(listed)}"


def test_closure_follows_lazy_and_package_imports(tmp_path):
    """The follower itself: a function-level import and ``from pipeline import x`` are found."""
    used = {p.relative_to(ROOT).as_posix() for p in closure(PKG / "publish.py")}
    assert {"pipeline/publish.py", "pipeline/warehouse.py", "pipeline/config.py", "pipeline/data_tests.py",
            "pipeline/__init__.py"} <= used
    assert "pipeline/sql/warehouse" in used and "pipeline/sql/clean" in used
    # warehouse.py imports psutil lazily, not a project module: nothing else comes in
    assert not any(u.startswith("pipeline/actors") for u in used)
