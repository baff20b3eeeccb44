"""Quote attribution against the hand-labelled gold set (issue 6).

Runs :class:`pipeline.actors.QuoteFinder` on the cleaned text (warehouse
table ``documents``) of every document in ``corpora/labels/quotes_v1_docs.jsonl``
(each labelled exhaustively) and compares with ``corpora/labels/quotes_v1.jsonl``.

Matching, one to one and greedy by overlap, within a document:

* **exact span**: the predicted and gold quote texts are equal after
  normalising case, quotation marks, whitespace and edge punctuation;
* **partial span**: they share at least half of the shorter one's word tokens
  (the "partial match" of Pareti 2016, PARC 3.0);
* **attribution**: a matched quote whose predicted canonical actor equals the
  gold one (``other:<Name>`` compares the last name only).

Precision = correct / predicted quotes; recall = correct / gold quotes.
Prints the figures and writes ``reports/quotes_eval.json``.

Usage: ``python benchmarks/quotes_eval.py [--gold corpora/labels/quotes_v1.jsonl]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import workspace  # noqa: E402
from pipeline.actors import QuoteFinder, load_actors, load_nlp  # noqa: E402
from pipeline.config import CORPORA_DIR, REPORTS_DIR  # noqa: E402

GOLD = CORPORA_DIR / "labels" / "quotes_v1.jsonl"
_WORD = re.compile(r"\w+")


def norm(text: str) -> str:
    """Lower case, straight quotes, single spaces, no edge punctuation."""
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'").lower()
    return " ".join(text.split()).strip(" \"'.,;:—-")


def overlap(a: str, b: str) -> float:
    """Shared word tokens over the shorter text's tokens (0–1)."""
    ta, tb = Counter(_WORD.findall(a.lower())), Counter(_WORD.findall(b.lower()))
    if not ta or not tb:
        return 0.0
    return sum((ta & tb).values()) / min(sum(ta.values()), sum(tb.values()))


def same_actor(pred: str, gold: str) -> bool:
    """Canonical names equal; ``other:`` names compared by their last word."""
    if pred.lower() == gold.lower():
        return True
    if pred.startswith("other:") and gold.startswith("other:"):
        return pred.split()[-1].lower() == gold.split()[-1].lower()
    return False


def evaluate(gold_file: Path = GOLD) -> dict:
    """Figures of the quote finder on the gold set; see module doc."""
    docs_file = gold_file.with_name(gold_file.stem + "_docs.jsonl")
    gold = [json.loads(x) for x in gold_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    docs = [json.loads(x) for x in docs_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    actors = load_actors()
    finder = QuoteFinder(load_nlp(actors=actors), actors)
    con = workspace.open_warehouse()
    counts = Counter()
    by_cue: dict[str, Counter] = {}
    missing = []
    for d in docs:
        rows = workspace.query(con, "SELECT text FROM documents WHERE source_file = ? AND native_id = ?",
                               [d["source"], d["native_id"]])
        if rows.empty:
            missing.append((d["source"], d["native_id"]))
            continue
        predicted = finder.find(rows["text"].iat[0])
        g = [q for q in gold if (q["source"], q["native_id"]) == (d["source"], d["native_id"])]
        counts["gold"] += len(g)
        counts["predicted"] += len(predicted)
        used: set[int] = set()
        for q in g:
            cue = by_cue.setdefault(q["cue"], Counter())
            cue["gold"] += 1
            scored = sorted(((overlap(p.quote_text, q["quote_text"]), i) for i, p in enumerate(predicted)
                             if i not in used), reverse=True)
            if not scored or scored[0][0] < 0.5:
                continue
            best = scored[0][1]
            used.add(best)
            p = predicted[best]
            exact = norm(p.quote_text) == norm(q["quote_text"])
            right = same_actor(p.speaker_actor, q["actor"])
            counts["partial"] += 1
            counts["exact"] += exact
            counts["attributed_partial"] += right
            counts["attributed_exact"] += right and exact
            cue["found"] += 1
            cue["attributed"] += right
    con.close()

    def pr(k: str) -> dict:
        p = counts[k] / counts["predicted"] if counts["predicted"] else 0.0
        r = counts[k] / counts["gold"] if counts["gold"] else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}

    result = {
        "gold_file": gold_file.name,
        "documents": len(docs) - len(missing), "documents_missing": missing,
        "gold_quotes": counts["gold"], "predicted_quotes": counts["predicted"],
        "span_exact": pr("exact"), "span_partial": pr("partial"),
        "attribution_exact_span": pr("attributed_exact"), "attribution_partial_span": pr("attributed_partial"),
        "recall_by_cue": {c: {"gold": v["gold"], "found": round(v["found"] / v["gold"], 3),
                              "attributed": round(v["attributed"] / v["gold"], 3)} for c, v in sorted(by_cue.items())},
    }
    return result


def main(argv: list[str] | None = None) -> dict:
    """Print and write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    args = ap.parse_args(argv)
    result = evaluate(args.gold)
    print(json.dumps(result, indent=2))
    out = REPORTS_DIR / "quotes_eval.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
