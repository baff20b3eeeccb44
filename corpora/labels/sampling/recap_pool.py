"""More newsletter recaps for stance labelling by reading: the round-1 document sample continued (session 34).

Usage (from the repository root, after a full build)::

    python corpora/labels/sampling/recap_pool.py [N [WAREHOUSE]] > candidates.jsonl
    python corpora/labels/sampling/recap_pool.py relabel [rest|round2] [WAREHOUSE] > relabel.jsonl

``relabel`` proposes round-1 labelled recaps again, without their labels, for a blind second reading (the
session-34 check of whether the two rounds read the codebook alike): every ``pro_open_source``,
``security_hawk`` and ``pro_china_tools`` label, 40 ``off_topic`` and 30 ``neutral`` ones at random (seed 34),
shuffled. Round 1's labels are rebuilt from the annotators' ids and ``recap_check_v1.jsonl``; the 120 drawn
on the build of 8df1353 are the ones that file records, and a later build whose eligible documents differ
draws others. ``relabel rest`` proposes the round-1 ``off_topic`` recaps that check left out (session 35), shuffled
(seed 35), for the same blind second reading (none now: they are all in ``recap_check_v1.jsonl``).
``relabel round2`` proposes round 2's labels for the same check
(session 35, so that both rounds are read twice): every ``pro_*`` label, every ``off_topic`` one and 60
``neutral`` ones at random (seed 35), shuffled.

Round 1 labelled the first 360 eligible documents of ``demo/social/ainews_social_recaps.jsonl`` (relevant,
non-duplicate, not reserved) in the fixed pseudo-random order ``sha256(doc_id || 'label-sample-v1')``
(``corpora/labels/README.md``, "Which documents"). This script proposes the next N (default 600) unlabelled
eligible documents of that file in the same order, so the labelled documents stay the head of one random order:
a simple random sample of the file, and within each month a simple random sample of that month's documents
(the domain estimate of ``pipeline.stance.sample_shares.sample_shares_by_period``). It checks first that the
labelled documents are the head of the order, and says how far they are not. It proposes documents only: the
label is the annotator's reading (``recap_instructions.md``). Only documents the keyword query keeps are
proposed, as in round 1: round 2 drew from the whole corpus view, and 29 of its 600 were documents the
relevance classifier had admitted, which the admission stage now leaves out of its figures
(``pipeline.admission.labelled_documents``). Texts over 8,000 characters are cut, with a marker
(session 34 then had the 25 such recaps read again in full: the 40 % rule of a recap is over its whole text).
"""

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[3]  # the repository
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "corpora" / "labels" / "sampling"))

from relevance_pool import _pairs, candidate, label_pair  # noqa: E402

from pipeline.config import load_params  # noqa: E402
from pipeline.privacy import StoredKeys  # noqa: E402
from pipeline.reserved import reserved_pairs  # noqa: E402

FILE = "demo/social/ainews_social_recaps.jsonl"


def order_key(doc_id: str) -> str:
    """The round-1 sampling order of a document (``corpora/labels/README.md``)."""
    return hashlib.sha256((doc_id + "label-sample-v1").encode("utf-8")).hexdigest()


def _round1_labels(keys: StoredKeys) -> dict[tuple[str, str], str]:
    """``(source_file, stored native id)`` → round-1 label of each round-1 recap: its label in
    ``stance_v1.jsonl`` where a round-1 annotator (``…/recaps``, ``…/recaps2``) still holds it, else the
    ``first_label`` that ``recap_check_v1.jsonl`` kept of it (session 34 replaced those by adjudication)."""
    out = {}
    with open(ROOT / "corpora/labels/stance_v1.jsonl", encoding="utf-8") as fh:
        for r in map(json.loads, fh):
            if r["source"] == FILE and r["annotator"].rsplit("/", 1)[-1] in ("recaps", "recaps2"):
                out[label_pair(r, keys)] = r["label"]
    out.update(_checked_first_labels(keys, lambda a: a in ("recaps", "recaps2")))
    return out


def _checked_first_labels(keys: StoredKeys, first: Any) -> dict[tuple[str, str], str]:
    """``(source_file, stored native id)`` → ``first_label`` of the ``recap_check_v1.jsonl`` records whose
    ``first_annotator``'s batch (its last part, e.g. ``recaps``) satisfies ``first``: the label before
    adjudication replaced it in ``stance_v1.jsonl``."""
    check = ROOT / "corpora/labels/recap_check_v1.jsonl"
    if not check.exists():
        return {}
    with open(check, encoding="utf-8") as fh:
        return {label_pair(r, keys): r["first_label"] for r in map(json.loads, fh)
                if first(r["first_annotator"].rsplit("/", 1)[-1])}


