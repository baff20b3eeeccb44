"""Re-runs that keep the fit (pipeline/topics/incremental.py): the saved
state, when it may be kept, and how new passages join it, on real corpus text
with TF-IDF vectors standing in for sentence embeddings."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from pipeline.config import DEMO_CORPUS_DIR
from pipeline.topics.data import NarrativeInput, run_id_for
from pipeline.topics.incremental import (
    assign_to_fit,
    file_sha,
    load_state,
    refit_reason,
    save_state,
    state_for,
    text_shas,
)
from pipeline.topics.keys import TopicSignature
from pipeline.topics.model import Fit

PARAMS = {"seed": 1, "refit_share": 0.05, "outliers": {"threshold": 0.2}}


def _narratives() -> NarrativeInput:
    """Paragraphs of the shipped markdown essays as passages (``<essay>-<n>``),
    with unit-norm TF-IDF vectors."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    files = sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:12]
    rows = [(f"d{i:02d}-{j:03d}", f"d{i:02d}", p) for i, f in enumerate(files)
            for j, p in enumerate(f.read_text(encoding="utf-8").split("\n\n")) if len(p.split()) >= 8]
    frame = pd.DataFrame(rows, columns=["passage_id", "doc_id", "text"])
    X = TfidfVectorizer(min_df=2).fit_transform(frame["text"]).toarray().astype(np.float32)
    keep = np.linalg.norm(X, axis=1) > 0
    X = X[keep] / np.linalg.norm(X[keep], axis=1, keepdims=True)
    frame = frame[keep].reset_index(drop=True)
    frame["month"], frame["source"] = None, "essays"
    return NarrativeInput(frame, X, "tfidf")


def _subset(data: NarrativeInput, keep: np.ndarray) -> NarrativeInput:
    return NarrativeInput(data.frame[keep].reset_index(drop=True), data.embeddings[keep], data.model)


def _held_out(data: NarrativeInput) -> np.ndarray:
    """Every 25th passage: the passages added after the fit (18 of 453)."""
    return np.arange(len(data.frame)) % 25 == 3


def _fit(data: NarrativeInput) -> tuple[Fit, list[TopicSignature]]:
    """A stand-in fit: each essay of the first three is a topic, the rest outliers."""
    essay = data.frame["doc_id"].str[1:].astype(int).to_numpy()
    topics = np.where(essay < 3, essay, -1)
    sigs = []
    for t in range(3):
        c = data.embeddings[topics == t].mean(axis=0).astype(np.float64)
        sigs.append(TopicSignature(t, c / np.linalg.norm(c), [f"term{t}"], int((topics == t).sum()), f"t{t}"))
    assignment = np.where(topics == -1, "outlier", "cluster").astype(object)
    return Fit(None, topics, topics.copy(), np.where(topics == -1, 0.0, 0.9), assignment, None), sigs


def test_new_passages_join_the_kept_fit_by_nearest_centroid():
    data = _narratives()
    new = _held_out(data)
    first = _subset(data, ~new)
    n_fit = len(first.frame)
    fit, sigs = _fit(first)
    state = state_for(first, PARAMS, fit, fit_run_id=run_id_for(first, PARAMS), sigs=sigs,
                      keys={0: "N-01", 1: "N-02", 2: "N-03"}, quality={"npmi": 0.1}, registry_sha256="r")
    assert state["n_fitted"] == n_fit and state["passages"]["text_sha256"].tolist() == text_shas(first.frame["text"])
    assert refit_reason(data, state, PARAMS, "r") is None
    new_fit, new_sigs = assign_to_fit(data, state, PARAMS["outliers"]["threshold"])
    # fitted passages keep their topic, strength and assignment
    np.testing.assert_array_equal(new_fit.topics[~new], fit.topics)
    np.testing.assert_array_equal(new_fit.probability[~new], fit.probability)
    assert list(new_fit.assignment[~new]) == list(fit.assignment)
    # new ones go to the most similar fit centroid at or above the threshold
    assert {"assigned", "outlier"} == set(new_fit.assignment[new])
    centroids = np.stack([s.centroid for s in sigs])
    for i in np.flatnonzero(new):
        sims = centroids @ data.embeddings[i]
        if new_fit.assignment[i] == "assigned":
            assert new_fit.topics[i] == int(sims.argmax()) and sims.max() >= PARAMS["outliers"]["threshold"] - 1e-6
        else:
            assert new_fit.assignment[i] == "outlier" and new_fit.topics[i] == -1
            assert sims.max() < PARAMS["outliers"]["threshold"] + 1e-6
        assert new_fit.probability[i] == 0
    # sizes recounted, terms and labels the fit's, largest first
    assert sum(s.size for s in new_sigs) == int((new_fit.topics != -1).sum())
    assert {s.topic_id: (s.terms, s.label) for s in new_sigs} == {s.topic_id: (s.terms, s.label) for s in sigs}
    assert [s.size for s in new_sigs] == sorted((s.size for s in new_sigs), reverse=True)
    # the state saved after the assignment keeps the fit's signatures and count
    kept = state_for(data, PARAMS, new_fit, fit_run_id=state["fit_run_id"], sigs=new_sigs, keys=state["keys"],
                     quality=state["quality"], registry_sha256="r", kept=state)
    assert kept["n_fitted"] == n_fit and kept["signatures"] is state["signatures"]
    assert len(kept["passages"]) == len(data.frame)


