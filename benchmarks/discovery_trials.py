"""Discovery topics: which representation names claims, not entities (issue 19, part 4).

Fits the topic model of ``params.yaml`` (:func:`pipeline.topics.model.fit_topics`)
on the discovery passages (narrative passages without a taxonomy narrative,
:func:`pipeline.topics.discovery.discovery_input`) under each trial and prints
one table row per trial: topics, outlier share, NPMI and diversity of the top
c-TF-IDF terms (:mod:`pipeline.topics.quality`), the share of label words and
of top-term words that are names (:func:`pipeline.topics.names.name_share`),
and the fit's seconds.

Trials:

* ``base``: today's model (every word kept);
* ``names``: names of ``corpora/model_names.yaml`` and ``corpora/actors.yaml``
  kept out of the topic words (the stage's setting);
* ``mask``: names deleted from the text before embedding (the passages are
  re-embedded with the stage's encoder: its seconds are printed) and kept out
  of the topic words;
* ``bm25``: ``names`` with ``ClassTfidfTransformer(bm25_weighting=True)``;
* ``no_reduce``: ``names`` without ``reduce_frequent_words`` (the stage has it on);
* ``zeroshot``: ``names`` with BERTopic's ``zeroshot_topic_list`` = the claims of
  ``corpora/narratives.yaml`` (``zeroshot_min_similarity`` 0.5); UMAP's own approximate
  neighbour graph (BERTopic's zero-shot calls ``umap_model.transform``, which the stage's
  exact-kNN UMAP does not have), so run it last.

NPMI is computed over each fit's own tokenisation, so a trial that drops
names scores its words against texts without names. Needs the built
``data/stages/{embed,clean,narratives}.duckdb`` or the ``--*-db`` options.
About 2 min per trial on 2 shared cores (7,228 passages), plus the encoding for ``mask``.

Usage: ``python benchmarks/discovery_trials.py [--trials base,names,mask,bm25,no_reduce,zeroshot]``
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pipeline.config import CLEAN_DB, EMBED_DB, NARRATIVES_DB, NARRATIVES_FILE, load_params  # noqa: E402
from pipeline.encoder import encode, load_encoder  # noqa: E402
from pipeline.topics.data import read_narratives  # noqa: E402
from pipeline.topics.discovery import discovery_input  # noqa: E402
from pipeline.topics.model import fit_topics, signatures  # noqa: E402
from pipeline.topics.names import Names, load_names, name_share  # noqa: E402
from pipeline.topics.quality import diversity, npmi_coherence  # noqa: E402

TRIALS = ("base", "names", "mask", "bm25", "no_reduce", "zeroshot")  # zeroshot last: it swaps UMAP


def mask_names(texts: list[str], names: Names) -> list[str]:
    """The texts with every name word deleted (case-insensitive, whole
    words) and runs of spaces closed up."""
    pattern = re.compile(rf"(?i)\b{names.regex}\b")
    return [re.sub(r"[ \t]{2,}", " ", pattern.sub("", t)).strip() for t in texts]


def trial_settings(trial: str, params: dict, claims: list[str]) -> tuple[dict, bool]:
    """``(params, use_names)`` of a trial."""
    p = copy.deepcopy(params)
    if trial == "bm25":
        p["ctfidf"] = {"reduce_frequent_words": True, "bm25_weighting": True}
    elif trial == "no_reduce":
        p["ctfidf"] = {"reduce_frequent_words": False, "bm25_weighting": False}
    elif trial == "zeroshot":
        p["zeroshot_topics"], p["zeroshot_min_similarity"] = claims, 0.5
    return p, trial != "base"


def main() -> None:
    parser = argparse.ArgumentParser(prog="discovery_trials.py", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", default=",".join(TRIALS))
    parser.add_argument("--embed-db", type=Path, default=EMBED_DB)
    parser.add_argument("--clean-db", type=Path, default=CLEAN_DB)
    parser.add_argument("--narratives-db", type=Path, default=NARRATIVES_DB)
    args = parser.parse_args()
    trials = [t for t in args.trials.split(",") if t]
    if set(trials) - set(TRIALS):
        parser.error(f"unknown trials {sorted(set(trials) - set(TRIALS))}; one of {TRIALS}")
    from pipeline.narratives.taxonomy import load_narratives
    from pipeline.workspace import LABELS

    params, enc = load_params("topics"), load_params("encoder")
    claims = [n.claim for n in load_narratives(NARRATIVES_FILE, sides=LABELS).narratives if not n.catch_all]
    found = discovery_input(read_narratives(args.embed_db, args.clean_db), args.narratives_db,
                            float(params.get("discovery", {}).get("min_p", 0.0)))
    data, names = found.data, load_names()
    texts = data.frame["text"].tolist()
    print(f"{len(texts):,} discovery passages of {found.n_narrative:,} narrative passages "
          f"({found.n_taxonomy:,} carry a taxonomy narrative)")
    encoder = load_encoder(enc["model"], threads=int(enc.get("threads", 0)))
    n_terms = int(params["representation"]["top_n_words"])
    header = (f"{'trial':<10} {'topics':>6} {'outl.':>6} {'NPMI':>7} {'divers.':>7} {'label names':>11} "
              f"{'term names':>10} {'fit s':>6}")
    rows = [header, "-" * len(header)]
    for trial in trials:
        p, use_names = trial_settings(trial, params, claims)
        t_texts, emb = texts, data.embeddings
        if trial == "mask":
            t_texts = mask_names(texts, names)
            started = time.perf_counter()
            emb = encode(encoder, t_texts)
            print(f"mask: re-embedded {len(t_texts):,} passages in {time.perf_counter() - started:.0f} s")
        if trial == "zeroshot":  # BERTopic's zero-shot calls umap_model.transform, which the exact-kNN UMAP lacks
            import umap

            import pipeline.topics.model as topic_model
            topic_model.exact_knn_umap = lambda **kw: umap.UMAP(**kw)
        started = time.perf_counter()
        fit = fit_topics(t_texts, emb.copy(), p, encoder, names if use_names else None)
        sigs = signatures(fit, emb, n_terms)
        seconds = time.perf_counter() - started
        terms = [s.terms for s in sigs]
        npmi = npmi_coherence(terms, t_texts, fit.vectorizer.build_analyzer())
        label_share = name_share([s.label for s in sigs], names)[0]
        term_share = name_share([", ".join(t) for t in terms], names)[0]
        row = (f"{trial:<10} {len(sigs):>6} {(fit.topics == -1).mean():>6.1%} {npmi:>7.4f} "
               f"{diversity(terms):>7.3f} {label_share or 0:>11.1%} {term_share or 0:>10.1%} {seconds:>6.0f}")
        rows.append(row)
        print(row, flush=True)
        for s in sigs[:8]:
            print(f"    {s.size:>5}  {s.label}")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
