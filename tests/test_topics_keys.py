"""Key registry rules: match one-to-one, new keys for new topics, retired keys never reused."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.topics.keys import KeyRegistry, TopicSignature, assign_keys, jaccard


def _unit(rng, d=16):
    v = rng.normal(size=d)
    return v / np.linalg.norm(v)


def _sig(topic_id, centroid, terms, size=10):
    return TopicSignature(topic_id, centroid, terms, size, " ".join(terms[:2]))


def test_keys_follow_topics_whose_ids_change(tmp_path):
    rng = np.random.default_rng(0)
    a, b, c = _unit(rng), _unit(rng), _unit(rng)
    reg = KeyRegistry()
    first = assign_keys([_sig(0, a, ["export", "chips"], 30), _sig(1, b, ["cheap", "cost"], 20)], reg, "run1",
                        threshold=0.5, centroid_weight=0.7)
    assert first == {0: "N-01", 1: "N-02"}
    reg.save(tmp_path / "keys.json")
    reg = KeyRegistry.load(tmp_path / "keys.json")
    # next run: ids swapped, topic a drifted a little, a new topic c appears
    drifted = a + 0.1 * _unit(rng)
    second = assign_keys([_sig(0, b, ["cheap", "cost"]),
                          _sig(1, drifted / np.linalg.norm(drifted), ["export", "chips"]),
                          _sig(2, c, ["distillation", "theft"])], reg, "run2", threshold=0.5, centroid_weight=0.7)
    assert second == {0: "N-02", 1: "N-01", 2: "N-03"}
    events = [(e["run_id"], e["key"], e["event"]) for e in reg.history]
    assert ("run2", "N-03", "created") in events and ("run2", "N-01", "matched") in events


def test_retired_keys_are_recorded_and_never_reused():
    rng = np.random.default_rng(1)
    a, b, c = _unit(rng), _unit(rng), _unit(rng)
    reg = KeyRegistry()
    assign_keys([_sig(0, a, ["x"]), _sig(1, b, ["y"])], reg, "r1", threshold=0.5, centroid_weight=0.7)
    # topic b disappears; an unrelated topic c appears
    out = assign_keys([_sig(0, a, ["x"]), _sig(1, c, ["z"])], reg, "r2", threshold=0.5, centroid_weight=0.7)
    assert out == {0: "N-01", 1: "N-03"}
    assert reg.keys["N-02"]["status"] == "retired" and reg.keys["N-02"]["retired_run"] == "r2"
    # b comes back: it is a new narrative key, N-02 stays retired
    out = assign_keys([_sig(0, a, ["x"]), _sig(1, c, ["z"]), _sig(2, b, ["y"])], reg, "r3",
                      threshold=0.5, centroid_weight=0.7)
    assert out[2] == "N-04" and reg.keys["N-02"]["status"] == "retired"


def test_rerunning_the_same_run_adds_no_events():
    rng = np.random.default_rng(2)
    sigs = [_sig(0, _unit(rng), ["a"]), _sig(1, _unit(rng), ["b"])]
    reg = KeyRegistry()
    first = assign_keys(sigs, reg, "same", threshold=0.5, centroid_weight=0.7)
    n = len(reg.history)
    again = assign_keys(sigs, reg, "same", threshold=0.5, centroid_weight=0.7)
    assert again == first and len(reg.history) == n


def test_bad_registry_names_the_file(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text("{}")
    with pytest.raises(ValueError, match="keys.json"):
        KeyRegistry.load(path)


def test_jaccard():
    assert jaccard(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert jaccard([], []) == 0.0
