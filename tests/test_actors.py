"""Actor registry, entity ruler and quote attribution (issue 6, work in
progress) on real corpus texts and the hand-labelled quote gold set."""

from __future__ import annotations

import json

import pytest

from pipeline.actors import QuoteFinder, load_actors, load_nlp
from pipeline.config import CORPORA_DIR, ConfigError
from tests.conftest import DEMO

GOLD = CORPORA_DIR / "labels" / "quotes_v1.jsonl"
HUAWEI = "https://techcrunch.com/2025/09/18/huawei-announces-new-ai-infrastructure-as-nvidia-gets-locked-out-of-china/"


@pytest.fixture(scope="module")
def finder() -> QuoteFinder:
    actors = load_actors()
    return QuoteFinder(load_nlp(actors=actors), actors)


def _technews(url: str) -> str:
    for line in (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["source_url"] == url:
            return record["body"]
    raise KeyError(url)


def test_registry_is_consistent_and_conflicts_are_named(tmp_path):
    actors = load_actors()
    names = {a.actor for a in actors}
    assert {"DeepSeek", "Alibaba", "Moonshot AI", "Nvidia", "Huawei", "BIS", "CSET", "Hugging Face"} <= names
    assert all(a.org in names for a in actors if a.org)
    bad = tmp_path / "actors.yaml"
    bad.write_text("actors:\n  - {actor: A, kind: lab, aliases: [Qwen]}\n  - {actor: B, kind: lab, aliases: [qwen]}\n")
    with pytest.raises(ConfigError, match=r"actors\[2\] \(B\): alias 'qwen' already belongs to A"):
        load_actors(bad)
    bad.write_text("actors:\n  - {actor: A, kind: planet, aliases: []}\n")
    with pytest.raises(ConfigError, match="unknown kind 'planet'"):
        load_actors(bad)


def test_ruler_makes_nvidia_and_huawei_organisations_with_canonical_ids(finder):
    doc = finder.nlp(_technews(HUAWEI))
    found = {(e.text, e.label_, e.ent_id_) for e in doc.ents if e.ent_id_}
    assert ("Huawei", "ORG", "Huawei") in found and ("Nvidia", "ORG", "Nvidia") in found
    assert ("Ascend", "ORG", "Huawei") in found  # a product is an alias of its maker
    assert ("nvidia", "ORG", "Nvidia") in found  # case-insensitive


def test_aliases_of_one_actor_share_one_canonical_name(finder):
    doc = finder.nlp("deepseek-ai released weights. DeepSeek AI said so, and DeepSeek-V3 followed Qwen3 and Kimi K2.")
    ids = [e.ent_id_ for e in doc.ents]
    assert ids.count("DeepSeek") == 3 and "Alibaba" in ids and "Moonshot AI" in ids


def test_quote_cues_on_real_sentences(finder):
    text = ('"We are not going to let China win," said Commerce Secretary Howard Lutnick on Tuesday. '
            "Nvidia CEO Jensen Huang warned that export controls had failed. "
            "According to DeepSeek, the model cost $6 million to train. He added: \"This is a Sputnik moment.\"")
    quotes = finder.find(text)
    assert [(q.cue, q.speaker_actor) for q in quotes] == [
        ("said_direct", "Howard Lutnick"), ("reported", "Jensen Huang"), ("according_to", "DeepSeek"),
        ("colon_direct", "Jensen Huang")]  # "He" is the last person named before it
    for q in quotes:
        assert text[q.start_char:q.end_char] == q.quote_text


def test_transcript_turns_become_quotes(finder):
    text = ("MS. LEAVITT: Good afternoon, everyone.\n\nQ: What about DeepSeek?\n\n"
            "SECRETARY LUTNICK: We will not let them use our chips.\n\nQ: Thank you.")
    quotes = finder.find(text)
    assert [(q.speaker, q.cue) for q in quotes][:3] == [("MS. LEAVITT", "transcript"), ("Q", "transcript"),
                                                       ("SECRETARY LUTNICK", "transcript")]
    assert quotes[2].speaker_actor == "Howard Lutnick"


def test_direct_quotes_of_the_gold_set_are_found_in_their_articles(finder):
    """A floor on real news: most gold direct quotes of non-reserved articles
    are found with an overlapping span (the full figures are in
    ``benchmarks/quotes_eval.py``)."""
    gold = [json.loads(x) for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]
    news = [q for q in gold if q["source"] == "demo/jsonl/technews_articles.jsonl" and q["cue"] == "said_direct"]
    assert len(news) >= 15
    found = 0
    for q in news:
        predicted = finder.find(_technews(q["native_id"]))
        words = set(q["quote_text"].lower().split())
        found += any(len(words & set(p.quote_text.lower().split())) >= len(words) / 2 for p in predicted)
    assert found / len(news) >= 0.5, f"{found} of {len(news)}"  # about 0.6 at the first commit
