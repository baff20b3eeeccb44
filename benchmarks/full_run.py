"""Performance baseline of the whole DAG (issue 7).

In a scratch copy of the project (code, params, ``dvc.yaml``, the shipped
corpus; no ``data/``, so every cache starts empty) it measures, on the demo
corpus:

1. a **full run**: one ``dvc repro``, as ``make run`` runs it, timed as a
   whole and stage by stage (:func:`run_dag`), with the peak RSS of each
   stage's largest process;
2. a **no-op** ``dvc repro`` right after;
3. **+1 %**: the last ``--added`` records of one source (default: the AINews
   recaps, about 1 % of the corpus) that are new documents (a native id of
   their own, no stance label: see :func:`new_document_lines`) are held back
   during the full run and put back afterwards; then ``dvc repro`` again,
   measured the same way.

Timings on a shared 2-core machine are noisy: compare the ratios of one run.

Prints a table and writes ``reports/benchmarks.json``.
Targets (issue 7): full ≤ 20 min after setup, no-op ≤ 3 s, +1 % ≤ 10 % of full.

``--in-place`` runs it in this checkout instead of a copy (for a fresh
clone: it ends with the full corpus built, as after ``make run``; the held-back
records are restored before the +1 % run).

Usage: ``python benchmarks/full_run.py [--source ainews_recaps] [--added 100] [--keep DIR | --in-place]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from pipeline.config import PROJECT_ROOT, REPORTS_DIR  # noqa: E402

STAGES = tuple(yaml.safe_load((PROJECT_ROOT / "dvc.yaml").read_text())["stages"])  # DAG order as written
COPY = ("pipeline", ".dvc", "corpora", "models", "dvc.yaml", "dvc.lock", "params.yaml")
_MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "rc = subprocess.run(sys.argv[1:]).returncode; w = time.perf_counter() - t; "
            "print(f'@@ {rc} {w:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}')")


def env() -> dict[str, str]:
    """Offline, no analytics, this interpreter's venv first on PATH."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "DVC_NO_ANALYTICS": "1", "PYTHONHASHSEED": "0",
            "PYTHONUNBUFFERED": "1"}  # DVC's stage lines arrive as they are written


