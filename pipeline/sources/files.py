"""One-document-per-file readers: ``markdown_dir`` and ``text_dir``."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from pipeline.sources.base import RawRecord, Reader, Reject, sha256_bytes
from pipeline.sources.decoding import DecodeError, decode_bytes
from pipeline.sources.fields import apply_fields, date_from_filename

LOG = logging.getLogger(__name__)

#: A file that starts like an HTML document (doctype or <html>), whatever its name.
_HTML_DOCUMENT = re.compile(r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)

def file_keys(path: Path) -> dict[str, str]:
    """Keys about the file itself that ``fields`` expressions may use beside
    the front matter: ``_file`` (the file name, e.g. ``2025-07-july.md``)
    and ``_stem`` (without its suffix, e.g. ``NTIA-2023-0009-0125``)."""
    return {"_file": path.name, "_stem": path.stem}


#: Front-matter keys read when a source gives no ``fields`` mapping.
DEFAULT_MARKDOWN_FIELDS = {
    "title": "title",
    "date": "date || published || published_at || created",
    "url": "source_url || url || source",
    "author": "author",
}


class FileReader(Reader):
    """Base of one-document-per-file readers: reads bytes, rejects empty and
    binary files, decodes, then calls :meth:`parse`."""

    text_format = "plain"
    #: one document per file: a 100 MB page or essay is a mistake, not a document
    max_file_bytes = 100_000_000

    def read(self) -> Iterator[RawRecord | Reject]:
        for path in self.files():
            data, refused = self.read_file(path, native_id=path.name)
            if refused:
                yield refused
                continue
            sha = sha256_bytes(data)
            if not data.strip():
                yield self.reject(path, "empty_file", "file is empty", native_id=path.name, raw_sha256=sha)
                continue
            try:
                text, _ = decode_bytes(data)
            except DecodeError as exc:
                yield self.reject(path, "not_text", str(exc), native_id=path.name, raw_sha256=sha)
                continue
            yield self.parse(path, text, sha)

    def parse(self, path: Path, text: str, sha: str) -> RawRecord | Reject:
        """Turn one decoded file into a record (or a reject)."""
        raise NotImplementedError

    def record(self, path: Path, text: str, sha: str, meta: dict[str, str | None]) -> RawRecord:
        """Build the record; the date falls back to one in the file name.
        ``meta["date_source"]`` says how a date not from a field was found."""
        date, precision, source = meta.get("date"), None, meta.get("date_source") if meta.get("date") else None
        if not date and (found := date_from_filename(path.name)):
            (date, precision), source = found, "file_name"
        return RawRecord(
            source=self.source,
            source_file=self.rel(path),
            native_id=path.name,
            text=text,
            raw_sha256=sha,
            text_format=self.text_format,
            title=meta.get("title"),
            url=meta.get("url"),
            author=meta.get("author") or self.spec.get("author"),
            outlet=meta.get("outlet") or self.spec.get("outlet"),
            date_raw=date,
            date_precision=precision,
            date_source=source,
        )


class MarkdownDirReader(FileReader):
    """``markdown_dir``: markdown files, with optional YAML front matter
    (parsed by python-frontmatter); ``native_id`` = file name."""

    kinds = ("markdown_dir",)
    text_format = "markdown"

    def parse(self, path: Path, text: str, sha: str) -> RawRecord | Reject:
        try:
            post = frontmatter.loads(text)
            metadata, content = dict(post.metadata), post.content
        except yaml.YAMLError as exc:
            # Keep the document: read the block key by key and warn.
            mark = getattr(exc, "problem_mark", None)
            LOG.warning("%s:%s: broken YAML front matter, read leniently: %s", self.rel(path),
                        mark.line + 1 if mark is not None else "?", str(exc).replace("\n", " "))
            block, content = frontmatter.YAMLHandler().split(text)
            metadata = lenient_front_matter(block)
        if not isinstance(metadata, dict):
            return self.reject(path, "parse_error", "front matter is not a mapping",
                               native_id=path.name, raw_sha256=sha)
        mapping = {**DEFAULT_MARKDOWN_FIELDS, **self.spec.get("fields", {})}
        # a field that is a mapping is left empty
        meta = apply_fields(mapping, {**metadata, **file_keys(path)}, strict=False)
        if _HTML_DOCUMENT.match(content):
            # a saved web page with a .md name: extract it as HTML, not as markdown
            from pipeline.sources.html import extract_html

            page = extract_html(content, url=meta.get("url"), dates=self.dates)
            if meta.get("date"):  # the front matter's date wins: a record field
                page["date_source"] = None
            meta = {**{k: page.get(k) for k in ("title", "author", "date", "url", "date_source")},
                    **{k: v for k, v in meta.items() if v}}
            return dataclasses.replace(self.record(path, page["text"], sha, meta), text_format="plain")
        return self.record(path, content, sha, meta)


def lenient_front_matter(block: str) -> dict[str, Any]:
    """Read a front-matter block that is not valid YAML, one ``key: value``
    line at a time: each line is parsed as YAML on its own, and a line that
    still fails keeps its raw value with outer quotes removed.

    Returns:
        key → value for every ``key: value`` line (other lines are skipped).
    """
    meta: dict[str, Any] = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or key.startswith((" ", "\t", "-", "#")):
            continue
        try:
            parsed = yaml.safe_load(line)
            meta.update(parsed if isinstance(parsed, dict) else {key.strip(): value.strip()})
        except yaml.YAMLError:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta[key.strip()] = value
    return meta


class TextDirReader(FileReader):
    """``text_dir``: plain-text files; ``native_id`` = file name.

    ``author_lookup: {path, key, value}`` names a JSON list of objects whose
    ``key`` equals the file stem, giving the author (the NTIA docket's
    ``comment_metadata.json``: ``ID`` → ``Commenter``). ``fields`` (``url``,
    ``title``, ``date``, ``outlet``) are evaluated on :func:`file_keys`.
    """

    kinds = ("text_dir",)

    def __init__(self, spec: dict[str, Any], **kw: Any) -> None:
        super().__init__(spec, **kw)
        self.authors: dict[str, str] = {}
        lookup = spec.get("author_lookup")
        if lookup:
            rows = json.loads(self.resolve(lookup["path"]).read_text(encoding="utf-8"))
            self.authors = {str(r[lookup["key"]]): str(r[lookup["value"]]) for r in rows
                            if lookup["key"] in r and lookup["value"] in r}

    def inputs(self) -> list[Path]:
        """The text files and the author lookup file."""
        lookup = self.spec.get("author_lookup")
        return self.files() + ([self.resolve(lookup["path"])] if lookup else [])

    def parse(self, path: Path, text: str, sha: str) -> RawRecord | Reject:
        meta = apply_fields(self.spec.get("fields", {}), file_keys(path), strict=False)
        return self.record(path, text, sha, {**meta, "author": meta.get("author") or self.authors.get(path.stem)})
