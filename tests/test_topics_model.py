"""The topic model's vocabulary (pipeline/topics/model.py), on real corpus text."""

from __future__ import annotations

from pipeline.config import DEMO_CORPUS_DIR
from pipeline.topics.model import EXTRA_STOP_WORDS, topic_label, topic_vectorizer


def test_topic_vectorizer_drops_handles_numbers_and_url_debris():
    """Words and 2-grams of real essays; no pseudonymised handle, bare
    number, stop word or URL debris is a term."""
    essays = [f.read_text(encoding="utf-8") for f in sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:6]]
    noise = " user_0a1b2c3d4e posted 2024 https www example com rt amp"
    vocab = set(topic_vectorizer({"min_df": 1}).fit([e + noise for e in essays]).get_feature_names_out())
    words = {t for t in vocab if " " not in t}
    assert len(words) > 500 and any(" " in t for t in vocab)
    assert "posted" in vocab and "example" in vocab
    assert not any(t.startswith("user_") for t in vocab)
    assert not any(w.isdigit() for w in words)
    assert not words & set(EXTRA_STOP_WORDS) and not words & {"the", "and", "of"}
    # max_df drops the words of every document (the injected ones)
    capped = topic_vectorizer({"min_df": 1, "max_df": 0.99}).fit([e + noise for e in essays])
    assert "posted" not in set(capped.get_feature_names_out())


def test_topic_label_keeps_no_word_twice():
    """Representation words of three topics of the demo corpus's fit (KeyBERTInspired + MMR, build of
    8df1353): a term an earlier pick holds, singular or plural, is no second label word."""
    research = ["deep research", "deep", "malicious", "does", "scammers", "believe", "interesting"]
    assert topic_label(research) == "deep research, malicious, does, scammers"
    bench = ["deepep", "deep research", "benchmark", "benchmarks", "deep", "performance", "source version"]
    assert topic_label(bench) == "deepep, deep research, benchmark, performance"
    leaders = ["ai leadership", "leadership ai", "ai risks", "ai development", "ai driven"]
    assert topic_label(leaders) == "ai leadership, ai risks, ai development, ai driven"
    # a later term that holds an earlier one takes its place, until n words are picked
    assert topic_label(["deep", "class", "deep research", "research"]) == "deep research, class"
    assert topic_label(["deep", "class", "deep research"], n=2) == "deep, class"
    assert topic_label(["chats", "chat", "chat"]) == "chats"
    assert topic_label([]) == ""
