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
        assert r["codebook"] in ("v1.2", "v1.3"), n   # v1.3 (session 34) adds the passage unit only
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


def _passage_rows(name: str) -> list[dict]:
    return rows(LABEL_DIR / name)


def test_passage_stance_labels_follow_the_codebook_format():
    """Issue 18: at least 1,500 passages, at least 150 per stance, each with
    its annotator and the v1.3 codebook (passage unit)."""
    data = _passage_rows("stance_passages_v1.jsonl")
    assert len(data) >= 1500
    for n, r in enumerate(data, 1):
        assert set(r) >= {"source", "native_id", "passage", "label", "codebook", "annotator"}, n
        assert r["label"] in LABELS and r["codebook"] == "v1.3" and r["annotator"].strip() and r["passage"].strip(), n
    counts = Counter(r["label"] for r in data)
    assert all(counts[s] >= 150 for s in STANCES), counts
    keys = Counter((r["source"], r["native_id"], r["passage"]) for r in data)
    assert [k for k, c in keys.items() if c > 1] == []


def test_passage_narrative_labels_follow_the_codebook_format():
    """Issue 19: the same passages read once for both codebooks; keys of the
    taxonomy only, evidence verbatim in the passage, at least 40 positives per
    narrative, off-topic passages carry none."""
    from pipeline.narratives.taxonomy import load_narratives

    keys = [n.key for n in load_narratives(sides=LABELS).narratives]
    data = _passage_rows("narratives_passages_v1.jsonl")
    stance = {(r["source"], r["native_id"], r["passage"]): r["label"]
              for r in _passage_rows("stance_passages_v1.jsonl")}
    assert len(data) == len(stance)
    for n, r in enumerate(data, 1):
        assert r["codebook"] == "narratives v1.1" and r["annotator"].strip(), n
        assert set(r["narratives"]) <= set(keys), n
        assert len(r["evidence"]) == len(r["narratives"]) and all(e in r["passage"] for e in r["evidence"]), n
        if stance[(r["source"], r["native_id"], r["passage"])] == "off_topic":
            assert r["narratives"] == [], n
    counts = Counter(k for r in data for k in r["narratives"])
    assert all(counts[k] >= 40 for k in keys), counts


@pytest.mark.parametrize("name", ["stance_passages_v1.jsonl", "narratives_passages_v1.jsonl"])
def test_passage_labels_hold_no_raw_handle(name):
    """Label texts are stored as the warehouse stores passages: pseudonymised."""
    from pipeline.privacy import load_organisation_handles
    from pipeline.pseudonyms import raw_handles

    keep = load_organisation_handles()
    leaked = [(n, h) for n, r in enumerate(_passage_rows(name), 1)
              for text in (r["passage"], *r.get("evidence", [])) for h in raw_handles(text, keep)]
    assert leaked == []
