"""Text, date and handle normalisation for the clean stage.

Pure functions: each takes a value and returns its normalised form, so they
can be tested on single inputs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from typing import Any

import lxml.html
from dateutil import parser as date_parser
from markdown_it import MarkdownIt

from pipeline.sources.dates import date_parts

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "table", "blockquote", "pre", "section", "article", "header", "footer", "figure",
               "figcaption", "dd", "dt", "hr"}
# C0/C1 controls except tab and newline, plus lone surrogates and noncharacters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
#: zero-width space, word joiner, zero-width no-break space (BOM): invisible, and they split words
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_EPOCH = re.compile(r"^\d{9,13}(\.\d+)?$")


def markdown_to_text(markdown: str) -> str:
    """Render markdown to plain text with markdown-it-py (CommonMark + tables).

    Link text is kept and URLs, images and raw HTML are dropped; every block
    (paragraph, heading, list item, table row) ends with a blank line, so
    paragraphs survive for passage splitting.
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
        elif token.type.endswith("_close") and token.block:
            out.append("\n\n")
        elif token.type in ("th_close", "td_close"):
            out.append(" | ")
    return "".join(out)


def html_fragment_to_text(fragment: str) -> str:
    """Strip HTML tags from a text field, keeping block boundaries as newlines.

    Text without tags is returned unchanged (entities stay as written, so a
    plain-text ``<`` is not mangled). Scripts, styles and comments are dropped.
    """
    if not _TAG.search(fragment):
        return fragment
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


