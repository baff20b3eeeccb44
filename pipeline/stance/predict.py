"""Stance predictions: the classifier's probabilities as table rows, and
the prediction of many rows that reuses the rows an earlier run of the same
fit predicted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.stage_cache import KeyedStore
from pipeline.stance.features import feature_frame


def prob_frame(ids: Sequence[str], classes: Sequence[str], probs: np.ndarray, labels: Sequence[str],
               id_col: str, model_version: str) -> pd.DataFrame:
    """Rows of ``stances``: id, argmax label, ``p_<label>`` for every label
    (rounded to 6 places; 0 for a label the model never saw), model version.

    Args:
        probs: ``(n, len(classes))`` from ``predict_proba``.
    """
    # a label without training examples gets probability 0
    P = np.zeros((len(probs), len(labels)))
    for i, lab in enumerate(labels):
        if lab in list(classes):
            P[:, i] = probs[:, list(classes).index(lab)]
    frame = pd.DataFrame({id_col: list(ids), "label": [labels[i] for i in P.argmax(axis=1)]})
    for i, lab in enumerate(labels):
        frame[f"p_{lab}"] = np.round(P[:, i], 6)
    frame["model_version"] = model_version
    return frame


def reorder(probs: np.ndarray, classes: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """``(n, len(classes))`` probabilities → ``(n, len(labels))`` in ``labels`` order (0 for a missing label)."""
    P = np.zeros((len(probs), len(labels)))
    for i, lab in enumerate(labels):
        if lab in list(classes):
            P[:, i] = probs[:, list(classes).index(lab)]
    return P


def decision_frame(ids: Sequence[str], P: np.ndarray, decided: np.ndarray, labels: Sequence[str], id_col: str,
                   model_version: str) -> pd.DataFrame:
    """Rows of ``stances`` / ``passage_stances`` as :func:`prob_frame`, but the
    label is the decision ``decided`` (label indices, e.g. with offsets,
    :func:`pipeline.stance.offsets.decide`) and ``P`` is already in
    ``labels`` order."""
    frame = pd.DataFrame({id_col: list(ids), "label": [labels[i] for i in decided]})
    for i, lab in enumerate(labels):
        frame[f"p_{lab}"] = np.round(P[:, i], 6)
    frame["model_version"] = model_version
    return frame


def write_long(con: Any, frame: pd.DataFrame, decisions: str, probabilities: str) -> None:
    """Insert a :func:`prob_frame` into its two tables: ``decisions`` gets
    ``(id, label, model_version)`` (then any other non-``p_`` columns, such as
    ``evidence_passage_id``) and ``probabilities`` the long form
    ``(id, label, p)``, one row per id and label in the order of the
    ``p_<label>`` columns, so the label set of ``params.yaml`` (not the
    schema) decides which labels there are. The warehouse pivots them back
    (``<decisions>_wide``, :func:`pipeline.publish.create_pivot_views`).
    """
    id_col = frame.columns[0]
    labels = [c[2:] for c in frame.columns if c.startswith("p_")]
    ids = frame[id_col].to_numpy()
    long = pd.DataFrame({id_col: np.repeat(ids, len(labels)),
                         "label": np.tile(np.asarray(labels, dtype=object), len(ids)),
                         "p": frame[[f"p_{lab}" for lab in labels]].to_numpy(dtype=np.float64).reshape(-1)})
    extra = [c for c in frame.columns if c not in (id_col, "label", "model_version") and not c.startswith("p_")]
    for table, rows in ((decisions, frame[[id_col, "label", "model_version", *extra]]), (probabilities, long)):
        con.register("frame", rows)
        try:   # by name: a table may have more (nullable) columns than the frame, e.g. stances.evidence_passage_id
            con.execute(f"INSERT INTO {table} ({', '.join(rows.columns)}) SELECT * FROM frame")
        finally:
            con.unregister("frame")


def predict_cached(clf: Any, X: np.ndarray, texts: Sequence[str], store: KeyedStore, fit_key: str) -> np.ndarray:
    """``clf.predict_proba`` of the rows ``(X[i], texts[i])``, reusing the
    rows that the same fit predicted in an earlier run.

    A row's key is sha256 of ``fit_key`` (the fit's content key), its text
    and its vector's float32 bytes; a row's probabilities do not depend on
    the other rows, so only new rows are predicted (the TF-IDF transform of
    every document took most of a re-run of the stage).

    Args:
        X: ``(n, d)`` embeddings; texts: the n texts.
        store: where predicted rows are kept (only this call's rows stay).

    Returns:
        ``(n, len(clf.classes_))`` float64 probabilities.
    """
    import hashlib

    salt = fit_key.encode()
    keys = [hashlib.sha256(salt + b"\0" + t.encode("utf-8", "surrogatepass") + b"\0" +
                           np.ascontiguousarray(x, dtype=np.float32).tobytes()).hexdigest() for x, t in zip(X, texts)]

    def predict(todo: list[int]) -> dict[int, tuple[float, ...]]:
        probs = clf.predict_proba(feature_frame(X[todo], [texts[i] for i in todo]))
        return {i: tuple(row.tolist()) for i, row in zip(todo, probs)}

    rows = store.fill(keys, predict)
    return np.array(rows, dtype=np.float64).reshape(len(keys), len(clf.classes_))


def with_out_of_fold(P: np.ndarray, ids: Sequence[str], labelled_ids: Sequence[Any], oof: np.ndarray,
                     rank: Sequence[int] | None = None) -> tuple[np.ndarray, int]:
    """``P`` with the rows of labelled passages replaced by their out-of-fold
    probabilities: the final passage model was fitted on those passages, so
    its own probabilities for them are in-sample (issue 18: a document whose
    stance rests on a training passage would be decided by its label).

    Args:
        P: ``(n, k)`` final-model probabilities of the passages ``ids``.
        labelled_ids: the passage label rows' ``passage_id`` (None/NaN where a
            label matched no passage), aligned with ``oof``.
        oof: ``(len(labelled_ids), k)`` outer out-of-fold probabilities
            (:class:`pipeline.stance.crossval.CVResult` ``passage_oof``), in
            the same label order as ``P``.
        rank: per label row, how closely it names its passage (smaller is closer: the index of its
            ``match`` in :data:`pipeline.label_match.MATCH_KINDS`, ``exact`` first); ``None``: all alike.

    Returns:
        ``(copy of P, rows replaced)``. A passage that several label rows name takes the row of the smallest
        ``rank``, the first of those on a tie: the label closest to its text (session-32 review: two passages
        labelled ``neutral`` verbatim took the rows of longer ``pro_china_tools`` and ``security_hawk``
        readings that merely overlap them). All such rows are in one source file, so one fold.

    Raises:
        ValueError: ``rank`` has another length than ``labelled_ids``, or a value that is not a number (NaN).
    """
    ranks = [int(r) for r in rank] if rank is not None else [0] * len(labelled_ids)  # NaN: ValueError
    if len(ranks) != len(labelled_ids):
        raise ValueError(f"rank has {len(ranks)} rows for {len(labelled_ids)} label rows")
    first: dict[str, int] = {}
    for i, p in enumerate(labelled_ids):
        if isinstance(p, str) and (p not in first or ranks[i] < ranks[first[p]]):
            first[p] = i
    hit = [(j, first[p]) for j, p in enumerate(ids) if p in first]
    out = np.array(P, dtype=np.float64, copy=True)
    if hit:
        rows, src = (np.array(v) for v in zip(*hit))
        out[rows] = oof[src]
    return out, len(hit)
