"""The JSON Lines label files of ``corpora/labels/``, read line by line.

Every label file (stance documents and passages, narrative passages,
relevance) is JSON Lines: one object per line, blank lines allowed. Each
reader (:mod:`pipeline.stance.labels`, :mod:`pipeline.stance.passage_labels`,
:mod:`pipeline.narratives.labels`, :mod:`pipeline.admission`) checks its own
keys and values; this module only parses and names the line that is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


def _not_json(name: str) -> None:
    """``NaN`` and ``Infinity`` are not JSON (Python's ``json`` reads them): refused as a decoding error."""
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def label_records(path: Path, required: Sequence[str], what: str = "label") -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, record)`` for each non-blank line of ``path`` (``line`` 1-based).

    Args:
        path: a UTF-8 JSON Lines file.
        required: keys every record must have.
        what: the record's kind, for messages ("passage label", …).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: a line that is not a JSON object (``NaN`` is not JSON), or
            one that misses a key of ``required``; the message names the file
            and line.
    """
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_constant=_not_json)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not a {what} record (JSONDecodeError: {exc})") from exc
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{n}: not a {what} record (a JSON {type(record).__name__}, not an object)")
        missing = [k for k in required if k not in record]
        if missing:
            raise ValueError(f"{path}:{n}: not a {what} record (KeyError: missing {', '.join(map(repr, missing))})")
        yield n, record



def unmatched_note(path: Path, no_document: Sequence[int], no_passage: Sequence[int], what: str,
                   shown: int = 10) -> str | None:
    """A one-line warning naming the labels of ``path`` that name no current
    passage, by their 1-based lines, or ``None`` when all do.

    ``no_document``: labels whose document is not in the corpus (a duplicate
    of another post, ``documents.duplicate_of``, or a document dropped since
    it was read); ``no_passage``: labels whose text is not in their document
    as stored (it was re-cut, or its text changed since it was read, e.g. a
    name pseudonymised since). Such a label still trains its model from its
    own text, but the warehouse cannot show it beside a passage: the note
    lets the annotator find it. At most ``shown`` lines of each are listed.
    """
    def lines(ns: Sequence[int]) -> str:
        listed = ", ".join(f"{path.name}:{n}" for n in list(ns)[:shown])
        return listed + (f" and {len(ns) - shown} more" if len(ns) > shown else "")

    parts = ([f"{len(no_document)} name a document that is not in the corpus (a duplicate or dropped): "
              f"{lines(no_document)}"] if len(no_document) else []) + \
            ([f"{len(no_passage)} are not in their stored document's text: {lines(no_passage)}"]
             if len(no_passage) else [])
    if not parts:
        return None
    return f"{what}: labels that match no current passage (they still train from their own text): " + "; ".join(parts)
