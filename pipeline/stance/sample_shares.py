"""Stance shares by reading: the stratified estimate from the labelled documents.

The document labels (``corpora/labels/stance_v1.jsonl``) were drawn per source
file in a fixed pseudo-random order (``corpora/labels/README.md``, "Which
documents"), far above the corpus share for policy texts and far below it for
X posts. Within a source file they are a simple random sample of its corpus
documents, so each source's label mix estimates the mix of its documents
without a training label, and weighting the sources by those documents gives
the shares of the documents the model's shares count (the stratified
estimator, Cochran 1977, *Sampling Techniques*, 3rd ed., ch. 5).

No classifier is involved: the interval is the sampling error of the reading,
not a model's. The readers are LLM annotator sessions (two blind readings
agree at kappa 0.85, ``benchmarks/label_agreement.py``), so these are shares
"as a careful reader of the codebook labels them". Session-31 review: the
model's shares lean on the labelled mix or over-count `pro_china_tools`; this
estimate checks them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Two-sided 95 % normal quantile.
Z95 = 1.959964

SAMPLE_COLUMNS = ["label", "share", "lo", "hi", "n_labelled", "n_docs", "n_unlabelled", "n_sources"]


def sample_shares(labelled_sources: Sequence[str], labelled_labels: Sequence[str], corpus_sources: Sequence[str],
                  labels: Sequence[str]) -> pd.DataFrame:
    """Each label's share of the corpus documents without a training label,
    estimated from the labelled documents, stratified by source file.

    Args:
        labelled_sources, labelled_labels: source file and label of each
            labelled corpus document (``(n,)`` each).
        corpus_sources: source file of every corpus document, labelled ones
            included (``(N,)``).
        labels: the label order of the result.

    Returns:
        One row per label (:data:`SAMPLE_COLUMNS`): ``share`` and its 95 %
        normal interval ``lo``–``hi`` (0–1, clipped), ``n_labelled`` (the
        labelled documents behind it), ``n_docs`` (the unlabelled documents of
        the sources with labels: what the share is of), ``n_unlabelled`` (all
        unlabelled documents; the rest are in sources nobody read) and
        ``n_sources`` (the sources with unlabelled documents and labels).

    In source ``s`` with ``N`` corpus documents, ``n`` of them labelled and
    label share ``p`` among those, the remainder's share is estimated by
    ``p`` with variance ``N / (N - n) * S^2 / n``, ``S^2 = n p (1 - p) /
    (n - 1)`` (a source read once contributes ``S^2 = 1/4``, the largest);
    sources are weighted by their ``N - n`` unlabelled documents.
    """
    labels = list(labels)
    lab = pd.DataFrame({"source": list(labelled_sources), "label": list(labelled_labels)})
    total = pd.Series(list(corpus_sources), dtype=object).value_counts()
    read = lab.groupby("source").size()
    strata = [(s, int(total[s]), int(read[s])) for s in sorted(read.index) if s in total and total[s] > read[s]]
    n_unl = int(total.sum() - read.reindex(total.index).fillna(0).sum())
    rest = sum(N - n for _, N, n in strata)
    rows = []
    for label in labels:
        share, var = 0.0, 0.0
        for s, N, n in strata:
            p = float((lab.loc[lab["source"] == s, "label"] == label).mean())
            w = (N - n) / rest
            s2 = n * p * (1 - p) / (n - 1) if n > 1 else 0.25
            share += w * p
            var += w * w * N / (N - n) * s2 / n
        half = Z95 * np.sqrt(var)
        rows.append([label, share, max(0.0, share - half), min(1.0, share + half),
                     int(sum(n for _, _, n in strata)), rest, n_unl, len(strata)])
    return pd.DataFrame(rows, columns=SAMPLE_COLUMNS)