def _round2_labels(keys: StoredKeys) -> dict[tuple[str, str], str]:
    """``(source_file, stored native id)`` → label of each round-2 recap (annotators ``…/recap2-N`` and
    ``…/recap2-full-N``; where adjudication replaced one, the ``first_label`` that ``recap_check_v1.jsonl``
    kept)."""
    with open(ROOT / "corpora/labels/stance_v1.jsonl", encoding="utf-8") as fh:
        out = {label_pair(r, keys): r["label"] for r in map(json.loads, fh)
               if r["source"] == FILE and r["annotator"].rsplit("/", 1)[-1].startswith("recap2-")}
    out.update(_checked_first_labels(keys, lambda a: a.startswith("recap2-")))
    return out


def _relabel_pick(df, keys: StoredKeys, rest: bool | str) -> list:
    """Row labels of ``df`` (eligible recaps) to read again: session 34's check (every round-1 ``pro_*``
    label, 40 ``off_topic`` and 30 ``neutral`` at random, seed 34, shuffled), or with ``rest`` the round-1
    ``off_topic`` labels that check left out (shuffled, seed 35), or with ``rest == "round2"`` round 2's
    labels (every ``pro_*`` and ``off_topic`` one, 60 ``neutral`` at random; seed 35, shuffled)."""
    if rest == "round2":
        label_of = _round2_labels(keys)
        label = [label_of.get((s, x)) for s, x in zip(df.source_file, df.native_id)]
        rng = random.Random(35)
        pick = [i for i, lab in zip(df.index, label) if lab not in (None, "neutral")]
        pick += rng.sample([i for i, lab in zip(df.index, label) if lab == "neutral"], 60)
        rng.shuffle(pick)
        return pick
    label_of = _round1_labels(keys)
    label = [label_of.get((s, x)) for s, x in zip(df.source_file, df.native_id)]
    if rest:
        with open(ROOT / "corpora/labels/recap_check_v1.jsonl", encoding="utf-8") as fh:
            checked = {label_pair(r, keys) for r in map(json.loads, fh)}
        pick = [i for i, lab in zip(df.index, label)
                if lab == "off_topic" and (df.at[i, "source_file"], df.at[i, "native_id"]) not in checked]
        random.Random(35).shuffle(pick)
        return pick
    rng = random.Random(34)
    pick = [i for want in ("pro_open_source", "security_hawk", "pro_china_tools")
            for i, lab in zip(df.index, label) if lab == want]
    for want, k in (("off_topic", 40), ("neutral", 30)):
        pool = [i for i, lab in zip(df.index, label) if lab == want]
        pick += rng.sample(pool, min(k, len(pool)))
    rng.shuffle(pick)
    return pick


def main(n: int, db: str, relabel: bool = False, rest: bool | str = False) -> None:
    keys = StoredKeys.from_params(load_params("privacy"))
    reserved = reserved_pairs(key=keys)
    labelled = _pairs("stance_v1.jsonl", keys)
    con = duckdb.connect(db, read_only=True)
    df = con.execute("""SELECT doc_id, source_file, native_id, line, source_type, url,
      published_at::DATE::VARCHAR AS date, title, n_chars, text FROM corpus
      WHERE source_file = ? AND admitted_by = 'query'""",
                     [FILE]).fetchdf()
    df = df[[(s, x) not in reserved for s, x in zip(df.source_file, df.native_id)]].copy()
    df["order"] = [order_key(d) for d in df.doc_id]
    df = df.sort_values("order").reset_index(drop=True)
    is_lab = [(s, x) in labelled for s, x in zip(df.source_file, df.native_id)]
    n_lab = sum(is_lab)
    print(f"{len(df)} eligible, {n_lab} labelled; labelled among the first {n_lab} in order: "
          f"{sum(is_lab[:n_lab])}", file=sys.stderr)
    if relabel:
        pick = _relabel_pick(df, keys, rest)
        df, is_lab, n_lab = df.loc[pick].reset_index(drop=True), [False] * len(pick), 0
        n = len(pick)
    out = []
    for i, r in df.iterrows():
        if is_lab[i]:
            continue
        c = candidate(r, keys, n_chars=int(r.n_chars), order=len(out) + n_lab)
        if c is None:
            continue
        out.append(c)
        if len(out) == n:
            break
    print(len(out), "candidates", file=sys.stderr)
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1:2] == ["relabel"]:
        rest = sys.argv[2] if sys.argv[2:3] in (["rest"], ["round2"]) else False
        rest = True if rest == "rest" else rest
        args = sys.argv[3:] if rest else sys.argv[2:]
        main(0, args[0] if args else str(ROOT / "data" / "debate.duckdb"), relabel=True, rest=rest)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 600,
             sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "data" / "debate.duckdb"))
