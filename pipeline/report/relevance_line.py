"""The relevance figures of the report's corpus section: the keyword query's
precision and recall against the document labels, and the documents the
on-topic classifier admitted (``metrics/relevance.json`` of stage ``clean``,
:mod:`pipeline.admission`; ``documents.admitted_by`` of the warehouse)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline import workspace
from pipeline.config import METRICS_DIR


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _n(n: int, one: str, many: str) -> str:
    """``n`` and the verb phrase that agrees with it: ``_n(1, "is", "are")`` → ``"1 is"``."""
    return f"{n:,} {one if n == 1 else many}"


def _ci(ci: list[float | None]) -> str:
    return f"{_f(ci[0])}–{_f(ci[1])}"


def relevance_lines(con: Any, metrics_file: Path = METRICS_DIR / "relevance.json") -> list[str]:
    """One paragraph (and a blank line): the query's weighted precision and
    recall with 95 % intervals, the unweighted ones, the number of
    documents the classifier admitted by source type and, when it admits,
    the thresholds per source type (``classifier_cv.thresholds``), the
    weighted recall and precision of query and classifier together, and
    how many admitted documents a reader found on topic out of training
    (``admitted_read_after``). A missing metrics file says so instead of
    the figures."""
    admitted = workspace.query(con, "SELECT source_type, count(*) AS n FROM documents WHERE admitted_by = "
                                    "'classifier' AND duplicate_of IS NULL GROUP BY 1 ORDER BY 2 DESC, 1")
    n = int(admitted["n"].sum())
    by_type = "; " + ", ".join(f"{r.source_type} {r.n:,}" for r in admitted.itertuples()) if n else ""
    if not metrics_file.exists():
        return [f"**Relevance filter.** {metrics_file.name} not found (stage `clean` writes it); "
                f"{n:,} documents admitted by the on-topic classifier (`documents.admitted_by`{by_type}).", ""]
    m: dict[str, Any] = json.loads(metrics_file.read_text(encoding="utf-8"))
    q, lab, cv = m["query"], m["labels"], m["classifier_cv"]
    w, u = q["weighted"], q["unweighted"]
    cuts = {k: v for k, v in (cv.get("thresholds") or {}).items() if v is not None}
    none = sorted(k for k, v in (cv.get("thresholds") or {}).items() if v is None)
    both = m.get("query_plus_classifier_cv", {}).get("weighted")
    after = (f" Query and classifier together (out-of-fold admissions) reach recall {both['recall']:.3f} "
             f"({_ci(both['recall_ci'])}), against {w['recall']:.3f} for the query alone, at precision "
             f"{_f(both['precision'])}, weighted." if cuts and both else "")
    read = m.get("admitted_read_after") or {}
    if n and read.get("n_read"):
        rest = read["n_admitted"] - read["n_read"] - read.get("n_training", 0) - read.get("n_reserved", 0)
        after += (f" Read after admission (documents that never trained the classifier, read in "
                  f"`corpora/labels/admitted_check_v1.jsonl` or drawn for the stance labels while it admitted "
                  f"them): {read['n_on_topic']:,} of {read['n_read']:,} are on topic (precision "
                  f"{_f(read['precision'])}, 95 % Wilson {_ci(read['precision_ci'])}); of the other "
                  f"{read['n_admitted'] - read['n_read']:,} admitted, "
                  + _n(read.get("n_training", 0), "is its training label", "are its training labels")
                  + " (in sample), " + _n(read.get("n_reserved", 0), "is", "are") + " reserved for evaluation and "
                  + _n(rest, "was", "were") + " not read.")
    return [f"**Relevance filter.** The keyword query keeps documents at relevance ≥ {m['query_threshold']}. Against "
            f"{q['n_labels']:,} read documents ({lab['n_kept_labels']:,} it kept, {lab['n_dropped_labels']:,} it "
            f"dropped, sampled per source and score), its precision for on-topic documents (any label but "
            f"`off_topic`) is {_f(w['precision'])} (95 % CI {_ci(w['precision_ci'])}) and its recall "
            f"{_f(w['recall'])} ({_ci(w['recall_ci'])}), weighted by the sampling strata (unweighted "
            f"{_f(u['precision'])} and {_f(u['recall'])}). **{n:,} documents** below the threshold were admitted "
            f"by the on-topic classifier (`documents.admitted_by`{by_type}; "
            + (("p ≥ " + ", ".join(f"{v:.2f} for {k}" for k, v in sorted(cuts.items())) + ", the grouped-CV "
                f"thresholds per source type for precision ≥ {cv['min_precision']:.2f}"
                + (f"; no threshold reached it for {', '.join(none)}" if none else "") + ").")
               if cuts else f"no threshold reached precision {cv['min_precision']:.2f} in grouped CV for any "
                            f"source type).")
            + after + " See `metrics/relevance.json`.", ""]
