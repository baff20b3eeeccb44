"""The documents reserved for evaluation (``corpora/demo/EVAL_RESERVED.tsv``):
never labelled, trained or tuned on. One reader for every stage that
joins label files (``stance``, ``narratives``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from pipeline.config import DEMO_CORPUS_DIR


def reserved_pairs(path: Path = DEMO_CORPUS_DIR / "EVAL_RESERVED.tsv",
                   key: Callable[[str], str] | None = None) -> set[tuple[str, str]]:
    """``(source_file, native_id)`` of the documents reserved for evaluation
    (columns ``source``, relative to ``corpora/demo/``, and ``native_id``),
    native ids mapped by ``key`` to the stored ones
    (:class:`pipeline.privacy.StoredKeys`; ``None`` keeps them as written).

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    key = key or (lambda native_id: native_id)
    with open(path, encoding="utf-8", newline="") as fh:
        return {("demo/" + r["source"], key(r["native_id"])) for r in csv.DictReader(fh, delimiter="\t")}
