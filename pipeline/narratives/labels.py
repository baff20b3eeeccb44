"""The narrative passage labels: read, checked, and joined to the current passages.

The label file (``corpora/labels/narratives_passages_v1.jsonl``, format in
``../shared/NARRATIVES.md``, "Label file format") holds one JSON object per
labelled passage: ``source`` (file under ``corpora/``), ``native_id`` (the
corpus's id), ``passage`` (verbatim text, a slice of ``documents.text`` when it
was labelled), ``narratives`` (keys of the taxonomy; ``[]`` is a label: no
narrative), ``annotator``. Documents may have been re-cut since: a label's text
need not be one current passage, so the classifier trains on the label text
itself (:mod:`pipeline.narratives.model`) and :mod:`pipeline.label_match` only finds
which current passage, if any, each label covers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from pipeline.config import NARRATIVE_PASSAGE_LABEL_FILE
from pipeline.label_match import collapse_space
from pipeline.label_records import label_records
from pipeline.reserved import reserved_pairs  # noqa: F401  (labels.reserved_pairs: the stage reads it here)

#: Columns of :func:`read_labels`.
LABEL_COLUMNS = ["line", "source_file", "native_id", "text", "narratives", "evidence", "annotator"]


def read_labels(path: Path = NARRATIVE_PASSAGE_LABEL_FILE, keys: Sequence[str] = (),
                key: Callable[[str], str] | None = None) -> pd.DataFrame:
    """The label file as a DataFrame, one row per labelled passage.

    Args:
        path: the JSON Lines file; a missing or empty file gives no rows
            (the stage then runs zero-shot for every narrative).
        keys: the taxonomy's narrative keys; a label naming another key fails.
        key: maps the file's corpus native ids to the stored ones
            (:class:`pipeline.privacy.StoredKeys`); ``None`` keeps them.

    Returns:
        Columns :data:`LABEL_COLUMNS`: ``line`` (1-based line in the file),
        ``narratives`` a sorted tuple of keys (possibly empty), ``evidence``
        narrative → the reader's evidence sentence (the file's ``evidence``
        list, one per narrative in the order of its ``narratives``; a
        narrative without one is left out).

    Raises:
        ValueError: a line that is not a JSON object with ``source``,
            ``native_id``, ``passage`` (non-empty) and ``narratives`` (a list),
            a key not in ``keys``, or the same passage of a document twice;
            the message names the file and line.
    """
    if not path.exists():
        return pd.DataFrame(columns=LABEL_COLUMNS)
    rows, seen = [], {}
    for n, r in label_records(path, ("source", "native_id", "passage", "narratives"), "passage label"):
        source, native_id, text, narratives = r["source"], str(r["native_id"]), r["passage"], r["narratives"]
        if not isinstance(text, str) or not text.strip() or not isinstance(narratives, list):
            raise ValueError(f"{path}:{n}: 'passage' must be a non-empty string and 'narratives' a list")
        unknown = [k for k in narratives if k not in keys] if keys else []
        if unknown:
            raise ValueError(f"{path}:{n}: narrative(s) {unknown} are not keys of the taxonomy "
                             f"(corpora/narratives.yaml: {list(keys)}); relabel or map them")
        ident = (source, native_id, collapse_space(text))
        if ident in seen:
            raise ValueError(f"{path}:{n}: passage labelled twice (first at line {seen[ident]})")
        seen[ident] = n
        evidence = r.get("evidence") if isinstance(r.get("evidence"), list) else []
        evidence = {k: e.strip() for k, e in zip(narratives, evidence) if isinstance(e, str) and e.strip()}
        rows.append({"line": n, "source_file": source, "native_id": key(native_id) if key else native_id,
                     "text": text, "narratives": tuple(sorted(set(narratives))),
                     "evidence": evidence,
                     "annotator": str(r.get("annotator", ""))})
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def check_not_reserved(labels: pd.DataFrame, reserved: set[tuple[str, str]], path: Path) -> None:
    """Raise ``ValueError`` (naming the lines) if a label is on a reserved document."""
    bad = [int(r.line) for r in labels.itertuples() if (r.source_file, r.native_id) in reserved]
    if bad:
        raise ValueError(f"{path}: lines {bad[:10]} label documents reserved for evaluation "
                         "(corpora/demo/EVAL_RESERVED.tsv); never label, train or tune on them")
