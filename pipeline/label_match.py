"""Which current passage a passage label names: one matcher for the stance
and the narrative passage labels.

A passage label (``corpora/labels/stance_passages_v1.jsonl``,
``narratives_passages_v1.jsonl``) holds the text a reader read, a slice of
``documents.text`` when it was read. Documents may have been re-cut since, so
the classifiers learn from the label text itself; this module only finds the
label's document and the current passage that covers the text, for the
tables that cite it (``stance_passage_labels``, ``narrative_labels``).

How: the label's document is the one with its ``(source_file, native_id)``;
a label read on a copy of a post (``documents.duplicate_of``: the X export's
reposts) joins the canonical post, which holds the same text and the
passages. In that document the label names, in this order:

1. a passage with the same text, up to whitespace (``exact``);
2. else the passage that overlaps most (ties: the first by ``char_start``)
   the label text's first occurrence in the document text, found verbatim or
   with any run of whitespace standing for any other (label texts were copied
   with their line breaks);
3. else the first passage whose text lies inside the label text and is at
   least half as long (``contains``): the document was cleaned differently
   since it was read, for example leading ``@`` accounts cut (the four such
   labels of session 32 are 78-93 % passage; a short passage, "AI", would
   otherwise match inside any word of any label);
4. else a passage with the same text once leading reply accounts ("@user_… ") and the codes of t.co short
   links are set aside (``variant``): a label read on a repost whose canonical post replies to another
   account and links through other short links (session 33: the last 4 stance and 4 narrative labels that
   named no passage). The report does not cite such a passage for the label: its words are not the label's
   verbatim.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline import warehouse

#: The ``match`` values of :func:`match_labels`: the label span equals the passage span (up to surrounding
#: whitespace), lies within it, contains it, overlaps it partly; the same words up to reply accounts and
#: short links; no span found; no document.
MATCH_KINDS = ("exact", "within", "contains", "overlap", "variant", "none", "no_document")

#: Leading reply accounts of a post, and the code of a t.co short link: what a repost changes (step 4).
_REPLY = re.compile(r"^(?:@\w+\s+)+")
_SHORT_LINK = re.compile(r"(https?://t\.co/)\w+")


def read_targets(clean_db: Path, embed_db: Path, labels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The documents and passage spans the labels can name.

    Args:
        clean_db: the clean stage's database (table ``documents``).
        embed_db: the embed stage's database (table ``passages``).
        labels: ``source_file, native_id`` (stored ids) of each label.

    Returns:
        ``documents``: ``source_file, native_id, doc_id, text`` for each
        labelled pair whose document is in the corpus (view ``corpus``: the
        passages are cut from its documents), ``doc_id`` and ``text`` those of
        the canonical post for a copy (``duplicate_of`` followed to the corpus
        document, at most 16 steps); a pair of a dropped document is left out
        (its labels are ``no_document``); ``passages``:
        ``passage_id, doc_id, char_start, char_end, text`` (offsets into
        ``documents.text``, end exclusive) of those documents.

    Raises:
        FileNotFoundError: a stage database is missing.
    """
    pairs = labels[["source_file", "native_id"]].drop_duplicates().astype(str)
    con = warehouse.connect(embed_db, read_only=True, attach={"clean": clean_db})
    try:
        con.register("wanted", pairs)
        documents = con.sql("""
            WITH RECURSIVE chain(source_file, native_id, doc_id, depth) AS (
                SELECT d.source_file, d.native_id, d.doc_id, 0 FROM clean.documents d
                JOIN wanted w USING (source_file, native_id)
                UNION ALL
                SELECT c.source_file, c.native_id, d.duplicate_of, c.depth + 1 FROM chain c
                JOIN clean.documents d ON d.doc_id = c.doc_id WHERE d.duplicate_of IS NOT NULL AND c.depth < 16)
            SELECT c.source_file, c.native_id, k.doc_id, k.text FROM chain c JOIN clean.corpus k USING (doc_id)
            QUALIFY row_number() OVER (PARTITION BY c.source_file, c.native_id ORDER BY c.depth) = 1
            ORDER BY c.source_file, c.native_id""").df()
        con.register("docs", documents[["doc_id"]].drop_duplicates())
        passages = con.sql("SELECT passage_id, doc_id, char_start, char_end, text FROM passages "
                           "WHERE doc_id IN (SELECT doc_id FROM docs) ORDER BY doc_id, char_start").df()
    finally:
        con.close()
    return documents, passages


