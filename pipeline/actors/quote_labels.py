"""Quotes read for their stance, and the precision of the quote stance decisions on them.

``corpora/labels/quote_stance_v1.jsonl`` holds quotes by listed actors that a reader labelled with
the stance codebook (v1.3, the quote as the unit, the speaker's perspective; session 25,
``corpora/labels/README.md``). The actors stage matches them to its quotes
(:func:`match_quote_labels`: same document, same words; table ``quote_stance_labels``) and measures,
per decided label, how many of the read quotes it decided so argue it
(:func:`quote_stance_figures`, ``metrics/actors.json`` → ``quote_stance_evaluation``). Report
section 4 quotes that precision and cites read quotes first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.actors.evaluate import norm
from pipeline.config import QUOTE_STANCE_LABEL_FILE
from pipeline.intervals import wilson_interval
from pipeline.label_records import label_records

#: Fields every line of the label file holds.
REQUIRED = ("source", "native_id", "quote_text", "label", "annotator")


def read_quote_labels(labels: Sequence[str], path: Path = QUOTE_STANCE_LABEL_FILE) -> list[dict[str, Any]]:
    """The rows of the label file (an absent file gives none).

    Raises:
        ValueError: a line is not a JSON object, lacks a key of :data:`REQUIRED`
            (:func:`pipeline.label_records.label_records`), or has a label outside
            ``labels``, or a key of :data:`REQUIRED` that is not a non-empty string; the message
            names the file and line.
    """
    if not path.exists():
        return []
    out = []
    for n, row in label_records(path, REQUIRED, "quote stance label"):
        empty = [k for k in REQUIRED if not isinstance(row[k], str) or not row[k].strip()]
        if empty:
            raise ValueError(f"{path}:{n}: {', '.join(empty)} must be a non-empty string")
        if row["label"] not in labels:
            raise ValueError(f"{path}:{n}: label {row['label']!r} is not one of {', '.join(labels)}")
        out.append(row)
    return out


def match_quote_labels(quotes: pd.DataFrame, keys: dict[str, tuple[str, str]], rows: Sequence[dict[str, Any]],
                       stored: Callable[[str], str]) -> tuple[pd.DataFrame, int]:
    """The read labels of the stage's quotes.

    Args:
        quotes: ``quotes`` rows (``quote_id``, ``doc_id``, ``quote_text``).
        keys: ``doc_id → (source_file, stored native_id)`` (:func:`pipeline.actors.evaluate.doc_keys`).
        rows: :func:`read_quote_labels`' rows (corpus native ids).
        stored: corpus native id → the stored one (:class:`pipeline.privacy.StoredKeys`).

    Returns:
        ``(frame, unmatched)``: ``quote_id, label, annotator, note`` for each label whose document
        holds a quote of the same words (:func:`pipeline.actors.evaluate.norm`; the first such
        quote), and the number of labels left out: those that match no quote (a quote cut
        differently since it was read, or a document no longer read) and a second label of a
        quote already labelled.
    """
    index: dict[tuple[str, str, str], str] = {}
    for quote_id, doc_id, text in zip(quotes["quote_id"], quotes["doc_id"], quotes["quote_text"]):
        if doc_id in keys:
            index.setdefault((*keys[doc_id], norm(text)), quote_id)
    out, unmatched = [], 0
    for r in rows:
        key = ("demo/" + r["source"].removeprefix("demo/"), stored(r["native_id"]), norm(r["quote_text"]))
        if key in index:
            out.append((index[key], r["label"], r["annotator"], r.get("note")))
        else:
            unmatched += 1
    frame = pd.DataFrame(out, columns=["quote_id", "label", "annotator", "note"])
    kept = frame.drop_duplicates("quote_id").reset_index(drop=True)
    return kept, unmatched + len(frame) - len(kept)


def quote_stance_figures(read: pd.DataFrame, decided: pd.DataFrame, labels: Sequence[str],
                         unmatched: int = 0) -> dict[str, Any]:
    """Per decided label, how many read quotes the stage decided so and how many of them the reader
    labelled the same (``argue_it``; precision with its 95 % Wilson interval, 0–1, 3 places).

    Args:
        read: :func:`match_quote_labels`' frame (``quote_id``, ``label``).
        decided: ``quote_stances`` rows (``quote_id``, ``label``).
        labels: the stance labels, in order.
        unmatched: labels that matched no quote (reported as is).

    Returns:
        ``read`` (matched labels), ``unmatched``, ``by_decision`` (label → ``read``, ``argue_it``,
        ``precision``, ``precision_lo``, ``precision_hi``; precision ``None`` when none was read)
        and ``confusion`` (rows: reader, columns: decision, in ``labels`` order). The quotes were
        drawn per decided label (``corpora/labels/sampling/quote_stance_pool.py``), so precision is
        per decision; recall would need the sample's weights and is not given.
    """
    both = read.merge(decided[["quote_id", "label"]], on="quote_id", suffixes=("_read", "_decided"))
    by: dict[str, Any] = {}
    for label in labels:
        mine = both[both["label_decided"] == label]
        k, n = int((mine["label_read"] == label).sum()), len(mine)
        lo, hi = wilson_interval(k, n) if n else (None, None)
        by[label] = {"read": n, "argue_it": k, "precision": round(k / n, 3) if n else None,
                     "precision_lo": None if lo is None else round(lo, 3),
                     "precision_hi": None if hi is None else round(hi, 3)}
    confusion = [[int(((both["label_read"] == t) & (both["label_decided"] == p)).sum()) for p in labels]
                 for t in labels]
    return {"read": int(len(both)), "unmatched": int(unmatched), "by_decision": by,
            "confusion": {"labels": list(labels), "rows_read_cols_decided": confusion}}
