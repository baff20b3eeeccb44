"""Quote attribution against the hand-labelled gold set (issue 6).

``corpora/labels/quotes_v1.jsonl`` holds every quote of the documents listed
in ``quotes_v1_docs.jsonl`` beside it. :func:`evaluate_quotes` scores
predicted quotes against it (exact and partial span, attribution; after
Pareti 2016, PARC 3.0); :func:`evaluate_stage` does so for the stage's own
``quotes`` rows, for ``metrics/actors.json``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import warehouse
from pipeline.config import QUOTE_GOLD_FILE as GOLD_FILE

#: Word tokens of the span overlap.
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


def evaluate_quotes(predicted: dict[tuple[str, str], list[tuple[str, str]]],
                    gold: Sequence[dict[str, Any]], docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Quote attribution against an exhaustively labelled gold set.

    Matching is one to one and greedy by overlap within a document:

    * **partial span**: predicted and gold quote share at least half of the
      shorter one's word tokens (the "partial match" of Pareti 2016, PARC 3.0);
    * **exact span**: the texts are equal after :func:`norm`;
    * **attribution**: a matched quote whose canonical actor equals the gold
      one (:func:`same_actor`).

    Precision = correct / predicted quotes in the gold documents; recall =
    correct / gold quotes.

    Args:
        predicted: ``(source_file, native_id) → [(quote_text, speaker_actor)]``.
        gold: rows of ``corpora/labels/quotes_v1.jsonl``.
        docs: rows of ``quotes_v1_docs.jsonl`` (the documents labelled).

    Returns:
        Counts, ``span_exact``, ``span_partial``, ``attribution_exact_span``,
        ``attribution_partial_span`` (each precision, recall, F1) and recall
        per gold cue.
    """
    counts: Counter = Counter()
    by_cue: dict[str, Counter] = {}
    for d in docs:
        key = (d["source"], d["native_id"])
        pred = predicted.get(key, [])
        g = [q for q in gold if (q["source"], q["native_id"]) == key]
        counts["gold"] += len(g)
        counts["predicted"] += len(pred)
        used: set[int] = set()
        for q in g:
            cue = by_cue.setdefault(q["cue"], Counter())
            cue["gold"] += 1
            scored = sorted(((overlap(text, q["quote_text"]), i) for i, (text, _) in enumerate(pred)
                             if i not in used), reverse=True)
            if not scored or scored[0][0] < 0.5:
                continue
            best = scored[0][1]
            used.add(best)
            text, actor = pred[best]
            exact = norm(text) == norm(q["quote_text"])
            right = same_actor(actor, q["actor"])
            counts["partial"] += 1
            counts["exact"] += exact
            counts["attributed_partial"] += right
            counts["attributed_exact"] += right and exact
            cue["found"] += 1
            cue["attributed"] += right

    def pr(k: str) -> dict[str, float]:
        p = counts[k] / counts["predicted"] if counts["predicted"] else 0.0
        r = counts[k] / counts["gold"] if counts["gold"] else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}

    return {
        "documents": len(docs), "gold_quotes": counts["gold"], "predicted_quotes": counts["predicted"],
        "span_exact": pr("exact"), "span_partial": pr("partial"),
        "attribution_exact_span": pr("attributed_exact"), "attribution_partial_span": pr("attributed_partial"),
        "recall_by_cue": {c: {"gold": v["gold"], "found": round(v["found"] / v["gold"], 3),
                              "attributed": round(v["attributed"] / v["gold"], 3)} for c, v in sorted(by_cue.items())},
    }


def read_gold(gold_file: Path = GOLD_FILE) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(gold quotes, labelled documents)`` from ``quotes_v1.jsonl`` and
    ``quotes_v1_docs.jsonl`` beside it."""
    docs_file = gold_file.with_name(gold_file.stem + "_docs.jsonl")
    gold = [json.loads(x) for x in gold_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    docs = [json.loads(x) for x in docs_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    return gold, docs


def doc_keys(clean_db: Path, doc_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``doc_id → (source_file, native_id)``, the key of the label files."""
    con = warehouse.connect(clean_db)
    try:
        con.register("wanted", pd.DataFrame({"doc_id": list(dict.fromkeys(doc_ids))}))
        rows = con.execute("SELECT d.doc_id, d.source_file, d.native_id FROM documents d "
                           "JOIN wanted USING (doc_id)").fetchall()
    finally:
        con.close()
    return {d: (f, n) for d, f, n in rows}


def evaluate_stage(quotes: pd.DataFrame, doc_ids: Sequence[str], clean_db: Path, gold_file: Path = GOLD_FILE
                   ) -> dict[str, Any]:
    """The stage's quotes in the gold documents, evaluated (the stage reads
    the gold documents like any others).

    Args:
        quotes: ``quotes`` rows (``doc_id``, ``quote_text``, ``speaker_actor``).
        doc_ids: the documents the stage read (of its passages).
        clean_db: the clean stage's database (``documents``: source file,
            native id and source type of each document).

    Returns:
        :func:`evaluate_quotes`'s figures with ``gold_file`` (its name),
        ``gold_documents_read`` (gold documents among ``doc_ids``) and
        ``gold_documents_by_source_type`` (gold documents by source type,
        most first).
    """
    gold, gold_docs = read_gold(gold_file)
    src = doc_keys(clean_db, quotes["doc_id"])
    predicted: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for doc_id, text, actor in zip(quotes["doc_id"], quotes["quote_text"], quotes["speaker_actor"]):
        predicted.setdefault(src[doc_id], []).append((text, actor))
    in_scope = {(d["source"], d["native_id"]) for d in gold_docs} & set(doc_keys(clean_db, doc_ids).values())
    con = warehouse.connect(clean_db)
    try:
        con.register("gold_docs", pd.DataFrame(gold_docs)[["source", "native_id"]])
        mix = con.execute("SELECT d.source_type, count(*) FROM documents d JOIN gold_docs g "
                          "ON d.source_file = g.source AND d.native_id = g.native_id GROUP BY 1 ORDER BY 2 DESC, 1"
                          ).fetchall()
    finally:
        con.close()
    return {"gold_file": gold_file.name, "gold_documents_read": len(in_scope),
            "gold_documents_by_source_type": {k: int(n) for k, n in mix},
            **evaluate_quotes(predicted, gold, gold_docs)}
