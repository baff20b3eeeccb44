"""Formatting of single values for the report's Markdown and figure labels:
percentages, months, citations and table cells."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: A tweet's URL: the post a recap line of a tweet links and is dated by.
_TWEET_URL = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/")
#: An AINews issue page: a recap line that links no post of its own cites it.
_ISSUE_URL = re.compile(r"https?://news\.smol\.ai/issues/")
#: The recap's own metadata after a Reddit title in AINews recaps: "(Score: 214, Comments: 84)",
#: "(Activity: 713)". It is the recap's count, not the author's words.
RECAP_META = re.compile(r"\s*\((?:Score|Activity):[^()]{0,40}\)")


def _month_label(d: Any) -> str:
    """``YYYY-MM`` of a date, timestamp or date string."""
    return pd.Timestamp(d).strftime("%Y-%m")


def month_heading(d: Any, last: Any) -> str:
    """``YYYY-MM`` of a month, with " (to MM-DD)" when it is the month of
    ``last`` (the corpus's latest ``published_at``) and the corpus ends
    before the month does: a partial month's share is of fewer days."""
    month, last_day = pd.Timestamp(d), pd.Timestamp(last)
    partial = (month.year, month.month) == (last_day.year, last_day.month) and last_day.day < last_day.days_in_month
    return _month_label(month) + (f" (to {last_day:%m-%d})" if partial else "")


def _pct(x: float) -> str:
    """A share 0–1 as a percentage with one decimal: ``0.1234 → "12.3 %"``."""
    return f"{100 * x:.1f} %"


def acc_cell(share: float, lo: float, hi: float) -> str:
    """An ACC share with its 95 % bootstrap interval, ``"1.4 % (0.0–2.9)"``; a share whose solve was
    clipped at 0 in every replicate (share and upper bound 0) says so instead of printing "(0.0–0.0)",
    which would read as a certain zero (session-26 review: `off_topic` over the 7,696 unlabelled
    documents, where the relevance query's precision is 0.70)."""
    if share == 0 and hi == 0:
        return f"{_pct(share)} (clipped at 0 in every replicate: no interval)"
    return f"{_pct(share)} ({100 * lo:.1f}–{100 * hi:.1f})"


def recap_source(outlet: str, url: str) -> tuple[str, str]:
    """How a recap line is cited: ``(where, when)``, the words before the date
    and the date's prefix (:func:`_cite`).

    A recap line of a tweet paraphrases the tweet and is dated by it
    (``tweet_times``); a line of a Reddit thread is dated only by the recap
    issue that carried it (``issue_date``, ``corpora/sources.yaml``), so its
    date reads "recapped DATE": the post is at most that old, and a post
    recapped by two issues is cited with two such dates; a line that cites
    its issue page (``news.smol.ai/issues/…``: it links no post, or the posts
    of several accounts, ``corpora/sources.yaml``) is the issue's own text,
    dated by the issue.
    """
    if _ISSUE_URL.match(url):
        return f"paraphrase by {outlet} in its recap issue", ""
    if _TWEET_URL.match(url):
        return f"paraphrase by {outlet} of the linked post", ""
    return f"paraphrase by {outlet} of the linked post", "recapped "


def cited_day(published_at: Any, window_end: Any = None) -> str:
    """The day a citation gives: ``YYYY-MM-DD``, or for a public comment dated
    only by its docket's comment window (``window_end`` not null: view
    ``report_window_ends``; its ``published_at`` is the window's first day)
    "comment window 2024-02-26 to 2024-03-27" (session-27 review: five NTIA
    comments were cited as posted on 2024-02-26)."""
    day = f"{pd.Timestamp(published_at):%Y-%m-%d}"
    if window_end is None or pd.isna(window_end):
        return day
    return f"comment window {day} to {pd.Timestamp(window_end):%Y-%m-%d}"


def _cite(r: Any) -> str:
    """``outlet, date, <url>``; a recap line as :func:`recap_source` says.

    The day is :func:`cited_day`'s: a comment dated only by its docket's
    window gives the window, not a day.

    Args:
        r: a row (named tuple) with ``outlet``, ``published_at``, ``url`` and
            optionally ``source_type`` and ``window_end``.
    """
    day = cited_day(r.published_at, getattr(r, "window_end", None))
    if getattr(r, "source_type", None) != "recap":
        return f"{r.outlet}, {day}, <{r.url}>"
    where, when = recap_source(r.outlet, str(r.url))
    return f"{where}, {when}{day}, <{r.url}>"


def cut_words(text: str, limit: int) -> str:
    """``text`` whole when it has at most ``limit`` characters, else its first ``limit`` cut back to the last
    whole word, with " …" after it."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def excerpt(text: Any, limit: int, *, mark_within: bool = False) -> str:
    """``text`` on one line (whitespace collapsed), each recap metadata bracket
    elided (:func:`without_recap_meta`), cut at a word by :func:`cut_words`.

    ``mark_within``: the result, " …" included, has at most ``limit``
    characters (CSV cells, chart tooltips); otherwise " …" follows the first
    ``limit`` characters (the report's excerpts).
    """
    flat = without_recap_meta(" ".join(str(text).split()))
    return flat if len(flat) <= limit else cut_words(flat, limit - 2 if mark_within else limit)


def without_recap_meta(text: str) -> str:
    """``text`` with each recap metadata bracket (:data:`RECAP_META`) replaced by
    the elision mark " […]", for quoting: "…DeepSeek ban (Score: 458, Comments:
    218): The image…" → "…DeepSeek ban […]: The image…"."""
    return RECAP_META.sub(" […]", text)


def _md_cell(text: Any) -> str:
    """``text`` safe inside a Markdown table cell: ``|`` escaped, newlines as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")