def measure(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Run ``cmd``; returns ``{"wall_s", "peak_rss_mb"}``.

    Raises:
        RuntimeError: the command failed (its output is printed).
    """
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], cwd=cwd, env=env(), capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("@@ ")), None)
    if line is None or line.split()[1] != "0":
        print(out.stdout[-3000:], out.stderr[-3000:], file=sys.stderr)
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}")
    _, _, wall, rss_kb = line.split()
    return {"wall_s": round(float(wall), 1), "peak_rss_mb": round(int(rss_kb) / 1024, 0)}


def source_file(project: Path, source_id: str) -> Path:
    """The single records file of ``source_id`` (from ``corpora/sources.yaml``)."""
    spec = next(s for s in yaml.safe_load((project / "corpora/sources.yaml").read_text())["sources"]
                if s["id"] == source_id)
    path = project / "corpora" / spec["path"]
    if not path.is_file():
        raise SystemExit(f"{source_id}: --source must be a one-file records source (jsonl, ndjson, csv)")
    return path


_STAGE_LINE = re.compile(r"^(?:Running stage|Stage) '([^']+)'")


def run_dag(project: Path, *, interval_s: float = 0.25) -> tuple[float, dict[str, dict[str, float]]]:
    """One ``dvc repro``, as ``make run`` does, measured stage by stage.

    A stage's wall time runs from DVC's "Running stage 'x'" line (or
    "Stage 'x' didn't change") to the next such line, the last one to the
    end of the command; so DVC's own start-up counts once, in the total, as
    for a user. Peak RSS is the largest process of the command's process
    tree (DVC, the stage's Python, spaCy workers), sampled with psutil every
    ``interval_s`` seconds and charged to the stage running then.

    Returns:
        ``(total wall seconds, {stage: {"wall_s", "peak_rss_mb"}})`` in the
        order DVC ran the stages.

    Raises:
        RuntimeError: ``dvc repro`` failed (its output is printed).
    """
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(["dvc", "repro"], cwd=project, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    marks: list[tuple[str, float]] = []
    peak: dict[str, float] = {}
    tail: list[str] = []
    done = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.wait(interval_s):
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            sizes = []
            for p in procs:  # a child may end between listing and reading
                try:
                    sizes.append(p.memory_info().rss)
                except psutil.Error:
                    pass
            if not sizes:
                continue
            rss = max(sizes)
            if marks:
                stage = marks[-1][0]
                peak[stage] = max(peak.get(stage, 0.0), rss / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for line in proc.stdout:
        tail = (tail + [line])[-200:]
        m = _STAGE_LINE.match(line)
        if m and (not marks or marks[-1][0] != m.group(1)):
            marks.append((m.group(1), time.perf_counter()))
            print(f"  {m.group(1)} started at {marks[-1][1] - started:.1f} s", flush=True)
    rc = proc.wait()
    ended = time.perf_counter()
    done.set()
    sampler.join()
    if rc != 0:
        print("".join(tail)[-6000:], file=sys.stderr)
        raise RuntimeError(f"dvc repro failed in {project}")
    out = {}
    for (stage, t), nxt in zip(marks, [t for _, t in marks[1:]] + [ended]):
        out[stage] = {"wall_s": round(nxt - t, 1), "peak_rss_mb": round(peak.get(stage, 0.0), 0)}
        print(f"  {stage:<10} {out[stage]['wall_s']:>8.1f} s  {out[stage]['peak_rss_mb']:>7.0f} MB", flush=True)
    return round(ended - started, 1), out


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns and writes the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", default="ainews_recaps", help="source that gets the +1 %% new records")
    ap.add_argument("--added", type=int, default=100, help="records held back, then added")
    ap.add_argument("--keep", type=Path, help="build the scratch project here and keep it")
    ap.add_argument("--in-place", action="store_true", help="run in this checkout (must have no data/ yet)")
    args = ap.parse_args(argv)

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    if args.in_place:
        project = PROJECT_ROOT
        if (project / "data").exists():
            raise SystemExit(f"{project / 'data'} exists: --in-place measures a run from nothing; move it away first")
    else:
        project = scratch / "project"
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        for name in COPY:
            src = PROJECT_ROOT / name
            if src.is_dir():
                shutil.copytree(src, project / name,
                                ignore=shutil.ignore_patterns("__pycache__", "tmp", "cache", "raw"))
            elif src.exists():
                shutil.copy(src, project / name)
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    records = source_file(project, args.source)
    lines = records.read_bytes().splitlines(keepends=True)
    new = set(new_document_lines(project, args.source, args.added))
    held = [x for i, x in enumerate(lines, 1) if i in new]
    kept = [x for i, x in enumerate(lines, 1) if i not in new]
    original = records.read_bytes()
    records.write_bytes(b"".join(kept))
    try:
        return _measure_all(project, records, kept, held, lines, original, args, scratch)
    finally:
        records.write_bytes(original)  # the corpus file is as it was, whatever happened


def new_document_lines(project: Path, source_id: str, n: int) -> list[int]:
    """1-based line numbers of the last ``n`` records of ``source_id`` that
    are new documents: their native id occurs once in the file (a repeated
    id merges into an existing document) and no stance label names them (a
    labelled document existed when it was labelled). Read with the
    pipeline's own reader."""
    from pipeline.sources import RawRecord, load_sources, make_reader

    spec = next(s for s in load_sources(project / "corpora/sources.yaml", root=project / "corpora")
                if s["id"] == source_id)
    recs = [r for r in make_reader(spec, root=project / "corpora").read() if isinstance(r, RawRecord)]
    counts: dict[str, int] = {}
    for r in recs:
        counts[r.native_id] = counts.get(r.native_id, 0) + 1
    labels = project / "corpora/labels/stance_v1.jsonl"
    labelled = {(d["source"], d["native_id"]) for d in map(json.loads, labels.read_text().splitlines() if
                                                             labels.exists() else [])}
    fresh = [r.line for r in recs if counts[r.native_id] == 1 and (r.source_file, r.native_id) not in labelled]
    return sorted(fresh)[-n:]


def _measure_all(project: Path, records: Path, kept: list[bytes], held: list[bytes], lines: list[bytes],
                 original: bytes, args: argparse.Namespace, scratch: Path) -> dict:
    print(f"full run in {project} ({len(kept):,} of {len(lines):,} lines of {records.name})", flush=True)
    total, full = run_dag(project)
    print("no-op re-run", flush=True)
    noop = measure(["dvc", "repro"], project)
    print(f"  {noop['wall_s']:.1f} s", flush=True)
    records.write_bytes(original)
    print(f"+{len(held)} new documents of {args.source} (≈ {len(held) / max(len(lines), 1):.1%} of the file)",
          flush=True)
    total_added, added = run_dag(project)
    result = {
        "machine": f"{os.cpu_count()} cores",
        "method": "one `dvc repro` per run, as `make run`; stage times between DVC's stage lines; "
                  "peak RSS of the largest process, sampled every 0.25 s",
        "full_run": {"stages": full, "total_s": total,
                     "peak_rss_mb": max((s["peak_rss_mb"] for s in full.values()), default=0.0)},
        "noop_s": noop["wall_s"],
        "added": {"source": args.source, "records": len(held), "stages": added, "total_s": round(total_added, 1),
                  "share_of_full": round(total_added / total, 3)},
        "targets": {"full_run_s": 1200, "noop_s": 3, "added_share_of_full": 0.10},
    }
    print("\n| stage | full run (s) | peak RSS (MB) | +1 % run (s) |\n|---|---:|---:|---:|")
    none = {"wall_s": float("nan"), "peak_rss_mb": float("nan")}
    for stage in STAGES:
        f, a = full.get(stage, none), added.get(stage, none)
        print(f"| {stage} | {f['wall_s']:.1f} | {f['peak_rss_mb']:.0f} | {a['wall_s']:.1f} |")
    print(f"| **total** (whole `dvc repro`) | **{total:.1f}** | {result['full_run']['peak_rss_mb']:.0f} | "
          f"**{total_added:.1f}** |")
    print(f"\nno-op re-run: {noop['wall_s']:.1f} s (target ≤ 3 s); +1 %: {total_added / total:.1%} of the full run "
          f"(target ≤ 10 %); full run {total / 60:.1f} min (target ≤ 20 min)")
    out = REPORTS_DIR / "benchmarks.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
