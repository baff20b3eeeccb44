"""Who carries each narrative, for the report's narrative section (issue 19):
which side (narrative × stance) and which outlets and actors.

* :func:`side_table`: the stance mix of the documents carrying each claim,
  counted over documents without a stance training label (view
  ``report_claim_stance_counts``: view ``narrative_stance`` restricted to
  unlabelled corpus documents, whose stance is not in-sample). Shares are
  classify-and-count (each document's decided stance); each stance's
  cross-validated precision, recall and share error (section "Stance over
  time") stand in its column head, and a stance the classifier cannot measure
  gets no share.
* :func:`source_table`: the outlets with the most documents carrying the claim
  (view ``narrative_sources``, all documents) with the share of the outlet's
  documents with a narrative passage that carry it, so a large collection
  does not pass for a strong voice; and the listed actors (table ``actors``)
  most quoted in its passages (view ``actor_narratives``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _md_cell, _pct
from pipeline.workspace import LABELS


def side_table(con: Any, claims: pd.DataFrame, quality: dict[str, Any], measurable: list[str],
               errors: dict[str, tuple[float, float]]) -> list[str]:
    """Markdown table: per claim, the side the taxonomy expects and the stance
    shares of its unlabelled documents.

    Args:
        claims: ``narrative, side`` of the claims (table ``narrative_taxonomy``), in order.
        quality: :func:`pipeline.report.markdown.stance_quality` (``per_class``).
        measurable: the stances with a share (the others: "not measurable").
        errors: label → (ACC, CC) cross-validated share error
            (:func:`pipeline.report.stance_shares.share_errors`).
    """
    stance = workspace.query(con, "SELECT narrative, label, n_docs FROM report_claim_stance_counts")

    def head(lab: str) -> str:
        pc = quality["per_class"][lab]
        err = f", ±{100 * errors[lab][1]:.0f} pts" if lab in errors else ""
        return f"{lab} (P {pc['precision']:.2f} / R {pc['recall']:.2f}{err})"

    out = ["| narrative | side in the taxonomy | documents without a stance label | "
           + " | ".join(head(lab) for lab in LABELS) + " |",
           "|---|---|---:|" + "---:|" * len(LABELS)]
    for r in claims.itertuples():
        st = stance[stance["narrative"] == r.narrative].set_index("label")["n_docs"]
        n = int(st.sum())
        cells = [("not measurable" if lab not in measurable and lab in LABELS[:3]
                  else _pct(st.get(lab, 0) / n) if n else "–") for lab in LABELS]
        side = f"{r.side}" if isinstance(r.side, str) else "none"
        out.append(f"| `{r.narrative}` | {side} | {n:,} | " + " | ".join(cells) + " |")
    return out


def source_table(con: Any, claims: list[str], top: int = 3) -> list[str]:
    """Markdown table: per claim, its ``top`` outlets (documents carrying it,
    and their share of the outlet's documents with a narrative passage) and
    its ``top`` listed actors (quotes in its passages)."""
    outlets = workspace.query(con, "SELECT narrative, outlet, sum(n_docs) AS n FROM narrative_sources "
                                   "GROUP BY ALL ORDER BY narrative, n DESC, outlet")
    base = workspace.query(con, """
        SELECT coalesce(d.outlet, d.platform, d.source) AS outlet, count(DISTINCT d.doc_id) AS n
        FROM documents d JOIN passages p USING (doc_id) WHERE p.in_narratives GROUP BY 1""")
    base = base.set_index("outlet")["n"]
    actors = workspace.query(con, "SELECT narrative, actor, n_quotes AS n FROM actor_narratives "
                                  "WHERE actor IN (SELECT actor FROM actors) ORDER BY narrative, n DESC, actor")
    out = [f"| narrative | top {top} outlets: documents (% of the outlet's documents) | "
           f"top {top} listed actors: quotes in its passages |", "|---|---|---|"]
    for key in claims:
        mine = outlets[outlets["narrative"] == key]
        top_o = (", ".join(f"{_md_cell(r.outlet)} {int(r.n):,} ({_pct(r.n / base[r.outlet])})"
                           if base.get(r.outlet) else f"{_md_cell(r.outlet)} {int(r.n):,}"
                           for r in mine.head(top).itertuples()) + _tied(mine["n"], top)) or "–"
        mine = actors[actors["narrative"] == key]
        top_a = (", ".join(f"{_md_cell(r.actor)} {int(r.n):,}" for r in mine.head(top).itertuples())
                 + _tied(mine["n"], top)) or "–"
        out.append(f"| `{key}` | {top_o} | {top_a} |")
    return out


def _tied(counts: pd.Series, top: int) -> str:
    """", and k more with n" when rows after the first ``top`` of ``counts`` (sorted, largest first) tie
    with the last shown (a name order would otherwise drop them silently; session-32 review); else ""."""
    if len(counts) <= top:
        return ""
    more = int((counts.iloc[top:] == counts.iloc[top - 1]).sum())
    return f", and {more} more with {int(counts.iloc[top - 1]):,}" if more else ""
