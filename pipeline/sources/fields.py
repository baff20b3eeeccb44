"""Field mappings: JMESPath expressions from ``sources.yaml`` applied to records.

JMESPath (https://jmespath.org) gives fallbacks (``a || b``), indexing
(``tweet_urls[0]``) and joins (``join('/', [date, subreddit, to_string(rank)])``)
without code, so a new source in a known format needs only a YAML entry.
Five functions are added to JMESPath's own (see :data:`FUNCTIONS`):

- ``split(text, separator)``: Python's ``str.split``; a list, so
  ``split(post_id, '.')[1:]`` slices it; used to derive URLs from ids;
- ``matches(text, regex)``: ``True`` when Python's ``re.search`` finds the
  regex in the text; used to keep only URLs that name a post
  (``[url][?@ && matches(@, '/comments/[a-z0-9]+/')] | [0]``);
- ``days_before(earlier, later)``: days from one date or time to another
  (``null`` if either is not one); used to refuse a linked post's
  time that is far older than the recap that links it;
- ``strftime(date, format)``: a date written with Python's ``strftime``
  format, in UTC; used to derive Simon Willison's note URLs
  (``/2026/Aug/2/<slug>/``) from the note's time and slug;
- ``distinct(list)``: the list without repeats, in first-seen order; used to
  count the accounts whose posts a recap line links
  (``length(distinct(map(&split(@, '/')[3], tweet_urls)))``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from typing import Any

import jmespath
import jmespath.exceptions
import jmespath.functions

from pipeline.sources.dates import date_parts

#: Mapping keys a source may set in ``fields``.
FIELD_KEYS = ("native_id", "text", "title", "date", "url", "author", "outlet", "lang")

_FILENAME_DATE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})-(\d{2})(?:-(\d{2}))?(?!\d)")


class _Functions(jmespath.functions.Functions):
    """JMESPath's functions plus ``split``, ``matches``, ``days_before``, ``strftime`` and ``distinct``."""

    @jmespath.functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_split(self, text: str, separator: str) -> list[str]:
        return text.split(separator)

    @jmespath.functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_matches(self, text: str, regex: str) -> bool:
        return _regex(regex).search(text) is not None

    @jmespath.functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_days_before(self, earlier: str, later: str) -> float | None:
        """Days from ``earlier`` to ``later``, read by the corpus's date parser
        (:func:`pipeline.sources.dates.date_parts`, strict: a month
        ``YYYY-MM`` is its first day; UTC when no offset is given); ``null``
        when either is not a date."""
        try:
            a, b = (date_parts(v, fuzzy=False)[0] for v in (earlier, later))
        except ValueError:
            return None
        a, b = (v if v.tzinfo else v.replace(tzinfo=dt.UTC) for v in (a, b))
        return (b - a).total_seconds() / 86400

    @jmespath.functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_strftime(self, value: str, form: str) -> str | None:
        """``value`` (a date or time, read as :meth:`_func_days_before` reads
        it; UTC when it has an offset or none) written with Python's
        ``strftime`` format ``form`` in the C locale (``%b``: Jan … Dec);
        ``null`` when it is not a date."""
        try:
            when = date_parts(value, fuzzy=False)[0]
        except ValueError:
            return None
        when = when.astimezone(dt.UTC) if when.tzinfo else when
        return when.strftime(form)

    @jmespath.functions.signature({"types": ["array"]})
    def _func_distinct(self, values: list[Any]) -> list[Any]:
        """``values`` without repeats, in first-seen order (unhashable values
        compare by equality)."""
        out: list[Any] = []
        for v in values:
            if v not in out:
                out.append(v)
        return out


@lru_cache(maxsize=64)
def _regex(regex: str) -> re.Pattern[str]:
    """Compiled ``regex`` (cached); ``re.error`` names a bad pattern."""
    return re.compile(regex)


#: Evaluation options of every expression: JMESPath's functions plus those of :class:`_Functions`.
FUNCTIONS = jmespath.Options(custom_functions=_Functions())


@lru_cache(maxsize=256)
def compile_expression(expr: str) -> jmespath.parser.ParsedResult:
    """Compile a JMESPath expression (cached).

    Raises:
        jmespath.exceptions.ParseError: the expression is invalid.
    """
    return jmespath.compile(expr)


def as_text(value: Any) -> str | None:
    """Render a mapped value as text: lists are joined with ", ", dates use ISO
    format, empty strings, ``None`` and NaN/infinity give ``None``.

    Raises:
        ValueError: the value is a JSON object (the mapping points at a
            container, not a value).
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, dict):
        raise ValueError(f"a JSON object with keys {sorted(value)[:5]}, not a value")
    if isinstance(value, list):
        parts = [p for p in (as_text(v) for v in value) if p]
        return ", ".join(parts) or None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def apply_fields(mapping: dict[str, str], record: Any, *, strict: bool = True) -> dict[str, str | None]:
    """Evaluate every expression of ``mapping`` on ``record``.

    Args:
        mapping: field name → JMESPath expression.
        record: one parsed record (dict, usually).

    Returns:
        field name → text value (``None`` where the expression finds nothing).

    Raises:
        jmespath.exceptions.JMESPathError: an expression fails on this record
            (for example ``to_string`` of a missing value inside ``join``).
        ValueError: with ``strict``, a field is a JSON object (without
            ``strict`` that field is ``None``).
    """
    out: dict[str, str | None] = {}
    for key, expr in mapping.items():
        try:
            out[key] = as_text(compile_expression(expr).search(record, options=FUNCTIONS))
        except ValueError as exc:
            if strict:
                raise ValueError(f"{key} ({expr}) is {exc}") from None
            out[key] = None
    return out


def date_from_filename(name: str) -> tuple[str, str] | None:
    """Find ``YYYY-MM-DD`` or ``YYYY-MM`` in a file name.

    Returns:
        ``(iso_date, precision)`` with precision ``day`` or ``month`` (the
        first of the month is used), or ``None`` when the name has no date.
    """
    match = _FILENAME_DATE.search(name)
    if not match:
        return None
    year, month, day = match.groups()
    if not 1 <= int(month) <= 12:
        return None
    if day:
        return f"{year}-{month}-{day}", "day"
    return f"{year}-{month}-01", "month"
