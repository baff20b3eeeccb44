"""Formatting of single values for the report's Markdown and figure labels:
percentages, months, citations and table cells."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

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

    Args:
        r: a row (named tuple) with ``outlet``, ``published_at``, ``url`` and
            optionally ``source_type``.
    """
    kind = getattr(r, "source_type", None)
    where = f"paraphrase by {r.outlet} of the linked post" if kind == "recap" else r.outlet
    return f"{where}, {pd.Timestamp(r.published_at):%Y-%m-%d}, <{r.url}>"


def without_recap_meta(text: str) -> str:
    """``text`` with each recap metadata bracket (:data:`RECAP_META`) replaced by
    the elision mark " […]", for quoting: "…DeepSeek ban (Score: 458, Comments:
    218): The image…" → "…DeepSeek ban […]: The image…"."""
    return RECAP_META.sub(" […]", text)


def _md_cell(text: Any) -> str:
    """``text`` safe inside a Markdown table cell: ``|`` escaped, newlines as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")
