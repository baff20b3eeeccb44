"""SemEval-2016 Task 6 stance benchmark with this project's classifier code.

Runs :mod:`pipeline.stance`'s classifier (MiniLM embedding + TF-IDF
1–2-grams → balanced LogisticRegression → sigmoid calibration, ``C``
chosen by 5-fold stratified CV on the training data) on
``../shared/benchmarks/stance/semeval2016``: one model per target (the five
targets are separate debates with their own vocabulary), trained on
train+val and tested on test; predictions are pooled over the targets.

Metric (Mohammad et al. 2016, the official one): F_avg = (F1_FAVOR +
F1_AGAINST) / 2 on the pooled test set (NONE counts only through the errors
it causes). Reference figures quoted from the literature: SVM 67.3,
MITRE 67.82 (winning team), BERTweet 71.2.

Usage: ``python benchmarks/stance_semeval.py [--data DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from pipeline.config import PROJECT_ROOT, load_params  # noqa: E402
from pipeline.encoder import encode, load_encoder  # noqa: E402
from pipeline.stance.features import feature_frame  # noqa: E402
from pipeline.stance.model import calibration_folds_for, grid_cv, make_classifier  # noqa: E402

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "benchmarks" / "stance" / "semeval2016"
REFERENCES = {"SVM": 67.3, "MITRE": 67.82, "BERTweet": 71.2}


def read_split(folder: Path, split: str, mapping: dict[str, str]) -> tuple[list[str], list[str]]:
    """Texts and labels (``none``/``against``/``favor``) of one split.

    Raises:
        ValueError: text and label files differ in length (names them).
    """
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise ValueError(f"{folder}/{split}_text.txt has {len(texts)} lines, {split}_labels.txt {len(labels)}")
    return texts, [mapping[x.strip()] for x in labels]


def f_avg(y_true: list[str], y_pred: list[str]) -> float:
    """SemEval-2016 F_avg in percent: mean F1 of ``favor`` and ``against``."""
    from sklearn.metrics import f1_score

    return 100 * float(f1_score(y_true, y_pred, labels=["favor", "against"], average="macro", zero_division=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    mapping = dict(line.split("\t") for line in (args.data / "mapping.txt").read_text().splitlines() if line.strip())
    params, encoder_params = load_params("stance"), load_params("encoder")
    encoder = load_encoder(encoder_params["model"], threads=int(encoder_params.get("threads", 0)))
    started = time.perf_counter()
    pooled_true, pooled_pred, per_target = [], [], {}
    for folder in sorted(p for p in args.data.iterdir() if p.is_dir()):
        tr_x, tr_y = read_split(folder, "train", mapping)
        va_x, va_y = read_split(folder, "val", mapping)
        te_x, te_y = read_split(folder, "test", mapping)
        X = encode(encoder, tr_x + va_x)
        F = feature_frame(X, tr_x + va_x)
        y = np.asarray(tr_y + va_y, dtype=object)
        groups = np.arange(len(y))  # tweets are independent: plain stratified folds
        seed, dim, lexical = int(params["seed"]), X.shape[1], bool(params.get("lexical", True))
        _, C, _ = grid_cv(F, y, groups, params["C_grid"], folds=5, seed=seed, dimensions=dim, lexical=lexical,
                          scoring_labels=["favor", "against"])
        clf = make_classifier(C, seed=seed, dimensions=dim, lexical=lexical,
                              calibration_folds=calibration_folds_for(y)).fit(F, y)
        pred = list(clf.predict(feature_frame(encode(encoder, te_x), te_x)))
        per_target[folder.name] = {"n_train": len(y), "n_test": len(te_y), "C": C,
                                   "f_avg": round(f_avg(te_y, pred), 2)}
        pooled_true += te_y
        pooled_pred += pred
    score = f_avg(pooled_true, pooled_pred)
    print(f"{'target':<10} {'train':>6} {'test':>5} {'C':>5} {'F_avg':>6}")
    for name, r in per_target.items():
        print(f"{name:<10} {r['n_train']:>6} {r['n_test']:>5} {r['C']:>5} {r['f_avg']:>6.2f}")
    print(f"\npooled F_avg (this project, MiniLM + LogisticRegression): {score:.2f}")
    for name, ref in REFERENCES.items():
        print(f"  {name:<9} {ref:.2f}")
    print(f"({time.perf_counter() - started:.0f} s)")
    out = PROJECT_ROOT / "reports" / "stance_semeval.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"f_avg": round(score, 2), "per_target": per_target, "references": REFERENCES},
                              indent=2) + "\n")


if __name__ == "__main__":
    main()
