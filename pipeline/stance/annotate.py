"""The annotation tools of the active-learning loop (notebook
``4.0-label-and-retrain``, ``python -m pipeline.stance suggest``): the
documents where the model is least certain, and the recording of an
analyst's labels in the label file.

Nothing here shapes the stance fit or its predictions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import WAREHOUSE_FILE, load_params
from pipeline.privacy import StoredKeys
from pipeline.stance.labels import LABEL_FILE, labelled_pairs, reserved_pairs


def _stored_keys() -> StoredKeys:
    """Corpus → stored native ids with this project's ``privacy`` params."""
    return StoredKeys.from_params(load_params("privacy"))


def suggest(n: int, *, db: Path = WAREHOUSE_FILE, label_file: Path = LABEL_FILE,
            key: Callable[[str], str] | None = None) -> pd.DataFrame:
    """The ``n`` unlabelled, non-reserved corpus documents where the model is
    least certain: smallest margin between its two most probable labels
    (margin sampling, Scheffer et al. 2001). ``key`` maps corpus native ids
    to stored ones (:class:`pipeline.privacy.StoredKeys`).

    Raises:
        FileNotFoundError: the warehouse has not been built.
    """
    con = warehouse.connect(db, read_only=True)
    try:
        frame = con.execute("""
            SELECT s.*, d.source, d.source_file, d.native_id, d.url,
                   coalesce(d.title, '') || ' ' || left(d.text, 400) AS snippet
            FROM stances_wide s JOIN documents d USING (doc_id) ORDER BY s.doc_id""").fetchdf()
    finally:
        con.close()
    key = key or _stored_keys()
    skip = labelled_pairs(label_file, key=key) | reserved_pairs(key=key)
    frame = frame[[k not in skip for k in zip(frame["source_file"], frame["native_id"])]]
    pcols = [c for c in frame.columns if c.startswith("p_")]
    P = frame[pcols].to_numpy()
    top2 = np.sort(P, axis=1)[:, -2:]
    frame = frame.assign(margin=np.round(top2[:, 1] - top2[:, 0], 4),
                         second=[pcols[i][2:] for i in np.argsort(P, axis=1)[:, -2]])
    out = frame.sort_values(["margin", "doc_id"], kind="stable").head(n)
    out = out.assign(snippet=[" ".join(s.split())[:300] for s in out["snippet"]])
    out = out.rename(columns={"source_file": "source", "label": "model_label", "second": "model_second"})
    return out[["doc_id", "source", "native_id", "model_label", "model_second", "margin", "url", "snippet"]]


#: Version of ``../shared/ANNOTATION.md`` that new labels follow.
CODEBOOK_VERSION = "v1.3"


def record_labels(records: Sequence[dict[str, Any]], *, annotator: str, labels: Sequence[str],
                  label_file: Path = LABEL_FILE, db: Path = WAREHOUSE_FILE,
                  key: Callable[[str], str] | None = None) -> int:
    """Append an analyst's labels to the label file (the active-learning loop).

    Every record is checked before anything is written, so a bad batch
    writes nothing.

    Args:
        records: dicts with ``source`` and ``native_id`` (as printed by
            :func:`suggest`), ``label`` and optionally ``note`` (the reason).
        annotator: who read and labelled the documents (recorded per line).
        labels: the codebook labels (``params.yaml`` ``stance.labels``).
        label_file: the JSON Lines label file, appended to.
        db: the warehouse, to check that each document exists.

    Returns:
        The number of lines appended.

    Raises:
        ValueError: empty annotator; a record (named by its position) with a
            missing key, an unknown label, a reserved document, a document
            already labelled or one not in the warehouse.
    """
    if not annotator.strip():
        raise ValueError("record_labels: annotator must name who read and labelled the documents")
    key = key or _stored_keys()
    done = labelled_pairs(label_file, key=key)
    reserved = reserved_pairs(key=key)
    con = warehouse.connect(db, read_only=True)
    try:
        known = set(con.sql("SELECT source_file, native_id FROM documents").fetchall())
    finally:
        con.close()
    lines = []
    for i, r in enumerate(records, 1):
        try:
            key, label = (r["source"], r["native_id"]), r["label"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"record {i}: needs source, native_id and label ({exc})") from exc
        problem = ("unknown label " + repr(label) if label not in labels else
                   "reserved for evaluation (EVAL_RESERVED.tsv)" if key in reserved else
                   f"already labelled in {label_file}" if key in done else
                   f"not a document of {db}" if key not in known else "")
        if problem:
            raise ValueError(f"record {i} {key}: {problem}")
        done.add(key)
        lines.append(json.dumps({"source": key[0], "native_id": key[1], "label": label, "codebook": CODEBOOK_VERSION,
                                 "annotator": annotator, "note": r.get("note", "")}, ensure_ascii=False))
    if lines:
        with open(label_file, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return len(lines)
