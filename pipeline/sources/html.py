"""HTML pages: main-text extraction with trafilatura, the date from
:mod:`pipeline.sources.dates`.

Used by the ``html_dir`` reader, by fetched web sources and by
``python -m pipeline.clean extract FILE.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trafilatura

from pipeline.sources.base import RawRecord, Reader
from pipeline.sources.dates import find_page_date
from pipeline.sources.files import FileReader


def extract_html(html: str, *, url: str | None = None, dates: dict[str, Any] | None = None) -> dict[str, Any]:
    """Extract the main text and metadata of one HTML page.

    Main text, title, author and site name come from
    ``trafilatura.bare_extraction`` (default settings: the configuration behind
    trafilatura's published ScrapingHub scores, P .938 / R .978 / F1 .958).
    The date comes from :func:`pipeline.sources.dates.find_page_date`
    (trafilatura's own date is htmldate's, which prefers a modified date
    and reads copyright lines and body text, and says neither).

    Args:
        html: the page source, decoded.
        url: the page URL, if known (helps date and site-name extraction).
        dates: ``params.yaml`` → ``clean.dates`` (``modified_dates``,
            ``body_dates``); ``None``: modified dates yes, body dates no.

    Returns:
        dict with ``text`` (str, blocks separated by a blank line; "" when
        nothing was found), ``title``, ``author``, ``date`` (the date string
        as found, or ``None``), ``date_source`` (a key of
        :data:`pipeline.sources.dates.DATE_SOURCES`; ``none`` when no date),
        ``sitename``, ``url`` and ``lang`` (the page's declared language, or
        ``None``).
    """
    dates = dates or {}
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        # the date is not taken from here: skip htmldate's slow extensive search
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    meta: dict[str, Any] = doc.as_dict() if doc is not None else {}
    # trafilatura puts each block (paragraph, heading, list item) on its
    # own line; a blank line between blocks matches the other readers
    text = "\n\n".join(line for line in (meta.get("text") or "").split("\n") if line.strip())
    tree = trafilatura.load_html(html)
    found = None if tree is None else find_page_date(
        tree, url=url or meta.get("url"), text=text, modified_dates=bool(dates.get("modified_dates", True)),
        body_dates=bool(dates.get("body_dates", False)))
    return {
        "text": text,
        "title": meta.get("title"),
        "author": meta.get("author"),
        "date": found.raw if found else None,
        "date_source": found.source if found else "none",
        "sitename": meta.get("sitename"),
        "url": meta.get("url") or url,
        "lang": meta.get("language"),
    }


class HtmlDirReader(FileReader):
    """``html_dir``: one saved HTML page per file; ``native_id`` = file name."""

    kinds = ("html_dir",)

    def parse(self, path: Path, text: str, sha: str) -> RawRecord:
        return html_record(self, text, native_id=path.name, source_file=self.rel(path), raw_sha256=sha)


def html_record(reader: Reader, html: str, *, native_id: str, source_file: str,
                raw_sha256: str, url: str | None = None) -> RawRecord:
    """Run :func:`extract_html` and wrap the result as a :class:`RawRecord`.

    The source's ``outlet`` (from ``sources.yaml``) wins over the page's
    site name; the date options are the reader's (``clean.dates``). The
    precision is left to :func:`pipeline.normalise.parse_date`, which reads
    it from the date string.
    """
    meta = extract_html(html, url=url, dates=reader.dates)
    return RawRecord(
        source=reader.source,
        source_file=source_file,
        native_id=native_id,
        text=meta["text"],
        raw_sha256=raw_sha256,
        title=meta["title"],
        url=meta["url"],
        author=reader.spec.get("author") or meta["author"],
        outlet=reader.spec.get("outlet") or meta["sitename"],
        date_raw=meta["date"],
        date_source=meta["date_source"] if meta["date"] else None,
    )
