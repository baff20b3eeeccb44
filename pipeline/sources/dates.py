"""Publication dates: which string dates an HTML page and how it was found,
and what precision a date string has.

:func:`find_page_date` returns the string that dates a parsed page and its
``date_source`` (:data:`DATE_SOURCES`). Structured publication dates come
first, a visible byline next, then the URL; a modified date, a copyright
year and a date named in the body only when ``params.yaml`` →
``clean.dates`` allows them. htmldate (``find_date``) is not used for the
decision because it cannot say where a date came from, prefers
``article:modified_time`` over JSON-LD ``datePublished`` (htmldate issue
#195: ``examine_header`` returns its modified "reserve" before
``json_search`` runs) and, in extensive search, dates undated pages from a
copyright line or from text; its lists of meta names are reused.

The precision is read from the date string by :func:`date_parts` (used by
:func:`pipeline.normalise.parse_date` for every date of every source):
``2019`` → ``year``, ``March 2022`` → ``month``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dateparser.search import search_dates
from dateutil import parser as date_parser
from htmldate.core import (
    DATE_ATTRIBUTES,
    ITEMPROP_ATTRS_MODIFIED,
    NAME_MODIFIED,
    PROPERTY_MODIFIED,
)
from lxml.html import HtmlElement

#: ``documents.date_source``: how a document's ``published_at`` was found.
DATE_SOURCES = {
    "json_ld": "JSON-LD datePublished (also inside @graph and lists)",
    "meta_published": "a <meta> publication date (article:published_time, og, Dublin Core, citation_*, …)",
    "microdata": "an element with itemprop=datePublished",
    "byline": "a <time> or a date-only line in the article header or a byline/dateline element",
    "url": "/YYYY/MM/DD/ or /YYYY/MM/ in the page URL",
    "modified": "last structured resort: JSON-LD dateModified or a modified-time <meta> (clean.dates.modified_dates)",
    "body_text": "the first dated phrase of the main text (only with clean.dates.body_dates)",
    "copyright": "the year of a © / Copyright line (only with clean.dates.body_dates)",
    "record_field": "the record's date field (JSONL/CSV/JSON field, front matter)",
    "file_name": "YYYY-MM-DD or YYYY-MM in the file name",
    "date_window": "no date of its own: the start of the source's date_window (precision 'window')",
    "none": "no date found, or the one found was refused (see rejects, reason bad_date)",
}

#: Meta names/properties of a publication date: htmldate's list (htmldate.core.DATE_ATTRIBUTES,
#: v1.11.0) plus the og: spellings it lacks.
PUBLISHED_META = frozenset(DATE_ATTRIBUTES | {"og:published_time", "og:article:published_time"})
#: Meta names/properties of a modified date: htmldate's NAME_MODIFIED | PROPERTY_MODIFIED less
#: "release_date" (a product's release, not the page's change).
MODIFIED_META = frozenset((NAME_MODIFIED | PROPERTY_MODIFIED) - {"release_date"})
#: class/id words of a byline or dateline container (lower case, matched as substrings of a token).
_BYLINE_WORDS = ("byline", "dateline", "date", "time", "publish", "posted", "post-meta", "entry-meta",
                 "article-meta", "article-info", "meta")
#: Longest text of an element read as a date-only byline line ("Published March 3, 2024 · 5 min read").
_MAX_BYLINE_CHARS = 60
#: Characters of main text searched for a body date (a date named late in a page rarely dates it).
_MAX_BODY_CHARS = 5000
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])(?:[/-](0[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)")
#: htmldate.core.COPYRIGHT_PATTERN's alternatives; the last year of a range.
_COPYRIGHT = re.compile(r"(?:©|&copy;|\bcopyright\b|\(c\))\D{0,20}?(?:(?:19|20)\d{2}\s*[-–]\s*)?((?:19|20)\d{2})(?!\d)",
                        re.IGNORECASE)
_BYLINE_SEPARATORS = re.compile(r"\s[|·•—–]\s|\s*[|·•]\s*")
_BYLINE_LABEL = re.compile(r"^(?:(?:published|posted|date[d]?|on)\b\s*:?\s*)+", re.IGNORECASE)
_MODIFIED_LINE = re.compile(r"^(?:last\s)?(?:updated|modified|edited)\b", re.IGNORECASE)
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
_SKIP = "ancestor-or-self::*[self::footer or self::nav or self::aside or self::script or self::style]"


#: Two defaults that differ in every field dateutil may fill in: a field that
#: differs between the two parses was not in the string.
_DEFAULTS = (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2))


def date_parts(raw: str, *, fuzzy: bool = True) -> tuple[dt.datetime, str]:
    """Parse a non-epoch date string with dateutil (strict, then, with
    ``fuzzy``, fuzzy for free text around a date) and say which parts it gave.

    Returns:
        ``(value, precision)``: value with a missing day or month set to the
        first (naive or aware, as written); precision ``time``, ``day``,
        ``month`` or ``year``.

    Raises:
        ValueError: not a date, or a date without a year ("March 3").
    """
    def parse(default: dt.datetime) -> dt.datetime:
        try:
            return date_parser.parse(raw, default=default)
        except (ValueError, OverflowError):
            if not fuzzy:
                raise
            # free text around a date ("2025-01-29T10:01:55 (UTC -03:00)")
            return date_parser.parse(raw, default=default, fuzzy=True)

    first, second = parse(_DEFAULTS[0]), parse(_DEFAULTS[1])
    if first.year != second.year:
        raise ValueError("no year")
    if first.month != second.month:
        return first, "year"
    if first.day != second.day:
        return first, "month"
    return first, "time" if _TIME_OF_DAY.search(raw) else "day"


@dataclass(frozen=True)
class PageDate:
    """A page's date: ``raw`` as found (any format :func:`pipeline.normalise.parse_date`
    reads) and ``source``, a key of :data:`DATE_SOURCES`."""

    raw: str
    source: str


def find_page_date(tree: HtmlElement, *, url: str | None = None, text: str = "",
                   modified_dates: bool = True, body_dates: bool = False) -> PageDate | None:
    """Date one page; the first source that gives a date with a year wins.

    Order: ``json_ld``, ``meta_published``, ``microdata``, ``byline``,
    ``url``; then ``modified`` (when ``modified_dates``); then ``body_text``
    (searched in ``text``, the extracted main text) and ``copyright`` (when
    ``body_dates``).

    Args:
        tree: the page, parsed by lxml.html (not modified).
        url: the page URL, if known.
        text: the page's main text (for ``body_text``).
        modified_dates, body_dates: ``params.yaml`` → ``clean.dates``.

    Returns:
        The date and its source, or ``None`` (no candidate has a year).
    """
    ld = list(_json_ld_objects(tree))
    steps = [("json_ld", _ld_values(ld, "datePublished")),
             ("meta_published", _meta_values(tree, PUBLISHED_META)),
             ("microdata", _itemprop_values(tree, {"datepublished"})),
             ("byline", _byline_values(tree)),
             ("url", _url_values(url, tree))]
    if modified_dates:
        steps.append(("modified", _chain(_ld_values(ld, "dateModified"), _meta_values(tree, MODIFIED_META),
                                         _itemprop_values(tree, ITEMPROP_ATTRS_MODIFIED))))
    if body_dates:
        steps += [("body_text", _body_values(text)), ("copyright", _copyright_values(tree))]
    for source, values in steps:
        for raw in values:
            if _has_year(raw):
                return PageDate(raw.strip(), source)
    return None


def _has_year(raw: Any) -> bool:
    if not isinstance(raw, str) or not raw.strip():
        return False
    try:
        date_parts(raw.strip())
    except (ValueError, OverflowError):
        return False
    return True


def _chain(*iterables: Iterator[str]) -> Iterator[str]:
    for values in iterables:
        yield from values


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's ``application/ld+json`` scripts, depth
    first (``@graph`` members, list items, nested values); a script that is
    not valid JSON is skipped."""
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for script in tree.xpath('//script[translate(@type, "LDJSON", "ldjson")="application/ld+json"]'):
        try:
            yield from walk(json.loads(script.text_content()))
        except (json.JSONDecodeError, RecursionError):
            continue


