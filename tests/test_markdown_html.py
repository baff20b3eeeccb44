"""Raw HTML in markdown sources is parsed as HTML, not kept as literal tags (real corpus files)."""

import re
from pathlib import Path

from pipeline.normalise import markdown_to_text, normalise_text

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"
TAG = re.compile(r"<\s*/?\s*(div|span|img|figure|!--)[^>]*>", re.IGNORECASE)


def _text(path: Path) -> str:
    return normalise_text(markdown_to_text(path.read_text(encoding="utf-8")))


def test_markdown_sources_keep_no_html_tags_and_keep_their_words():
    files = sorted(DEMO.rglob("*.md"))
    raw_tagged = [f for f in files if TAG.search(f.read_text(encoding="utf-8"))]
    assert len(raw_tagged) >= 30  # 37 today: Interconnects <div>s, White House <span>s and <!-- -->, Anthropic comments
    for f in raw_tagged:
        assert not TAG.search(_text(f)), f
    # the text inside the tags survives: a White House order's section heads were <span>-underlined
    order = next(DEMO.rglob("2026-06-05-national-security-presidential-memorandum*.md"))
    raw = order.read_text(encoding="utf-8")
    assert '<span style="text-decoration: underline">Section</span>' in raw
    assert "Section 1. Purpose." in _text(order)


def test_an_html_block_keeps_its_text_and_drops_comments():
    md = "Intro line.\n\n<!-- Content filtered: site navigation -->\n\n<div>\nkept words\n</div>\n\nEnd, a<b."
    assert normalise_text(markdown_to_text(md)) == "Intro line.\n\nkept words\n\nEnd, a<b."
