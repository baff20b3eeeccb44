"""Section 3's shares by reading per source type: the stance mix of each kind
of source as the annotators read it, with no classifier (table
``stance_sample_shares_by_type``,
:func:`pipeline.stance.sample_shares.sample_shares_by_type`).

Each type's share is of its documents in source files that hold labels, estimated from the labelled
documents (a random sample within each file), with the 95 % interval of that sampling. The text names what
the shares rest on: a type's largest file where it holds most of the type, and the documents left out
(files with no label), by source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import workspace
from pipeline.report.cells import _pct

#: Labelled documents below which a type's shares are called too few to compare: 30 labels give an
#: interval of about ±16 points at a 30 % share (the normal approximation's half-width, 1.96 sqrt(0.3 · 0.7 / 30)).
FEW_LABELS = 30

#: Share of a type's covered documents above which its largest file is named as what the row mostly reads.
MOSTLY = 0.5


def sample_type_lines(con: Any) -> list[str]:
    """A sentence, a table and notes: per source type, its documents in files that hold labels (of all its
    documents), its labelled documents and the share by reading of each of the three stances
    (``workspace.LABELS[:3]``) with its 95 % interval; then the file that holds most of a type, the documents
    left out by source, the types with fewer than :data:`FEW_LABELS` labelled documents and those with none
    (no row). Empty without the table's rows (a warehouse built before session 33 has no such table: also
    empty)."""
    if workspace.query(con, "SELECT 1 FROM duckdb_tables() WHERE table_name = 'stance_sample_shares_by_type'"
                       ).empty:
        return []
    stances = list(workspace.LABELS[:3])
    files = _files(con)
    per_type = files.groupby("source_type")[["n", "labelled"]].sum().rename(
        columns={"n": "n_type", "labelled": "n_read"})
    rows = workspace.query(con, "SELECT source_type, label, corpus_share, corpus_lo, corpus_hi, n_covered "
                                "FROM stance_sample_shares_by_type")
    rows = rows.join(per_type, on="source_type", how="inner").sort_values(["n_type", "source_type"],
                                                                           ascending=[False, True], kind="stable")
    if rows.empty:
        return []
    out = ["", "**By source type, by reading** (table `stance_sample_shares_by_type`; no classifier: the LLM "
           "annotators' readings, as above): the same estimate within the source files of each type, so each row "
           "is the stance mix of that kind of source as collected here. A share is of the type's documents in "
           "files that hold labels, with the 95 % interval of the sampling (none where every such document was "
           "read). A source stored as one file per document (comments, policy pages, blog posts) counts only "
           "its documents that were read: they were labelled because they were eligible, not drawn at random, "
           "and the note below names those left out.", "",
           "| source type | documents in files with labels (of the type's) | labelled | " + " | ".join(stances)
           + " |", "|---|---:|---:|" + "---:|" * 3]
    few, mostly, left = [], [], []
    for kind, group in rows.groupby("source_type", sort=False):
        share, r = group.set_index("label"), group.iloc[0]
        docs = f"{int(r.n_type):,}" if r.n_covered == r.n_type else f"{int(r.n_covered):,} (of {int(r.n_type):,})"
        out.append(f"| {kind} | {docs} | {int(r.n_read):,} | "
                   + " | ".join(read_share_cell(share, s) if s in share.index else "—" for s in stances) + " |")
        if r.n_read < FEW_LABELS:
            few.append(f"{kind} ({int(r.n_read)})")
        mine = files[files["source_type"] == kind]
        top = mine[mine["labelled"] > 0].sort_values(["n", "source_file"], ascending=[False, True]).head(1)
        if len(top) and top["n"].iloc[0] > MOSTLY * r.n_covered:
            n_top = int(top["n"].iloc[0])
            mostly.append(f"{kind}, {n_top:,} of {int(r.n_covered):,} in `{Path(top['source_file'].iloc[0]).name}`"
                          if n_top < r.n_covered else f"{kind}, all in `{Path(top['source_file'].iloc[0]).name}`")
        out_docs = mine[mine["labelled"] == 0].groupby("source")["n"].sum().sort_values(ascending=False)
        if len(out_docs):
            left.append(f"{kind} {int(out_docs.sum()):,} (" + ", ".join(f"{s} {int(n)}" for s, n in out_docs.items())
                        + ")")
    if mostly:
        out += ["", "Most of a row is one file: " + "; ".join(mostly) + "."]
    if left:
        out += ["", "Left out, in files that hold no label (documents reserved for evaluation, which are never "
                "labelled, and files never drawn; a source stored as one file per document loses each such "
                "document): " + "; ".join(left) + "."]
    if few:
        out += ["", f"Too few labelled documents to compare (fewer than {FEW_LABELS}): {', '.join(few)}."]
    unread = per_type[per_type["n_read"] == 0].reset_index().sort_values(["n_type", "source_type"],
                                                                           ascending=[False, True])
    if len(unread):
        out += ["", "No labelled document, so no row: " + ", ".join(
            f"{kind} ({int(n):,} document{'s' * (n != 1)})" for kind, n in zip(unread["source_type"],
                                                                               unread["n_type"])) + "."]
    return out


def read_share_cell(share: pd.DataFrame, label: str) -> str:
    """"22.8 % (19.0–27.0)", or the share alone where its interval has no width (every document read)."""
    c, lo, hi = (float(share.at[label, k]) for k in ("corpus_share", "corpus_lo", "corpus_hi"))
    return _pct(c) if hi - lo < 1e-12 else f"{_pct(c)} ({100 * lo:.1f}–{100 * hi:.1f})"


def _files(con: Any) -> pd.DataFrame:
    """``source_type, source, source_file, n, labelled``: the corpus documents (table ``stances``) and the
    labelled ones per source file; the per-type counts of the table are their sums."""
    return workspace.query(con, """
        SELECT d.source_type, d.source, d.source_file, count(*) AS n, count(l.doc_id) AS labelled
        FROM stances s JOIN documents d USING (doc_id) LEFT JOIN stance_labels l USING (doc_id)
        GROUP BY ALL""")