def _ld_values(objects: list[dict[str, Any]], key: str) -> Iterator[str]:
    for obj in objects:
        value = obj.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):  # {"@value": "2021-03-04", "@type": "Date"}
                item = item.get("@value")
            if isinstance(item, str):
                yield item


def _meta_values(tree: HtmlElement, names: frozenset[str]) -> Iterator[str]:
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key in names and meta.get("content"):
            yield meta.get("content")


def _itemprop_values(tree: HtmlElement, props: set[str] | frozenset[str]) -> Iterator[str]:
    for el in tree.xpath("//*[@itemprop]"):
        if el.get("itemprop", "").strip().lower() in props:
            yield el.get("datetime") or el.get("content") or el.text_content()


def _byline_values(tree: HtmlElement) -> Iterator[str]:
    """``<time>`` elements and short date-only lines in a byline context: a
    ``<header>``, the parent of the first ``<h1>``, or an element whose
    class or id names a byline/dateline/date; never in footer, nav, aside.

    A line counts when one of its parts (split at ``|``, ``·``, ``•``, ``—``)
    is a date on its own after an optional "Published"/"Posted"/"Date"/"on"
    ("By Jane Doe · March 3, 2024", "Published: 2024-06-11"); a line that
    starts with "Updated"/"Modified"/"Last" is a modified date and skipped.
    """
    contexts: list[HtmlElement] = list(tree.iter("header"))
    h1 = next(tree.iter("h1"), None)
    if h1 is not None and h1.getparent() is not None:
        contexts.append(h1.getparent())
    for el in tree.xpath("//*[@class or @id]"):
        tokens = f"{el.get('class', '')} {el.get('id', '')}".lower().split()
        if any(word in token for token in tokens for word in _BYLINE_WORDS):
            contexts.append(el)
    contexts = [c for c in contexts if not c.xpath(_SKIP)]
    seen: set[HtmlElement] = set()
    for context in contexts:
        for time in context.iter("time"):
            if time not in seen:
                seen.add(time)
                yield time.get("datetime") or time.text_content()
    for context in contexts:
        for el in context.iter():
            if not isinstance(el.tag, str) or el in seen or el.tag in ("h1", "script", "style"):
                continue
            seen.add(el)
            line = " ".join(el.text_content().split())
            if not line or len(line) > _MAX_BYLINE_CHARS or _MODIFIED_LINE.match(line):
                continue
            for part in _BYLINE_SEPARATORS.split(line):
                part = _BYLINE_LABEL.sub("", part).strip()
                if _YEAR.search(part) and _is_date(part):
                    yield part


def _is_date(part: str) -> bool:
    """``part`` is a date as a whole (dateutil, not fuzzy), with a year."""
    try:
        date_parts(part, fuzzy=False)
    except (ValueError, OverflowError):
        return False
    return True


def _url_values(url: str | None, tree: HtmlElement) -> Iterator[str]:
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    for candidate in [url, *canonical[:1]]:
        match = _URL_DATE.search(candidate or "")
        if match:
            yield "-".join(part for part in match.groups() if part)


def _body_values(text: str) -> Iterator[str]:
    """Dated phrases of the main text in order (dateparser's ``search_dates``),
    keeping only phrases that name a year ("in March 2022", "3 May 2023")."""
    found = search_dates(text[:_MAX_BODY_CHARS], languages=["en"],
                         settings={"REQUIRE_PARTS": ["year"], "PREFER_DAY_OF_MONTH": "first"}) or []
    for phrase, _ in found:
        if _YEAR.search(phrase):
            yield phrase


def _copyright_values(tree: HtmlElement) -> Iterator[str]:
    for chunk in tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]"):
        for match in _COPYRIGHT.finditer(chunk):
            yield match.group(1)
