"""Short labelled documents as passage training rows (issue 18 §2: the
document labels still count).

A labelled document (``stance_v1.jsonl``) whose whole text is short and is
one narrative passage is, under the codebook's passage rules (v1.3,
"Passage unit"), a labelled passage: an X post, a Reddit title, a recap
line. The stage adds such documents to the passage model's training rows
(:func:`pipeline.stance.crossval.nested_cv`, ``extra``), in their source
file's fold, so no fold is scored by a model that saw its own documents.
They are never scored as passages: the passage figures stay those of
``stance_passages_v1.jsonl``. Documents that hold a passage label are
skipped (the passage label is the closer reading).

Measured (``benchmarks/stance_trials.py``, variant ``shortdocs``; figures in
docs/methods.md): with 3,449 passage labels, 1,128 short documents lift
passage macro-F1 .397 → .456 and document macro-F1 .409 → .418.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np


def short_documents(passage_doc: Sequence[str], gold_doc: Sequence[str], doc_words: dict[str, int],
                    passage_labelled: Collection[str], max_words: int) -> tuple[np.ndarray, np.ndarray]:
    """The labelled documents that serve as passage labels.

    Args:
        passage_doc: the document of each narrative passage (``n_p``).
        gold_doc: the labelled documents, in label-row order (``n_d``).
        doc_words: words (whitespace-split) of each document's text.
        passage_labelled: documents that hold a passage label (skipped).
        max_words: the longest text that counts (params ``stance.short_doc_words``;
            0 or less: none).

    Returns:
        ``(passage_rows, gold_rows)``: for each short document, the index of
        its one narrative passage in ``passage_doc`` and its row in
        ``gold_doc``, both ``int`` arrays in ``gold_doc`` order.
    """
    if max_words <= 0:
        return np.zeros(0, int), np.zeros(0, int)
    rows: dict[str, list[int]] = {}
    for i, d in enumerate(passage_doc):
        rows.setdefault(d, []).append(i)
    skip = set(passage_labelled)
    p_rows, g_rows = [], []
    for g, d in enumerate(gold_doc):
        own = rows.get(d, [])
        if len(own) == 1 and d not in skip and doc_words.get(d, max_words + 1) <= max_words:
            p_rows.append(own[0])
            g_rows.append(g)
    return np.asarray(p_rows, dtype=int), np.asarray(g_rows, dtype=int)
