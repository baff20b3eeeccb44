"""Text and date normalisation for the clean stage (handles: :mod:`pipeline.pseudonyms`).

Pure functions: each takes a value and returns its normalised form, so they
can be tested on single inputs.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from typing import Any

import lxml.html
from dateutil import parser as date_parser
from markdown_it import MarkdownIt

from pipeline.sources.base import TEXT_FORMATS
from pipeline.sources.dates import date_parts

#: ``html: True`` so that raw HTML is parsed as HTML tokens (dropped, or its text kept) instead of
#: leaking into the text as literal tags (47 of the demo corpus's 88 markdown files had ``<div>``,
#: ``<span style=…>``, ``<img …>`` or ``<!-- … -->`` in their text before).
_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "table", "blockquote", "pre", "section", "article", "header", "footer", "figure",
               "figcaption", "dd", "dt", "hr"}
# C0/C1 controls except tab and newline, plus lone surrogates and noncharacters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
#: zero-width space, word joiner, zero-width no-break space (BOM): invisible, and they split words
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
#: Bidirectional formatting characters (LRM, RLM, ALM, the embeddings and overrides U+202A-U+202E,
#: the isolates U+2066-U+2069): display hints, not text. PDF-to-text exports leave them around
#: every line (NTIA comments: "kinds of\u202c \u202dnumbers"), where they split words for search
#: and show as stray marks in quotes.
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_EPOCH = re.compile(r"^\d{9,13}(\.\d+)?$")
#: A character reference closed by ``;`` (``&amp;``, ``&#8217;``, ``&#x27;``): the HTML-escaped text
#: that X's API (``&amp;``, ``&lt;``, ``&gt;``: 547 in the demo corpus's X export), Reddit's JSON,
#: and tag-less HTML bodies (``&#8217;``, ``&#160;`` in 26 news articles) hold. The ``;`` is required,
#: so legacy references without it (``&copy``, ``&not`` in a URL's query, ``?a=1&copy=2``) stay as written.
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def markdown_to_text(markdown: str) -> str:
    """Render markdown to plain text with markdown-it-py (CommonMark + tables).

    Link text is kept and URLs, images and raw HTML tags are dropped (an
    HTML block keeps its text, :func:`html_fragment_to_text`; comments are
    dropped); every block (paragraph, heading, list item, table row, HTML
    block) ends with a blank line, so paragraphs survive for passage
    splitting.
    """
    out: list[str] = []
    for token in _MD.parse(markdown):
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    out.append(child.content)
                elif child.type in ("softbreak",):
                    out.append(" ")
                elif child.type == "hardbreak":
                    out.append("\n")
        elif token.type in ("fence", "code_block"):
            out.append(token.content)
        elif token.type == "html_block":
            out += [html_fragment_to_text(token.content), "\n\n"]
        elif token.type.endswith("_close") and token.block:
            out.append("\n\n")
        elif token.type in ("th_close", "td_close"):
            out.append(" | ")
    return "".join(out)


def html_fragment_to_text(fragment: str) -> str:
    """Strip HTML tags from a text field, keeping block boundaries as newlines.

    Text without tags is not parsed (a bare ``<`` in it is kept), but its
    character references are decoded (:func:`decode_references`), as the
    parser decodes them in text with tags. Scripts, styles and comments are dropped.
    """
    if not _TAG.search(fragment):
        return decode_references(fragment)
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if tag.lower() in _BLOCK_TAGS:
            parts.append("\n\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return "".join(parts)


def decode_references(text: str) -> str:
    """Decode the character references that end in ``;`` (:data:`_REFERENCE`) with
    :func:`html.unescape`: ``"4B &amp; 9B"`` → ``"4B & 9B"``, ``"&lt;8B LLM"`` → ``"<8B LLM"``.
    Unknown names (``&foo;``) stay as written; tags are not touched."""
    return _REFERENCE.sub(lambda m: html.unescape(m.group(0)), text)


def normalise_text(text: str) -> str:
    """Unicode NFC, drop control characters, lone surrogates, zero-width
    spaces (U+200B, U+2060, U+FEFF; ZWJ/ZWNJ are kept: emoji and scripts need them) and
    bidirectional formatting characters (:data:`_BIDI`), collapse runs
    of spaces/tabs to one space and runs of blank lines to one blank line
    (paragraph boundary ``\\n\\n``), trim each line and the whole text."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", _BIDI.sub("", _ZERO_WIDTH.sub("", text))))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_text(text: str, text_format: str) -> str:
    """Turn a raw text field into clean plain text.

    Args:
        text: the field as read.
        text_format: ``plain`` (kept as written: ``<think>`` or ``a<b`` in a
            title is text, not markup), ``escaped`` (plain text whose ``&``,
            ``<`` and ``>`` are written as character references, as X's API
            and Reddit's JSON write them: references decoded, nothing else),
            ``html`` (tags stripped, references decoded) or ``markdown``
            (rendered, see :func:`markdown_to_text`).

    Raises:
        ValueError: unknown ``text_format``.
    """
    if text_format == "markdown":
        text = markdown_to_text(text)
    elif text_format == "html":
        text = html_fragment_to_text(text)
    elif text_format == "escaped":
        text = decode_references(text)
    elif text_format != "plain":
        raise ValueError(f"unknown text_format {text_format!r}; expected {', '.join(TEXT_FORMATS)}")
    return normalise_text(text)


def parse_date(raw: str | None, *, earliest: dt.datetime, latest: dt.datetime
               ) -> tuple[dt.datetime | None, str | None, str | None]:
    """Parse a date in any common format to a UTC timestamp, with the
    precision the string really gives.

    Accepts ISO 8601, RFC 2822 (``Mon Feb 03 23:59:58 +0000 2025``), free
    text that dateutil understands, and epoch seconds or milliseconds (9–13
    digits). Naive times are taken as UTC. A missing day or month is the
    first (``2025-07`` → 2025-07-01 at precision ``month``, ``2019`` →
    2019-01-01 at ``year``), found by parsing with two different defaults
    (:func:`pipeline.sources.dates.date_parts`); dateutil alone filled them from the day of the run.

    Args:
        raw: the date string as found, or ``None``.
        earliest, latest: plausible range (aware UTC datetimes); dates outside
            it are refused.

    Returns:
        ``(timestamp, precision, problem)``: timestamp is an aware UTC
        datetime; precision ``time`` (a time of day was given, or epoch),
        ``day``, ``month`` or ``year``; problem is ``None`` or a message
        saying why the date was refused (no year, unparseable, implausible;
        then timestamp and precision are ``None``).
    """
    if raw is None or not str(raw).strip():
        return None, None, None
    raw = str(raw).strip()
    try:
        if _EPOCH.match(raw):
            seconds = float(raw) / (1000 if len(raw.split(".")[0]) > 11 else 1)
            value, precision = dt.datetime.fromtimestamp(seconds, dt.UTC), "time"
        else:
            value, precision = date_parts(raw)
    except (ValueError, OverflowError, date_parser.ParserError) as exc:
        return None, None, f"unparseable date {raw!r}: {exc}"
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if not earliest <= value <= latest:
        return None, None, f"implausible date {raw!r} (outside {earliest:%Y-%m-%d}..{latest:%Y-%m-%d})"
    return value, precision, None
