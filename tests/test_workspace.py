"""The uncertainty helpers shared by the report and the notebooks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.stance.labels import read_labels
from pipeline.workspace import LABELS, adjusted_shares, bootstrap_shares, confusion_rates


def _label_counts() -> pd.DataFrame:
    """Counts of the shipped labels per source file (real, uneven groups)."""
    labels = read_labels()
    return labels.groupby(["source_file", "label"]).size().rename("n_docs").reset_index()


def test_bootstrap_intervals_bracket_the_share_and_repeat_with_the_seed():
    counts = _label_counts()
    shares = bootstrap_shares(counts, by="source_file", n_boot=500, seed=3)
    assert set(shares["label"]) == set(LABELS)
    sums = shares.groupby("source_file")["share"].sum()
    assert np.allclose(sums, 1.0)
    assert (shares["share_lo"] <= shares["share"] + 1e-12).all()
    assert (shares["share"] <= shares["share_hi"] + 1e-12).all()
    # a larger group gives a narrower interval for a label of similar share
    width = (shares["share_hi"] - shares["share_lo"]).where(shares["share"].between(0.2, 0.8))
    big = shares["n_group"] >= 100
    small = shares["n_group"] <= 20
    assert width[big].mean() < width[small].mean()
    again = bootstrap_shares(counts, by="source_file", n_boot=500, seed=3)
    pd.testing.assert_frame_equal(shares, again)


def test_adjusted_shares_undo_a_known_confusion():
    true = np.array([0.2, 0.1, 0.05, 0.45, 0.2])
    rates = np.eye(5) * 0.7 + 0.3 / 5  # every label leaks 6 % to each other label
    observed = rates.T @ true
    assert not np.allclose(observed, true)
    assert np.allclose(adjusted_shares(observed, rates), true, atol=1e-6)
    assert np.allclose(adjusted_shares(true, np.eye(5)), true)


def test_confusion_rates_from_cross_validated_predictions():
    gold = ["neutral", "neutral", "security_hawk", "security_hawk", "pro_open_source"]
    pred = ["neutral", "off_topic", "security_hawk", "neutral", "pro_open_source"]
    M = confusion_rates(gold, pred)
    i = {lab: k for k, lab in enumerate(LABELS)}
    assert M[i["neutral"], i["off_topic"]] == 0.5
    assert M[i["security_hawk"], i["neutral"]] == 0.5
    assert M[i["pro_china_tools"], i["pro_china_tools"]] == 1.0  # no gold example: identity row
    assert np.allclose(M.sum(axis=1), 1.0)
