"""The passage stance labels: the label file, its join to the current
passages, and the vectors of the labelled texts.

Label file: ``corpora/labels/stance_passages_v1.jsonl`` (``config.STANCE_PASSAGE_LABEL_FILE``),
JSON Lines, one labelled passage per line (codebook v1.3, ``../shared/ANNOTATION.md``,
"Passage unit"): ``source`` (file under ``corpora/``), ``native_id`` (the corpus's id),
``passage`` (verbatim text, a slice of ``documents.text``), ``label``, ``annotator``.

The label text is what the classifier learns from (its own embedding), so a
label survives a change in how documents are cut. To know which *current*
passage a label names, :func:`match_passages` finds the label text inside its
document's text and takes the passage that overlaps it most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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


def match_passages(labels: pd.DataFrame, docs: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """Join each label to its document and to the current passage it names.

    Args:
        labels: :func:`read_passage_labels`.
        docs: ``doc_id, source_file, native_id, text`` of the corpus.
        passages: ``passage_id, doc_id, char_start, char_end`` (offsets into
            ``documents.text``, end exclusive).

    Returns:
        ``labels`` plus ``doc_id`` (None: document not in the corpus) and
        ``passage_id`` (None: the text is not found in the document, e.g.
        the document was re-cut or its text changed). The passage is the one
        whose span overlaps the label's first occurrence most (ties: the
        first).
    """
    out = labels.merge(docs[["doc_id", "source_file", "native_id"]], on=["source_file", "native_id"], how="left")
    text_of = dict(zip(docs["doc_id"], docs["text"]))
    spans = {d: g[["passage_id", "char_start", "char_end"]].to_numpy() for d, g in passages.groupby("doc_id")}
    found: list[Any] = []
    for doc_id, text in zip(out["doc_id"], out["passage"]):
        pid = None
        if isinstance(doc_id, str) and doc_id in spans:
            start = text_of[doc_id].find(text)
            if start < 0:
                start = text_of[doc_id].find(text.strip())
            if start >= 0:
                end = start + len(text)
                best = 0
                for passage_id, a, b in spans[doc_id]:
                    overlap = min(end, int(b)) - max(start, int(a))
                    if overlap > best:
                        best, pid = overlap, passage_id
        found.append(pid)
    out["doc_id"] = pd.Series([d if isinstance(d, str) else None for d in out["doc_id"]], index=out.index,
                              dtype=object)
    out["passage_id"] = pd.Series(found, index=out.index, dtype=object)
    return out
