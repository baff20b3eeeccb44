"""The relevance query from params.yaml on real texts from the corpus."""

from __future__ import annotations

import json

import pytest

from pipeline.config import load_params
from pipeline.relevance import RelevanceQuery
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def query() -> RelevanceQuery:
    return RelevanceQuery.from_params(load_params("clean")["relevance"])


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
