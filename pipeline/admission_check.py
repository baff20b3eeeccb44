"""Admitted documents read afterwards: the on-topic classifier's precision by
reading (issue 18 §6).

The classifier of :mod:`pipeline.admission` chooses its thresholds on a few
dozen out-of-fold labels per source type, so its precision is also measured
directly: documents it admitted, read by the stance codebook after admission
(``corpora/labels/admitted_check_v1.jsonl``), and the stance labels of
documents the query drops (``stance_v1.jsonl``, drawn while the classifier
had admitted them). None of these train it. The clean stage writes the count
to ``metrics/relevance.json`` → ``admitted_read_after``; the report quotes it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.admission import OFF_TOPIC, refuse_reserved


def read_after_admission(frame: pd.DataFrame, admitted: set[str], kept_labels: pd.DataFrame,
                         check_labels: pd.DataFrame | None, threshold: float, reserved: set | None = None,
                         training: set[str] | None = None) -> dict[str, Any]:
    """How many admitted documents a reader found on topic, out of training.

    Args:
        frame: ``doc_id, source_file, native_id, relevance`` of every document.
        admitted: doc_ids the classifier admitted.
        kept_labels: :func:`read_document_labels` of ``stance_v1.jsonl``; its
            labels on documents the query drops (drawn while the classifier
            had admitted them) count here, as :func:`labelled_documents`
            leaves them out of training.
        check_labels: :func:`read_document_labels` of
            ``admitted_check_v1.jsonl`` (admitted documents read afterwards;
            None: no such file).
        threshold: the query threshold.
        reserved: reserved ``(source_file, native_id)`` pairs (default: none
            checked).
        training: doc_ids whose label trains the classifier (a document
            ``relevance_v1.jsonl`` holds too is in sample, so it is left out
            here even where another reader's label exists).

    Returns:
        ``n_admitted, n_read, n_on_topic, n_reserved`` (admitted documents
        reserved for evaluation, never read), ``n_training`` (admitted
        documents with a training label), ``precision`` (None with nothing
        read), ``precision_ci`` (95 % Wilson) and ``labels`` (what was
        counted). A document in both files counts once, by the check file.

    Raises:
        ValueError: the check file labels a reserved document.
    """
    from pipeline.relevance_eval import wilson

    ids, on = frame[["doc_id", "source_file", "native_id", "relevance"]], ["source_file", "native_id"]
    dropped = kept_labels.merge(ids, on=on)
    check = check_labels if check_labels is not None else kept_labels.iloc[:0]
    refuse_reserved(check, reserved or set(), "admitted check labels")
    read = pd.concat([dropped[dropped["relevance"] < threshold], check.merge(ids, on=on)], ignore_index=True)
    read = read.drop_duplicates("doc_id", keep="last")
    read = read[read["doc_id"].isin(admitted) & ~read["doc_id"].isin(training or set())]
    n, k = len(read), int((read["label"] != OFF_TOPIC).sum())
    pairs = frame[frame["doc_id"].isin(admitted)]
    n_reserved = sum(p in (reserved or set()) for p in zip(pairs["source_file"], pairs["native_id"]))
    return {"n_admitted": len(admitted), "n_read": n, "n_on_topic": k, "n_reserved": n_reserved,
            "n_training": len(admitted & set(training or ())),
            "precision": round(k / n, 4) if n else None, "precision_ci": wilson(k, n),
            "labels": "admitted_check_v1.jsonl, and stance_v1.jsonl labels on documents the query drops; "
                      "documents with a training label (relevance_v1.jsonl) are left out"}
