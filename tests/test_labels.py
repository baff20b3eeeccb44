"""The labelled data: codebook format, no reserved document, real documents."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.config import CORPORA_DIR, DEMO_CORPUS_DIR
from pipeline.sources import make_reader
from pipeline.sources.base import RawRecord

LABEL_DIR = CORPORA_DIR / "labels"
STANCES = ("pro_open_source", "security_hawk", "pro_china_tools")
LABELS = STANCES + ("neutral", "off_topic")


def label_files() -> list[Path]:
    return sorted(LABEL_DIR.glob("*.jsonl"))


def rows(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                pytest.fail(f"{path}:{n}: not JSON: {exc}")
    return out


def reserved_pairs() -> set[tuple[str, str]]:
    with open(DEMO_CORPUS_DIR / "EVAL_RESERVED.tsv", encoding="utf-8", newline="") as fh:
        return {("demo/" + r["source"], r["native_id"]) for r in csv.DictReader(fh, delimiter="\t")}


def test_label_files_exist():
    assert (LABEL_DIR / "stance_v1.jsonl").exists()


@pytest.mark.parametrize("path", label_files(), ids=lambda p: p.name)
def test_no_reserved_document_is_labelled(path):
    reserved = reserved_pairs()
    assert len(reserved) == 395
    leaked = [(r["source"], r["native_id"]) for r in rows(path) if (r["source"], r["native_id"]) in reserved]
    assert leaked == []


def test_stance_labels_follow_the_codebook_format():
    data = rows(LABEL_DIR / "stance_v1.jsonl")
    assert len(data) >= 600
    for n, r in enumerate(data, 1):
        assert set(r) >= {"source", "native_id", "label", "codebook", "annotator"}, n
        assert r["label"] in LABELS, n
        assert r["codebook"] == "v1.2", n
        assert r["annotator"].strip(), n
    keys = Counter((r["source"], r["native_id"]) for r in data)
    assert [k for k, c in keys.items() if c > 1] == []
    counts = Counter(r["label"] for r in data)
    assert all(counts[s] >= 80 for s in STANCES), counts


def test_every_label_names_a_document_of_the_corpus(sources):
    """Each (source, native_id) is read back from its file by the real reader."""
    data = rows(LABEL_DIR / "stance_v1.jsonl")
    wanted: dict[str, set[str]] = {}
    for r in data:
        wanted.setdefault(r["source"], set()).add(r["native_id"])
    found: set[tuple[str, str]] = set()
    for spec in sources:
        if spec.get("kind") in ("html_dir",) or not spec.get("enabled", True):
            continue
        path = spec.get("path", "")
        if not any(f.startswith(path) or path.startswith(f) for f in wanted):
            continue
        for item in make_reader(spec).read():
            if isinstance(item, RawRecord) and item.native_id in wanted.get(item.source_file, ()):
                found.add((item.source_file, item.native_id))
    missing = [(s, n) for s, ids in wanted.items() for n in ids if (s, n) not in found]
    assert missing == []
