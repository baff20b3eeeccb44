"""Stance shares by reading: the stratified estimate from the labelled documents.

The document labels (``corpora/labels/stance_v1.jsonl``) were drawn per source
file in a fixed pseudo-random order (``corpora/labels/README.md``, "Which
documents"), far above the corpus share for policy texts and far below it for
X posts. Within a source file they are a simple random sample of the documents
eligible then (relevant, not reserved for evaluation; a session-31 review
found the labelled documents are exactly the first of each file in that order).
Each source's label mix therefore estimates the mix of its unlabelled
documents; weighted by those documents it gives their shares, and with the
labelled documents' own labels added, the shares of every corpus document of
the sources that were read (the stratified estimator, Cochran 1977, *Sampling
Techniques*, 3rd ed., ch. 5). The unlabelled documents that were not eligible
(264 reserved ones, 63 admitted later by the relevance classifier) are taken
to be like the eligible ones.

No classifier is involved: the interval is the sampling error of the reading,
not a model's. The readers are LLM annotator sessions (two blind readings
agree at kappa 0.85, ``benchmarks/label_agreement.py``), so these are shares
"as a careful reader of the codebook labels them".

The same estimator within the source files of one source type (:func:`sample_shares_by_type`) gives each
type's shares by reading: the labelled documents of a file are a random sample of that file, so any union
of files is a stratified sample too (session 33; before, only the corpus as a whole was estimated). Within
a source, the documents of one month, quarter or year are a domain of the same sample
(:func:`sample_shares_by_period`, session 34).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Two-sided level of the intervals.
LEVEL = 0.95

SAMPLE_COLUMNS = ["label", "corpus_share", "corpus_lo", "corpus_hi", "share", "lo", "hi", "n_labelled", "n_docs",
                  "n_covered", "n_unlabelled", "n_sources"]


def korn_graubard(share: float, var: float, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Clopper–Pearson interval on the effective sample size ``share (1 -
    share) / var`` (Korn and Graubard 1998, "Confidence intervals for
    proportions with small expected number of positive counts estimated from
    survey data", Survey Methodology 24), capped at ``n``; ``n`` itself where
    the variance is 0. Better than the normal interval for shares of a few
    per cent (session-31 review: 0.9–2.7 % against 1.0–2.9 % for
    ``security_hawk``)."""
    from scipy.stats import beta

    n_eff = min(float(n), share * (1 - share) / var) if var > 0 and 0 < share < 1 else float(n)
    x, a = share * n_eff, (1 - level) / 2
    lo = float(beta.ppf(a, x, n_eff - x + 1)) if x > 0 else 0.0
    hi = float(beta.ppf(1 - a, x + 1, n_eff - x)) if x < n_eff else 1.0
    return lo, hi


