"""Re-runs without a re-fit: the kept fit, and when it may be kept.

The stage keeps its fit and every passage's topic in
``data/cache/topics/state.joblib`` (:func:`state_for`, :func:`save_state`).
When the passages are that fit's plus at most ``topics.refit_share`` more
(same settings, embedding model and code; no fitted passage changed or
left), the new passages join the fitted topics by embedding
(:func:`assign_to_fit`, assignment ``assigned``) and nothing is fitted:
topic keys, terms and labels stay, sizes, months and representatives are
recounted, and NPMI, diversity and the outlier shares in
``metrics/topics.json`` are the fit's. Otherwise, or with
``refit_share: 0``, the stage fits anew (:func:`refit_reason` says why).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.stage_cache import fingerprint
from pipeline.topics.data import NarrativeInput, fit_params
from pipeline.topics.keys import TopicSignature
from pipeline.topics.model import Fit

#: Version of the state's layout (:func:`state_for`); another version re-fits.
STATE_VERSION = 1


def _code_fingerprint() -> str:
    """sha256 over the code that shapes a fit and the assignments to it (the
    modules of the input, the size bounds, the neighbour graph, the model, c-TF-IDF, the
    quality figures, the keys, this module and the encoder of
    KeyBERTInspired; not the stage's wiring nor the tables) and the
    versions of the packages that fit."""
    import sys

    import pipeline.encoder
    from pipeline.topics import bounds, ctfidf, data, keys, knn, model, quality

    return fingerprint(modules=[data, bounds, knn, model, ctfidf, quality, keys, sys.modules[__name__],
                                pipeline.encoder],
                       packages=["bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "gensim"])


def text_shas(texts: Sequence[str]) -> list[str]:
    """sha256 (hex) of each text, UTF-8."""
    return [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]


def file_sha(path: Path) -> str | None:
    """sha256 (hex) of the file's bytes, ``None`` when it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def refit_reason(data: NarrativeInput, state: dict[str, Any] | None, params: dict[str, Any],
                 registry_sha256: str | None = None) -> str | None:
    """Why this run must fit anew, or ``None`` when the new passages can join
    the previous fit's topics (:func:`assign_to_fit`).

    A previous fit is kept while the settings, the embedding model and the
    code are the same, the key registry is the one the state was saved with
    (``registry_sha256``: sha256 of ``keys.json``; a checkout of another
    registry re-fits), every passage it holds is still there with the same
    text, and the passages added since the fit are at most
    ``topics.refit_share`` of those it was fitted on (0 always re-fits).
    The vectors are not compared: they follow from the texts and the model.
    """
    share = float(params.get("refit_share", 0.0))
    if share <= 0:
        return "refit_share is 0"
    if state is None:
        return "no previous fit in the cache"
    if state.get("version") != STATE_VERSION or state["params"] != fit_params(params) \
            or state["model"] != data.model or state["code"] != _code_fingerprint():
        return "settings, embedding model or code changed since the previous fit"
    if state.get("registry_sha256") != registry_sha256:
        return "the key registry is not the one saved with the previous fit"
    current = dict(zip(data.frame["passage_id"], text_shas(data.frame["text"].tolist())))
    old = state["passages"]
    gone = sum(current.get(pid) != sha for pid, sha in zip(old["passage_id"], old["text_sha256"]))
    if gone:
        return f"{gone} passages of the previous fit changed or left"
    added = len(current) - state["n_fitted"]
    if added > share * state["n_fitted"]:
        return f"{added} passages added since the fit, over refit_share {share:.0%} of {state['n_fitted']}"
    return None


