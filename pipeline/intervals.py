"""Confidence intervals of proportions: the one Wilson score interval the
project uses (report shares, the narrative figure, relevance precision and
recall), from SciPy."""

from __future__ import annotations


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (Wilson 1927; Brown,
    Cai & DasGupta 2001 recommend it for small ``n`` and for ``k = 0``, where
    a percentile bootstrap collapses to 0–0), from SciPy
    (``binomtest(k, n).proportion_ci(method="wilson")``). The one interval of
    the project: the report, the narrative figure and the relevance figures use it
    (``pipeline.workspace.wilson_interval`` is this function).

    Returns:
        ``(low, high)``, 0–1; ``(0, 1)`` when ``n == 0``. ``level`` 0.95 gives 95 %.
    """
    from scipy.stats import binomtest

    if n <= 0:
        return 0.0, 1.0
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return max(0.0, float(ci.low)), min(1.0, float(ci.high))
