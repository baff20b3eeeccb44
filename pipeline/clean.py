"""Stage ``clean``: every declared source → one table of clean, dated,
deduplicated, tagged and relevance-scored documents.

Steps, in order: read each source (readers in :mod:`pipeline.sources`),
resolve repeated native ids, clean the text (HTML/markdown → plain, NFC,
whitespace), pseudonymise social handles, parse dates to UTC, detect the
language (py3langid), mark exact and near duplicates, score relevance, admit
documents below the query's threshold that the on-topic classifier finds on
topic (:mod:`pipeline.admission`, ``metrics/relevance.json``), then
write ``documents`` (with each record's span and URL in ``document_records``),
``rejects`` and ``manifest`` to the warehouse in one
atomic swap, and ``metrics/clean.json``.

CLI:
    python -m pipeline.clean                 # run the stage
    python -m pipeline.clean extract FILE.html   # one HTML record as JSON
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline import admission, warehouse
from pipeline.account_names import AccountNames, corpus_accounts
from pipeline.config import (
    ADMITTED_CHECK_FILE,
    CLEAN_CACHE_DIR,
    CLEAN_DB,
    METRICS_DIR,
    RELEVANCE_LABEL_FILE,
    SQL_DIR,
    STANCE_LABEL_FILE,
    load_params,
)
from pipeline.dedup import find_copies, find_duplicates, signatures
from pipeline.documents import Document, Normaliser, resolve_native_ids
from pipeline.normalise import clean_text
from pipeline.privacy import StoredKeys, load_not_people, load_organisation_handles, load_person_names
from pipeline.relevance import RelevanceQuery
from pipeline.scrape import read_manifest
from pipeline.sources import Reject, load_sources, make_reader
from pipeline.sources.decoding import DecodeError, decode_bytes
from pipeline.sources.html import extract_html
from pipeline.stage_cache import KeyedStore, drop_legacy, fingerprint

LOG = logging.getLogger(__name__)


def read_source(spec: dict[str, Any], params: dict[str, Any], root: Path | None,
                accounts: AccountNames | None = None) -> tuple[list[Document], list[Reject], list[Any]]:
    """Read, normalise and score one source, ready for corpus-wide dedup.

    Args:
        spec: the source's validated ``sources.yaml`` entry.
        params: the ``clean`` params section.
        root: ``corpora/`` folder override (tests), else ``None``.
        accounts: the corpus's dictionary of accounts, also pseudonymised
            where written bare (:mod:`pipeline.account_names`), or ``None``.

    Returns:
        ``(documents, rejects, signatures)``: documents in the source's order
        with relevance scored and ``ingested_at`` unset; one MinHash
        signature (:func:`pipeline.dedup.signatures`) or ``None`` per
        document.
    """
    normalise = Normaliser.from_params(params, accounts)
    query = RelevanceQuery.from_params(params["relevance"])
    reader = make_reader(spec, dates=params.get("dates"), **({"root": root} if root else {}))
    read = tqdm(reader.read(), desc=f"read {spec['id']}", unit="rec", disable=None, leave=False)
    items = resolve_native_ids(list(read), merge=spec["merge_duplicate_ids"])
    docs: list[Document] = []
    rejects: list[Reject] = []
    for item in tqdm(items, desc=f"clean {spec['id']}", unit="rec", disable=None, leave=False):
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        doc, problems = normalise(item, spec)
        rejects.extend(problems)
        if doc is None:
            continue
        doc.relevance, doc.relevance_terms = query.score(f"{doc.title or ''}\n{doc.text}")
        doc.is_relevant = doc.relevance >= query.threshold
        docs.append(doc)
    d = params["dedup"]
    sigs = signatures([doc.text for doc in docs], num_perm=d["num_perm"], shingle_size=d["shingle_size"],
                      min_words=d["min_words"], seed=d["seed"])
    return docs, rejects, sigs


def source_fingerprint(spec: dict[str, Any], params: dict[str, Any], root: Path | None,
                       accounts: AccountNames | None = None) -> str:
    """sha256 of what :func:`read_source` reads besides its arguments: the
    paths and bytes of the source's input files (``Reader.inputs``: its
    files and side files such as an author lookup, or the scrape manifest of
    a web source), the params in their order, the pseudonym salt from the
    environment, the organisation handles kept, the dictionary of accounts (so a
    file that marks a new account re-reads every source), the code of the clean stage, its readers and
    ``pipeline/config.py``, and the versions of the libraries that shape the
    text (trafilatura, py3langid, datasketch, ...). Not covered: dateutil
    fills a date's missing year from the day of the run, so a cached source
    keeps the year of the run that read it."""
    import pipeline.account_names
    import pipeline.config
    import pipeline.dedup
    import pipeline.documents
    import pipeline.normalise
    import pipeline.pseudonyms
    import pipeline.relevance
    import pipeline.sources

    reader = make_reader(spec, **({"root": root} if root else {}))
    salt = os.environ.get(params["privacy"]["salt_env"], "")
    # json.dumps keeps the order of the params (the relevance terms' order is
    # the order of documents.relevance_terms)
    return fingerprint(spec, json.dumps(params, default=str), hashlib.sha256(salt.encode()).hexdigest(),
                       sorted(load_organisation_handles()), accounts.digest() if accounts else "",
                       files=reader.inputs(), root=reader.root,
                       modules=[sys.modules[__name__], pipeline.account_names, pipeline.documents, pipeline.normalise,
                                pipeline.pseudonyms,
                                pipeline.relevance,
                                pipeline.dedup, pipeline.config, Path(pipeline.sources.__file__).parent],
                       packages=["trafilatura", "htmldate", "dateparser", "lxml", "charset-normalizer",
                                 "markdown-it-py", "python-frontmatter", "python-dateutil", "jmespath", "py3langid",
                                 "datasketch", "pyyaml"])


def clean(sources: list[dict[str, Any]], params: dict[str, Any], *, manifest: list[dict[str, Any]],
          root: Path | None = None, cache_dir: Path | None = None) -> tuple[list[Document], list[Reject]]:
    """Run the whole clean stage in memory.

    Args:
        sources: validated ``sources.yaml`` entries (order = canonical order
            for duplicates).
        params: the ``clean`` params section.
        manifest: rows from the scrape stage (for ``ingested_at``).
        root: ``corpora/`` folder override (tests).
        cache_dir: folder of the :class:`pipeline.stage_cache.KeyedStore`
            of :func:`read_source` results, keyed by
            :func:`source_fingerprint` (the source's entry, the params, its
            files, the code), so a re-run reads only the sources whose files,
            entry, params or code changed; ``None`` reads everything.

    Returns:
        ``(documents, rejects)``; documents in corpus order.
    """
    registered = {r["path"]: r["fetched_at"] for r in manifest if r.get("path")}
    fallback_time = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    docs: list[Document] = []
    rejects: list[Reject] = []
    sigs: list[Any] = []
    drop_legacy(cache_dir)
    accounts = corpus_accounts(sources, load_organisation_handles(), root, load_person_names(), load_not_people())
    LOG.info("dictionary of accounts: %d names marked as handles and also written bare", len(accounts))
    store = KeyedStore(cache_dir, "sources", fingerprint("read_source"))
    keys = [source_fingerprint(spec, params, root, accounts) if cache_dir is not None else str(i)
            for i, spec in enumerate(sources)]

    def read(todo: list[int]) -> dict[int, tuple[list[Document], list[Reject], list[Any]]]:
        return {i: read_source(sources[i], params, root, accounts)
                for i in tqdm(todo, desc="sources", unit="source", disable=None)}

    for source_docs, source_rejects, source_sigs in store.fill(keys, read):
        for doc in source_docs:
            stamp = registered.get(doc.source_file)
            doc.ingested_at = dt.datetime.fromisoformat(stamp) if stamp else fallback_time
        docs += source_docs
        rejects += source_rejects
        sigs += source_sigs
    dedup = params["dedup"]
    twins = find_duplicates([d.text for d in docs], [d.content_sha256 for d in docs],
                            threshold=dedup["threshold"], num_perm=dedup["num_perm"],
                            shingle_size=dedup["shingle_size"], min_words=dedup["min_words"],
                            seed=dedup["seed"], precomputed=sigs)
    for doc, (canonical, kind) in zip(docs, twins):
        if canonical is not None:
            doc.duplicate_of, doc.duplicate_kind = docs[canonical].doc_id, kind
    # copy-paste campaigns among the rest: one account (the author of a social post; a
    # subreddit or a docket commenter is not one), one text, many replies
    rest = [i for i, (canonical, _) in enumerate(twins) if canonical is None]
    copies = find_copies([docs[i].author if docs[i].source_type == "social" else None for i in rest],
                         [docs[i].text for i in rest],
                         min_words=dedup["copy_min_words"])
    for i, first in zip(rest, copies):
        if first is not None:
            docs[i].duplicate_of, docs[i].duplicate_kind = docs[rest[first]].doc_id, "copy"
    n_copies: dict[str, int] = {}
    for doc in docs:
        if doc.duplicate_of:
            n_copies[doc.duplicate_of] = n_copies.get(doc.duplicate_of, 0) + 1
    for doc in docs:
        doc.n_copies = n_copies.get(doc.doc_id, 0)
    return docs, rejects


DOC_COLUMNS = ["doc_id", "source", "source_file", "native_id", "line", "platform", "source_type", "url",
               "title", "author", "outlet", "published_at", "date_precision", "date_source", "lang", "text", "n_chars",
               "content_sha256", "duplicate_of", "duplicate_kind", "relevance", "relevance_terms",
               "is_relevant", "admitted_by", "admission_p", "n_records", "n_copies", "raw_sha256", "ingested_at"]
REJECT_COLUMNS = ["source", "source_file", "native_id", "line", "reason", "detail", "raw_sha256"]
RECORD_COLUMNS = ["doc_id", "record_idx", "char_start", "char_end", "url", "published_at", "date_precision", "line",
                  "date_source"]
MANIFEST_COLUMNS = ["source", "kind", "url", "final_url", "status", "fetched_at", "content_type",
                    "sha256", "path", "bytes", "error"]


def write_warehouse(con: Any, docs: list[Document], rejects: list[Reject],
                    manifest: list[dict[str, Any]]) -> None:
    """Replace ``documents``, ``document_records``, ``rejects`` and ``manifest`` in ``con``
    (delete-then-insert, in one transaction).

    Raises:
        duckdb.ConstraintException: two documents share a doc_id or a
            (source_file, native_id) pair.
    """
    doc_frame = pd.DataFrame([{c: getattr(d, c) for c in DOC_COLUMNS} for d in docs], columns=DOC_COLUMNS)
    doc_frame["line"] = doc_frame["line"].astype("Int64")
    doc_frame["published_at"] = pd.to_datetime(doc_frame["published_at"], utc=True)
    doc_frame["ingested_at"] = pd.to_datetime(doc_frame["ingested_at"], utc=True)
    record_frame = pd.DataFrame([{"doc_id": d.doc_id, **{c: getattr(r, c) for c in RECORD_COLUMNS[1:]}}
                                 for d in docs for r in d.records], columns=RECORD_COLUMNS)
    record_frame = record_frame.astype({"char_start": "Int64", "char_end": "Int64", "line": "Int64"})
    record_frame["published_at"] = pd.to_datetime(record_frame["published_at"], utc=True)
    reject_frame = pd.DataFrame([{c: getattr(r, c) for c in REJECT_COLUMNS} for r in rejects],
                                columns=REJECT_COLUMNS).astype({"line": "Int64"})
    manifest_frame = pd.DataFrame(manifest, columns=MANIFEST_COLUMNS).astype({"status": "Int64", "bytes": "Int64"})
    manifest_frame["fetched_at"] = pd.to_datetime(manifest_frame["fetched_at"], utc=True)
    con.execute("BEGIN TRANSACTION")
    for table, frame in (("documents", doc_frame), ("document_records", record_frame), ("rejects", reject_frame),
                         ("manifest", manifest_frame)):
        con.execute(f"DELETE FROM {table}")
        con.register("frame", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
        con.unregister("frame")
    con.execute("COMMIT")


def summarise(con: Any) -> pd.DataFrame:
    """Per-source counts from the ``source_summary`` view plus the main
    reject reasons, for the printed summary and ``metrics/clean.json``."""
    return con.execute("""
        SELECT s.*, coalesce(r.reject_reasons, '') AS reject_reasons
        FROM source_summary s
        LEFT JOIN (SELECT source, string_agg(reason || '=' || n, ', ' ORDER BY n DESC) AS reject_reasons
                   FROM (SELECT source, reason, count(*) AS n FROM rejects GROUP BY ALL) GROUP BY source) r
          USING (source)
        JOIN (SELECT source, min(rowid) AS first_row FROM documents GROUP BY source) f USING (source)
        ORDER BY f.first_row""").df()


def main(argv: list[str] | None = None) -> None:
    """CLI: run the stage, or ``extract FILE.html`` to print one record."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.clean", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    extract = sub.add_parser("extract", help="print one HTML page's document record as JSON")
    extract.add_argument("file", type=Path)
    extract.add_argument("--url", default=None, help="the page's URL, if known")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "extract":
        try:
            html, encoding = decode_bytes(args.file.read_bytes())
        except (OSError, DecodeError) as exc:
            sys.exit(f"{args.file}: {exc}")
        record = extract_html(html, url=args.url, dates=load_params("clean").get("dates"))
        record.update(file=str(args.file), encoding=encoding, text=clean_text(record["text"], "plain"))
        record["n_chars"] = len(record["text"])
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return
    params = load_params("clean", include=("relevance", "privacy"))
    manifest = read_manifest()
    docs, rejects = clean(load_sources(), params, manifest=manifest, cache_dir=CLEAN_CACHE_DIR)
    relevance = admission.run(docs, load_params("admission"), params["relevance"], kept_file=STANCE_LABEL_FILE,
                              dropped_file=RELEVANCE_LABEL_FILE, check_file=ADMITTED_CHECK_FILE,
                              key=StoredKeys.from_params(params["privacy"]))
    with warehouse.build(CLEAN_DB, SQL_DIR / "clean", fresh=True) as con:
        write_warehouse(con, docs, rejects, manifest)
        summary = summarise(con)
        totals = con.execute("SELECT count(*), count(published_at), count(*) FILTER (WHERE is_relevant AND "
                             "duplicate_of IS NULL) FROM documents").fetchone()
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        print("\nRelevance summary: documents per source, kept = relevant and not a duplicate\n")
        print(summary.to_string(index=False))
    print(f"\n{totals[0]} documents, {totals[1] / max(totals[0], 1):.1%} dated, {totals[2]} kept for "
          f"later stages, {len(rejects)} rejects → {CLEAN_DB}")
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    metrics = {"n_documents": totals[0], "n_dated": totals[1], "n_kept": totals[2], "n_rejects": len(rejects),
               "sources": json.loads(summary.to_json(orient="records"))}
    (METRICS_DIR / "clean.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (METRICS_DIR / "relevance.json").write_text(json.dumps(relevance, indent=2, sort_keys=True) + "\n",
                                                encoding="utf-8")
    cuts = relevance["classifier_cv"].get("thresholds") or {}
    print(f"relevance: {relevance['admitted_documents']} of {relevance['scored_documents']} documents with "
          f"0 < relevance < threshold admitted by the classifier (p at or above, per source type: "
          + ", ".join(f"{k} {'none' if v is None else v}" for k, v in cuts.items()) + ")")


if __name__ == "__main__":
    main()