def match_labels(labels: pd.DataFrame, documents: pd.DataFrame, passages: pd.DataFrame,
                 text: str = "text") -> pd.DataFrame:
    """Each label's document, the current passage that covers its text, and how.

    Args:
        labels: ``source_file, native_id`` and the label text in column ``text``.
        documents: ``source_file, native_id, doc_id, text`` (:func:`read_targets`).
        passages: ``passage_id, doc_id, char_start, char_end, text`` (:func:`read_targets`).
        text: the label text's column.

    Returns:
        ``labels`` (index kept) plus ``doc_id`` (None: the document is not in
        the warehouse), ``passage_id`` (None: the text is not found in the
        document) and ``match`` (one of :data:`MATCH_KINDS`).
    """
    docs = {(s, n): (d, t) for s, n, d, t in
            zip(documents["source_file"], documents["native_id"], documents["doc_id"], documents["text"])}
    spans: dict[str, list[tuple[str, int, int, str]]] = {}
    for pid, did, a, b, t in zip(passages["passage_id"], passages["doc_id"], passages["char_start"],
                                 passages["char_end"], passages["text"]):
        spans.setdefault(did, []).append((pid, int(a), int(b), collapse_space(t)))
    doc_ids, pids, kinds = [], [], []
    for source, native, label_text in zip(labels["source_file"], labels["native_id"], labels[text]):
        doc_id, doc_text = docs.get((source, str(native)), (None, None))
        pid, kind = (None, "no_document") if doc_id is None else \
            _name(spans.get(doc_id, []), doc_text, label_text)
        doc_ids.append(doc_id)
        pids.append(pid)
        kinds.append(kind)
    return labels.assign(doc_id=pd.Series(doc_ids, index=labels.index, dtype=object),
                         passage_id=pd.Series(pids, index=labels.index, dtype=object),
                         match=pd.Series(kinds, index=labels.index, dtype=object))


def _name(spans: list[tuple[str, int, int, str]], doc_text: str, label_text: str) -> tuple[str | None, str]:
    """The passage of ``spans`` (``passage_id, char_start, char_end, normalised text``) the label names, and
    how (:data:`MATCH_KINDS`), in the order of the module's docstring."""
    norm = collapse_space(label_text)
    pid = next((p for p, _, _, t in spans if t == norm), None)
    if pid is not None:
        return pid, "exact"
    found = _find(doc_text, label_text)
    if found is not None:
        return _overlapping(spans, doc_text, *found)
    pid = next((p for p, _, _, t in spans if t and 2 * len(t) >= len(norm) and t in norm), None)
    if pid is not None:
        return pid, "contains"
    key = _variant_key(norm)
    pid = next((p for p, _, _, t in spans if key and _variant_key(t) == key), None)
    return (pid, "variant") if pid is not None else (None, "none")


def _variant_key(text: str) -> str:
    """``text`` (whitespace-collapsed by the caller) without its leading reply accounts and with t.co link
    codes dropped."""
    return _SHORT_LINK.sub(r"\1", _REPLY.sub("", text))


def _find(doc_text: str, label_text: str) -> tuple[int, int] | None:
    """``(start, end)`` of the label text's first occurrence in the document text, verbatim or with each
    run of whitespace matching any other run (leading and trailing whitespace ignored); None: not found."""
    needle = label_text.strip()
    if not needle:
        return None
    start = doc_text.find(needle)
    if start >= 0:
        return start, start + len(needle)
    hit = re.search(r"\s+".join(re.escape(w) for w in needle.split()), doc_text)
    return (hit.start(), hit.end()) if hit else None


def _overlapping(spans: list[tuple[str, int, int, str]], doc_text: str, start: int, end: int
                 ) -> tuple[str | None, str]:
    """The passage of ``spans`` that overlaps ``[start, end)`` most and how (:data:`MATCH_KINDS`)."""
    best, hit = 0, None
    for pid, a, b, _ in spans:
        overlap = min(end, b) - max(start, a)
        if overlap > best:
            best, hit = overlap, (pid, a, b)
    if hit is None:
        return None, "none"
    pid, a, b = hit
    seg = doc_text[a:b]  # the passage's span without the whitespace at either end
    a, b = a + len(seg) - len(seg.lstrip()), b - len(seg) + len(seg.rstrip())
    inside, covers = a <= start and end <= b, start <= a and b <= end
    return pid, "exact" if inside and covers else "within" if inside else "contains" if covers else "overlap"


def collapse_space(text: str) -> str:
    """Whitespace-collapsed, stripped text."""
    return " ".join(text.split())
