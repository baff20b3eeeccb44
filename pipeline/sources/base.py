"""Common record types and the reader interface.

A *reader* turns one declared source (an entry of ``corpora/sources.yaml``) into
a stream of :class:`RawRecord` (one per document) and :class:`Reject` (one per
file or record that could not be read). Readers never raise on bad input: a
broken file or line becomes a ``Reject`` naming the file and the line, so the
clean stage loses nothing silently.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pipeline.config import CORPORA_DIR, relative_to_corpora

#: The values of a source's ``text_format`` (corpora/sources.yaml); how each is cleaned:
#: :func:`pipeline.normalise.clean_text`.
TEXT_FORMATS = ("plain", "escaped", "html", "markdown")


@dataclass
class RawRecord:
    """One document as read from its source, before normalisation.

    Attributes:
        source: source id from ``sources.yaml``.
        source_file: path relative to ``corpora/`` (POSIX).
        native_id: the document's id inside its source file, kept exactly as
            the corpus README defines it.
        line: 1-based line (JSONL, CSV) or record index (JSON) in the file;
            ``None`` for one-file-one-document formats.
        text: body text; HTML-escaped, HTML or markdown when ``text_format`` says so.
        text_format: ``plain``, ``escaped``, ``html`` or ``markdown``
            (:func:`pipeline.normalise.clean_text`).
        raw_sha256: sha256 of the raw bytes this record came from (the file,
            or the line for line-oriented formats).
        date_raw: the date as found (any format), or ``None``.
        date_precision: ``time``, ``day``, ``month``, ``year`` or
            ``window``; ``None`` lets the normaliser infer it from ``date_raw``.
        date_source: how ``date_raw`` was found (a key of
            :data:`pipeline.sources.dates.DATE_SOURCES`); ``None`` for a
            record's own date field (``record_field``).
    """

    source: str
    source_file: str
    native_id: str
    text: str
    raw_sha256: str
    line: int | None = None
    text_format: str = "plain"
    title: str | None = None
    url: str | None = None
    author: str | None = None
    outlet: str | None = None
    date_raw: str | None = None
    date_precision: str | None = None
    date_source: str | None = None
    lang_hint: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reject:
    """A file or record that did not become a document.

    Attributes:
        source: source id.
        source_file: path relative to ``corpora/``.
        reason: machine-readable reason code (see ``REJECT_REASONS``).
        detail: human message naming the file and, where known, the line.
        native_id: the record's native id, when it could be read.
        line: 1-based line or record index, when known.
        raw_sha256: sha256 of the offending raw bytes, when known.
    """

    source: str
    source_file: str
    reason: str
    detail: str
    native_id: str | None = None
    line: int | None = None
    raw_sha256: str | None = None


#: Reason codes used in the ``rejects`` table, with their meaning.
REJECT_REASONS = {
    "file_unreadable": "the file could not be opened or decoded",
    "empty_file": "the file has no bytes",
    "not_text": "the file is binary (zip, image, …), not the declared format",
    "parse_error": "a line or file is not valid JSON / CSV / YAML front matter",
    "bad_record": "a record is not an object or lacks a field its mapping needs",
    "no_text": "the record has no text after extraction and cleaning",
    "duplicate_record": "the same record (identical bytes) appears again in the source",
    "duplicate_native_id": "another record in the source already has this native_id",
    "bad_date": "the date could not be parsed, has no year or is implausible (kept, date NULL)",
    "fetch_failed": "a URL could not be fetched (HTTP error, timeout, robots.txt)",
    "too_large": "the file is over the reader's size limit (sources.yaml max_file_bytes)",
}


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of ``data`` (64 lowercase hex chars)."""
    return hashlib.sha256(data).hexdigest()


class Reader(ABC):
    """Base class of all readers; one subclass per ``kind`` in ``sources.yaml``.

    Subclasses set :attr:`kinds` and implement :meth:`read`. They are found
    through :data:`READERS`, filled by :meth:`__init_subclass__`.
    """

    kinds: ClassVar[tuple[str, ...]] = ()
    #: Files over this many bytes become a ``too_large`` reject instead of being
    #: read into memory; ``max_file_bytes`` in a source's entry overrides it.
    max_file_bytes: ClassVar[int] = 1_000_000_000

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for kind in cls.kinds:
            READERS[kind] = cls

    def __init__(self, spec: dict[str, Any], *, root: Path = CORPORA_DIR, dates: dict[str, Any] | None = None
                 ) -> None:
        self.spec = spec
        self.root = root
        self.source = spec["id"]
        #: ``params.yaml`` → ``clean.dates``: which page dates HTML readers may use
        self.dates = dates or {}

    def resolve(self, rel: str) -> Path:
        """Return the absolute path of ``rel`` (relative to ``corpora/``)."""
        return (self.root / rel).resolve()

    def rel(self, path: Path) -> str:
        """Return ``path`` relative to the reader's ``corpora/`` root, for the
        ``source_file`` column."""
        return relative_to_corpora(path, root=self.root)

    def files(self) -> list[Path]:
        """Return the source's files, sorted by path (deterministic order).

        A ``path`` naming a file gives that file; a folder gives the files
        matching ``glob`` (default ``*``) inside it.
        """
        base = self.resolve(self.spec["path"])
        if base.is_file():
            return [base]
        return sorted(p for p in base.glob(self.spec.get("glob", "*")) if p.is_file())

    def inputs(self) -> list[Path]:
        """Every file :meth:`read` depends on (for cache keys): :meth:`files`
        unless a reader reads more."""
        return self.files()

    def read_file(self, path: Path, **kw: Any) -> tuple[bytes | None, Reject | None]:
        """The file's bytes, or a ``too_large`` reject (nothing read) when it is
        over :attr:`max_file_bytes`; ``kw`` goes to the reject (``native_id``)."""
        limit = int(self.spec.get("max_file_bytes", self.max_file_bytes))
        size = path.stat().st_size
        if size > limit:
            return None, self.reject(path, "too_large", f"{size / 1e6:,.0f} MB is over the {limit / 1e6:,.0f} MB "
                                     "limit (raise max_file_bytes in sources.yaml to read it)", **kw)
        return path.read_bytes(), None

    def reject(self, path: Path, reason: str, detail: str, **kw: Any) -> Reject:
        """Build a :class:`Reject` for this source whose detail names the file."""
        where = self.rel(path) + (f":{kw['line']}" if kw.get("line") else "")
        return Reject(self.source, self.rel(path), reason, f"{where}: {detail}", **kw)

    @abstractmethod
    def read(self) -> Iterator[RawRecord | Reject]:
        """Yield one :class:`RawRecord` per document and one :class:`Reject`
        per unreadable file or record, in file order."""


#: kind → reader class; filled as reader modules are imported.
READERS: dict[str, type[Reader]] = {}
