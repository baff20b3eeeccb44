"""Main-text extraction quality and speed on the ScrapingHub article-extraction benchmark.

Runs :func:`pipeline.sources.html.extract_html` (the extractor behind the
``html_dir`` reader and fetched web pages) on the 181 news pages of the
ScrapingHub article-extraction benchmark and scores its ``text`` against the
human-written ``articleBody`` of each page. Prints our precision, recall, F1
and exact-match accuracy next to trafilatura's published figures, plus the
pages per second; writes the figures to ``metrics/extraction.json``; and exits
with status 1 when a score is below its stored floor.

Data (``--data``; default ``<PROJECT_ROOT>/../shared/benchmarks/extraction/scrapinghub``):
    ``ground-truth.json`` maps a page id to ``{"articleBody": str, "url": str}``;
    ``html/<page id>.html.gz`` is the page as fetched (gzip, UTF-8). Files are
    decoded with :func:`pipeline.sources.decoding.decode_bytes`, as the
    readers do, and the page URL from the ground truth is passed to
    ``extract_html`` (as the web reader does).

The metric, and where each constant comes from:
    It is the one of ``evaluate.py`` in github.com/scrapinghub/article-extraction-benchmark
    (functions ``string_shingle_matching``, ``metrics_from_tp_fp_fns``,
    ``precision_score``, ``recall_score``, ``get_accuracy``), re-implemented
    here so the benchmark needs no copy of that repository:

    * tokens are the matches of ``\\w+`` (:data:`TOKEN`), case kept;
    * shingles are runs of :data:`NGRAM` = 4 consecutive tokens, counted with
      repeats (a multiset); a text with 1–3 tokens has one shorter shingle,
      and an empty text has none;
    * per page: shared = size of the multiset intersection of extracted and
      true shingles; precision = shared / extracted, recall = shared / true;
    * precision and recall are each averaged over pages (macro average), and
      F1 = 2PR / (P + R) is computed from the two averages;
    * accuracy is the share of pages whose token list equals the truth's.

Empty texts (as ``evaluate.py`` does, not "empty = perfect"):
    A page's precision is defined only when the extraction has shingles, and
    its recall only when the truth has shingles; each average runs over the
    pages where it is defined. So an empty extraction of a non-empty article
    counts as recall 0 and is left out of the precision average; a non-empty
    extraction of an empty article counts as precision 0 and is left out of
    the recall average; a page where both are empty is left out of both (it
    still counts for accuracy). No ground-truth article of this benchmark is
    empty. Where no page defines an average it is reported as 0.0, and F1 is
    0.0 when P + R = 0 (``evaluate.py`` would raise), so the gate fails
    rather than passing on nothing.

Published comparison (:data:`PUBLISHED`):
    trafilatura 2.0.0: P .938, R .978, F1 .958, accuracy .293, from the
    results table "Results of the latest evaluation with open source
    libraries added" in that repository's ``README.rst`` (also quoted in
    ``shared/README.md``). They ran ``trafilatura.extract(html,
    include_comments=False)``; ``extract_html`` uses trafilatura's
    ``bare_extraction`` with the same text settings, so the two rows should
    agree to within version differences. A second row of ours scores the
    text as the clean stage stores it, after
    ``pipeline.normalise.clean_text(text, "plain")``.

Floor (``benchmarks/extraction_floor.json``, as trafilatura's
``tests/eval_gate.py`` with ``eval_baseline.json``):
    Each of ``precision``, ``recall``, ``f1`` present in the file is a floor
    for our ``extract_html`` row. The gate runs on every full run; lowering a
    floor is an explicit, reviewed edit of that file.

Speed:
    Wall-clock pages per second over the whole run with ``--workers``
    processes (default 2, the machine's cores), and pages per second per
    worker from the summed per-page time of gunzip + decode + ``extract_html``
    (which includes htmldate's fallback date search when trafilatura finds no
    date).

Usage:
    .venv/bin/python benchmarks/extraction.py [--data DIR] [--workers N]
        [--floor FILE] [--output FILE]

Exit status: 0 all floors met; 1 a score is below its floor; 2 bad arguments
or missing benchmark files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline.config import METRICS_DIR, PROJECT_ROOT
from pipeline.normalise import clean_text
from pipeline.sources.decoding import DecodeError, decode_bytes
from pipeline.sources.html import extract_html

#: Default benchmark folder (``shared/`` sits next to the project).
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "benchmarks" / "extraction" / "scrapinghub"
#: Stored floors (see the module docstring).
FLOOR_FILE = Path(__file__).resolve().parent / "extraction_floor.json"
#: Where the figures are written.
OUTPUT_FILE = METRICS_DIR / "extraction.json"
#: Token pattern of ``evaluate.py`` (``_TOKEN_RE``).
TOKEN = re.compile(r"\w+")
#: Tokens per shingle in ``evaluate.py`` (``string_shingle_matching(ngram_n=4)``).
NGRAM = 4
#: trafilatura 2.0.0 on this benchmark, from the benchmark's ``README.rst``.
PUBLISHED = {"name": "trafilatura 2.0.0 (published)", "precision": 0.938, "recall": 0.978,
             "f1": 0.958, "accuracy": 0.293}
#: The score keys a floor may set.
FLOOR_KEYS = ("precision", "recall", "f1")


@dataclass(frozen=True)
class Scores:
    """Benchmark scores of one extractor.

    Attributes:
        precision: mean per-page shingle precision over pages with a
            non-empty extraction (0–1).
        recall: mean per-page shingle recall over pages with a non-empty
            truth (0–1).
        f1: harmonic mean of ``precision`` and ``recall`` (0–1).
        accuracy: share of pages whose tokens equal the truth's (0–1).
        pages: pages scored.
        empty_predictions: pages whose extraction has no tokens.
        empty_truths: pages whose truth has no tokens.
    """

    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int
    empty_predictions: int
    empty_truths: int


def tokenize(text: str | None) -> list[str]:
    """Return the ``\\w+`` tokens of ``text`` (case kept; ``None`` → [])."""
    return TOKEN.findall(text or "")


def shingle_counts(tokens: list[str], *, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    """Return the multiset of ``n``-token shingles of ``tokens``.

    As ``evaluate.py``'s ``_ngrams``: 1 to ``n - 1`` tokens give one shorter
    shingle; no tokens give none.
    """
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_scores(truth: str, prediction: str, *, n: int = NGRAM) -> tuple[float | None, float | None]:
    """Score one page.

    Args:
        truth: the true article body.
        prediction: the extracted text.
        n: tokens per shingle.

    Returns:
        ``(precision, recall)`` in [0, 1]: precision is ``None`` when the
        prediction has no shingles, recall ``None`` when the truth has none.
    """
    true = shingle_counts(tokenize(truth), n=n)
    pred = shingle_counts(tokenize(prediction), n=n)
    shared = (true & pred).total()
    n_pred, n_true = pred.total(), true.total()
    return (shared / n_pred if n_pred else None, shared / n_true if n_true else None)


def score_pages(pairs: Iterable[tuple[str, str]], *, n: int = NGRAM) -> Scores:
    """Score an extractor on pages, as ``evaluate.py`` does.

    Args:
        pairs: ``(truth, prediction)`` per page.
        n: tokens per shingle.

    Returns:
        The macro-averaged :class:`Scores` (see the module docstring for
        empty texts).

    Raises:
        ValueError: ``pairs`` is empty.
    """
    precisions: list[float] = []
    recalls: list[float] = []
    exact = pages = empty_pred = empty_true = 0
    for truth, prediction in pairs:
        pages += 1
        true_tokens, pred_tokens = tokenize(truth), tokenize(prediction)
        exact += true_tokens == pred_tokens
        empty_pred += not pred_tokens
        empty_true += not true_tokens
        precision, recall = page_scores(truth, prediction, n=n)
        if precision is not None:
            precisions.append(precision)
        if recall is not None:
            recalls.append(recall)
    if not pages:
        raise ValueError("no pages to score")
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, exact / pages, pages, empty_pred, empty_true)


@dataclass(frozen=True)
class Page:
    """One benchmark page: its id, URL, true article body and HTML file."""

    page_id: str
    url: str | None
    truth: str
    html_file: Path


def load_benchmark(data_dir: Path) -> list[Page]:
    """Read ``ground-truth.json`` and pair each page with ``html/<id>.html.gz``.

    Returns:
        The pages, sorted by id.

    Raises:
        FileNotFoundError: the ground truth, or a page's HTML file, is missing.
        ValueError: the ground truth is not a mapping of id → object.
    """
    truth_file = data_dir / "ground-truth.json"
    if not truth_file.is_file():
        raise FileNotFoundError(f"{truth_file}: not found; expected the ScrapingHub benchmark folder "
                                "with ground-truth.json and html/*.html.gz (pass --data DIR)")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    if not isinstance(truth, dict) or not all(isinstance(v, dict) for v in truth.values()):
        raise ValueError(f"{truth_file}: expected {{page_id: {{'articleBody': ..., 'url': ...}}}}")
    pages = []
    for page_id in sorted(truth):
        html_file = data_dir / "html" / f"{page_id}.html.gz"
        if not html_file.is_file():
            raise FileNotFoundError(f"{html_file}: no HTML for ground-truth page {page_id}")
        entry = truth[page_id]
        pages.append(Page(page_id, entry.get("url"), entry.get("articleBody") or "", html_file))
    return pages


def extract_page(page: Page) -> tuple[str, str, float, str | None]:
    """Gunzip, decode and run ``extract_html`` on one page (a worker task).

    Returns:
        ``(page_id, text, seconds, error)``: ``text`` is "" and ``error``
        says why when the file cannot be read or decoded; ``seconds`` is the
        time spent on this page.
    """
    start = time.perf_counter()
    try:
        html, _ = decode_bytes(gzip.decompress(page.html_file.read_bytes()))
    except (OSError, EOFError, DecodeError) as exc:
        return page.page_id, "", time.perf_counter() - start, f"{page.html_file.name}: {exc}"
    text = extract_html(html, url=page.url)["text"]
    return page.page_id, text, time.perf_counter() - start, None


def run_extraction(pages: list[Page], *, workers: int) -> tuple[dict[str, str], float, float, list[str]]:
    """Extract every page, with a progress bar.

    Args:
        pages: the benchmark pages.
        workers: processes; 1 runs in this process.

    Returns:
        ``(texts, wall_seconds, busy_seconds, errors)``: page id → extracted
        text; wall-clock time of the whole run; summed per-page time; one
        message per unreadable page.
    """
    texts: dict[str, str] = {}
    errors: list[str] = []
    busy = 0.0
    start = time.perf_counter()
    for page_id, text, seconds, error in tqdm(_extract_all(pages, workers=workers), total=len(pages),
                                              desc="extract", unit="page"):
        texts[page_id] = text
        busy += seconds
        if error:
            errors.append(error)
    return texts, time.perf_counter() - start, busy, errors


def _extract_all(pages: list[Page], *, workers: int) -> Iterator[tuple[str, str, float, str | None]]:
    """Yield :func:`extract_page` results in page order, from ``workers`` processes."""
    if workers == 1:
        yield from map(extract_page, pages)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(extract_page, pages, chunksize=1)


def load_floors(path: Path) -> dict[str, float]:
    """Read the floors file.

    Returns:
        score key → floor, for the keys of :data:`FLOOR_KEYS` it sets.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: it is not a JSON object, sets no floor, or a floor is
            not a number in [0, 1].
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a JSON object such as {{\"f1\": 0.95}}")
    floors = {key: doc[key] for key in FLOOR_KEYS if key in doc}
    if not floors:
        raise ValueError(f"{path}: sets no floor; expected one of {list(FLOOR_KEYS)}")
    for key, value in floors.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{path}: '{key}' must be a number in [0, 1], got {value!r}")
    return {key: float(value) for key, value in floors.items()}


def below_floor(scores: Scores, floors: dict[str, float]) -> list[str]:
    """Return one message per score below its floor (empty when all pass).

    Scores are compared rounded to 4 places, as trafilatura's gate does.
    """
    return [f"{key} {round(getattr(scores, key), 4):.4f} < floor {floor:.4f}"
            for key, floor in floors.items() if round(getattr(scores, key), 4) < floor]


def _row(name: str, scores: dict[str, Any]) -> str:
    return (f"{name:<32} {scores['precision']:>9.3f} {scores['recall']:>7.3f} {scores['f1']:>7.3f} "
            f"{scores['accuracy']:>9.3f}")


def main(argv: list[str] | None = None) -> int:
    """CLI: run the benchmark, print the table, write the JSON, apply the floors.

    Returns:
        The exit status (0 pass, 1 below a floor, 2 bad input).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="benchmark folder with ground-truth.json and html/ (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes (default: %(default)s)")
    parser.add_argument("--floor", type=Path, default=FLOOR_FILE, help="floors file (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=OUTPUT_FILE, help="JSON results (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    try:
        floors = load_floors(args.floor)
        pages = load_benchmark(args.data)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    texts, wall, busy, errors = run_extraction(pages, workers=args.workers)
    ours = score_pages((p.truth, texts[p.page_id]) for p in pages)
    stored = score_pages((p.truth, clean_text(texts[p.page_id], "plain")) for p in pages)
    failures = below_floor(ours, floors)

    print(f"\nScrapingHub article-extraction benchmark: {len(pages)} pages ({args.data})")
    print(f"{'':<32} {'precision':>9} {'recall':>7} {'F1':>7} {'accuracy':>9}")
    print(_row("ours: extract_html", asdict(ours)))
    print(_row("ours: as stored (clean_text)", asdict(stored)))
    print(_row(PUBLISHED["name"], PUBLISHED))
    print(f"\nspeed: {len(pages) / wall:.2f} pages/s wall ({wall:.1f} s, {args.workers} worker(s)); "
          f"{len(pages) / busy:.2f} pages/s per worker")
    print(f"empty extractions: {ours.empty_predictions}; unreadable pages: {len(errors)}")
    for error in errors:
        print(f"  {error}")
    floor_text = ", ".join(f"{k} {v:.4f}" for k, v in floors.items())
    print(f"floor ({floor_text}): " + ("FAIL: " + "; ".join(failures) if failures else "pass"))

    results = {
        "benchmark": "scrapinghub/article-extraction-benchmark",
        "pages": len(pages),
        "ours": {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(ours).items()},
        "ours_as_stored": {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(stored).items()},
        "published": PUBLISHED,
        "floors": floors,
        "passed": not failures,
        "workers": args.workers,
        "seconds": round(wall, 2),
        "pages_per_s": round(len(pages) / wall, 3),
        "pages_per_s_per_worker": round(len(pages) / busy, 3),
        "unreadable_pages": errors,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"→ {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
