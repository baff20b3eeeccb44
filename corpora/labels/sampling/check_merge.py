"""Merge a blind second reading into a check file, and adjudication into the label file (sessions 34 and 35).

Usage (from the repository root, after a full build)::

    python corpora/labels/sampling/check_merge.py disagree LABELS CHECK SECOND... > adjudicate.jsonl
    python corpora/labels/sampling/check_merge.py adjudicated LABELS CHECK ADJUDICATED...

``disagree`` reads the second readers' ``labels.jsonl`` files (SECOND...), writes CHECK (one record per
second reading: its label, annotator and note, plus ``first_label`` and ``first_annotator`` from LABELS, the
label file, e.g. ``corpora/labels/relevance_v1.jsonl``) and prints the documents the two readings label
differently as adjudication candidates: ids, URL, date, title, n_chars, the FULL text from the warehouse and the
two readings (``{"label", "note"}``) in random order (seed 35), so the third reader does not know which came
first. ``adjudicated`` writes the third readers' decisions into CHECK (``adjudicated_label``, ``adjudicator``,
``adjudication_note``) and into LABELS: the label, the adjudicator as annotator, and a note naming both earlier
readings. Records are matched by ``(source, native_id)``; a second reading or adjudication of a document that
LABELS does not hold raises.
"""

import json
import random
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[3]  # the repository
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "corpora" / "labels" / "sampling"))

from relevance_pool import label_pair  # noqa: E402

from pipeline.config import load_params  # noqa: E402
from pipeline.label_records import label_records  # noqa: E402
from pipeline.privacy import StoredKeys  # noqa: E402


def _read(path: str) -> list[dict]:
    """The records of a label file (:func:`pipeline.label_records.label_records`: errors name file and line)."""
    return [r for _, r in label_records(Path(path), ("source", "native_id", "label"))]


def _write(path: str, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def disagree(labels: str, check: str, seconds: list[str], db: str) -> None:
    first = {(r["source"], r["native_id"]): r for r in _read(labels)}
    rows = []
    for path in seconds:
        for r in _read(path):
            k = (r["source"], r["native_id"])
            if k not in first:
                raise ValueError(f"{path}: {k} is not in {labels}")
            rows.append({"source": r["source"], "native_id": r["native_id"], "label": r["label"],
                         "codebook": r.get("codebook", "v1.3"), "annotator": r["annotator"], "note": r.get("note", ""),
                         "first_label": first[k]["label"], "first_annotator": first[k]["annotator"]})
    old = _read(check) if Path(check).exists() else []
    done = {(r["source"], r["native_id"]) for r in old}
    rows = old + [r for r in rows if (r["source"], r["native_id"]) not in done]
    _write(check, rows)
    keys = StoredKeys.from_params(load_params("privacy"))
    con = duckdb.connect(db, read_only=True)
    rng = random.Random(35)
    out = []
    for r in rows:
        if r["label"] == r["first_label"] or r.get("adjudicated_label"):
            continue
        source_file, native = label_pair(r, keys)
        d = con.execute("SELECT doc_id, url, published_at::DATE::VARCHAR, title, n_chars, text FROM documents "
                        "WHERE source_file = ? AND native_id = ?", [source_file, native]).fetchone()
        readings = [{"label": r["first_label"], "note": first[(r["source"], r["native_id"])].get("note", "")},
                    {"label": r["label"], "note": r["note"]}]
        rng.shuffle(readings)
        out.append(dict(doc_id=d[0], source=r["source"], native_id=r["native_id"], url=d[1], date=d[2], title=d[3],
                        n_chars=d[4], text=d[5], readings=readings))
    print(f"{len(rows)} second readings, {len(out)} disagreements", file=sys.stderr)
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


def adjudicated(labels: str, check: str, decided: list[str]) -> None:
    rows, lab = _read(check), _read(labels)
    by_check = {(r["source"], r["native_id"]): r for r in rows}
    by_label = {(r["source"], r["native_id"]): r for r in lab}
    for path in decided:
        for d in _read(path):
            k = (d["source"], d["native_id"])
            if k not in by_check or k not in by_label:
                raise ValueError(f"{path}: {k} is in no check record of {check} or not in {labels}")
            c, r = by_check[k], by_label[k]
            c.update(adjudicated_label=d["label"], adjudicator=d["annotator"], adjudication_note=d["note"])
            r.update(label=d["label"], annotator=d["annotator"],
                     note=f"{d['note']} (first reading: {c['first_label']}, {c['first_annotator']}; blind second "
                          f"reading: {c['label']}, {c['annotator']})")
    _write(check, rows)
    _write(labels, lab)


if __name__ == "__main__":
    if sys.argv[1:2] == ["disagree"]:
        disagree(sys.argv[2], sys.argv[3], sys.argv[4:], str(ROOT / "data" / "debate.duckdb"))
    elif sys.argv[1:2] == ["adjudicated"]:
        adjudicated(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
