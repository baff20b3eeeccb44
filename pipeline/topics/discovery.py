"""Discovery input: the narrative passages the taxonomy misses (issue 19, part 4).

The stage ``narratives`` decides which claims of ``corpora/narratives.yaml``
each passage carries (``passage_narratives``: ``p`` at or above the
narrative's tuned threshold). Topics are fitted on the rest, so that they
point at candidate new narratives rather than restate the taxonomy: a
passage is kept for discovery when it carries no narrative other than the
catch-all (``narrative_taxonomy.catch_all``), or only narratives with
``p < topics.discovery.min_p`` (low confidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline import warehouse
from pipeline.topics.data import NarrativeInput


@dataclass
class DiscoveryInput:
    """The passages kept for discovery, and how many the taxonomy covers.

    Attributes:
        data: the kept passages (rows of the input, same order).
        n_narrative: narrative passages in the input.
        n_taxonomy: of these, passages carrying a taxonomy narrative with
            ``p >= min_p`` (left out).
    """

    data: NarrativeInput
    n_narrative: int
    n_taxonomy: int


def taxonomy_passages(narratives_db: Path, min_p: float) -> set[str]:
    """Passage ids carrying a narrative that is not the catch-all, with
    ``p >= min_p`` (``passage_narratives`` joined to ``narrative_taxonomy``).

    Raises:
        FileNotFoundError: ``narratives_db`` is missing (run stage
            ``narratives`` first).
    """
    con = warehouse.connect(narratives_db, read_only=True)
    try:
        rows = con.execute("""
            SELECT DISTINCT pn.passage_id FROM passage_narratives pn JOIN narrative_taxonomy t USING (narrative)
            WHERE NOT t.catch_all AND pn.p >= ?""", [float(min_p)]).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def discovery_input(data: NarrativeInput, narratives_db: Path | None, min_p: float = 0.0) -> DiscoveryInput:
    """Keep the passages of ``data`` that carry no taxonomy narrative
    (:func:`taxonomy_passages`); ``narratives_db=None`` keeps all (no
    taxonomy)."""
    if narratives_db is None:
        return DiscoveryInput(data, len(data.frame), 0)
    covered = taxonomy_passages(narratives_db, min_p)
    keep = ~data.frame["passage_id"].isin(covered).to_numpy()
    frame = data.frame[keep].reset_index(drop=True)
    emb = data.embeddings[keep] if len(data.embeddings) else data.embeddings
    return DiscoveryInput(NarrativeInput(frame, np.ascontiguousarray(emb), data.model), len(keep),
                          int((~keep).sum()))
