"""Formatting of single values for the report's Markdown and figure labels:
percentages, months, citations and table cells."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: A tweet's URL: the post a recap line of a tweet links and is dated by.
_TWEET_URL = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/")
#: The recap's own metadata after a Reddit title in AINews recaps: "(Score: 214, Comments: 84)",
#: "(Activity: 713)". It is the recap's count, not the author's words.
RECAP_META = re.compile(r"\s*\((?:Score|Activity):[^()]{0,40}\)")


def _month_label(d: Any) -> str:
    """``YYYY-MM`` of a date, timestamp or date string."""
    return pd.Timestamp(d).strftime("%Y-%m")


def _pct(x: float) -> str:
    """A share 0–1 as a percentage with one decimal: ``0.1234 → "12.3 %"``."""
    return f"{100 * x:.1f} %"


def _cite(r: Any) -> str:
    """``outlet, date, <url>``; a recap line is AINews's paraphrase of the linked post.

    A recap line of a tweet is dated by the tweet (``tweet_times``); any other
    recap line (a Reddit thread, an issue page) only by the recap issue that
    carried it (``issue_date``, ``corpora/sources.yaml``), so its date reads
    "recapped DATE": the post is at most that old, and a post recapped by two
    issues is cited with two such dates.

    Args:
        r: a row (named tuple) with ``outlet``, ``published_at``, ``url`` and
            optionally ``source_type``.
    """
    day = f"{pd.Timestamp(r.published_at):%Y-%m-%d}"
    if getattr(r, "source_type", None) != "recap":
        return f"{r.outlet}, {day}, <{r.url}>"
    when = day if _TWEET_URL.match(str(r.url)) else f"recapped {day}"
    return f"paraphrase by {r.outlet} of the linked post, {when}, <{r.url}>"


def without_recap_meta(text: str) -> str:
    """``text`` with each recap metadata bracket (:data:`RECAP_META`) replaced by
    the elision mark " […]", for quoting: "…DeepSeek ban (Score: 458, Comments:
    218): The image…" → "…DeepSeek ban […]: The image…"."""
    return RECAP_META.sub(" […]", text)


def _md_cell(text: Any) -> str:
    """``text`` safe inside a Markdown table cell: ``|`` escaped, newlines as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")
