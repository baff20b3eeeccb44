"""Sentence-level scoring trial of the narrative classifier (issue 19; the
idea methods.md listed as "not tried for lack of time").

A claim often sits in one sentence of a passage of several; the passage's
mean-pooled vector dilutes it. This trial gives the classifier, next to the
stage's features (passage embedding and ``sim``: cosine to each claim text and
closest cue), the same similarities taken at sentence level: for each claim,
the highest cosine of any sentence of the passage to the claim text, and the
highest cosine of any sentence to one of its cues (``ssim``, ``(n, 2K)``).
Sentences are cut by the stage's splitter (:class:`pipeline.passages.SentenceSplitter`,
spaCy ``sentencizer``), those of fewer than :data:`MIN_WORDS` words are
skipped (a passage with none keeps its own ``sim``), and each is embedded with
the stage's encoder (MiniLM, text cache ``data/cache/text_embeddings.duckdb``).

Same labels, folds, tuning and scores as ``benchmarks/narrative_trials.py``
(the ``ssim`` block takes the place of that script's ``ctx`` block, so the
trial ``ctx+sim+global`` there is ``ssim+sim+global`` here). Needs a built
data directory (``make run``).

Usage: ``python benchmarks/narrative_sentence_trial.py [-v]``; prints the
stage's ``sim+global`` and ``ssim+sim+global`` rows, the sentence count and
the time to embed them (2 cores: a few minutes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/: narrative_trials

from narrative_trials import BASE, TRIALS, load, nested  # noqa: E402

from pipeline.config import TEXT_CACHE_FILE, load_params  # noqa: E402
from pipeline.narratives import evaluate, model  # noqa: E402
from pipeline.narratives.stage import threshold_grid  # noqa: E402
from pipeline.narratives.taxonomy import anchor_texts, load_narratives  # noqa: E402
from pipeline.passages import SentenceSplitter  # noqa: E402
from pipeline.text_vectors import text_vectors  # noqa: E402

#: shorter sentences ("Yes.", "Source: X.") say no claim and match cues by accident (not tuned)
MIN_WORDS = 5


def sentence_sims(texts: list[str], enc: dict, dim: int) -> tuple[np.ndarray, int, float]:
    """``(ssim (n, G), sentences embedded, seconds)``: per text, the highest
    cosine of one of its sentences to each anchor group of the taxonomy
    (claim texts, then closest cue; :func:`pipeline.narratives.taxonomy.anchor_texts`);
    a text without a sentence of :data:`MIN_WORDS` words is scored whole."""
    tax = load_narratives(sides=list(load_params("stance")["labels"]))
    pairs = anchor_texts(tax)
    anchors = model.Anchors(text_vectors([t for _, t in pairs], enc, TEXT_CACHE_FILE, dimensions=dim),
                            np.array([g for g, _ in pairs]))
    spans = SentenceSplitter().spans(texts)
    owner, sents = [], []
    for i, (text, sp) in enumerate(zip(texts, spans)):
        keep = [text[a:b].strip() for a, b in sp if len(text[a:b].split()) >= MIN_WORDS] or [text]
        owner += [i] * len(keep)
        sents += keep
    t0 = time.perf_counter()
    X = text_vectors(sents, enc, TEXT_CACHE_FILE, dimensions=dim)
    seconds = time.perf_counter() - t0
    sims = anchors.similarities(X)
    out = np.full((len(texts), sims.shape[1]), -1.0)
    np.maximum.at(out, np.array(owner), sims)
    return out, len(sents), seconds


def main(verbose: bool) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    params = load_params("narratives")
    seed, folds, grid_t = int(params["seed"]), int(params["cv_folds"]), threshold_grid(params["thresholds"])
    d = load()
    d.ctx, n_sent, secs = sentence_sims(d.texts, load_params("encoder"), d.V.shape[1])
    print(f"{len(d.Y)} labelled passages, {n_sent} sentences embedded in {secs:.0f} s "
          f"({n_sent / len(d.Y):.1f} per passage)", file=sys.stderr)
    print("| trial | micro-F1 (13 claims) | macro-F1 | samples-F1 (passages) | s |")
    print("|---|---:|---:|---:|---:|")
    for name, trial in (("sim+global", "sim+global"), ("ssim+sim+global", "ctx+sim+global")):
        t0 = time.perf_counter()
        D = nested({**BASE, **TRIALS[trial]}, d, seed, folds, grid_t)
        s = evaluate.scores(d.Y, D, d.keys, d.headline, d.units)
        print(f"| {name} | {s['micro_f1']:.3f} | {s['macro_f1']:.3f} | {s['samples_f1_passages']:.3f} | "
              f"{time.perf_counter() - t0:.0f} |", flush=True)
        if verbose:
            for k, v in s["per_narrative"].items():
                print(f"|   {k} | P {v['precision']:.2f} R {v['recall']:.2f} F1 {v['f1']:.2f} | | | |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", action="store_true", help="per-narrative figures")
    main(parser.parse_args().v)
