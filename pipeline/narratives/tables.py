"""The tables of ``data/stages/narratives.duckdb`` (schema:
``pipeline/sql/narratives/001_init.sql``), written from the stage's arrays.

Passage decisions are ``p >= threshold`` of each narrative; document rows,
evidence and monthly counts are derived from them in SQL, so every count can
be traced back to passage rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def _insert(con: Any, table: str, frame: pd.DataFrame) -> None:
    con.register("frame", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT {', '.join(frame.columns)} FROM frame")
    finally:
        con.unregister("frame")


def write_taxonomy(con: Any, taxonomy: Any, modes: dict[str, str], thresholds: dict[str, float | None],
                   positives: dict[str, int]) -> None:
    """Table ``narrative_taxonomy``: one row per narrative of ``taxonomy``
    (:class:`pipeline.narratives.taxonomy.Taxonomy`) in file order."""
    rows = [{"narrative": n.key, "position": i, "claim": n.claim, "side": n.side, "catch_all": n.catch_all,
             "mode": modes[n.key], "threshold": thresholds.get(n.key), "n_positive_labels": positives.get(n.key, 0)}
            for i, n in enumerate(taxonomy.narratives)]
    _insert(con, "narrative_taxonomy", pd.DataFrame(rows).astype({"threshold": "float64"}))


def write_passages(con: Any, passage_ids: Sequence[str], keys: Sequence[str], P: np.ndarray,
                   thresholds: np.ndarray) -> tuple[int, int]:
    """Tables ``passage_narrative_probabilities`` (every cell of ``P``) and
    ``passage_narratives`` (cells with ``p >= thresholds[k]``).

    Args:
        passage_ids: ``n`` passages, rows of ``P``.
        keys: ``K`` narratives, columns of ``P``; a narrative predicted by no
            mode has an infinite threshold (no decisions) and still gets its
            probabilities (all 0).
        P: ``(n, K)`` probabilities.

    Returns:
        ``(probability rows, decision rows)``.
    """
    n, K = P.shape
    frame = pd.DataFrame({"passage_id": np.repeat(np.asarray(passage_ids, dtype=object), K),
                          "narrative": np.tile(np.asarray(keys, dtype=object), n),
                          "p": P.reshape(-1).astype(float)})
    _insert(con, "passage_narrative_probabilities", frame)
    chosen = (P >= thresholds).reshape(-1)
    _insert(con, "passage_narratives", frame[chosen])
    return len(frame), int(chosen.sum())


def write_documents(con: Any, scored: pd.DataFrame, published: pd.DataFrame) -> tuple[int, int]:
    """Tables ``doc_narratives`` and ``narratives_over_time`` from ``passage_narratives``.

    Args:
        scored: ``passage_id, doc_id, idx`` of the narrative passages (the
            only ones that make document rows).
        published: ``doc_id, published_at`` (UTC timestamps or NaT) of every document.

    Returns:
        ``(doc_narratives rows, narratives_over_time rows)``.
    """
    con.register("scored", scored[["passage_id", "doc_id", "idx"]])
    con.register("published", published[["doc_id", "published_at"]])
    try:
        con.execute("""
            INSERT INTO doc_narratives
            WITH ranked AS (
                SELECT s.doc_id, pn.narrative, pn.p, pn.passage_id,
                       row_number() OVER (PARTITION BY s.doc_id, pn.narrative ORDER BY pn.p DESC, s.idx) AS rank,
                       count(*) OVER (PARTITION BY s.doc_id, pn.narrative) AS n_passages
                FROM passage_narratives pn JOIN scored s USING (passage_id))
            SELECT doc_id, narrative, p, passage_id, n_passages FROM ranked WHERE rank = 1""")
        con.execute("""
            INSERT INTO narratives_over_time
            WITH docs AS (
                SELECT DISTINCT s.doc_id,
                       CAST(date_trunc('month', p.published_at AT TIME ZONE 'UTC') AS DATE) AS period
                FROM scored s JOIN published p USING (doc_id) WHERE p.published_at IS NOT NULL),
            totals AS (SELECT period, count(*) AS n FROM docs GROUP BY ALL),
            counts AS (
                SELECT dn.narrative, d.period, count(*) AS n_docs, sum(dn.n_passages) AS n_passages
                FROM doc_narratives dn JOIN docs d USING (doc_id) GROUP BY ALL)
            SELECT t.narrative, m.period, coalesce(c.n_docs, 0), coalesce(c.n_docs, 0) / m.n,
                   coalesce(c.n_passages, 0)
            FROM totals m CROSS JOIN narrative_taxonomy t
            LEFT JOIN counts c ON c.narrative = t.narrative AND c.period = m.period""")
    finally:
        con.unregister("scored")
        con.unregister("published")
    return (con.execute("SELECT count(*) FROM doc_narratives").fetchall()[0][0],
            con.execute("SELECT count(*) FROM narratives_over_time").fetchall()[0][0])


def write_labels(con: Any, joined: pd.DataFrame, keys: Sequence[str], Y: np.ndarray, D: np.ndarray) -> None:
    """Table ``narrative_labels``: the joined labels
    (:func:`pipeline.label_match.match_labels`) with gold ``Y`` and
    honest decisions ``D`` (``(n, K)``, columns in the order of ``keys``);
    ``evidence`` is the reader's sentence for each gold narrative, in the
    order of ``narratives`` (``''`` where the label gives none)."""
    names = np.asarray(keys, dtype=object)
    gold = [list(names[row.astype(bool)]) for row in Y]
    frame = joined[["line", "source_file", "doc_id", "passage_id", "match", "annotator"]].assign(
        narratives=gold, cv_narratives=[list(names[row.astype(bool)]) for row in D],
        evidence=[[ev.get(k, "") for k in g] for g, ev in zip(gold, joined["evidence"])])
    frame = frame.astype({"doc_id": object, "passage_id": object})
    _insert(con, "narrative_labels", frame)
