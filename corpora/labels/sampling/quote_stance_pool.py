"""Quotes by listed actors to read for their stance, so that the precision of the quote stance
decisions (``quote_stances``, report section 4) can be measured (session 25).

Usage (from the repository root, after a full build)::

    python corpora/labels/sampling/quote_stance_pool.py [WAREHOUSE] > candidates.jsonl

A stratified random sample (seed 20261206) of the quotes whose speaker is a listed actor
(``speaker_actor`` not ``other:…`` or ``unknown``), from non-reserved documents, by the stance the
stage decided: :data:`PER_LABEL` per label (all of a label with fewer). The decision is used only to
stratify and is **not** written to the candidates (nor its stratum), so the reader does not see it. Each line carries
the quote, its speaker as written, the passage that holds it (the context for "it" and "they"),
the document's title, URL and date. It proposes quotes only: the label is the reader's
(``quote_stance_instructions.md``).
"""

import json
import random
import sys
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]  # the repository
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance_pool import corpus_id  # noqa: E402

from pipeline.config import load_params  # noqa: E402
from pipeline.privacy import StoredKeys  # noqa: E402
from pipeline.reserved import reserved_pairs  # noqa: E402

#: Quotes per decided label: the three stances, whose precision the report needs, then fewer of
#: ``neutral`` and ``off_topic`` (for the stances the decisions miss).
PER_LABEL = {"pro_open_source": 50, "security_hawk": 50, "pro_china_tools": 50, "neutral": 25, "off_topic": 25}


def main(db: str) -> None:
    keys = StoredKeys.from_params(load_params("privacy"))
    reserved = reserved_pairs(key=keys)
    con = duckdb.connect(db, read_only=True)
    df = con.execute("""SELECT q.quote_id, q.doc_id, q.quote_text, q.speaker, q.speaker_actor, s.label AS decided,
      d.source_file, d.native_id, d.line, d.title, coalesce(p.url, d.url) AS url,
      coalesce(p.published_at, d.published_at)::DATE::VARCHAR AS date, p.text AS passage
      FROM quotes q JOIN quote_stances s USING (quote_id) JOIN documents d USING (doc_id)
      JOIN passages p USING (passage_id)
      WHERE q.speaker_actor NOT LIKE 'other:%' AND q.speaker_actor <> 'unknown' ORDER BY q.quote_id""").fetchdf()
    df = df[[(s, n) not in reserved for s, n in zip(df.source_file, df.native_id)]]
    rng = random.Random(20261206)
    out = []
    for label, n in PER_LABEL.items():
        idx = sorted(df.index[df.decided == label])
        pick = sorted(rng.sample(idx, min(n, len(idx))))
        print(f"{label}: {len(idx)} -> {len(pick)}", file=sys.stderr)
        for i in pick:
            r = df.loc[i]
            native = corpus_id(r.source_file, r.line, r.native_id, keys)
            if native is None:
                print("skip (no corpus id):", r.native_id, file=sys.stderr)
                continue
            title, url = (None if pd.isna(v) else v for v in (r.title, r.url))  # JSON null, not NaN
            out.append(dict(source=r.source_file, native_id=native, quote_id=r.quote_id, title=title, url=url,
                            date=r.date, speaker=r.speaker, speaker_actor=r.speaker_actor, quote_text=r.quote_text,
                            passage=r.passage))
    rng.shuffle(out)
    print(len(out), "candidates", file=sys.stderr)
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "data" / "debate.duckdb"))
