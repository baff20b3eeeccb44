"""Per-class decision offsets for rare classes.

A calibrated classifier's argmax rarely picks a class that is rare in
training, even where it is the best guess for macro-F1. The decision here is
``argmax_c(log p_c + b_c)``: the calibrated probabilities ``p`` are kept as
they are (for shares), and the offsets ``b`` (one per class, the reference
class fixed at 0) only move the decision. ``b`` is tuned for macro-F1 by
coordinate ascent over a grid (:func:`tune_offsets`), on out-of-fold
probabilities of the training folds only (:mod:`pipeline.stance.crossval`),
never on the rows it is then evaluated on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Offsets tried for each class (natural-log units: +-4 multiplies a probability by up to e^4 = 55).
GRID = np.round(np.linspace(-4.0, 4.0, 33), 3)


def decide(P: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Column index of ``argmax(log P + offsets)`` for each row of ``(n, k)`` ``P``
    (probabilities floored at 1e-9 before the log)."""
    return np.argmax(np.log(np.clip(P, 1e-9, None)) + offsets[None, :], axis=1)


def _macro_f1(y: np.ndarray, pred: np.ndarray, scored: Sequence[int]) -> float:
    """Macro-F1 over the class indices ``scored`` (integer-coded ``y``, ``pred``)."""
    out = []
    for c in scored:
        tp = float(np.sum((pred == c) & (y == c)))
        fp = float(np.sum((pred == c) & (y != c)))
        fn = float(np.sum((pred != c) & (y == c)))
        out.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(out))


def tune_offsets(P: np.ndarray, y: np.ndarray, *, scored: Sequence[int], reference: int,
                 rounds: int = 3, grid: np.ndarray = GRID) -> tuple[np.ndarray, float]:
    """Offsets that maximise macro-F1 of :func:`decide` on ``(P, y)``.

    Coordinate ascent: ``rounds`` passes over the classes (the ``reference``
    class stays 0), each setting one class's offset to the grid value with
    the best macro-F1 over ``scored``; values are tried nearest 0 first and
    a value replaces the current one only when it scores higher, so ties
    keep the smaller change. Deterministic.

    Args:
        P: ``(n, k)`` out-of-fold probabilities of the tuning rows.
        y: ``(n,)`` integer class indices (0..k-1).

    Returns:
        ``(offsets (k,), macro-F1 reached on the tuning rows)``.
    """
    k = P.shape[1]
    L = np.log(np.clip(P, 1e-9, None))
    b = np.zeros(k)
    order = sorted(grid.tolist(), key=lambda v: (abs(v), v))
    best = _macro_f1(y, np.argmax(L, axis=1), scored)
    for _ in range(rounds):
        changed = False
        for c in range(k):
            if c == reference:
                continue
            for v in order:
                trial = b.copy()
                trial[c] = v
                score = _macro_f1(y, np.argmax(L + trial[None, :], axis=1), scored)
                if score > best + 1e-12:
                    best, b, changed = score, trial, True
        if not changed:
            break
    return b, best