def sample_shares(labelled_sources: Sequence[str], labelled_labels: Sequence[str], corpus_sources: Sequence[str],
                  labels: Sequence[str]) -> pd.DataFrame:
    """Each label's share of the corpus documents of the sources that were
    read, and of their documents without a training label, estimated from the
    labelled documents, stratified by source file.

    Args:
        labelled_sources, labelled_labels: source file and label of each
            labelled corpus document (``(n,)`` each).
        corpus_sources: source file of every corpus document, labelled ones
            included (``(N,)``).
        labels: the label order of the result.

    Returns:
        One row per label (:data:`SAMPLE_COLUMNS`; shares 0–1 with 95 %
        Korn–Graubard intervals, :func:`korn_graubard`): ``corpus_share``
        (``corpus_lo``–``corpus_hi``), of the ``n_covered`` corpus documents
        of the sources with labels (the labelled ones counted as labelled);
        ``share`` (``lo``–``hi``), of their ``n_docs`` unlabelled documents,
        the population the model's shares count (NaN where ``n_docs`` is 0); ``n_labelled`` (the labels
        behind it); ``n_unlabelled`` (all unlabelled corpus documents: the
        rest are in files nobody read) and ``n_sources``.

    In source ``s`` with ``N`` corpus documents, ``n`` of them labelled and
    label share ``p`` among those, the remainder's share is estimated by
    ``p`` with variance ``N / (N - n) * S^2 / n``, ``S^2 = n p (1 - p) /
    (n - 1)`` (a source read once contributes ``S^2 = 1/4``, the largest);
    the unlabelled shares weight sources by ``N - n``, the corpus shares add
    the ``n p`` labelled documents and divide by the covered ``N``. The labelled documents' labels are
    known, so the corpus interval is the unlabelled share's interval carried through the same sum
    (session-33 review: a Korn–Graubard interval on the corpus share with the labels as sample size gave
    bounds the counts rule out, 10.9 % for a type whose read documents alone make 28 %); where every
    document of the covered sources is labelled, the share is a count and its interval has no width.
    """
    labels = list(labels)
    lab = pd.DataFrame({"source": list(labelled_sources), "label": list(labelled_labels)})
    total = pd.Series(list(corpus_sources), dtype=object).value_counts()
    read = lab.groupby("source").size()
    strata = [(s, int(total[s]), int(read[s])) for s in sorted(read.index) if s in total and total[s] > read[s]]
    covered = [(s, int(total[s]), int(read[s])) for s in sorted(read.index) if s in total]
    n_unl = int(total.sum() - read.reindex(total.index).fillna(0).sum())
    rest, n_cov = sum(N - n for _, N, n in strata), sum(N for _, N, _ in covered)
    n_lab = int(sum(n for _, _, n in strata))
    rows = []
    for label in labels:
        share, var, known = 0.0, 0.0, 0.0
        for s, N, n in covered:
            p = float((lab.loc[lab["source"] == s, "label"] == label).mean())
            known += n * p
            if N == n:
                continue
            w = (N - n) / rest
            s2 = n * p * (1 - p) / (n - 1) if n > 1 else 0.25
            share += w * p
            var += w * w * N / (N - n) * s2 / n
        corpus = (known + rest * share) / n_cov
        lo, hi = korn_graubard(share, var, n_lab) if rest else (share, share)
        c_lo, c_hi = (known + rest * lo) / n_cov, (known + rest * hi) / n_cov
        if not rest:  # no unlabelled document: no share of them (NULL in the tables)
            share = lo = hi = float("nan")
        rows.append([label, corpus, c_lo, c_hi, share, lo, hi, n_lab, rest, n_cov, n_unl, len(strata)])
    out = pd.DataFrame(rows, columns=SAMPLE_COLUMNS)
    return out.astype({c: float for c in SAMPLE_COLUMNS[1:7]})


def sample_shares_by_type(file_types: Mapping[str, str], labelled_sources: Sequence[str],
                          labelled_labels: Sequence[str], corpus_sources: Sequence[str],
                          labels: Sequence[str]) -> pd.DataFrame:
    """:func:`sample_shares` within each source type: the labelled and corpus documents of the source files
    of that type only.

    Args:
        file_types: source file → source type (every file of ``corpus_sources``).
        labelled_sources, labelled_labels, corpus_sources, labels: as :func:`sample_shares`.

    Returns:
        ``source_type`` and the :data:`SAMPLE_COLUMNS`, one row per (type, label), types in name order;
        a type none of whose files holds a label is left out.

    Raises:
        KeyError: a file of ``corpus_sources`` or ``labelled_sources`` has no type.
    """
    lab = pd.DataFrame({"source": list(labelled_sources), "label": list(labelled_labels)})
    corpus = pd.Series(list(corpus_sources), dtype=object)
    lab["type"], kinds = lab["source"].map(lambda f: file_types[f]), corpus.map(lambda f: file_types[f])
    parts = [sample_shares(group["source"], group["label"], corpus[kinds == kind], labels).assign(source_type=kind)
             for kind, group in lab.groupby("type", sort=True)]
    if not parts:
        return pd.DataFrame(columns=["source_type", *SAMPLE_COLUMNS])
    return pd.concat(parts, ignore_index=True)[["source_type", *SAMPLE_COLUMNS]]


#: ``params.yaml`` ``stance.sample_period`` → pandas period alias.
PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}


def period_start(dates: Sequence[Any], period: str) -> pd.Series:
    """The first day (``datetime.date``) of each date's calendar ``period`` in UTC; a missing date stays
    missing (``NaT``). A date without a time zone is read as UTC; where every date is missing the result is
    all ``NaT`` (dtype ``datetime64``). A Series keeps its index, so the result aligns with its frame.

    Raises:
        ValueError: ``period`` is not one of :data:`PERIODS` (names the ``params.yaml`` key).
    """
    if period not in PERIODS:
        raise ValueError(f"params.yaml stance.sample_period: {period!r} is not one of {sorted(PERIODS)}")
    index = dates.index if isinstance(dates, pd.Series) else None
    days = pd.to_datetime(pd.Series(list(dates), index=index, dtype=object), utc=True).dt.tz_convert(None)
    return days.dt.to_period(PERIODS[period]).dt.start_time.dt.date