def test_refit_reasons():
    data = _narratives()
    first = _subset(data, ~_held_out(data))
    fit, sigs = _fit(first)
    state = state_for(first, PARAMS, fit, fit_run_id="x", sigs=sigs, keys={}, quality={}, registry_sha256="r")
    assert refit_reason(data, state, {**PARAMS, "refit_share": 0}) == "refit_share is 0"
    assert refit_reason(data, None, PARAMS) == "no previous fit in the cache"
    assert "settings" in refit_reason(data, state, {**PARAMS, "seed": 2}, "r")
    assert "settings" in refit_reason(NarrativeInput(data.frame, data.embeddings, "other"), state, PARAMS, "r")
    assert "settings" in refit_reason(data, {**state, "code": "old"}, PARAMS, "r")
    assert "registry" in refit_reason(data, state, PARAMS, "another")
    assert "over refit_share" in refit_reason(data, state, {**PARAMS, "refit_share": 0.001}, "r")
    changed = NarrativeInput(data.frame.copy(), data.embeddings, data.model)
    changed.frame.loc[4, "text"] += " changed"
    assert refit_reason(changed, state, PARAMS, "r") == "1 passages of the previous fit changed or left"
    gone = np.ones(len(data.frame), dtype=bool)
    gone[[4, 5]] = False
    assert refit_reason(_subset(data, gone), state, PARAMS, "r") == "2 passages of the previous fit changed or left"
    # a new passage is no change
    assert refit_reason(data, state, PARAMS, "r") is None
    # refit_share does not name a run; the other params and the texts do
    assert run_id_for(data, PARAMS) == run_id_for(data, {**PARAMS, "refit_share": 0.5})
    assert run_id_for(data, PARAMS) != run_id_for(data, {**PARAMS, "seed": 2})
    assert run_id_for(data, PARAMS) != run_id_for(changed, PARAMS)


def test_state_file_round_trip_and_unreadable_state(tmp_path, capsys):
    data = _narratives()
    fit, sigs = _fit(data)
    state = state_for(data, PARAMS, fit, fit_run_id="x", sigs=sigs, keys={0: "N-01"}, quality={},
                      registry_sha256=None)
    path = tmp_path / "topics" / "state.joblib"
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / "state.joblib.tmp-1").write_bytes(b"killed run")
    save_state(path, state)
    assert [p.name for p in path.parent.iterdir()] == ["state.joblib"]
    back = load_state(path)
    pd.testing.assert_frame_equal(back["passages"], state["passages"])
    assert back["keys"] == {0: "N-01"} and back["code"] == state["code"]
    assert refit_reason(data, back, PARAMS, None) is None
    assert load_state(None) is None and load_state(tmp_path / "none.joblib") is None
    path.write_bytes(b"not a joblib file")
    assert load_state(path) is None and "ignoring unreadable state" in capsys.readouterr().out
    assert file_sha(tmp_path / "none.json") is None
    assert file_sha(path) == hashlib.sha256(b"not a joblib file").hexdigest()


@pytest.mark.parametrize("text", ["naïve café", "emoji 🙂", ""])
def test_text_shas_are_sha256_of_utf8(text):
    assert text_shas([text]) == [hashlib.sha256(text.encode("utf-8")).hexdigest()]