def normalise_text(text: str) -> str:
    """Unicode NFC, drop control characters, lone surrogates and zero-width
    spaces (U+200B, U+2060, U+FEFF; ZWJ/ZWNJ are kept: emoji and scripts need them), collapse runs
    of spaces/tabs to one space and runs of blank lines to one blank line
    (paragraph boundary ``\\n\\n``), trim each line and the whole text."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", _ZERO_WIDTH.sub("", text)))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_text(text: str, text_format: str) -> str:
    """Turn a raw text field into clean plain text.

    Args:
        text: the field as read.
        text_format: ``plain`` (kept as written: ``<think>`` or ``a<b`` in a
            title is text, not markup), ``html`` (tags stripped) or
            ``markdown`` (rendered, see :func:`markdown_to_text`).

    Raises:
        ValueError: unknown ``text_format``.
    """
    if text_format == "markdown":
        text = markdown_to_text(text)
    elif text_format == "html":
        text = html_fragment_to_text(text)
    elif text_format != "plain":
        raise ValueError(f"unknown text_format {text_format!r}; expected plain, html or markdown")
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


def pseudonym(handle: str, salt: str) -> str:
    """Return the pseudonym of a social handle: ``user_`` + the first 10 hex
    digits of sha256(salt + lower-cased handle) — the scheme of the demo
    corpus (corpus README). One mapping for every source and field, so an
    account has one pseudonym everywhere (``@Name``, ``x.com/name``)."""
    digest = hashlib.sha256((salt + handle.lower().lstrip("@")).encode("utf-8")).hexdigest()
    return f"user_{digest[:10]}"


_PSEUDONYM = re.compile(r"^user_[0-9a-f]{10}$")
#: Hosts that show X posts under ``/<handle>/status/<id>``: X and Twitter (www., mobile., m.),
#: the embed fixers (vxtwitter, fxtwitter, fixupx, fixvx, twittpr) and Nitter front ends
#: (any host with a ``nitter`` label, and xcancel.com).
_X_HOST = (r"(?:(?:www|mobile|m)\.)?(?:x|twitter|vxtwitter|fxtwitter|fixupx|fixvx|twittpr|xcancel)\.com"
           r"|(?:[a-z0-9-]+\.)*nitter(?:\.[a-z0-9-]+)+")
#: First path segments of X URLs that are not accounts (x.com/i/status/…, x.com/search?…).
_X_RESERVED = frozenset({"i", "home", "search", "explore", "hashtag", "intent", "share", "settings", "messages",
                         "notifications", "compose", "login", "logout", "signup", "tos", "privacy", "about",
                         "download", "jobs", "account", "help", "web", "status", "statuses", "communities"})
#: Words after ``@`` that are code in technical notes, not accounts (lower case only; ``@Media``
#: stays a handle): CSS at-rules and common Python/TypeScript decorators and doc tags.
CODE_AT_WORDS = frozenset({"media", "import", "supports", "keyframes", "charset", "namespace", "layer",
                           "container", "property", "staticmethod", "classmethod", "dataclass", "abstractmethod",
                           "override", "cache", "lru_cache", "cached_property", "wraps", "contextmanager",
                           "overload", "param", "returns", "return", "type", "deprecated", "throws"})
#: One pass, leftmost match first: Bluesky profile URLs, X-like URLs (scheme optional, not
#: inside a longer host such as netflix.com), Bluesky ``@name.bsky.social``, then ``@mentions``
#: (``@`` not after a word character, ``.``, ``+`` or ``-``, so e-mail addresses are not
#: handles; up to 30 word characters, X allows 15; a Mastodon ``@name@host`` is one handle).
_HANDLE = re.compile(
    r"(?P<bsky_url>(?<![\w.-])(?:https?://)?(?:www\.)?bsky\.app/profile/)(?P<bsky_id>[\w:-]+(?:\.[\w:-]+)*)"
    rf"|(?P<x_url>(?<![\w.-])(?:https?://)?(?:{_X_HOST})/(?:#!/)?@?)(?P<x_id>[A-Za-z0-9_]{{1,15}})(?![\w])"
    r"|(?<![\w@.+-])@(?P<bsky_at>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.bsky\.social)(?![\w.-])"
    r"|(?<![\w@.+-])@(?P<at>[A-Za-z0-9_]{1,30}(?:@[\w-]+(?:\.[\w-]+)+)?)(?![\w@])",
    re.IGNORECASE)


def find_handles(value: str | None) -> list[tuple[int, int, str]]:
    """Every social handle in ``value``, by the rule of :func:`pseudonymise`.

    Returns:
        ``(start, end, handle)`` per handle, in text order; ``value[start:end]``
        is the handle itself (without ``@`` or the URL around it). Pseudonyms
        and organisation accounts are included (callers filter them).

    Known misses (docs/privacy.md): handles written without ``@`` in prose,
    ``twitter.com/intent/user?screen_name=…``, Bluesky custom-domain handles
    in prose (``@simonwillison.net`` hides only ``simonwillison``), accounts
    named like a :data:`CODE_AT_WORDS` entry in lower case, and ``@name/…``
    after a quote or space (read as an npm scope such as ``@vercel/sandbox``).
    """
    if not value or ("@" not in value and "/" not in value):
        return []
    out: list[tuple[int, int, str]] = []
    for m in _HANDLE.finditer(value):
        kind = next(k for k in ("bsky_id", "x_id", "bsky_at", "at") if m.group(k))
        start, end = m.span(kind)
        handle = m.group(kind)
        if kind == "x_id" and handle.lower() in _X_RESERVED:
            continue
        if kind == "at":
            before = value[m.start() - 1] if m.start() else ""
            if handle in CODE_AT_WORDS or (before != "/" and re.match(r"[\w.-]*/\w", value[end:])):
                continue
        out.append((start, end, handle))
    return out


def pseudonymise(value: str | None, *, salt: str, keep: frozenset[str], handle_field: bool = False) -> str | None:
    """Replace social handles in ``value`` with salted pseudonyms.

    Handles are those of :func:`find_handles`: ``@mentions``, Bluesky
    ``@name.bsky.social`` and ``bsky.app/profile/<handle>``, and the account
    part of X-like URLs (x.com, twitter.com, mobile.twitter.com, vxtwitter,
    fxtwitter, Nitter hosts; with or without a scheme). With
    ``handle_field`` (a field that holds a handle, such as a post's author)
    a bare value that is itself a handle is replaced whole. A bare word in
    a text or title ("DeepSeek", "RIP", "nan") is never a handle: it was
    replaced whole before, which turned 90 Reddit titles into pseudonyms.
    Handles already pseudonymised (``user_<10 hex>``) and those in ``keep``
    (organisation accounts, compared lower-case) are left as they are.
    """
    if not value:
        return value

    def swap(handle: str) -> str:
        if _PSEUDONYM.match(handle) or handle.lower() in keep:
            return handle
        return pseudonym(handle, salt)

    if handle_field and re.fullmatch(r"@?[A-Za-z0-9_]{1,30}", value):
        return swap(value.lstrip("@"))
    parts, last = [], 0
    for start, end, handle in find_handles(value):
        parts += [value[last:start], swap(handle)]
        last = end
    return "".join(parts) + value[last:] if parts else value


def raw_handles(value: str | None, keep: frozenset[str]) -> list[str]:
    """The handles in ``value`` that are neither a pseudonym nor in ``keep``
    (lower-case organisation handles): what :func:`pseudonymise` would replace."""
    return [h for _, _, h in find_handles(value) if not _PSEUDONYM.match(h) and h.lower() not in keep]


_STATUS_ID = re.compile(rf"(?<![\w.-])((?:https?://)?(?:{_X_HOST})/(?:#!/)?[A-Za-z0-9_]{{1,15}}/status(?:es)?/)(\d+)",
                        re.IGNORECASE)


def strip_status_ids(value: str | None, *, salt: str) -> str | None:
    """Replace the numeric post id of X-like status URLs in ``value`` with
    ``s_`` + the first 10 hex digits of sha256(salt + "status:" + id): the
    URL no longer opens the post, while two mentions of one post still
    match (option ``privacy.strip_status_ids``)."""
    if not value:
        return value
    return _STATUS_ID.sub(lambda m: m.group(1) + "s_" + hashlib.sha256(
        f"{salt}status:{m.group(2)}".encode()).hexdigest()[:10], value)
