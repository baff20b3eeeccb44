"""Candidate documents that the relevance query drops, for stance labelling by reading (issue 18 §6).

Usage (from the repository root, after a full build)::

    python corpora/labels/sampling/relevance_pool.py [PER_STRATUM [WAREHOUSE [ROUND]]] > candidates.jsonl

A stratified random sample of non-reserved, non-duplicate documents with ``is_relevant = false``
that are not in ``stance_v1.jsonl``, by source family x relevance bin (``zero``; ``low`` = 0 <
relevance < threshold), PER_STRATUM (default 20) per stratum. Each line carries its stratum, the
stratum's size and the number sampled, so recall can be weighted back to the corpus
(``pipeline/relevance_eval.py``). It proposes documents only: the label is the annotator's reading
(``relevance_instructions.md``). Texts over 8,000 characters are cut, with a marker.

``python corpora/labels/sampling/relevance_pool.py relabel [WAREHOUSE] > relabel.jsonl`` proposes every document
of ``relevance_v1.jsonl`` again, without its label, shuffled (seed 35), for a blind second reading (session 35:
round 1's readers called release, setup and tooling news of the debate's models ``off_topic``, the adjudicated
recap conventions call it ``neutral``); the second readings go to ``relevance_check_v1.jsonl``.

ROUND 1 (default; seed 20261202): both bins. ROUND 2 (seed 20261203, session 12): the ``low`` bin
only (the documents the on-topic classifier may admit), drawn from the stratum's documents that
``relevance_v1.jsonl`` does not yet hold, so that the two rounds together are one simple random
sample of the stratum; ``stratum_size`` still counts the whole stratum.

ROUND 3 (seed 20261207, session 36): more documents in the strata where one label weighed most
(:data:`ROUND3`: the Reddit and X strata; PER_STRATUM is ignored), drawn like round 2 from the documents
the earlier rounds did not label. The population is every query-dropped document (``relevance <
threshold``), including those the on-topic classifier has since admitted (rounds 1 and 2 drew before
admission existed), and ``stratum_size`` is the size rounds 1 and 2 recorded, so each stratum keeps one
weight; the size counted now is printed beside it.
"""

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[3]  # the repository
sys.path.insert(0, str(ROOT))

from pipeline.config import load_params  # noqa: E402
from pipeline.privacy import StoredKeys  # noqa: E402
from pipeline.reserved import reserved_pairs  # noqa: E402

MAX_CHARS = 8000

#: round 3's draws: stratum -> documents. Reddit's ``zero`` stratum (17,834 documents, 20 labels) decided
#: the query's weighted recall through one on-topic label (weight 892); Reddit's ``low`` stratum (737, 60
#: labels, weight 12.3) decided the admission threshold through two labels; X's ``zero`` (760, 20 labels).
ROUND3 = {"demo/social/reddit_ai_threads.jsonl|zero": 180, "demo/social/reddit_ai_threads.jsonl|low": 120,
          "demo/social/x_posts_deepseek_2025-02-03.csv|zero": 60}


def _strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        yield from (x for v in o.values() for x in _strings(v))
    elif isinstance(o, list):
        yield from (x for v in o for x in _strings(v))


def corpus_id(source_file: str, line: object, stored: str, keys: StoredKeys) -> str | None:
    """The corpus's own native id of a document: ``stored`` itself unless it was pseudonymised, else
    the id found on the raw line ``line`` (None: not found)."""
    if "user_" not in stored:
        return stored
    text = (ROOT / "corpora" / source_file).read_text(encoding="utf-8")
    try:
        raw = json.loads(text.splitlines()[int(line) - 1])
    except ValueError:
        raw = json.loads(text)
    found = [v for v in _strings(raw) if keys(v) == stored]
    return found[0] if found else None


def candidate(r, keys: StoredKeys, **extra) -> dict | None:
    """A document row of the warehouse as a candidate line for the annotators: ids, URL, date, title, ``extra``
    and its text cut at MAX_CHARS with a marker; None (and a note on stderr) when its corpus id is not found."""
    native = corpus_id(r.source_file, r.line, r.native_id, keys)
    if native is None:
        print("skip (no corpus id):", r.native_id, file=sys.stderr)
        return None
    text = r.text if len(r.text) <= MAX_CHARS else \
        r.text[:MAX_CHARS] + f"\n[... {len(r.text) - MAX_CHARS} more characters not shown]"
    return dict(doc_id=r.doc_id, source=r.source_file, native_id=native, source_type=r.source_type, url=r.url,
                date=r.date, title=r.title, **extra, text=text)


