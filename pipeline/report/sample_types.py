"""Section 3's shares by reading per source type: which side each kind of
source carries, with no model (table ``stance_sample_shares_by_type``,
:func:`pipeline.stance.sample_shares.sample_shares_by_type`).

Each type's share is of its documents in source files that hold labels, estimated from the labelled
documents (a random sample within each file), with the 95 % Korn–Graubard interval of that sampling.
"""

from __future__ import annotations

from typing import Any

from pipeline import workspace
from pipeline.report.cells import _pct

#: Labelled documents below which a type's shares are called too few to compare: about 30 labels give an
#: interval of ±15 points at a 30 % share (the normal approximation's half-width, 1.96 sqrt(0.3 · 0.7 / 30)).
FEW_LABELS = 30


def sample_type_lines(con: Any) -> list[str]:
    """A sentence and a table: per source type, its documents (those in files that hold labels), its labelled
    documents and the share by reading of each of the three stances (``workspace.LABELS[:3]``) with its 95 %
    interval; types with fewer than :data:`FEW_LABELS` labelled documents are named as too few. Empty without
    the table's rows (a warehouse built before session 33 has no such table: also empty)."""
    if not workspace.query(con, "SELECT 1 FROM duckdb_tables() WHERE table_name = 'stance_sample_shares_by_type'"
                           ).shape[0]:
        return []
    stances = list(workspace.LABELS[:3])
    rows = workspace.query(con, """
        WITH labelled AS (SELECT d.source_type, count(*) AS n FROM stance_labels l JOIN documents d USING (doc_id)
                          GROUP BY 1),
             docs AS (SELECT d.source_type, count(*) AS n FROM stances s JOIN documents d USING (doc_id) GROUP BY 1)
        SELECT t.source_type, t.label, t.corpus_share, t.corpus_lo, t.corpus_hi, t.n_covered,
               docs.n AS n_type, labelled.n AS n_read
        FROM stance_sample_shares_by_type t JOIN docs USING (source_type) JOIN labelled USING (source_type)
        ORDER BY docs.n DESC, t.source_type""")
    if rows.empty:
        return []
    out = ["", "**By source type, by reading** (table `stance_sample_shares_by_type`; no model): the same estimate "
           "within the source files of each type, so each row says which side that kind of source carries in this "
           "corpus. A share is of the type's documents in files that hold labels (all of them unless the column "
           "says otherwise), with its 95 % interval of the sampling.", "",
           "| source type | documents | labelled | " + " | ".join(stances) + " |", "|---|---:|---:|" + "---:|" * 3]
    few = []
    for kind, group in rows.groupby("source_type", sort=False):
        share = group.set_index("label")
        r = group.iloc[0]
        docs = f"{int(r.n_type):,}" if r.n_covered == r.n_type else f"{int(r.n_covered):,} of {int(r.n_type):,}"
        cells = [f"{_pct(share.at[s, 'corpus_share'])} ({100 * share.at[s, 'corpus_lo']:.1f}–"
                 f"{100 * share.at[s, 'corpus_hi']:.1f})" if s in share.index else "—" for s in stances]
        out.append(f"| {kind} | {docs} | {int(r.n_read):,} | " + " | ".join(cells) + " |")
        if r.n_read < FEW_LABELS:
            few.append(f"{kind} ({int(r.n_read)})")
    if few:
        out += ["", f"Too few labelled documents to compare (fewer than {FEW_LABELS}): {', '.join(few)}."]
    return out
