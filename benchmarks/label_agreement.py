"""How far two readings of the same passages agree: the ceiling for the stance
and narrative classifiers (issues 18 and 19).

``corpora/labels/agreement_v1.jsonl`` holds a second, blind reading of a
random sample of the passage labels (the first reading is in
``stance_passages_v1.jsonl`` / ``narratives_passages_v1.jsonl``; the second
annotator saw no earlier label). The second reading is never used for
training or tuning. Pairs are joined on ``(source, native_id, passage)``.

Prints, with the first reading as reference (swap-symmetric figures marked):

* stance: accuracy, Cohen's kappa (symmetric), macro-F1 over the three
  stances and over all five labels, and the confusion table;
* narratives: micro-F1 over the taxonomy's claims (without the catch-all
  ``other``, as ``metrics/narratives.json``; symmetric), with ``other``,
  samples-F1 (SemEval-2025 Task 10: F1 per passage, a passage with no
  narrative counts the label "none"), per-narrative agreement (both, only
  first, only second).

Writes the same figures as JSON to ``reports/label_agreement.json``.

Usage: ``python benchmarks/label_agreement.py`` (a second; no data build needed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import cohen_kappa_score, f1_score  # noqa: E402

from pipeline.label_records import label_records  # noqa: E402

LABELS = ROOT / "corpora" / "labels"
STANCES = ["pro_open_source", "security_hawk", "pro_china_tools"]
ALL = [*STANCES, "neutral", "off_topic"]


def pairs() -> list[tuple[dict, dict, dict]]:
    """``(first stance record, first narrative record, second record)`` per re-read passage.

    Raises:
        ValueError: a second reading whose passage is not in the first files.
    """
    key = lambda r: (r["source"], r["native_id"], r["passage"])  # noqa: E731
    stance = {key(r): r for _, r in label_records(LABELS / "stance_passages_v1.jsonl", ("passage", "label"))}
    narr = {key(r): r for _, r in label_records(LABELS / "narratives_passages_v1.jsonl", ("passage", "narratives"))}
    path = LABELS / "agreement_v1.jsonl"
    out = []
    for n, r in label_records(path, ("source", "native_id", "passage", "label", "narratives"), "agreement"):
        if key(r) not in stance:
            raise ValueError(f"{path}:{n}: passage not in the first reading's files")
        out.append((stance[key(r)], narr[key(r)], r))
    return out


def narrative_f1(first: list[set[str]], second: list[set[str]]) -> float:
    """Micro-F1 of ``second`` against ``first`` (symmetric)."""
    both = sum(len(a & b) for a, b in zip(first, second))
    total = sum(len(a) + len(b) for a, b in zip(first, second))
    return round(2 * both / total, 3) if total else float("nan")


def samples_f1(first: list[set[str]], second: list[set[str]]) -> float:
    """Mean per-passage F1; an empty set is the label "none"."""
    scores = []
    for a, b in zip(first, second):
        a, b = a or {"none"}, b or {"none"}
        scores.append(2 * len(a & b) / (len(a) + len(b)))
    return round(sum(scores) / len(scores), 3)


def main() -> dict:
    rows = pairs()
    y1 = [s["label"] for s, _, _ in rows]
    y2 = [r["label"] for _, _, r in rows]
    claims = [k for k in sorted({k for _, n, r in rows for k in n["narratives"] + r["narratives"]}) if k != "other"]
    n1 = [set(n["narratives"]) for _, n, _ in rows]
    n2 = [set(r["narratives"]) for _, _, r in rows]
    strip = lambda sets: [s - {"other"} for s in sets]  # noqa: E731
    per = {k: {"both": sum(k in a and k in b for a, b in zip(n1, n2)), "only_first": sum(k in a and k not in b
           for a, b in zip(n1, n2)), "only_second": sum(k not in a and k in b for a, b in zip(n1, n2))}
           for k in [*claims, "other"]}
    out = {
        "n_passages": len(rows),
        "annotators": {"first": dict(Counter(s["annotator"].split("/")[-1] for s, _, _ in rows)),
                       "second": dict(Counter(r["annotator"] for _, _, r in rows))},
        "stance": {
            "accuracy": round(sum(a == b for a, b in zip(y1, y2)) / len(rows), 3),
            "cohen_kappa": round(cohen_kappa_score(y1, y2), 3),
            "macro_f1_stances": round(f1_score(y1, y2, labels=STANCES, average="macro", zero_division=0), 3),
            "macro_f1_all": round(f1_score(y1, y2, labels=ALL, average="macro", zero_division=0), 3),
            "f1_per_label": dict(zip(ALL, (round(float(v), 3) for v in f1_score(y1, y2, labels=ALL, average=None,
                                                                           zero_division=0)))),
            "confusion_first_rows_second_cols": {a: {b: sum(x == a and y == b for x, y in zip(y1, y2)) for b in ALL}
                                                 for a in ALL},
        },
        "narratives": {
            "micro_f1_claims": narrative_f1(strip(n1), strip(n2)),
            "micro_f1_with_other": narrative_f1(n1, n2),
            "samples_f1": samples_f1(n1, n2),
            "per_narrative": per,
        },
    }
    path = ROOT / "reports" / "label_agreement.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    s, n = out["stance"], out["narratives"]
    who = out["annotators"]
    print(f"{len(rows)} passages read twice (first: {who['first']}; second: {who['second']})")
    print(f"stance: accuracy {s['accuracy']}, kappa {s['cohen_kappa']}, macro-F1 3 stances {s['macro_f1_stances']}, "
          f"5 labels {s['macro_f1_all']}; F1 per label {s['f1_per_label']}")
    print("confusion (rows first reading, columns second):")
    print("  " + " ".join(f"{b[:8]:>8}" for b in ALL))
    for a in ALL:
        print(f"  {a[:8]:>8} " + " ".join(f"{s['confusion_first_rows_second_cols'][a][b]:>8}" for b in ALL))
    print(f"narratives: micro-F1 claims {n['micro_f1_claims']}, with other {n['micro_f1_with_other']}, "
          f"samples-F1 {n['samples_f1']}")
    for k, v in per.items():
        print(f"  {k:<24} both {v['both']:>3}  only first {v['only_first']:>3}  only second {v['only_second']:>3}")
    return out


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    main()
