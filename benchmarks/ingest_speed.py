"""Clean-stage throughput: documents per second per source kind.

For every enabled local source of ``corpora/sources.yaml`` this does what
:func:`pipeline.clean.clean` does for it, with clocks around the steps:

* read: ``make_reader(spec)``, the reader's whole stream of records and
  rejects (for ``html_dir`` this includes trafilatura's main-text extraction),
  and ``resolve_native_ids`` (repeated native ids);
* normalise: ``Normaliser(record, spec)`` for each record (text cleaning,
  pseudonymisation, date parsing, language identification); rejects are
  skipped, as the stage only counts them.

Sources are grouped by ``kind`` and the script prints, per kind: sources,
documents (records that became documents), read, normalise and total
seconds, documents per second, and MB per second of input (the bytes of the
reader's files, 1 MB = 10**6 bytes). Then it times the two corpus-wide steps
on all the documents: near-duplicate detection
(:func:`pipeline.dedup.find_duplicates` with the ``clean.dedup`` params) and
relevance scoring (:class:`pipeline.relevance.RelevanceQuery` with
``relevance``, on title + text as the stage scores it).

Not timed: building the :class:`~pipeline.documents.Normaliser` (loading the
py3langid model, once per run) and writing the warehouse. Web kinds
(``url_list``, ``feed``, ``sitemap``) are left out: their pages are fetched by
the scrape stage, and none is enabled in the shipped ``sources.yaml``.

Constants: none are benchmark figures; every parameter comes from
``params.yaml`` (section ``clean``), and the kinds from
:data:`pipeline.sources.LOCAL_KINDS`. Timings are single-process wall-clock
(``time.perf_counter``) and vary with the machine; compare runs on one
machine only.

Usage:
    .venv/bin/python benchmarks/ingest_speed.py [--limit N]

``--limit N`` reads at most N items (records or rejects) per source, for a
quick run; MB/s is then not shown, since single-file readers read the whole
file regardless.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from itertools import islice
from typing import Any

from tqdm import tqdm

from pipeline.config import load_params
from pipeline.dedup import find_duplicates
from pipeline.documents import Document, Normaliser, resolve_native_ids
from pipeline.relevance import RelevanceQuery
from pipeline.sources import LOCAL_KINDS, Reject, load_sources, make_reader


@dataclass
class KindTiming:
    """Clock and counts for the sources of one kind.

    Attributes:
        kind: the ``kind`` of ``sources.yaml``.
        sources: sources of this kind timed.
        documents: records that became documents.
        rejects: reader rejects plus normaliser rejects (``no_text``,
            ``bad_date``).
        input_bytes: bytes of the sources' files.
        read_s: seconds spent reading (see the module docstring).
        normalise_s: seconds spent normalising.
    """

    kind: str
    sources: int = 0
    documents: int = 0
    rejects: int = 0
    input_bytes: int = 0
    read_s: float = 0.0
    normalise_s: float = 0.0

    @property
    def seconds(self) -> float:
        """Read plus normalise seconds."""
        return self.read_s + self.normalise_s


def time_source(spec: dict[str, Any], normaliser: Normaliser, timing: KindTiming, *,
                limit: int | None = None) -> list[Document]:
    """Read and normalise one source, adding its clock and counts to ``timing``.

    Args:
        spec: a validated ``sources.yaml`` entry.
        normaliser: the clean stage's normaliser.
        timing: the totals of the source's kind (updated in place).
        limit: read at most this many items (records or rejects); ``None``
            reads all.

    Returns:
        The source's documents, in corpus order.
    """
    start = time.perf_counter()
    reader = make_reader(spec)
    items = resolve_native_ids(list(islice(reader.read(), limit)), merge=spec["merge_duplicate_ids"])
    read_done = time.perf_counter()
    docs: list[Document] = []
    rejects = 0
    for item in items:
        if isinstance(item, Reject):
            rejects += 1
            continue
        doc, problems = normaliser(item, spec)
        rejects += len(problems)
        if doc is not None:
            docs.append(doc)
    timing.normalise_s += time.perf_counter() - read_done
    timing.read_s += read_done - start
    timing.sources += 1
    timing.documents += len(docs)
    timing.rejects += rejects
    timing.input_bytes += sum(path.stat().st_size for path in reader.files())
    return docs


def time_corpus_steps(docs: list[Document], params: dict[str, Any]) -> dict[str, float]:
    """Time near-duplicate detection and relevance scoring on ``docs``.

    Returns:
        ``{"dedup": seconds, "relevance": seconds, "duplicates": count}``.
    """
    dedup = params["dedup"]
    start = time.perf_counter()
    twins = find_duplicates([d.text for d in docs], [d.content_sha256 for d in docs],
                            threshold=dedup["threshold"], num_perm=dedup["num_perm"],
                            shingle_size=dedup["shingle_size"], min_words=dedup["min_words"],
                            seed=dedup["seed"])
    dedup_s = time.perf_counter() - start
    query = RelevanceQuery.from_params(params["relevance"])
    start = time.perf_counter()
    for doc in docs:
        query.score(f"{doc.title or ''}\n{doc.text}")
    relevance_s = time.perf_counter() - start
    return {"dedup": dedup_s, "relevance": relevance_s,
            "duplicates": sum(canonical is not None for canonical, _ in twins)}


def _rate(count: float, seconds: float) -> str:
    return f"{count / seconds:,.1f}" if seconds > 0 and count else "-"


def main(argv: list[str] | None = None) -> int:
    """CLI: time every local source kind and the corpus-wide steps; print tables.

    Returns:
        The exit status (0).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="read at most N records per source (default: all)")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")

    params = load_params("clean", include=("relevance", "privacy"))
    normaliser = Normaliser.from_params(params)
    sources = load_sources()
    local = [spec for spec in sources if spec["kind"] in LOCAL_KINDS]
    timings = {kind: KindTiming(kind) for kind in LOCAL_KINDS}
    docs: list[Document] = []
    for spec in tqdm(local, desc="sources", unit="source"):
        docs.extend(time_source(spec, normaliser, timings[spec["kind"]], limit=args.limit))

    total = KindTiming("all", sources=sum(t.sources for t in timings.values()),
                       documents=len(docs), rejects=sum(t.rejects for t in timings.values()),
                       input_bytes=sum(t.input_bytes for t in timings.values()),
                       read_s=sum(t.read_s for t in timings.values()),
                       normalise_s=sum(t.normalise_s for t in timings.values()))
    limited = f", at most {args.limit} records per source" if args.limit else ""
    print(f"\nClean stage, read + normalise per source kind (single process{limited})\n")
    header = (f"{'kind':<18} {'sources':>7} {'documents':>9} {'read s':>8} {'norm s':>8} {'seconds':>8} "
              f"{'docs/s':>9} {'MB/s':>7}")
    print(header)
    print("-" * len(header))
    for timing in [*timings.values(), total]:
        if timing.kind == "all":
            print("-" * len(header))
        mb_per_s = "n/a" if args.limit else _rate(timing.input_bytes / 1e6, timing.seconds)
        print(f"{timing.kind:<18} {timing.sources:>7} {timing.documents:>9,} {timing.read_s:>8.2f} "
              f"{timing.normalise_s:>8.2f} {timing.seconds:>8.2f} {_rate(timing.documents, timing.seconds):>9} "
              f"{mb_per_s:>7}")
    skipped = [spec["id"] for spec in sources if spec["kind"] not in LOCAL_KINDS]
    if skipped:
        print(f"(web sources not timed: {', '.join(skipped)})")

    corpus = time_corpus_steps(docs, params)
    print(f"\nCorpus-wide steps on {len(docs):,} documents\n")
    print(f"{'step':<18} {'seconds':>8} {'docs/s':>9}")
    for step in ("dedup", "relevance"):
        print(f"{step:<18} {corpus[step]:>8.2f} {_rate(len(docs), corpus[step]):>9}")
    print(f"({int(corpus['duplicates']):,} exact or near duplicates; {total.rejects:,} rejects)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
