"""Profile the slowest stage, ``embed`` (issue 7), and compare fixes in one run.

1. **Profile.** pyinstrument over the stage's encoding path
   (:func:`pipeline.encoder.encode`) on a sample of narrative passages; prints
   where the time goes (share of the run in the transformer's ``Linear``
   layers, attention, tokenisation, the rest) and writes the full call tree
   to ``reports/profile_embed.html``.
2. **Candidates, same passages, same process, interleaved** (timings on a
   shared 2-core machine are noisy: compare the ratios of one run):
   fp32 with batch 64 (the setting before this profile), 32, 16 and 8; dynamic int8
   quantisation of every ``torch.nn.Linear`` (``torch.ao.quantization.
   quantize_dynamic``, the PyTorch recipe for BERT-style encoders on CPU).
   For each: passages/s, speed-up over fp32, and agreement with the fp32
   vectors (mean and minimum cosine, and the share of each passage's 10
   nearest neighbours that stay the same).

Writes ``reports/profile_embed.json``. Needs ``data/debate.duckdb``
(``make run``) and ``pip install -e '.[profile]'`` for pyinstrument.

Usage: ``python benchmarks/profile_embed.py [--passages 600] [--repeats 2]``
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

from pipeline import encoder, workspace  # noqa: E402
from pipeline.config import REPORTS_DIR, load_params  # noqa: E402


def sample_passages(n: int) -> list[str]:
    """``n`` narrative passages as the stage meets them: the stage sorts every
    passage to embed by length (longest first) and encodes them in chunks, so
    the sample is three contiguous runs of ``n // 3`` passages of that order,
    at the 10th, 50th and 90th length percentile (a random sample would be
    far sparser in length and exaggerate padding)."""
    con = workspace.open_warehouse()
    try:
        rows = workspace.query(con, "SELECT text FROM passages WHERE in_narratives "
                                    "ORDER BY length(text) DESC, passage_id")
    finally:
        con.close()
    texts, k = rows["text"].tolist(), n // 3
    out = []
    for q in (0.1, 0.5, 0.9):
        start = min(int(q * len(texts)), max(len(texts) - k, 0))
        out += texts[start:start + k]
    return out


def frame_shares(session) -> dict[str, float]:
    """Share of sampled time whose stack passes through each kind of frame."""
    kinds = {"linear (matrix multiplies)": ("linear.py",), "attention": ("sdpa_attention", "attention"),
             "tokeniser": ("tokenization", "tokenizers"),
             "layer norm / activations": ("normalization.py", "activation")}
    totals = dict.fromkeys(kinds, 0.0)
    root = session.root_frame()

    def walk(frame, inside: set[str]) -> None:
        here = set(inside)
        name = f"{frame.file_path or ''}:{frame.function or ''}".lower()
        for kind, marks in kinds.items():
            if any(m in name for m in marks):
                here.add(kind)
        if not frame.children:
            for kind in here:
                totals[kind] += frame.time
        for child in frame.children:
            walk(child, here)
        own = frame.time - sum(c.time for c in frame.children)
        if frame.children and own > 0:
            for kind in here:
                totals[kind] += own

    walk(root, set())
    return {k: round(v / root.time, 3) for k, v in totals.items()}


def agreement(ref: np.ndarray, other: np.ndarray, k: int = 10) -> dict[str, float]:
    """Cosine of each vector to its fp32 twin, and top-k neighbour overlap."""
    cos = np.sum(ref * other, axis=1)
    top = lambda X: np.argsort(-(X @ X.T), axis=1)[:, 1:k + 1]  # noqa: E731
    a, b = top(ref), top(other)
    overlap = np.mean([len(set(x) & set(y)) / k for x, y in zip(a, b)])
    return {"mean_cosine": round(float(cos.mean()), 4), "min_cosine": round(float(cos.min()), 4),
            f"top{k}_neighbour_overlap": round(float(overlap), 3)}


def main(argv: list[str] | None = None) -> dict:
    """Run the profile and the comparison; print and write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=600)
    ap.add_argument("--repeats", type=int, default=2, help="interleaved timing rounds")
    args = ap.parse_args(argv)
    import torch
    from pyinstrument import Profiler

    params = load_params("encoder")
    texts = sample_passages(args.passages)
    fp32 = encoder.load_encoder(params["model"], threads=int(params.get("threads", 0)))
    encoder.encode(fp32, texts[:64], batch_size=64)  # warm-up
    profiler = Profiler(interval=0.005)
    profiler.start()
    ref = encoder.encode(fp32, texts, batch_size=64)  # the batch size before this profile
    profiler.stop()
    shares = frame_shares(profiler.last_session)
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    (REPORTS_DIR / "profile_embed.html").write_text(profiler.output_html(), encoding="utf-8")
    print(profiler.output_text(unicode=True, color=False, show_all=False)[:4000])

    int8 = encoder.load_encoder(params["model"], threads=int(params.get("threads", 0)))
    int8 = torch.ao.quantization.quantize_dynamic(int8, {torch.nn.Linear}, dtype=torch.qint8)
    candidates = {"fp32, batch 64 (before)": (fp32, 64), "fp32, batch 32": (fp32, 32),
                  "fp32, batch 16": (fp32, 16), "fp32, batch 8": (fp32, 8), "int8 dynamic, batch 64": (int8, 64)}
    seconds: dict[str, list[float]] = {k: [] for k in candidates}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for name, (model, batch) in candidates.items():
            started = time.perf_counter()
            vectors[name] = encoder.encode(model, texts, batch_size=batch)
            seconds[name].append(time.perf_counter() - started)
    base = min(seconds["fp32, batch 64 (before)"])
    rows = {}
    for name in candidates:
        best = min(seconds[name])
        rows[name] = {"seconds": round(best, 1), "passages_per_s": round(len(texts) / best, 1),
                      "speedup": round(base / best, 2), **agreement(ref, vectors[name])}
    result = {"passages": len(texts), "threads": torch.get_num_threads(), "time_shares_fp32": shares,
              "candidates": rows}
    print("\nwhere the fp32 encoding time goes:", json.dumps(shares))
    print(f"\n{'candidate':28} {'passages/s':>10} {'speed-up':>8} {'mean cos':>8} {'min cos':>8} {'top-10 same':>11}")
    for name, r in rows.items():
        print(f"{name:28} {r['passages_per_s']:>10} {r['speedup']:>8} {r['mean_cosine']:>8} {r['min_cosine']:>8} "
              f"{r['top10_neighbour_overlap']:>11}")
    (REPORTS_DIR / "profile_embed.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
