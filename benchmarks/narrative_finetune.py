"""Trial: the packaged MiniLM fine-tuned on the narrative passage labels
(issue 19; "a fine-tuned encoder" is the next step named in
docs/methods.md, Narrative classifier trials).

For each outer fold of the stage's grouped cross-validation
(:func:`pipeline.narratives.model.grouped_folds`, ``StratifiedGroupKFold`` by
source file, seed ``params.yaml`` ``narratives.seed``):

1. fine-tune the encoder on the outer training rows only: mean-pooled,
   L2-normalised sentence vector, a linear head with one logit per narrative
   (the 13 claims and ``other``), binary cross-entropy, AdamW
   (:data:`LR_BODY` for the encoder, :data:`LR_HEAD` for the head),
   :data:`EPOCHS` epochs of batches of :data:`BATCH` passages cut at
   :data:`MAX_TOKENS` tokens, seeded;
2. re-encode the labelled passages, claims and cues with the tuned encoder;
3. fit the stage's classifier on top (trial ``sim+global`` of
   ``benchmarks/narrative_trials.py``: vector + claim/cue cosines,
   one-vs-rest LogisticRegression, ``C`` and one global threshold from 5
   inner grouped folds of the outer training rows, Platt calibration);
4. score the outer test rows, next to the frozen encoder's ``sim+global``
   on the same rows.

The inner folds of step 3 see vectors from an encoder tuned on all outer
training rows, so ``C`` and the threshold are chosen on slightly optimistic
scores; the outer test rows are never seen by either step.

Usage: ``python benchmarks/narrative_finetune.py [--folds 1,2,...] [--epochs N]``
(from the repository root, after ``dvc repro embed``; about 15-25 min per
fold on 2 CPU cores). Prints one row per fold and the pooled figures over the
folds run; writes ``reports/narrative_finetune.json`` after every fold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository's modules

from benchmarks import narrative_trials as nt  # noqa: E402
from pipeline.config import load_params  # noqa: E402
from pipeline.narratives import evaluate, model  # noqa: E402
from pipeline.narratives.stage import threshold_grid  # noqa: E402
from pipeline.narratives.taxonomy import load_narratives, zero_shot_texts  # noqa: E402

#: Fine-tuning settings: the usual small-data choices for a MiniLM body (sentence-transformers'
#: and SetFit's defaults of 2e-5 for the body; a fresh head learns faster), not tuned here.
LR_BODY, LR_HEAD, EPOCHS, BATCH, MAX_TOKENS = 2e-5, 1e-3, 3, 16, 256
OUT = Path("reports/narrative_finetune.json")


def batches(lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Row indices in batches of :data:`BATCH` rows of similar token length (a
    shuffled pool of 20 batches sorted by length, then cut), in random order:
    less padding, as sentence-transformers' own length-sorted encoding."""
    order = rng.permutation(len(lengths))
    pool = BATCH * 20
    out = []
    for p in range(0, len(order), pool):
        chunk = order[p:p + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[b:b + BATCH] for b in range(0, len(chunk), BATCH)]
    return [out[i] for i in rng.permutation(len(out))]


