"""pipeline.narratives.evaluate: micro-F1 and SemEval-2025 Task 10 samples-F1."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.narratives import evaluate

# three labelled passages, narratives a and b: the first over-predicts, the second has none
# (gold and predicted: the "none" label), the third misses both
Y = np.array([[1, 0], [0, 0], [1, 1]])
D = np.array([[1, 1], [0, 0], [0, 0]], dtype=bool)


def test_samples_f1_averages_each_units_f1_with_none_as_a_label():
    # passage F1s: 2*1/(1+2), 1 (none = none), 0 (gold {a, b}, predicted {none})
    assert evaluate.samples_f1(Y, D) == pytest.approx((2 / 3 + 1 + 0) / 3, abs=1e-4)
    # per document: the first two passages are one document, gold {a}, predicted {a, b}
    assert evaluate.samples_f1(Y, D, ["x", "x", "y"]) == pytest.approx((2 / 3 + 0) / 2, abs=1e-4)


def test_micro_and_per_narrative_scores():
    assert evaluate.micro_f1(Y, D) == pytest.approx(2 * 1 / (3 + 2), abs=1e-4)
    per = evaluate.per_narrative(Y, D, ["a", "b"])
    assert per["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2, "n_predicted": 1}
    assert per["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "n_predicted": 1}
    s = evaluate.scores(Y, D, ["a", "b"], ["a"], ["x", "x", "y"])
    assert s["micro_f1"] == 0.6667 and s["n_documents"] == 2
