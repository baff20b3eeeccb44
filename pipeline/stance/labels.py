"""The stance labels: the label file read by the classifier and the
documents reserved for evaluation.

Labels follow the codebook (``../shared/ANNOTATION.md`` v1.2):
``pro_open_source``, ``security_hawk``, ``pro_china_tools``, ``neutral``,
``off_topic``. Training data: ``corpora/labels/stance_v1.jsonl`` (JSON
Lines, one document per line, read and labelled by annotators); the
documents of ``corpora/demo/EVAL_RESERVED.tsv`` are never labelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.config import STANCE_LABEL_FILE as LABEL_FILE
from pipeline.label_records import label_records
from pipeline.reserved import reserved_pairs

if TYPE_CHECKING:
    from pipeline.stance.features import DocFeatures




def read_labels(path: Path = LABEL_FILE, labels: Sequence[str] = (),
                key: Callable[[str], str] | None = None) -> pd.DataFrame:
    """The label file as a DataFrame (``source, native_id, label, annotator``).

    ``key`` maps the file's corpus native ids to the stored ones
    (:class:`pipeline.privacy.StoredKeys`; ids with a handle are stored
    pseudonymised); ``None`` keeps them as written.

    Raises:
        ValueError: a line that is not JSON, misses a key, has an unknown
            label or repeats a document (message names file and line).
    """
    rows, seen = [], set()
    for n, r in label_records(path, ("source", "native_id", "label")):
        pair = (r["source"], r["native_id"])
        label = r["label"]
        if labels and label not in labels:
            raise ValueError(f"{path}:{n}: unknown label {label!r}")
        if pair in seen:
            raise ValueError(f"{path}:{n}: document {pair} labelled twice")
        seen.add(pair)
        rows.append({"source_file": r["source"], "native_id": key(r["native_id"]) if key else r["native_id"],
                     "label": label,
                     "annotator": r.get("annotator", "")})
    return pd.DataFrame(rows, columns=["source_file", "native_id", "label", "annotator"])


def labelled_pairs(path: Path = LABEL_FILE, key: Callable[[str], str] | None = None) -> set[tuple[str, str]]:
    """``(source_file, native_id)`` of the documents in the label file (empty if there is none).

    Raises:
        ValueError: as :func:`read_labels`.
    """
    if not path.exists():
        return set()
    return set(zip(*read_labels(path, key=key)[["source_file", "native_id"]].to_numpy().T))


def join_labels(feats: DocFeatures, labels: pd.DataFrame, key: Callable[[str], str] | None = None) -> pd.DataFrame:
    """Labelled documents found in the corpus, with their row in ``feats.X``.

    Raises:
        ValueError: a labelled document is reserved for evaluation.
    """
    reserved = reserved_pairs(key=key)
    leaked = [k for k in zip(labels["source_file"], labels["native_id"]) if k in reserved]
    if leaked:
        raise ValueError(f"{LABEL_FILE}: reserved documents must not be labelled: {leaked[:5]}")
    meta = feats.meta.reset_index().rename(columns={"index": "row"})
    return labels.merge(meta[["row", "doc_id", "source_file", "native_id"]], on=["source_file", "native_id"],
                        how="inner").sort_values("doc_id", kind="stable").reset_index(drop=True)
