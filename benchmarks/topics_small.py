"""The topics stage on small corpora: every size from 1 to 200 passages (issue 16, part 4).

For each size ``n`` it cuts an embed database holding ``n`` of the real
narrative passages and their vectors from the built one
(:func:`pipeline.topics.sample.sample_embed_db`: the first ``n`` by md5 of
the passage id, so each sample holds the previous one), runs
:func:`pipeline.topics.stage.run` on it with the ``topics`` params of
``params.yaml`` (a fresh key registry, nothing written to ``data/`` or
``models/``) and prints one line per size: whether it fitted, the number of
topics, the outlier share, the settings bounded by the size and the seconds.
A crash is printed as ``FAIL`` with the error, and the script exits 1.

Needs the built ``data/stages/embed.duckdb`` and ``clean.duckdb`` (``make
run``), or ``--embed-db`` / ``--clean-db``. The encoder is loaded once for
all sizes (seconds exclude its load). About 15 s per fitted size on 2 cores.

Usage: ``python benchmarks/topics_small.py [--sizes 1-200] [--min-passages-to-fit N]``
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pipeline.encoder  # noqa: E402
from pipeline.config import CLEAN_DB, EMBED_DB, load_params  # noqa: E402
from pipeline.topics.sample import sample_embed_db  # noqa: E402
from pipeline.topics.stage import run  # noqa: E402


def parse_sizes(text: str) -> list[int]:
    """``"1-200"``, ``"0,5,32-35"`` → the sizes, in order."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="topics_small.py", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1-200", help="sizes to run, e.g. 1-200 or 0,5,32,57 (default 1-200)")
    parser.add_argument("--min-passages-to-fit", type=int, default=None,
                        help="override topics.min_passages_to_fit (0: fit every size the model can take)")
    parser.add_argument("--embed-db", type=Path, default=EMBED_DB, help=f"built embed database (default {EMBED_DB})")
    parser.add_argument("--clean-db", type=Path, default=CLEAN_DB, help=f"built clean database (default {CLEAN_DB})")
    args = parser.parse_args()
    params, encoder_params = load_params("topics"), load_params("encoder")
    if args.min_passages_to_fit is not None:
        params["min_passages_to_fit"] = args.min_passages_to_fit
    # one encoder for all sizes: the stage loads it on every fit (15 s)
    pipeline.encoder.load_encoder = functools.cache(pipeline.encoder.load_encoder)
    failures = 0
    print(f"min_passages_to_fit {params.get('min_passages_to_fit')}; source {args.embed_db}")
    print(f"{'n':>4} {'fitted':>6} {'topics':>6} {'outliers':>8} {'seconds':>7}  bounded settings / error")
    with tempfile.TemporaryDirectory() as tmp:
        for n in parse_sizes(args.sizes):
            db = Path(tmp) / "embed.duckdb"
            got = sample_embed_db(args.embed_db, db, n)
            started = time.perf_counter()
            try:  # the stage's own messages go to stderr
                with contextlib.redirect_stdout(sys.stderr):
                        m = run(params, encoder_params, embed_db=db, clean_db=args.clean_db,
                            out_db=Path(tmp) / "topics.duckdb",
                            model_dir=Path(tmp) / "model", registry_file=Path(tmp) / f"keys-{n}.json",
                            save_model_files=False)
            except Exception as exc:  # report every size, then fail
                failures += 1
                print(f"{got:>4} {'FAIL':>6} {'':>6} {'':>8} {time.perf_counter() - started:>7.1f}  "
                      f"{type(exc).__name__}: {exc}", flush=True)
                continue
            print(f"{got:>4} {str(m['fitted']).lower():>6} {m['n_topics']:>6} {m['outlier_share_now']:>8.3f} "
                  f"{time.perf_counter() - started:>7.1f}  {m['bounded_settings'] or ''}", flush=True)
    print(f"{failures} of {len(parse_sizes(args.sizes))} sizes failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