def finetune(texts: list[str], Y: np.ndarray, spec: str, seed: int, epochs: int) -> Any:
    """A copy of the encoder ``spec`` fine-tuned on ``texts`` with multi-label
    targets ``Y`` ``(n, K)`` 0/1; returns the ``SentenceTransformer``."""
    import torch

    from pipeline.encoder import load_encoder

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    st = load_encoder(spec)
    st.max_seq_length = MAX_TOKENS
    dim = st.get_embedding_dimension()
    head = torch.nn.Linear(dim, Y.shape[1])
    scale = 10.0  # unit vectors: a fixed temperature so the head's logits can move (cosine classifiers)
    pos = Y.sum(axis=0)
    pos_weight = torch.tensor(np.clip((len(Y) - pos) / np.maximum(pos, 1), 1.0, 20.0), dtype=torch.float32)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    opt = torch.optim.AdamW([{"params": st.parameters(), "lr": LR_BODY},
                             {"params": head.parameters(), "lr": LR_HEAD}], weight_decay=0.01)
    steps = epochs * int(np.ceil(len(texts) / BATCH))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps))
                                              * max(0.0, (steps - s) / steps))
    lengths = np.array([len(ids) for ids in st.tokenizer(texts, truncation=True, max_length=MAX_TOKENS)["input_ids"]])
    st.train()
    done, t0 = 0, time.perf_counter()
    for epoch in range(epochs):
        total = 0.0
        for idx in batches(lengths, rng):
            feats = st.preprocess([texts[i] for i in idx])
            emb = st(feats)["sentence_embedding"]
            emb = torch.nn.functional.normalize(emb, dim=1)
            loss = loss_fn(head(emb * scale), torch.tensor(Y[idx], dtype=torch.float32))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(st.parameters()) + list(head.parameters()), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            done += 1
            if done % 50 == 0:
                print(f"    step {done}/{steps}, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        print(f"  epoch {epoch + 1}: mean loss {total / len(texts):.4f}", file=sys.stderr, flush=True)
    st.eval()
    return st


def retuned(d: nt.Data, st: Any) -> nt.Data:
    """``d`` with passage vectors and claim/cue cosines from encoder ``st``."""
    from pipeline.encoder import encode

    tax = load_narratives(sides=list(load_params("stance")["labels"]))
    claims = zero_shot_texts(tax)
    T = encode(st, [tax[k].claim for k in claims])
    cues = [(k, c) for k in claims for c in tax[k].cues]
    C = encode(st, [c for _, c in cues])
    cue_key = np.array([list(claims).index(k) for k, _ in cues])
    V = encode(st, d.texts, batch_size=16)
    cc = V @ C.T
    best = np.stack([cc[:, cue_key == j].max(axis=1) for j in range(len(claims))], axis=1)
    return replace(d, V=V, S=np.hstack([V @ T.T, best]))


def fold_decisions(opt: dict[str, Any], d: nt.Data, tr: np.ndarray, te: np.ndarray, seed: int, folds: int,
                   grid_t: list[float]) -> np.ndarray:
    """``(len(te), K)`` decisions of the trial's classifier tuned on rows ``tr`` (as ``nt.nested``)."""
    Cs, cal, ts = nt._tune(opt, d, tr, seed, folds, grid_t)
    D = np.zeros((len(te), d.Y.shape[1]), dtype=bool)
    for C in sorted(set(Cs.tolist())):
        cols = np.flatnonzero(Cs == C)
        s = nt._scores(opt, d, tr, te, C)[:, cols]
        D[:, cols] = model._sigmoid(s * cal[cols, 0] + cal[cols, 1]) >= ts[cols]
    return D


def main(which: list[int] | None, epochs: int) -> None:
    params = load_params("narratives")
    seed, folds, grid_t = int(params["seed"]), int(params["cv_folds"]), threshold_grid(params["thresholds"])
    spec = load_params("encoder")["model"]
    d = nt.load()
    opt = {**nt.BASE, **nt.TRIALS["sim+global"]}
    splits = model.grouped_folds(d.Y, d.groups, folds, seed)
    which = which or list(range(1, len(splits) + 1))
    print(f"{len(d.Y)} labelled passages, {len(set(d.groups))} source files; folds {which}, {epochs} epochs",
          file=sys.stderr)
    runs: list[dict[str, Any]] = []
    rows = np.zeros(len(d.Y), dtype=bool)
    D0, D1 = np.zeros(d.Y.shape, dtype=bool), np.zeros(d.Y.shape, dtype=bool)
    print("| fold | test passages | frozen micro-F1 | fine-tuned micro-F1 | fine-tune s | total s |")
    print("|---:|---:|---:|---:|---:|---:|")
    cols = [d.keys.index(k) for k in d.headline]
    for f in which:
        tr, te = splits[f - 1]
        t0 = time.perf_counter()
        D0[te] = fold_decisions(opt, d, tr, te, seed, folds, grid_t)
        t1 = time.perf_counter()
        st = finetune([d.texts[i] for i in tr], d.Y[tr], spec, seed, epochs)
        t2 = time.perf_counter()
        D1[te] = fold_decisions(opt, retuned(d, st), tr, te, seed, folds, grid_t)
        rows[te] = True
        f0 = evaluate.micro_f1(d.Y[np.ix_(te, cols)], D0[np.ix_(te, cols)])
        f1 = evaluate.micro_f1(d.Y[np.ix_(te, cols)], D1[np.ix_(te, cols)])
        runs.append({"fold": f, "n_test": int(len(te)), "frozen_micro_f1": f0, "finetuned_micro_f1": f1,
                     "finetune_s": round(t2 - t1), "total_s": round(time.perf_counter() - t0)})
        print(f"| {f} | {len(te)} | {f0:.3f} | {f1:.3f} | {t2 - t1:.0f} | {time.perf_counter() - t0:.0f} |",
              flush=True)
        idx = np.flatnonzero(rows)
        units = [d.units[i] for i in idx]
        pooled = {name: evaluate.scores(d.Y[idx], D[idx], d.keys, d.headline, units)
                  for name, D in (("frozen", D0), ("finetuned", D1))}
        OUT.write_text(json.dumps({"settings": {"epochs": epochs, "lr_body": LR_BODY, "lr_head": LR_HEAD,
                                                "batch": BATCH, "max_tokens": MAX_TOKENS, "seed": seed,
                                                "encoder": spec, "classifier": "sim+global"},
                                   "folds": runs, "pooled": pooled}, indent=1) + "\n", encoding="utf-8")
    for name in ("frozen", "finetuned"):
        s = pooled[name]
        print(f"pooled over folds {which}: {name} micro-F1 {s['micro_f1']:.3f}, macro-F1 {s['macro_f1']:.3f}, "
              f"samples-F1 {s['samples_f1_passages']:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", default="", help="outer folds to run, 1-based, comma-separated (default: all)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    main([int(x) for x in args.folds.split(",") if x], args.epochs)
