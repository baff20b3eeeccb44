"""Quote attribution against the hand-labelled gold set (issue 6).

Two figures, both with :func:`pipeline.actors.evaluate.evaluate_quotes` (one-to-one
greedy matching within a document; exact span, partial span = half of the
shorter quote's words shared, after Pareti 2016, PARC 3.0; attribution = a
matched quote with the gold canonical actor):

* **stage**: the ``quotes`` table of the warehouse, i.e. what ``make run``
  publishes (the stage reads only relevant passages, see
  ``params.yaml: actors``); the same figures as ``metrics/actors.json``;
* **whole documents**: :class:`pipeline.actors.quotes.QuoteFinder` on the full
  cleaned text of every gold document (what the finder can do when it reads
  everything).

Prints both and writes ``reports/quotes_eval.json``.

Usage: ``python benchmarks/quotes_eval.py [--gold corpora/labels/quotes_v1.jsonl]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import workspace  # noqa: E402
from pipeline.actors.evaluate import GOLD_FILE, evaluate_quotes, read_gold  # noqa: E402
from pipeline.actors.quotes import QuoteFinder  # noqa: E402
from pipeline.actors.registry import load_actors, load_nlp  # noqa: E402
from pipeline.config import REPORTS_DIR  # noqa: E402


def evaluate(gold_file: Path = GOLD_FILE) -> dict:
    """``{"stage": ..., "whole_documents": ...}`` figures (see module doc)."""
    gold, docs = read_gold(gold_file)
    con = workspace.open_warehouse()
    try:
        stage: dict[tuple[str, str], list[tuple[str, str]]] = {}
        rows = workspace.query(con, "SELECT d.source_file, d.native_id, q.quote_text, q.speaker_actor "
                                    "FROM quotes q JOIN documents d USING (doc_id) ORDER BY q.quote_id")
        for r in rows.itertuples(index=False):
            stage.setdefault((r.source_file, r.native_id), []).append((r.quote_text, r.speaker_actor))
        actors = load_actors()
        finder = QuoteFinder(load_nlp(actors=actors), actors)
        whole: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for d in docs:
            text = workspace.query(con, "SELECT text, outlet FROM documents WHERE source_file = ? AND native_id = ?",
                                   [d["source"], d["native_id"]])
            if not text.empty:
                found = finder.find(text["text"].iat[0], text["outlet"].iat[0])
                whole[(d["source"], d["native_id"])] = [(q.quote_text, q.speaker_actor) for q in found]
    finally:
        con.close()
    return {"gold_file": gold_file.name, "stage": evaluate_quotes(stage, gold, docs),
            "whole_documents": evaluate_quotes(whole, gold, docs)}


def main(argv: list[str] | None = None) -> dict:
    """Print and write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=GOLD_FILE)
    args = ap.parse_args(argv)
    result = evaluate(args.gold)
    print(f"{'':18} {'quotes':>7} {'span exact P/R':>15} {'span partial P/R':>17} "
          f"{'attrib. exact P/R':>18} {'attrib. partial P/R':>20}")
    for name in ("stage", "whole_documents"):
        r = result[name]
        cells = [f"{r[k]['precision']:.2f}/{r[k]['recall']:.2f}" for k in
                 ("span_exact", "span_partial", "attribution_exact_span", "attribution_partial_span")]
        print(f"{name:18} {r['predicted_quotes']:>7} {cells[0]:>15} {cells[1]:>17} {cells[2]:>18} {cells[3]:>20}")
    print(f"gold: {result['stage']['gold_quotes']} quotes in {result['stage']['documents']} documents")
    out = REPORTS_DIR / "quotes_eval.json"
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