def assign_to_fit(data: NarrativeInput, state: dict[str, Any], threshold: float) -> tuple[Fit, list[TopicSignature]]:
    """Keep the previous fit's topics and put each new passage in the topic
    whose fit-time centroid (mean passage vector, as in
    :func:`~pipeline.topics.model.signatures`) is most cosine-similar, if
    that similarity is at least ``threshold``
    (``topics.outliers.threshold``, the threshold of outlier reduction;
    applied whatever ``outliers.strategy``), else in the outliers.

    Passages already in ``state`` keep their topic, membership strength and
    assignment; new ones get ``assignment = 'assigned'`` (or ``outlier``)
    and strength 0. Topic terms and labels are the fit's; sizes and
    centroids are recounted over all passages (centroids as in
    :func:`~pipeline.topics.model.signatures`).

    Returns:
        ``(fit, signatures)`` as :func:`~pipeline.topics.model.fit_topics`
        and :func:`~pipeline.topics.model.signatures` would give them,
        ``fit.model`` being ``None``.

    Raises:
        KeyError: a passage of ``state`` is missing from ``data`` (call
            :func:`refit_reason` first).
    """
    old = state["passages"].set_index("passage_id")
    pids = data.frame["passage_id"]
    known = pids.isin(old.index).to_numpy()
    before = np.full(len(pids), -1, dtype=np.int64)
    topics = np.full(len(pids), -1, dtype=np.int64)
    probability = np.zeros(len(pids))
    assignment = np.full(len(pids), "outlier", dtype=object)
    rows = old.loc[pids[known]]
    before[known], topics[known] = rows["topic_before"].to_numpy(), rows["topic"].to_numpy()
    probability[known], assignment[known] = rows["probability"].to_numpy(), rows["assignment"].to_numpy()
    fit_sigs = state["signatures"]
    if (~known).any() and fit_sigs:
        centroids = np.stack([s.centroid for s in fit_sigs]).astype(np.float32)
        sims = data.embeddings[~known] @ centroids.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(best)), best] >= threshold
        ids = np.array([s.topic_id for s in fit_sigs])[best]
        topics[~known] = np.where(ok, ids, -1)
        assignment[~known] = np.where(ok, "assigned", "outlier")
    sigs = []
    for s in fit_sigs:
        mask = topics == s.topic_id
        centroid = data.embeddings[mask].mean(axis=0).astype(np.float64) if mask.any() else s.centroid.copy()
        centroid /= np.linalg.norm(centroid) or 1.0
        sigs.append(TopicSignature(s.topic_id, centroid, list(s.terms), int(mask.sum()), s.label))
    sigs.sort(key=lambda t: (-t.size, t.topic_id))
    return Fit(None, before, topics, probability, assignment, state["vectorizer"]), sigs


def load_state(path: Path | None) -> dict[str, Any] | None:
    """The previous run's topic state (joblib), or ``None`` when there is none
    or it cannot be read (then the stage re-fits)."""
    import joblib

    if path is None or not path.exists():
        return None
    try:
        return joblib.load(path)
    except Exception as exc:  # a corrupt or foreign file only costs a re-fit
        print(f"topics: ignoring unreadable state {path} ({exc})")
        return None


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state atomically (temporary file, then rename), and delete
    the temporary files of killed runs."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    joblib.dump(state, tmp)
    os.replace(tmp, path)
    for stale in path.parent.glob(f"{path.name}.tmp-*"):  # a killed run's
        stale.unlink(missing_ok=True)


def state_for(data: NarrativeInput, params: dict[str, Any], fit: Fit, *, fit_run_id: str,
              sigs: list[TopicSignature], keys: dict[int, str], quality: dict[str, Any],
              registry_sha256: str | None, kept: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state to save after a run, as :func:`refit_reason` and
    :func:`assign_to_fit` read it.

    Args:
        data: this run's passages.
        params: the ``topics`` params.
        fit: this run's fit, or the assignment to the kept one.
        fit_run_id: run id of the fit.
        sigs: the fit's topics (ignored when ``kept``: the kept fit's
            fit-time signatures stay).
        keys: ``topic_id → key`` of the fit.
        quality: the fit's figures (:func:`~pipeline.topics.quality.fit_quality`).
        registry_sha256: sha256 of the key registry as saved by this run.
        kept: the previous state when this run assigned passages to its fit
            (its signatures and fitted-passage count stay); ``None`` after a fit.

    Returns:
        ``version``, ``params``, ``model``, ``code``, ``fit_run_id``,
        ``n_fitted``, ``passages`` (a DataFrame: ``passage_id``,
        ``text_sha256``, ``topic_before``, ``topic``, ``probability``,
        ``assignment``), ``signatures``, ``keys``, ``vectorizer``,
        ``quality``, ``registry_sha256``.
    """
    return {
        "version": STATE_VERSION, "params": fit_params(params), "model": data.model,
        "code": _code_fingerprint(), "fit_run_id": fit_run_id,
        "n_fitted": int(kept["n_fitted"]) if kept is not None else len(data.frame),
        "passages": pd.DataFrame({"passage_id": data.frame["passage_id"].to_numpy(),
                                  "text_sha256": text_shas(data.frame["text"].tolist()),
                                  "topic_before": fit.topics_before, "topic": fit.topics,
                                  "probability": fit.probability, "assignment": fit.assignment}),
        "signatures": kept["signatures"] if kept is not None else sigs, "keys": keys,
        "vectorizer": fit.vectorizer, "quality": quality, "registry_sha256": registry_sha256}
