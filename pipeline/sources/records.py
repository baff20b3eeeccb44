"""Record-oriented readers: ``jsonl``, ``ndjson``, ``json`` and
``tweet_harvest_csv``. Each record goes through the source's JMESPath
``fields`` mapping (:mod:`pipeline.sources.fields`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jmespath.exceptions

from pipeline.sources.base import RawRecord, Reader, Reject, sha256_bytes
from pipeline.sources.decoding import DecodeError, decode_bytes
from pipeline.sources.fields import apply_fields, compile_expression

#: Columns of a tweet-harvest export (github.com/helmisatria/tweet-harvest).
TWEET_HARVEST_FIELDS = {
    "native_id": "id_str",
    "text": "full_text",
    "date": "created_at",
    "url": "tweet_url",
    "author": "username",
    "lang": "lang",
}


class _MappedReader(Reader):
    """Shared mapping of one parsed record to a :class:`RawRecord`."""

    default_fields: dict[str, str] = {}

    def __init__(self, spec: dict[str, Any], **kw: Any) -> None:
        super().__init__(spec, **kw)
        self.mapping = {**self.default_fields, **spec.get("fields", {})}
        self.text_format = spec.get("text_format", "plain")

    def to_record(self, path: Path, obj: Any, line: int, raw: bytes) -> RawRecord | Reject:
        """Apply the mapping to ``obj`` (record number/line ``line``)."""
        sha = sha256_bytes(raw)
        if not isinstance(obj, dict):
            return self.reject(path, "bad_record", f"expected an object, got {type(obj).__name__}",
                               line=line, raw_sha256=sha)
        try:
            meta = apply_fields(self.mapping, obj)
        except (jmespath.exceptions.JMESPathError, ValueError) as exc:
            return self.reject(path, "bad_record", f"field mapping failed: {exc}", line=line, raw_sha256=sha)
        if not meta.get("native_id"):
            return self.reject(path, "bad_record", f"no native_id (mapping: {self.mapping.get('native_id')})",
                               line=line, raw_sha256=sha)
        return RawRecord(
            source=self.source,
            source_file=self.rel(path),
            native_id=meta["native_id"],
            text=meta.get("text") or "",
            raw_sha256=sha,
            line=line,
            text_format=self.text_format,
            title=meta.get("title"),
            url=meta.get("url"),
            author=meta.get("author") or self.spec.get("author"),
            outlet=meta.get("outlet") or self.spec.get("outlet"),
            date_raw=meta.get("date"),
            lang_hint=meta.get("lang"),
        )

    def _open_text(self, path: Path) -> tuple[str | None, Reject | None]:
        data, refused = self.read_file(path)
        if refused:
            return None, refused
        if not data.strip():
            return None, self.reject(path, "empty_file", "file is empty", raw_sha256=sha256_bytes(data))
        try:
            return decode_bytes(data)[0], None
        except DecodeError as exc:
            return None, self.reject(path, "not_text", str(exc), raw_sha256=sha256_bytes(data))


class JsonLinesReader(_MappedReader):
    """``jsonl`` / ``ndjson``: one JSON value per line.

    NDJSON rows may be arrays; ``columns_from`` names a JSON file whose
    ``columns`` list gives their keys (a sqlite-utils/Datasette export).
    A line that is not valid JSON becomes a ``parse_error`` reject naming the
    line; the lines after it are still read.
    """

    kinds = ("jsonl", "ndjson")

    def __init__(self, spec: dict[str, Any], **kw: Any) -> None:
        super().__init__(spec, **kw)
        self.columns: list[str] | None = None
        if spec.get("columns_from"):
            meta = json.loads(self.resolve(spec["columns_from"]).read_text(encoding="utf-8"))
            self.columns = list(meta["columns"])

    def inputs(self) -> list[Path]:
        """The records file and the ``columns_from`` file."""
        extra = self.spec.get("columns_from")
        return self.files() + ([self.resolve(extra)] if extra else [])

    def read(self) -> Iterator[RawRecord | Reject]:
        for path in self.files():
            text, rejected = self._open_text(path)
            if rejected:
                yield rejected
                continue
            # split on "\n" only: str.splitlines() would also split inside
            # records on U+2028 and other separators that JSON allows in strings
            for lineno, line in enumerate(text.split("\n"), start=1):
                if not line.strip():
                    continue
                raw = line.encode("utf-8", "surrogatepass")
                try:
                    obj = json.loads(line)
                except (json.JSONDecodeError, RecursionError) as exc:
                    yield self.reject(path, "parse_error", f"invalid JSON: {exc}", line=lineno,
                                      raw_sha256=sha256_bytes(raw))
                    continue
                if self.columns is not None and isinstance(obj, list):
                    if len(obj) != len(self.columns):
                        yield self.reject(path, "bad_record",
                                          f"row has {len(obj)} values, expected {len(self.columns)} columns",
                                          line=lineno, raw_sha256=sha256_bytes(raw))
                        continue
                    obj = dict(zip(self.columns, obj))
                yield self.to_record(path, obj, lineno, raw)


class JsonReader(_MappedReader):
    """``json``: one JSON document; ``records`` (a JMESPath expression, default
    ``@``) selects the list of records. ``line`` is the record's 1-based index."""

    kinds = ("json",)

    def read(self) -> Iterator[RawRecord | Reject]:
        for path in self.files():
            text, rejected = self._open_text(path)
            if rejected:
                yield rejected
                continue
            try:
                doc = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as exc:
                yield self.reject(path, "parse_error", f"invalid JSON: {exc}",
                                  raw_sha256=sha256_bytes(text.encode("utf-8", "surrogatepass")))
                continue
            records = compile_expression(self.spec.get("records", "@")).search(doc)
            if not isinstance(records, list):
                yield self.reject(path, "parse_error",
                                  f"'records: {self.spec.get('records', '@')}' does not select a list")
                continue
            for index, obj in enumerate(records, start=1):
                raw = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
                yield self.to_record(path, obj, index, raw)


class TweetHarvestCsvReader(_MappedReader):
    """``tweet_harvest_csv``: a tweet-harvest CSV export (RFC 4180 quoting,
    text fields may span lines). ``line`` is the record's first physical line."""

    kinds = ("tweet_harvest_csv",)
    default_fields = TWEET_HARVEST_FIELDS

    def read(self) -> Iterator[RawRecord | Reject]:
        for path in self.files():
            text, rejected = self._open_text(path)
            if rejected:
                yield rejected
                continue
            reader = csv.reader(io.StringIO(text, newline=""))
            try:
                header = next(reader)
            except (StopIteration, csv.Error) as exc:
                yield self.reject(path, "parse_error", f"no CSV header: {exc}")
                continue
            while True:
                start = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    yield self.reject(path, "parse_error", f"invalid CSV: {exc}", line=start)
                    continue
                raw = ",".join(row).encode("utf-8", "surrogatepass")
                if len(row) != len(header):
                    yield self.reject(path, "bad_record",
                                      f"row has {len(row)} fields, header has {len(header)}",
                                      line=start, raw_sha256=sha256_bytes(raw))
                    continue
                yield self.to_record(path, dict(zip(header, row)), start, raw)