def sample_shares_by_period(labelled: pd.DataFrame, corpus: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """:func:`sample_shares` within each source and period: the shares by reading of one source's documents
    dated in one month, quarter or year.

    Within a source file the labelled documents are a simple random sample, so those dated in a period are a
    simple random sample of the file's documents of that period, given how many fell in it (a domain of the
    sample; Cochran 1977, section 2.13). That holds for months as well as for whole files: what a period lacks is
    labels, not randomness (about 45 per quarter in the newsletter recaps before session 34's second round).

    Args:
        labelled: one row per labelled corpus document, ``source, source_file, period, label``.
        corpus: one row per corpus document, labelled ones included, ``source, source_file, period``; a
            document with no period (``NaT``/``None``) counts in no period.
        labels: the label order of the result.

    Returns:
        ``source, period`` and the :data:`SAMPLE_COLUMNS`, one row per (source, period, label), sorted by
        source and period; a (source, period) with no labelled document is left out.
    """
    labelled, corpus = labelled.dropna(subset=["period"]), corpus.dropna(subset=["period"])
    parts = [sample_shares(group["source_file"], group["label"],
                           corpus.loc[(corpus["source"] == src) & (corpus["period"] == when), "source_file"],
                           labels).assign(source=src, period=when)
             for (src, when), group in labelled.groupby(["source", "period"], sort=True)]
    if not parts:
        return pd.DataFrame(columns=["source", "period", *SAMPLE_COLUMNS])
    return pd.concat(parts, ignore_index=True)[["source", "period", *SAMPLE_COLUMNS]]


def file_types(source_files: Sequence[str], source_types: Sequence[str]) -> dict[str, str]:
    """Source file → source type, from the documents' columns (``(n,)`` each).

    Raises:
        ValueError: a file holds documents of two types (names the file and the types): its labels could
            not be put in one type's strata.
    """
    pairs = pd.DataFrame({"file": list(source_files), "type": list(source_types)}).drop_duplicates()
    twice = pairs[pairs["file"].duplicated(keep=False)]
    if len(twice):
        f = twice["file"].iloc[0]
        raise ValueError(f"{f}: documents of source types {sorted(twice.loc[twice['file'] == f, 'type'])}")
    return dict(zip(pairs["file"], pairs["type"]))


def equal_shares_p(periods: Sequence[Any], strata: Sequence[str], hits: Sequence[bool], *, reps: int = 10_000,
                   seed: int = 0) -> float:
    """Permutation p-value of "the label's share is the same in every period": Pearson's chi-square of the
    period × (label, other) counts of the labelled documents, against the same statistic with the documents'
    periods shuffled within each stratum (source file), so each file keeps its labels and its periods' sizes.

    Args:
        periods, strata, hits: per labelled document (``(n,)`` each), its period, its source file and whether
            its label is the one tested.
        reps: permutations (10,000: the p-value's own standard error is at most 0.005).
        seed: of the permutations (numpy ``default_rng``), for a deterministic report.

    Returns:
        ``(1 + #{permuted >= observed}) / (1 + reps)``; 1.0 with fewer than two periods, or where no label or
        every label is a hit (nothing to compare).
    """
    period_codes, period_index = np.unique(np.asarray([str(x) for x in periods]), return_inverse=True)
    y = np.asarray(hits, dtype=float)
    if len(period_codes) < 2 or y.sum() == 0 or y.sum() == len(y):
        return 1.0
    size = np.bincount(period_index).astype(float)
    expect = size * y.mean()

    def stat(index: np.ndarray) -> float:
        got = np.bincount(index, weights=y, minlength=len(size))
        return float((((got - expect) ** 2) / expect + ((got - expect) ** 2) / (size - expect)).sum())

    observed = stat(period_index)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(np.asarray(list(strata)) == s) for s in sorted(set(strata))]
    shuffled, beats = period_index.copy(), 0
    for _ in range(reps):
        for g in groups:
            shuffled[g] = period_index[g][rng.permutation(len(g))]
        beats += stat(shuffled) >= observed - 1e-9
    return (1 + beats) / (1 + reps)

