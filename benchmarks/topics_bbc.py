"""Topic quality on BBC News with this project's topic code (issue #3, section 4).

Fits :func:`pipeline.topics.model.fit_topics` (the same UMAP/HDBSCAN/c-TF-IDF/
KeyBERTInspired configuration as the ``topics`` stage, from ``params.yaml``)
on the 2,225 preprocessed BBC News documents of OCTIS
(``../shared/benchmarks/topics/bbc``), embedded with the project's encoder.
It prints NPMI coherence (gensim ``c_npmi`` over the corpus tokens) and topic
diversity of the top 10 c-TF-IDF words per topic, next to the BERTopic
paper's BBC figures (Grootendorst 2022, Table 1: NPMI .167, diversity .794,
averaged over 10-50 topics).

HDBSCAN's ``min_cluster_size`` is set with ``--min-cluster-size`` (the demo
corpus default of 40 is tuned for 13,000 passages; BBC has 2,225 documents).

Usage: ``python benchmarks/topics_bbc.py [--min-cluster-size 15]``
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

from pipeline.config import PROJECT_ROOT, load_params  # noqa: E402
from pipeline.encoder import encode, load_encoder  # noqa: E402
from pipeline.topics.ctfidf import ctfidf_terms  # noqa: E402
from pipeline.topics.model import fit_topics  # noqa: E402
from pipeline.topics.quality import diversity, npmi_coherence  # noqa: E402

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "benchmarks" / "topics" / "bbc"
PAPER = {"npmi": 0.167, "diversity": 0.794}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--min-cluster-size", type=int, default=15)
    args = parser.parse_args()
    texts = [line.split("\t")[0] for line in (args.data / "corpus.tsv").read_text(encoding="utf-8").splitlines()]
    params = load_params("topics")
    params["hdbscan"] = {**params["hdbscan"], "min_cluster_size": args.min_cluster_size}
    params["seed_topics"] = []  # the debate's seed words do not apply to BBC
    encoder_params = load_params("encoder")
    encoder = load_encoder(encoder_params["model"], threads=int(encoder_params.get("threads", 0)))
    t0 = time.perf_counter()
    X = encode(encoder, texts, batch_size=int(encoder_params["batch_size"]))
    t_embed = time.perf_counter() - t0
    t0 = time.perf_counter()
    fit = fit_topics(texts, X, params, encoder)
    t_fit = time.perf_counter() - t0
    n_terms = 10
    topic_ids = sorted(set(fit.topics.tolist()) - {-1})
    terms = [ctfidf_terms(fit.model, t, n_terms) for t in topic_ids]
    analyzer = fit.model.vectorizer_model.build_analyzer()
    npmi = npmi_coherence(terms, texts, analyzer)
    div = diversity(terms)
    figures = {"documents": len(texts), "topics": len(topic_ids),
               "outlier_share_before": round(float((fit.topics_before == -1).mean()), 4),
               "outlier_share_after": round(float((fit.topics == -1).mean()), 4),
               "npmi": round(npmi, 4), "diversity": round(div, 4),
               "embed_s": round(t_embed, 1), "fit_s": round(t_fit, 1), "paper": PAPER}
    print(f"{'':<12} {'this project':>12} {'BERTopic paper':>15}")
    print(f"{'NPMI':<12} {npmi:>12.3f} {PAPER['npmi']:>15.3f}")
    print(f"{'diversity':<12} {div:>12.3f} {PAPER['diversity']:>15.3f}")
    print(f"{len(topic_ids)} topics on {len(texts)} documents; outliers {figures['outlier_share_before']:.1%} → "
          f"{figures['outlier_share_after']:.1%}; embed {t_embed:.0f} s, fit {t_fit:.0f} s")
    out = PROJECT_ROOT / "reports" / "topics_bbc.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
