"""The passage stance labels: the label file, read and checked.

Label file: ``corpora/labels/stance_passages_v1.jsonl`` (``config.STANCE_PASSAGE_LABEL_FILE``),
JSON Lines, one labelled passage per line (codebook v1.3, ``../shared/ANNOTATION.md``,
"Passage unit"): ``source`` (file under ``corpora/``), ``native_id`` (the corpus's id),
``passage`` (verbatim text, a slice of ``documents.text``), ``label``, ``annotator``.

The label text is what the classifier learns from (its own embedding), so a
label survives a change in how documents are cut. To know which *current*
passage a label names, see :mod:`pipeline.label_match` (shared with the
narrative passage labels).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from pipeline.config import STANCE_PASSAGE_LABEL_FILE
from pipeline.label_records import label_records
from pipeline.stance.labels import reserved_pairs

COLUMNS = ["line", "source_file", "native_id", "passage", "label", "annotator"]


def read_passage_labels(path: Path = STANCE_PASSAGE_LABEL_FILE, labels: Sequence[str] = (),
                        key: Callable[[str], str] | None = None,
                        reserved: set[tuple[str, str]] | None = None) -> pd.DataFrame:
    """The passage label file as a DataFrame (:data:`COLUMNS`; ``line`` is the
    1-based line number).

    ``key`` maps the corpus native ids to the stored ones
    (:class:`pipeline.privacy.StoredKeys`); ``reserved`` is the set of
    ``(source_file, stored native_id)`` reserved for evaluation (default:
    :func:`pipeline.stance.labels.reserved_pairs` with ``key``).

    Raises:
        ValueError: a line that is not JSON or misses a key, an unknown
            label, an empty passage, the same passage of a document twice, or
            a reserved document (message names file and line).
    """
    reserved = reserved_pairs(key=key) if reserved is None else reserved
    rows, seen = [], set()
    for n, r in label_records(path, ("source", "native_id", "passage", "label"), "passage label"):
        source, native, text, label = r["source"], r["native_id"], r["passage"], r["label"]
        if labels and label not in labels:
            raise ValueError(f"{path}:{n}: unknown label {label!r}")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}:{n}: empty passage")
        stored = key(native) if key else native
        if (source, stored) in reserved:
            raise ValueError(f"{path}:{n}: document ({source}, {native}) is reserved for evaluation "
                             "(corpora/demo/EVAL_RESERVED.tsv) and must not be labelled")
        if (source, stored, text) in seen:
            raise ValueError(f"{path}:{n}: passage of ({source}, {native}) labelled twice")
        seen.add((source, stored, text))
        rows.append({"line": n, "source_file": source, "native_id": stored, "passage": text, "label": label,
                     "annotator": r.get("annotator", "")})
    return pd.DataFrame(rows, columns=COLUMNS)
