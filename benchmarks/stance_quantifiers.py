"""Share estimators of the stance stage scored on its own outer folds (issue 18 §4, session 31).

Runs :func:`pipeline.stance.stage.run` on the built stage inputs with its cached
fits (``data/cache/stance``; a first run without the cache fits them, 2-3 min
on 2 cores) into a scratch database, keeps the cross-validation result, and
prints for each estimator the mean absolute error of each label's share over
the held-out folds (grouped by source file):

* CC, ACC of the stored decisions (thresholds pooler), PACC and PCC of the
  pooling model, and the training folds' label mix (``prior``, a baseline
  that reads no document), as the stage computes them (``metrics/stance.json``
  → ``quantification``);
* EMQ (Saerens, Latinne and Decaestecker 2002, Neural Computation 14): EM
  re-estimation of the test priors from the pooling model's probabilities,
  starting from the training documents' label mix. Not kept (see
  ``docs/methods.md``, "PCC and EMQ").

Usage (from the repository root, after ``make run``):
    python benchmarks/stance_quantifiers.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run as a script from anywhere

from pipeline.config import STANCE_CACHE_DIR, load_params  # noqa: E402
from pipeline.stance import stage  # noqa: E402
from pipeline.stance.crossval import fold_of_sources  # noqa: E402


def emq(P: np.ndarray, prior: np.ndarray, tol: float = 1e-8, max_iter: int = 1000) -> np.ndarray:
    """EMQ prior estimate ``(k,)`` from probabilities ``P`` ``(n, k)`` calibrated under ``prior``."""
    q = prior.copy()
    for _ in range(max_iter):
        W = P * (q / np.maximum(prior, 1e-12))
        W /= W.sum(axis=1, keepdims=True)
        new = W.mean(axis=0)
        if np.abs(new - q).sum() < tol:
            return new
        q = new
    return q


class _Captured(Exception):
    pass


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(prog=Path(__file__).name, description=__doc__.split("\n\n")[0]).parse_args(argv)
    params = load_params("stance", include=("privacy",))
    got = {}

    def capture(cv, plab, pfold, gold, labels, *_args, **_kwargs):
        got.update(cv=cv, plab=plab, gold=gold, labels=list(labels))
        raise _Captured

    stage.stance_metrics = capture
    with tempfile.TemporaryDirectory() as tmp:
        try:
            stage.run(params, load_params("encoder"), out_db=Path(tmp) / "stance.duckdb",
                      model_file=Path(tmp) / "stance.skops", cache_dir=STANCE_CACHE_DIR)
        except _Captured:
            pass
    cv, plab, gold, labels = got["cv"], got["plab"], got["gold"], got["labels"]
    fold = fold_of_sources(list(plab["label"]) + list(gold["label"]),
                           list(plab["source_file"]) + list(gold["source_file"]), int(params["cv_folds"]),
                           int(params["seed"]))
    dfold = gold["source_file"].map(fold).to_numpy()
    y = np.array([labels.index(v) for v in gold["label"]])
    errors: dict[str, list[np.ndarray]] = {}
    for q in cv.quantification:
        test = dfold == q["fold"]
        prior = np.bincount(y[~test], minlength=len(labels)) / (~test).sum()
        est = {m: q[m] for m in ("cc_thresholds", "acc_thresholds", "pacc", "pcc", "prior")}
        est["emq"] = emq(cv.doc_oof[test], prior)
        for m, v in est.items():
            errors.setdefault(m, []).append(np.abs(v - q["true"]))
    print(f"{'estimator':16} {'mean':>6} {'worst':>6}  " + "  ".join(f"{lab:>15}" for lab in labels))
    for m, e in errors.items():
        e = np.array(e)
        print(f"{m:16} {e.mean():6.3f} {e.max():6.3f}  " + "  ".join(f"{v:15.3f}" for v in e.mean(axis=0)))


if __name__ == "__main__":
    main()
