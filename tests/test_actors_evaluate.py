"""Quote evaluation against the hand-labelled gold set
(:mod:`pipeline.actors.evaluate`, issue 6)."""

from __future__ import annotations

from pipeline.actors.evaluate import GOLD_FILE, evaluate_quotes, norm, overlap, read_gold, same_actor
from pipeline.config import CORPORA_DIR

GOLD = CORPORA_DIR / "labels" / "quotes_v1.jsonl"


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


def test_span_and_actor_matching_on_a_gold_quote():
    """The matching helpers on a real gold quote: curly quotes, case, edge
    punctuation and spaces do not matter to :func:`norm`; :func:`overlap` is
    over the shorter text; ``other:`` speakers match by their last word."""
    gold, _ = read_gold(GOLD)
    text = next(q["quote_text"] for q in gold if len(q["quote_text"].split()) >= 8 and "'" not in q["quote_text"])
    assert GOLD_FILE == GOLD
    assert norm(f"“{text.upper()}  ,”") == norm(text)
    half = " ".join(text.split()[: len(text.split()) // 2])
    assert overlap(half, text) == 1.0 and overlap(text, "") == 0.0
    assert overlap("We will not let them", "they will not let us win") == 0.6  # will, not, let of 5
    assert same_actor("DeepSeek", "deepseek") and not same_actor("DeepSeek", "Alibaba")
    assert same_actor("other:Dr. Sarah Hooker", "other:Sarah Hooker")
    assert not same_actor("other:Sarah Hooker", "Sarah Hooker") and not same_actor("other:Hooker", "other:Sarah Hooker")
