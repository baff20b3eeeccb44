"""Actor registry, entity ruler, quote attribution and its evaluation
(issue 6) on real corpus texts and the hand-labelled quote gold set. The
stage itself (tables, views, metrics) is checked in ``test_e2e.py``."""

from __future__ import annotations

import json

import pytest

from pipeline.actors.quotes import QuoteFinder, evaluate_quotes, load_actors, load_nlp, read_gold
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
    # case-sensitive aliases: the lab, not the adjective
    doc = finder.nlp("It is fair to say the moonshot failed, FAIR said, and Ascend chips ascend.")
    assert [(e.text, e.ent_id_) for e in doc.ents if e.ent_id_] == [("FAIR", "Meta"), ("Ascend", "Huawei")]


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


def test_evaluation_counts_exact_partial_and_attribution_on_gold_quotes():
    """Predictions built from one gold document's own quotes: one exact and
    right, one cut to its first half (partial only), one with the wrong actor,
    one spurious; the rest missed."""
    gold, docs = read_gold(GOLD)
    doc = next(d for d in docs if d["n_quotes"] >= 4)
    key = (doc["source"], doc["native_id"])
    mine = [q for q in gold if (q["source"], q["native_id"]) == key]
    words = mine[1]["quote_text"].split()
    predicted = {key: [(mine[0]["quote_text"], mine[0]["actor"]),
                       (" ".join(words[: (len(words) + 1) // 2 + 1]), mine[1]["actor"]),
                       (mine[2]["quote_text"], "other:Nobody In Particular"),
                       ("a sentence nobody said about anything", "DeepSeek")]}
    r = evaluate_quotes(predicted, gold, [doc])
    assert (r["gold_quotes"], r["predicted_quotes"]) == (len(mine), 4)
    assert r["span_partial"]["precision"] == 0.75 and r["span_partial"]["recall"] == round(3 / len(mine), 3)
    exact = 1 + (mine[1]["quote_text"].split() == words[: (len(words) + 1) // 2 + 1])
    assert r["span_exact"]["precision"] == round((exact + 1) / 4, 3)
    assert r["attribution_partial_span"]["precision"] == 0.5
    assert r["attribution_exact_span"]["precision"] == round(exact / 4, 3)
