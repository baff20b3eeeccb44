"""How far two rounds of recap document labels read the codebook alike (session 34).

``corpora/labels/recap_check_v1.jsonl`` holds a blind second reading of 120 round-1 newsletter-recap labels of
``stance_v1.jsonl`` (every round-1 ``pro_open_source`` and ``pro_china_tools`` label, 40 ``off_topic`` and 30
``neutral`` ones at random; ``corpora/labels/sampling/recap_pool.py relabel``), by readers with the round-2
instructions (``recap_instructions.md``). Each record keeps the round-1 label (``first_label``,
``first_annotator``) and, where the two differ, a third reader's decision on the full text
(``adjudicated_label``, ``adjudicator``; ``recap_adjudication.md``), which ``stance_v1.jsonl`` now holds.

The sample is stratified by the round-1 label, so the figures are per round-1 label (how often a second reader
keeps it), not a corpus-wide agreement rate. Prints the confusion table, Cohen's kappa on the sample, and how the
adjudications fell; writes them to ``reports/recap_label_check.json``.

Usage: ``python benchmarks/recap_label_check.py`` (a second; no data build needed).
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

FILE = ROOT / "corpora" / "labels" / "recap_check_v1.jsonl"
ALL = ["pro_open_source", "security_hawk", "pro_china_tools", "neutral", "off_topic"]


def main() -> dict:
    rows = [r for _, r in label_records(FILE, ("source", "native_id", "label", "first_label"), "recap check")]
    y1, y2 = [r["first_label"] for r in rows], [r["label"] for r in rows]
    adj = [r for r in rows if r.get("adjudicated_label")]
    out = {
        "n_documents": len(rows),
        "first_labels": dict(Counter(y1)),
        "kept_by_second_reader": {a: f"{sum(x == y == a for x, y in zip(y1, y2))} of {y1.count(a)}"
                                  for a in ALL if y1.count(a)},
        "cohen_kappa_on_sample": round(cohen_kappa_score(y1, y2), 3),
        "confusion_first_rows_second_cols": {a: {b: sum(x == a and y == b for x, y in zip(y1, y2)) for b in ALL}
                                             for a in ALL if y1.count(a)},
        "adjudicated": len(adj),
        "adjudication_followed": dict(Counter(
            "first" if r["adjudicated_label"] == r["first_label"] else
            "second" if r["adjudicated_label"] == r["label"] else "neither" for r in adj)),
        "adjudicated_first_to_final": dict(Counter(f"{r['first_label']} -> {r['adjudicated_label']}" for r in adj)),
    }
    (ROOT / "reports" / "recap_label_check.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(rows)} round-1 recap labels read again blind (round-1 labels {out['first_labels']})")
    print(f"kept by the second reader: {out['kept_by_second_reader']}; kappa on this sample "
          f"{out['cohen_kappa_on_sample']}")
    print("confusion (rows round 1, columns second reading):")
    print("  " + " " * 9 + " ".join(f"{b[:8]:>8}" for b in ALL))
    for a, row in out["confusion_first_rows_second_cols"].items():
        print(f"  {a[:8]:>8} " + " ".join(f"{row[b]:>8}" for b in ALL))
    print(f"{len(adj)} disagreements adjudicated on the full text: followed {out['adjudication_followed']}; "
          f"{out['adjudicated_first_to_final']}")
    return out


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    main()
