"""The shingle metric of ``benchmarks/extraction.py`` on hand-checkable texts.

The benchmark itself (timing, the 181 pages) is not run here; this checks
that the metric is the one of the ScrapingHub benchmark's ``evaluate.py``.
``benchmarks/`` is not a package, so the script is loaded by path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "extraction.py"


@pytest.fixture(scope="module")
def extraction():
    spec = importlib.util.spec_from_file_location("benchmarks_extraction", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_shingle_metric(extraction):
    text = "The quick brown fox jumps over the lazy dog"  # 9 tokens → 6 shingles
    same = extraction.score_pages([(text, text)])
    assert (same.precision, same.recall, same.f1, same.accuracy) == (1.0, 1.0, 1.0, 1.0)

    disjoint = extraction.score_pages([(text, "Completely different words appear in this extraction")])
    assert (disjoint.precision, disjoint.recall, disjoint.f1, disjoint.accuracy) == (0.0, 0.0, 0.0, 0.0)

    # Extra words: the 6 true shingles among 6 + 3 extracted → P 6/9, R 1.
    assert extraction.page_scores(text, text + " and then naps") == pytest.approx((6 / 9, 1.0))
    # Shingles count with repeats: the text twice has 15 shingles, 6 of them shared → P 6/15.
    assert extraction.page_scores(text, f"{text}. {text}") == pytest.approx((6 / 15, 1.0))
    # An empty extraction has no precision (left out of that average) and recall 0.
    assert extraction.page_scores(text, "") == (None, 0.0)
    both = extraction.score_pages([(text, ""), (text, text)])
    assert (both.precision, both.recall) == (1.0, 0.5)
    assert both.f1 == pytest.approx(2 / 3)
