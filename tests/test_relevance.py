"""The relevance query from params.yaml on real texts from the corpus."""

from __future__ import annotations

import json
import re
import sys

import pytest

from pipeline.config import load_params
from pipeline.relevance import CASE_EXCEPTIONS, RelevanceQuery
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def query() -> RelevanceQuery:
    return RelevanceQuery.from_params(load_params("relevance"))


def _technews(title_part: str) -> str:
    for line in (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if title_part in row["title"]:
            return row["title"] + "\n" + row["body"]
    raise LookupError(title_part)


def test_debate_article_is_relevant_and_explained(query):
    score, terms = query.score(_technews("A new Chinese AI model claims to outperform GPT-5"))
    assert score == 1.0 and {"chinese", "open source", "kimi"} <= set(terms)


def test_open_source_alone_is_not_the_debate(query):
    score, terms = query.score("10 open-source Windows apps I can't live without - and they're all free")
    assert terms == ["open source"] and score == 0.3 and score < query.threshold


def test_phrase_matching_rules(query):
    assert query.score("Export controls on chips")[1] == ["export control*", "chip*"]
    assert query.score("open-weight models")[1] == ["open weight*"]
    assert query.score("open models from Beijing")[1] == ["beijing", "open model*"]
    assert query.score("deepseeking") == (0.0, [])


@pytest.mark.parametrize("bad,message", [({"terms": {}}, "empty"), ({"terms": {"x": "high"}}, "number"),
                                         ({"terms": {"x": 1}, "threshold": 0}, "threshold")])
def test_bad_query_params_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        RelevanceQuery.from_params(bad)


def test_case_exceptions_are_every_character_lowercasing_misses():
    """Every non-ASCII character that ``re.IGNORECASE`` equates with an ASCII
    letter or digit either lower-cases to that character or is listed in
    ``CASE_EXCEPTIONS`` (the anchored fast path relies on it)."""
    ascii_class = re.compile("[a-z0-9]", re.IGNORECASE)
    missed = []
    for code in range(128, sys.maxunicode + 1):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF or not ascii_class.fullmatch(c):
            continue
        if not (len(c.lower()) == 1 and c.lower().isascii()) and c not in CASE_EXCEPTIONS:
            missed.append(f"U+{code:04X}")
    assert missed == []


def test_anchored_matching_equals_searching_on_the_corpus(query):
    """The fast path (anchored at the first word's offsets) gives what a
    plain search of every pattern gives: on every text of the technews and
    tweet export (its lines), and on texts with the case exceptions, Turkish and
    Kelvin letters, CJK and right-to-left scripts."""
    plain = RelevanceQuery(query.terms, query.threshold)
    assert plain.needles == () and query.needles
    texts = [json.loads(line)["body"] for line in
             (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += (DEMO / "social/x_posts_deepseek_2025-02-03.csv").read_text(encoding="utf-8").splitlines()
    texts += ["DEEP\u017fEEK and Kimi", "\u0130stanbul CH\u0130NA open-source", "\u0131n China",
              "\u212aimi from Beijing", "\u0130\u0130 deepseek", "\u6df1\u5ea6\u6c42\u7d22 DeepSeek \u4e2d\u56fd China",
              "\u05d3\u05d9\u05e4\u05e1\u05d9\u05e7 Qwen3 open\u2011weight export\u00a0controls"]
    scored = [query.score(t) for t in texts]
    assert scored == [plain.score(t) for t in texts]
    assert sum(1 for s, _ in scored if s >= query.threshold) > 50
