"""Stage ``clean``: every declared source → one table of clean, dated,
deduplicated, tagged and relevance-scored documents.

Steps, in order: read each source (readers in :mod:`pipeline.sources`),
resolve repeated native ids, clean the text (HTML/markdown → plain, NFC,
whitespace), pseudonymise social handles, parse dates to UTC, detect the
language (py3langid), mark exact and near duplicates, score relevance, then
write ``documents``, ``rejects`` and ``manifest`` to the warehouse in one
atomic swap, and ``metrics/clean.json``.

CLI:
    python -m pipeline.clean                 # run the stage
    python -m pipeline.clean extract FILE.html   # one HTML record as JSON
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import sys
from urllib.parse import urlsplit
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from tqdm import tqdm

from pipeline import warehouse
from pipeline.config import CLEAN_CACHE_DIR, CLEAN_DB, METRICS_DIR, SQL_DIR, load_params
from pipeline.dedup import find_duplicates, signatures
from pipeline.normalise import clean_text, parse_date, pseudonymise
from pipeline.relevance import RelevanceQuery
from pipeline.scrape import read_manifest
from pipeline.stage_cache import KeyedStore, drop_legacy, fingerprint
from pipeline.sources import RawRecord, Reject, load_sources, make_reader
from pipeline.sources.decoding import DecodeError, decode_bytes
from pipeline.sources.html import extract_html

LOG = logging.getLogger(__name__)


@dataclass
class Document:
    """A normalised document; one row of ``documents`` (see ``001_init.sql``)."""

    doc_id: str
    source: str
    source_file: str
    native_id: str
    line: int | None
    platform: str
    source_type: str
    url: str | None
    title: str | None
    author: str | None
    outlet: str | None
    published_at: dt.datetime | None
    date_precision: str | None
    lang: str | None
    text: str
    n_chars: int
    content_sha256: str
    raw_sha256: str
    n_records: int = 1
    duplicate_of: str | None = None
    duplicate_kind: str | None = None
    relevance: float = 0.0
    relevance_terms: list[str] = field(default_factory=list)
    is_relevant: bool = False
    ingested_at: dt.datetime | None = None


def doc_id_for(source: str, source_file: str, native_id: str) -> str:
    """Stable document id: the first 16 hex digits of
    sha256(source + U+001F + source_file + U+001F + native_id).

    ``source_file`` is part of the key because file-name native ids repeat
    across folders of one source (two White House pages share a file name);
    web pages use the manifest as their ``source_file``, so a re-fetch keeps
    the id.
    """
    return hashlib.sha256(f"{source}\x1f{source_file}\x1f{native_id}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def resolve_native_ids(items: list[RawRecord | Reject], *, merge: bool) -> list[RawRecord | Reject]:
    """Handle records of one source file that share a ``native_id``.

    A record whose raw bytes repeat an earlier record with the same id is a
    ``duplicate_record`` reject. Otherwise, with ``merge`` the records become
    one document at the first one's position (texts joined as paragraphs,
    all dates kept in ``extra["dates"]``); without it, later ones are
    ``duplicate_native_id`` rejects naming the first line.

    Returns:
        The items in their original order, with repeats replaced.
    """
    first: dict[tuple[str, str], RawRecord] = {}
    seen_raw: dict[tuple[str, str], set[str]] = defaultdict(set)
    out: list[RawRecord | Reject] = []
    for item in items:
        if isinstance(item, Reject):
            out.append(item)
            continue
        key = (item.source_file, item.native_id)
        where = f"{item.source_file}:{item.line}" if item.line else item.source_file
        if key in first:
            head = first[key]
            if item.raw_sha256 in seen_raw[key]:
                out.append(Reject(item.source, item.source_file, "duplicate_record",
                                  f"{where}: repeats line {head.line} byte for byte (native_id {item.native_id!r})",
                                  native_id=item.native_id, line=item.line, raw_sha256=item.raw_sha256))
            elif merge:
                head.extra.setdefault("texts", [head.text]).append(item.text)
                head.extra.setdefault("dates", [head.date_raw]).append(item.date_raw)
                head.extra["n_records"] = head.extra.get("n_records", 1) + 1
            else:
                out.append(Reject(item.source, item.source_file, "duplicate_native_id",
                                  f"{where}: native_id {item.native_id!r} already used at line {head.line}",
                                  native_id=item.native_id, line=item.line, raw_sha256=item.raw_sha256))
            seen_raw[key].add(item.raw_sha256)
            continue
        first[key] = item
        seen_raw[key].add(item.raw_sha256)
        out.append(item)
    for head in first.values():
        if "texts" in head.extra:
            head.text = "\n\n".join(dict.fromkeys(t for t in head.extra["texts"] if t))
    return out


@dataclass
class Normaliser:
    """Turns :class:`RawRecord` into :class:`Document` (params: ``clean``)."""

    earliest: dt.datetime
    latest: dt.datetime
    lang_max_chars: int
    salt: str
    keep_handles: frozenset[str]
    identifier: LanguageIdentifier

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "Normaliser":
        """Build from the ``clean`` params section; the pseudonym salt comes
        from the environment variable named by ``pseudonymise.salt_env``,
        else ``pseudonymise.salt``."""
        pseudo = params["pseudonymise"]
        day = lambda s: dt.datetime.fromisoformat(str(s)).replace(tzinfo=dt.UTC)  # noqa: E731
        return cls(
            earliest=day(params["earliest_date"]),
            latest=day(params["latest_date"]),
            lang_max_chars=int(params["lang_max_chars"]),
            salt=os.environ.get(pseudo["salt_env"], "") or str(pseudo["salt"]),
            keep_handles=frozenset(h.lower() for h in pseudo.get("keep_handles", [])),
            identifier=language_identifier(params["languages"]),
        )

    def __call__(self, rec: RawRecord, spec: dict[str, Any]) -> tuple[Document | None, list[Reject]]:
        """Normalise one record.

        Returns:
            ``(document, rejects)``: document is ``None`` when no text is
            left after cleaning (then rejects holds a ``no_text`` row); a
            refused date gives a ``bad_date`` row while the document is kept
            with its date from the source's window or NULL.
        """
        rejects: list[Reject] = []
        where = f"{rec.source_file}:{rec.line}" if rec.line else rec.source_file
        text = clean_text(rec.text, rec.text_format)
        title = clean_text(rec.title, "plain") if rec.title else None
        if not text and title:
            text = title
        if not text:
            return None, [Reject(rec.source, rec.source_file, "no_text", f"{where}: no text after cleaning",
                                 native_id=rec.native_id, line=rec.line, raw_sha256=rec.raw_sha256)]
        author, url = rec.author, rec.url
        if spec["pseudonymise"]:
            text = pseudonymise(text, salt=self.salt, keep=self.keep_handles)
            title = pseudonymise(title, salt=self.salt, keep=self.keep_handles)
            author = pseudonymise(author, salt=self.salt, keep=self.keep_handles)
            url = pseudonymise(url, salt=self.salt, keep=self.keep_handles)
        published, precision = None, None
        for raw in rec.extra.get("dates", [rec.date_raw]):
            value, prec, problem = parse_date(raw, earliest=self.earliest, latest=self.latest)
            if problem:
                rejects.append(Reject(rec.source, rec.source_file, "bad_date", f"{where}: {problem}; date left empty",
                                      native_id=rec.native_id, line=rec.line, raw_sha256=rec.raw_sha256))
            elif value is not None and (published is None or value < published):
                published, precision = value, rec.date_precision or prec
        if published is None and spec.get("date_window"):
            start = dt.date.fromisoformat(str(spec["date_window"][0]))
            published = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
            precision = "window"
        # A language given by the source (a tweet's ``lang``) wins over detection.
        lang = rec.lang_hint or self.identifier.classify(text[: self.lang_max_chars])[0]
        return Document(
            doc_id=doc_id_for(rec.source, rec.source_file, rec.native_id),
            source=rec.source,
            source_file=rec.source_file,
            native_id=rec.native_id,
            line=rec.line,
            platform=spec["platform"],
            source_type=spec["source_type"],
            url=url,
            title=title,
            author=author,
            outlet=rec.outlet or spec.get("outlet") or _host(url),
            published_at=published,
            date_precision=precision,
            lang=lang,
            text=text,
            n_chars=len(text),
            content_sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            raw_sha256=rec.raw_sha256,
            n_records=rec.extra.get("n_records", 1),
        ), rejects


def language_identifier(languages: list[str]) -> LanguageIdentifier:
    """py3langid's identifier (Lui & Baldwin 2012, langid.py) restricted to
    ``languages`` (ISO 639-1 codes from params): unrestricted, short posts are
    often labelled as rare languages (Nigerian Pidgin, Latin, Malagasy).

    One identifier per language set and process, shared (loading the model
    file took 0.6 s, once per source); callers must not change it.

    Raises:
        ValueError: a code is not in the model.
    """
    return _language_identifier(tuple(languages))


@functools.lru_cache(maxsize=4)
def _language_identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(languages))
    return identifier


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def read_source(spec: dict[str, Any], params: dict[str, Any], root: Path | None
                ) -> tuple[list[Document], list[Reject], list[Any]]:
    """Read, normalise and score one source, ready for corpus-wide dedup.

    Args:
        spec: the source's validated ``sources.yaml`` entry.
        params: the ``clean`` params section.
        root: ``corpora/`` folder override (tests), else ``None``.

    Returns:
        ``(documents, rejects, signatures)``: documents in the source's order
        with relevance scored and ``ingested_at`` unset; one MinHash
        signature (:func:`pipeline.dedup.signatures`) or ``None`` per
        document.
    """
    normalise = Normaliser.from_params(params)
    query = RelevanceQuery.from_params(params["relevance"])
    reader = make_reader(spec, **({"root": root} if root else {}))
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


def source_fingerprint(spec: dict[str, Any], params: dict[str, Any], root: Path | None) -> str:
    """sha256 of what :func:`read_source` reads besides its arguments: the
    paths and bytes of the source's input files (``Reader.inputs``: its
    files and side files such as an author lookup, or the scrape manifest of
    a web source), the params in their order, the pseudonym salt from the
    environment, the code of the clean stage, its readers and
    ``pipeline/config.py``, and the versions of the libraries that shape the
    text (trafilatura, py3langid, datasketch, ...). Not covered: dateutil
    fills a date's missing year from the day of the run, so a cached source
    keeps the year of the run that read it."""
    import pipeline.config
    import pipeline.dedup
    import pipeline.normalise
    import pipeline.relevance
    import pipeline.sources

    reader = make_reader(spec, **({"root": root} if root else {}))
    salt = os.environ.get(params["pseudonymise"]["salt_env"], "")
    # json.dumps keeps the order of the params (the relevance terms' order is
    # the order of documents.relevance_terms)
    return fingerprint(spec, json.dumps(params, default=str), hashlib.sha256(salt.encode()).hexdigest(),
                       files=reader.inputs(), root=reader.root,
                       modules=[sys.modules[__name__], pipeline.normalise, pipeline.relevance, pipeline.dedup,
                                pipeline.config, Path(pipeline.sources.__file__).parent],
                       packages=["trafilatura", "htmldate", "lxml", "charset-normalizer", "markdown-it-py",
                                 "python-frontmatter", "python-dateutil", "jmespath", "py3langid", "datasketch",
                                 "pyyaml"])


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
    store = KeyedStore(cache_dir, "sources", fingerprint("read_source"))
    keys = [source_fingerprint(spec, params, root) if cache_dir is not None else str(i)
            for i, spec in enumerate(sources)]

    def read(todo: list[int]) -> dict[int, tuple[list[Document], list[Reject], list[Any]]]:
        return {i: read_source(sources[i], params, root)
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
    return docs, rejects


DOC_COLUMNS = ["doc_id", "source", "source_file", "native_id", "line", "platform", "source_type", "url",
               "title", "author", "outlet", "published_at", "date_precision", "lang", "text", "n_chars",
               "content_sha256", "duplicate_of", "duplicate_kind", "relevance", "relevance_terms",
               "is_relevant", "n_records", "raw_sha256", "ingested_at"]
REJECT_COLUMNS = ["source", "source_file", "native_id", "line", "reason", "detail", "raw_sha256"]
MANIFEST_COLUMNS = ["source", "kind", "url", "final_url", "status", "fetched_at", "content_type",
                    "sha256", "path", "bytes", "error"]


def write_warehouse(con: Any, docs: list[Document], rejects: list[Reject],
                    manifest: list[dict[str, Any]]) -> None:
    """Replace ``documents``, ``rejects`` and ``manifest`` in ``con``
    (delete-then-insert, in one transaction).

    Raises:
        duckdb.ConstraintException: two documents share a doc_id or a
            (source_file, native_id) pair.
    """
    doc_frame = pd.DataFrame([{c: getattr(d, c) for c in DOC_COLUMNS} for d in docs], columns=DOC_COLUMNS)
    doc_frame["line"] = doc_frame["line"].astype("Int64")
    doc_frame["published_at"] = pd.to_datetime(doc_frame["published_at"], utc=True)
    doc_frame["ingested_at"] = pd.to_datetime(doc_frame["ingested_at"], utc=True)
    reject_frame = pd.DataFrame([{c: getattr(r, c) for c in REJECT_COLUMNS} for r in rejects],
                                columns=REJECT_COLUMNS).astype({"line": "Int64"})
    manifest_frame = pd.DataFrame(manifest, columns=MANIFEST_COLUMNS).astype({"status": "Int64", "bytes": "Int64"})
    manifest_frame["fetched_at"] = pd.to_datetime(manifest_frame["fetched_at"], utc=True)
    con.execute("BEGIN TRANSACTION")
    for table, frame in (("documents", doc_frame), ("rejects", reject_frame), ("manifest", manifest_frame)):
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
        record = extract_html(html, url=args.url)
        record.update(file=str(args.file), encoding=encoding, text=clean_text(record["text"], "plain"))
        record["n_chars"] = len(record["text"])
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return
    params = load_params("clean", include=("relevance",))
    manifest = read_manifest()
    docs, rejects = clean(load_sources(), params, manifest=manifest, cache_dir=CLEAN_CACHE_DIR)
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


if __name__ == "__main__":
    main()
