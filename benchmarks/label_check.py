"""How far two readings of the same document labels agree: blind second readings (sessions 34 and 35).

``recap``: ``corpora/labels/recap_check_v1.jsonl`` holds a blind second reading of round-1 newsletter-recap
labels of ``stance_v1.jsonl`` (session 34: every round-1 ``pro_open_source`` and ``pro_china_tools`` label, 40
``off_topic`` and 30 ``neutral`` ones at random, ``corpora/labels/sampling/recap_pool.py relabel``; session 35:
the other 39 round-1 ``off_topic`` ones, ``relabel rest``), by readers with the round-2 instructions
(``recap_instructions.md``). The sample is stratified by the round-1 label, so its figures are per round-1 label
(how often a second reader keeps it), not a corpus-wide agreement rate.

``relevance``: ``corpora/labels/relevance_check_v1.jsonl`` holds a blind second reading of every label of
``relevance_v1.jsonl`` (documents the relevance query drops; ``relevance_pool.py relabel``,
``relevance_check_instructions.md``), so its kappa is that of the whole label file.

Each record keeps the first label (``first_label``, ``first_annotator``) and, where the two differ, a third
reader's decision on the full text (``adjudicated_label``, ``adjudicator``), which the label file now holds.
Prints the confusion table, Cohen's kappa, on-topic agreement and how the adjudications fell; writes them to
``reports/<which>_label_check.json``.

Usage: ``python benchmarks/label_check.py [recap|relevance]`` (a second; no data build needed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import cohen_kappa_score  # noqa: E402

from pipeline.label_records import label_records  # noqa: E402

FILES = {"recap": ROOT / "corpora" / "labels" / "recap_check_v1.jsonl",
         "relevance": ROOT / "corpora" / "labels" / "relevance_check_v1.jsonl"}
OFF = "off_topic"
ALL = ["pro_open_source", "security_hawk", "pro_china_tools", "neutral", "off_topic"]


def round_of(first_annotator: str) -> str:
    """The recap labelling round of an annotator id (``corpora/labels/README.md``): ``…/recaps`` and
    ``…/recaps2`` are round 1, ``…/recap2-N`` and ``…/recap2-full-N`` round 2."""
    return "round 2" if first_annotator.rsplit("/", 1)[-1].startswith("recap2-") else "round 1"


def figures(rows: list[dict]) -> dict:
    """Agreement figures of check records (each with ``label``, ``first_label`` and, where decided,
    ``adjudicated_label``)."""
    y1, y2 = [r["first_label"] for r in rows], [r["label"] for r in rows]
    adj = [r for r in rows if r.get("adjudicated_label")]
    return {
        "n_documents": len(rows),
        "first_labels": dict(Counter(y1)),
        "kept_by_second_reader": {a: f"{sum(x == y == a for x, y in zip(y1, y2))} of {y1.count(a)}"
                                  for a in ALL if y1.count(a)},
        "cohen_kappa_on_sample": round(cohen_kappa_score(y1, y2), 3),
        "on_topic_agreement": {
            "both_on_topic": sum(x != OFF and y != OFF for x, y in zip(y1, y2)),
            "both_off_topic": sum(x == OFF and y == OFF for x, y in zip(y1, y2)),
            "first_off_second_on": sum(x == OFF and y != OFF for x, y in zip(y1, y2)),
            "first_on_second_off": sum(x != OFF and y == OFF for x, y in zip(y1, y2)),
            "cohen_kappa": round(cohen_kappa_score([x == OFF for x in y1], [y == OFF for y in y2]), 3)},
        "confusion_first_rows_second_cols": {a: {b: sum(x == a and y == b for x, y in zip(y1, y2)) for b in ALL}
                                             for a in ALL if y1.count(a)},
        "adjudicated": len(adj),
        "adjudication_followed": dict(Counter(
            "first" if r["adjudicated_label"] == r["first_label"] else
            "second" if r["adjudicated_label"] == r["label"] else "neither" for r in adj)),
        "adjudicated_first_to_final": dict(Counter(f"{r['first_label']} -> {r['adjudicated_label']}" for r in adj)),
    }


def main(which: str = "recap") -> dict:
    """The figures of one check file (``which``: a key of :data:`FILES`); for ``recap`` also per labelling
    round (``by_round``).

    Raises:
        FileNotFoundError: the check file is missing; ValueError: a record misses a key.
    """
    rows = [r for _, r in label_records(FILES[which], ("source", "native_id", "label", "first_label"),
                                        f"{which} check")]
    out = figures(rows)
    if which == "recap":
        rounds = sorted({round_of(r.get("first_annotator", "")) for r in rows})
        out["by_round"] = {g: figures([r for r in rows if round_of(r.get("first_annotator", "")) == g])
                           for g in rounds}
    (ROOT / "reports" / f"{which}_label_check.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(rows)} {which} labels read again blind (first labels {out['first_labels']})")
    print(f"kept by the second reader: {out['kept_by_second_reader']}; kappa on this sample "
          f"{out['cohen_kappa_on_sample']}; on topic or not: {out['on_topic_agreement']}")
    print("confusion (rows first reading, columns second reading):")
    print("  " + " " * 9 + " ".join(f"{b[:8]:>8}" for b in ALL))
    for a, row in out["confusion_first_rows_second_cols"].items():
        print(f"  {a[:8]:>8} " + " ".join(f"{row[b]:>8}" for b in ALL))
    print(f"{out['adjudicated']} disagreements adjudicated on the full text: followed {out['adjudication_followed']}; "
          f"{out['adjudicated_first_to_final']}")
    for g, f in out.get("by_round", {}).items():
        print(f"{g}: {f['n_documents']} read again; kept {f['kept_by_second_reader']}; kappa "
              f"{f['cohen_kappa_on_sample']}; adjudicated {f['adjudicated']}: {f['adjudicated_first_to_final']}")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("which", nargs="?", default="recap", choices=sorted(FILES))
    main(ap.parse_args().which)
