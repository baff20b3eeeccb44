"""Embed-stage speed, from one run (issue #3, section 5).

Prints:
1. passages/s of the embed stage's encoding path (cache lookups, chunked
   commits) against a bare ``SentenceTransformer.encode`` of the same
   passages; target ratio >= 0.95;
2. the stage time on a sample of the corpus, and of a second run after 1 %
   new documents (target <= 10 % of the first: only new passages are
   embedded);
3. peak resident memory (``ru_maxrss``).

Needs ``data/stages/clean.duckdb`` (``make run`` or ``dvc repro clean``).
Usage: ``python benchmarks/embed_speed.py [--docs 1500] [--passages 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import duckdb  # noqa: E402

from pipeline import embed, encoder  # noqa: E402
from pipeline.config import CLEAN_DB, load_params  # noqa: E402
from pipeline.passages import PassageParams, SentenceSplitter, split_corpus  # noqa: E402
from pipeline.relevance import RelevanceQuery  # noqa: E402


def sample_clean_db(src: Path, dst: Path, n_docs: int, seed: int = 7) -> list[str]:
    """Copy ``src`` to ``dst`` keeping ``n_docs`` random corpus documents
    (plus nothing else); returns the doc_ids left out, in random order."""
    shutil.copyfile(src, dst)
    con = duckdb.connect(str(dst))
    ids = [r[0] for r in con.execute("SELECT doc_id FROM corpus ORDER BY doc_id").fetchall()]
    random.Random(seed).shuffle(ids)
    keep, rest = ids[:n_docs], ids[n_docs:]
    con.execute("CREATE TEMP TABLE keep AS SELECT unnest(?::VARCHAR[]) AS doc_id", [keep])
    con.execute("DELETE FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM keep)")
    con.close()
    return rest


def add_documents(src: Path, dst: Path, doc_ids: list[str]) -> None:
    """Copy the rows of ``doc_ids`` from ``src``'s documents into ``dst``."""
    con = duckdb.connect(str(dst))
    con.execute(f"ATTACH '{src}' AS full_db (READ_ONLY)")
    con.execute("INSERT INTO documents SELECT * FROM full_db.documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
                [doc_ids])
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1500, help="documents in the stage-time sample")
    parser.add_argument("--passages", type=int, default=1000, help="passages in the throughput comparison")
    args = parser.parse_args()
    params = load_params("embed")
    relevance = load_params("relevance")
    enc = load_params("encoder")
    model = encoder.load_encoder(enc["model"], threads=int(enc.get("threads", 0)))
    mid = encoder.model_id(enc["model"])

    # 1. throughput: stage path vs bare encode, same passages, same model
    con = duckdb.connect(str(CLEAN_DB), read_only=True)
    docs = embed.read_corpus(con)
    con.close()
    rng = random.Random(3)
    sample_docs = rng.sample(docs, min(len(docs), args.passages * 2))
    passages = [p for p in split_corpus(sample_docs, query=RelevanceQuery.from_params(relevance),
                                        params=PassageParams.from_params(params["passages"]),
                                        sentences=SentenceSplitter(params["spacy_model"],
                                                                   params["passages"]["sentences"]))
                if p.in_narratives]
    passages = rng.sample(passages, min(len(passages), args.passages))
    texts = [p.text for p in passages]
    encoder.encode(model, texts[:64])  # warm-up
    t0 = time.perf_counter()
    model.encode(texts, batch_size=int(enc["batch_size"]), normalize_embeddings=True, show_progress_bar=False)
    bare = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        cache = encoder.EmbeddingCache(Path(tmp) / "c.duckdb", mid, encoder.embedding_dimension(model))
        t0 = time.perf_counter()
        embed.embed_missing(passages, cache, model, batch_size=int(enc["batch_size"]),
                            chunk_size=int(params["chunk_size"]), progress=False)
        staged = time.perf_counter() - t0
        cache.close()
    n = len(texts)
    words = sum(p.n_words for p in passages) / n

    # 2. stage time on a sample, then with 1 % new documents
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rest = sample_clean_db(CLEAN_DB, tmp / "clean.duckdb", args.docs)
        t0 = time.perf_counter()
        first = embed.run(params, relevance, enc, clean_db=tmp / "clean.duckdb", out_db=tmp / "embed.duckdb",
                          cache_file=tmp / "cache.duckdb", progress=False)
        t_first = time.perf_counter() - t0
        add_documents(CLEAN_DB, tmp / "clean.duckdb", rest[: max(1, args.docs // 100)])
        t0 = time.perf_counter()
        second = embed.run(params, relevance, enc, clean_db=tmp / "clean.duckdb", out_db=tmp / "embed.duckdb",
                           cache_file=tmp / "cache.duckdb", progress=False)
        t_second = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    figures = {
        "model": mid, "threads": int(enc.get("threads", 0)) or os.cpu_count(),
        "throughput_passages": n, "mean_words_per_passage": round(words, 1),
        "bare_encode_passages_per_s": round(n / bare, 1), "stage_passages_per_s": round(n / staged, 1),
        "stage_to_bare_ratio": round(bare / staged, 3),
        "sample_documents": args.docs, "first_run_s": round(t_first, 1),
        "first_run_embedded": first["embedded_now"], "plus_1pct_run_s": round(t_second, 1),
        "plus_1pct_embedded": second["embedded_now"], "plus_1pct_to_first_ratio": round(t_second / t_first, 3),
        "peak_rss_mb": round(peak_mb),
    }
    print(f"{'figure':<32} value")
    for k, v in figures.items():
        print(f"{k:<32} {v}")
    print(f"\nratio stage/bare {figures['stage_to_bare_ratio']} (target >= 0.95); "
          f"+1% run {figures['plus_1pct_to_first_ratio']:.1%} of the first (target <= 10%)")
    out = Path(__file__).resolve().parent.parent / "reports" / "embed_speed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