def label_pair(r: dict, keys: StoredKeys) -> tuple[str, str]:
    """``(source_file, stored native id)`` of a label record: the key of its document in the warehouse."""
    return "demo/" + r["source"].removeprefix("demo/"), keys(r["native_id"])


def _pairs(name: str, keys: StoredKeys) -> set[tuple[str, str]]:
    """``(source_file, stored native id)`` of the documents a label file holds."""
    with open(ROOT / "corpora/labels" / name, encoding="utf-8") as fh:
        return {label_pair(r, keys) for r in map(json.loads, fh)}


def main(per: int, db: str, round_: int = 1) -> None:
    keys = StoredKeys.from_params(load_params("privacy"))
    reserved = reserved_pairs(key=keys)
    labelled = _pairs("stance_v1.jsonl", keys)
    earlier = _pairs("relevance_v1.jsonl", keys) if round_ > 1 else set()
    sizes = {}
    with open(ROOT / "corpora/labels/relevance_v1.jsonl", encoding="utf-8") as fh:
        for r in map(json.loads, fh):
            sizes.setdefault(r["stratum"], r["stratum_size"])
    dropped = "NOT is_relevant" if round_ < 3 else f"relevance < {float(load_params('relevance')['threshold'])}"
    con = duckdb.connect(db, read_only=True)
    df = con.execute(f"""SELECT doc_id, source_file, native_id, line, source_type, url,
      published_at::DATE::VARCHAR AS date, title, relevance, relevance_terms, n_chars, text FROM documents
      WHERE {dropped} AND duplicate_of IS NULL ORDER BY doc_id""").fetchdf()
    df = df[[(s, n) not in reserved and (s, n) not in labelled for s, n in zip(df.source_file, df.native_id)]]
    counts = df.source_file.value_counts()

    def family(sf: str) -> str:
        return sf if counts[sf] > 5 else sf.rsplit("/", 2)[0] if "whitehouse" in sf else "demo/other"

    df["family"] = [family(s) for s in df.source_file]
    df["bin"] = ["zero" if r == 0 else "low" for r in df.relevance]
    rng = random.Random({1: 20261202, 2: 20261203, 3: 20261207}[round_])
    strata = defaultdict(list)
    for i, r in df.iterrows():
        strata[(r.family, r.bin)].append(i)
    out = []
    for (fam, b), idx in sorted(strata.items()):
        name = f"{fam}|{b}"
        if (round_ == 2 and b != "low") or (round_ == 3 and name not in ROUND3):
            continue
        n = ROUND3[name] if round_ == 3 else per
        size = sizes[name] if round_ == 3 else len(idx)
        fresh = [i for i in idx if (df.at[i, "source_file"], df.at[i, "native_id"]) not in earlier]
        pick = sorted(rng.sample(fresh, min(n, len(fresh))))
        for i in pick:
            r = df.loc[i]
            c = candidate(r, keys, relevance=float(r.relevance), relevance_terms=list(r.relevance_terms),
                          stratum=name, stratum_size=size, n_sampled=len(pick), n_chars=int(r.n_chars))
            if c is not None:
                out.append(c)
        print(f"{name}: {len(idx)} now, {size} recorded -> {len(pick)}", file=sys.stderr)
    rng.shuffle(out)
    print(len(out), "candidates", file=sys.stderr)
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


def relabel(db: str) -> None:
    """Print every labelled document of ``relevance_v1.jsonl`` as a candidate line (its stratum fields, no
    label), shuffled with seed 35."""
    keys = StoredKeys.from_params(load_params("privacy"))
    with open(ROOT / "corpora/labels/relevance_v1.jsonl", encoding="utf-8") as fh:
        labels = {label_pair(r, keys): r for r in map(json.loads, fh)}
    con = duckdb.connect(db, read_only=True)
    df = con.execute("""SELECT doc_id, source_file, native_id, line, source_type, url,
      published_at::DATE::VARCHAR AS date, title, relevance, relevance_terms, n_chars, text FROM documents
      ORDER BY doc_id""").fetchdf()
    out = []
    for _, r in df.iterrows():
        lab = labels.get((r.source_file, r.native_id))
        if lab is None:
            continue
        c = candidate(r, keys, relevance=float(r.relevance), relevance_terms=list(r.relevance_terms),
                      stratum=lab["stratum"], stratum_size=lab["stratum_size"], n_chars=int(r.n_chars))
        if c is not None:
            out.append(c)
    random.Random(35).shuffle(out)
    print(f"{len(labels)} labels, {len(out)} candidates", file=sys.stderr)
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__" and sys.argv[1:2] == ["relabel"]:
    relabel(sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "data" / "debate.duckdb"))
elif __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20,
         sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "data" / "debate.duckdb"),
         int(sys.argv[3]) if len(sys.argv) > 3 else 1)
