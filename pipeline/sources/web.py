"""Web sources (``url_list``, ``feed``, ``sitemap``): pages fetched by the
scrape stage, read back from the content-addressed store via the manifest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.config import CORPORA_DIR, MANIFEST_FILE
from pipeline.sources.base import RawRecord, Reader, Reject
from pipeline.sources.decoding import DecodeError, decode_bytes
from pipeline.sources.html import html_record

#: ``source_file`` of fetched pages: the manifest that lists them (the
#: content-addressed body path changes when a page changes; this does not).
MANIFEST_SOURCE_FILE = "raw/manifest.jsonl"


def read_manifest(path: Path = MANIFEST_FILE) -> list[dict[str, Any]]:
    """Read ``corpora/raw/manifest.jsonl`` (one JSON object per line; an
    empty list when there is none yet)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class WebReader(Reader):
    """Reads this source's rows of ``corpora/raw/manifest.jsonl``.

    ``native_id`` is the requested URL. A URL that failed to fetch becomes a
    ``fetch_failed`` reject; a non-HTML body a ``not_text`` reject.
    """

    kinds = ("url_list", "feed", "sitemap")

    def __init__(self, spec: dict[str, Any], *, manifest: Path | None = None, **kw: Any) -> None:
        super().__init__(spec, **kw)
        self.manifest = manifest or self.root / MANIFEST_FILE.relative_to(CORPORA_DIR)

    def files(self) -> list[Path]:
        """Web sources have no local files before they are fetched."""
        return []

    def inputs(self) -> list[Path]:
        """The manifest: it names each fetched body by its sha256, so it
        changes whenever a body does."""
        return [self.manifest]

    def read(self) -> Iterator[RawRecord | Reject]:
        for row in read_manifest(self.manifest):
            if row["source"] != self.source:
                continue
            where = MANIFEST_SOURCE_FILE
            if row["error"] and not row["sha256"]:
                yield Reject(self.source, where, "fetch_failed", f"{row['url']}: {row['error']}",
                             native_id=row["url"])
                continue
            content_type = (row.get("content_type") or "text/html").lower()
            if "html" not in content_type and "xml" not in content_type:
                yield Reject(self.source, where, "not_text", f"{row['url']}: content type {content_type}",
                             native_id=row["url"], raw_sha256=row["sha256"])
                continue
            data = self.resolve(row["path"]).read_bytes()
            try:
                html, _ = decode_bytes(data)
            except DecodeError as exc:
                yield Reject(self.source, where, "not_text", f"{row['url']}: {exc}",
                             native_id=row["url"], raw_sha256=row["sha256"])
                continue
            record = html_record(self, html, native_id=row["url"], source_file=MANIFEST_SOURCE_FILE,
                                 raw_sha256=row["sha256"], url=row["final_url"] or row["url"])
            record.lang_hint = None  # a page's declared language is often wrong; detect it
            yield record
