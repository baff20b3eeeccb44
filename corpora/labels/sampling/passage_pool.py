"""Candidate passages for the session-11 labelling rounds (b9-b11, b12-b15, b16-b19), aimed at the
weakest narratives and at pro_china_tools / security_hawk against neutral. Proposes only: the
then-current models' most probable unlabelled passages per narrative and stance, cue searches and
random narrative passages; every label is a reading. Excludes reserved documents (ids mapped as the
warehouse stores them), every passage of earlier batches and every labelled text.

Usage: passage_pool.py ROUND DB   (ROUND: b9, b12 or b16; DB: the warehouse the proposals come from:
b9 a full build of session 10's code, b12 one with b1-b11 (commit 47cad15), b16 one with b1-b15
(commit a53ed6f)). Writes /work/notes/labelling/b<N>/candidates.jsonl, the annotators' folders of
that session.
"""

import csv
import glob
import json
import os
import random
import re
import sys

sys.path.insert(0, "/work/main")
import duckdb

from pipeline.config import load_params
from pipeline.privacy import StoredKeys

ROUNDS = {
    "b9": {
        "seed": 11,
        "batches": [9, 10, 11],
        "random": 60,
        "hawk": 0,
        "narratives": [
            ("china.adoption", 40),
            ("policy.backfire", 40),
            ("theft.distillation", 30),
            ("risk.misuse", 30),
            ("china.disrupts_bigtech", 30),
            ("open.us_leadership", 25),
            ("risk.security", 25),
        ],
    },
    "b12": {
        "seed": 12,
        "batches": [12, 13, 14, 15],
        "random": 90,
        "hawk": 50,
        "narratives": [
            ("china.adoption", 50),
            ("policy.backfire", 35),
            ("theft.distillation", 30),
            ("risk.security", 35),
            ("china.disrupts_bigtech", 30),
            ("china.cheap_efficient", 30),
            ("china.catching_up", 30),
            ("other", 30),
            ("risk.censorship", 20),
            ("risk.misuse", 20),
        ],
    },
    "b16": {
        "seed": 16,
        "batches": [16, 17, 18, 19],
        "random": 90,
        "hawk": 50,
        "narratives": [
            ("china.adoption", 50),
            ("policy.backfire", 35),
            ("theft.distillation", 30),
            ("risk.security", 30),
            ("china.disrupts_bigtech", 30),
            ("open.us_leadership", 35),
            ("other", 30),
            ("open.innovation", 20),
            ("risk.misuse", 20),
            ("risk.censorship", 20),
        ],
    },
}
R = ROUNDS[sys.argv[1]]
DB = sys.argv[2]
keys = StoredKeys.from_params(load_params("privacy"))
reserved = {
    ("demo/" + r["source"], keys(r["native_id"]))
    for r in csv.DictReader(open("/work/main/corpora/demo/EVAL_RESERVED.tsv"), delimiter="\t")
}
done_ids = {
    json.loads(ln)["passage_id"] for f in glob.glob("/work/notes/labelling/b*/candidates.jsonl") for ln in open(f)
}
done_txt = {json.loads(ln)["passage"] for ln in open("/work/main/corpora/labels/stance_passages_v1.jsonl")}
con = duckdb.connect(DB, read_only=True)
df = con.execute("""
  SELECT p.passage_id, p.text, p.relevance, p.in_narratives, d.source_file, d.native_id, d.source_type,
         p.url, p.published_at::DATE::VARCHAR AS date, d.title, left(d.text, 300) AS doc_start
  FROM passages p JOIN documents d USING (doc_id)
  WHERE d.duplicate_of IS NULL AND p.n_words BETWEEN 6 AND 150 AND coalesce(d.n_records,1) = 1""").fetchdf()
keep = [
    (s, n) not in reserved and p not in done_ids and t not in done_txt
    for s, n, p, t in zip(df.source_file, df.native_id, df.passage_id, df.text)
]
df = df[keep]
ok = set(df.passage_id)
rng = random.Random(R["seed"])
chosen = {}


def take(ids, why, n, shuffle=True):
    ids = [i for i in ids if i in ok and i not in chosen]
    if shuffle:
        rng.shuffle(ids)
    for i in ids[:n]:
        chosen[i] = why


# the current model's most probable unlabelled passages per weak narrative (top 60, 30 taken at random)
for nar, n in R["narratives"]:
    top = [
        r[0]
        for r in con.execute(
            "SELECT passage_id FROM passage_narrative_probabilities WHERE narrative = ? ORDER BY p DESC LIMIT 400",
            [nar],
        ).fetchall()
        if r[0] in ok
    ][: 2 * n]
    take(top, f"model:{nar}", n)
# pro_china_tools against neutral: the stance model's most probable unlabelled passages
top = [
    r[0]
    for r in con.execute(
        "SELECT passage_id FROM passage_stance_probabilities WHERE label = 'pro_china_tools' ORDER BY p DESC LIMIT 600"
    ).fetchall()
    if r[0] in ok
][:160]
take(top, "model:pro_china_tools", 80)
if R["hawk"]:
    top = [
        r[0]
        for r in con.execute(
            "SELECT passage_id FROM passage_stance_probabilities WHERE label = 'security_hawk' "
            "ORDER BY p DESC LIMIT 600"
        ).fetchall()
        if r[0] in ok
    ][: 2 * R["hawk"]]
    take(top, "model:security_hawk", R["hawk"])
cues = {
    "china.adoption": (
        r"(switch|switched|migrat|replac|moved|using|use|run|deploy|built on|default)[^.\n]{0,60}"
        r"(deepseek|qwen|kimi|glm|minimax|chinese (open )?model)",
        40,
    ),
    "policy.backfire": (
        r"backfir|self[- ]reliance|self[- ]sufficien|counterproductive|forced (them|china) to|necessity|"
        r"constraints? (bred|drove|forced)|despite (the )?(export )?controls|sanctions (didn|did not|failed)",
        40,
    ),
    "theft.distillation": (
        r"distill|distil|stole|stolen|theft|steal|copied|copying|ip (theft|rights)|terms of service",
        25,
    ),
    "risk.misuse": (r"bioweapon|biological|cyber ?attack|military|pla\b|weapon|misuse|bad actors|terror", 25),
}
for key, (pat, n) in cues.items():
    rx = re.compile(pat, re.I)
    take([p for p, t, r in zip(df.passage_id, df.text, df.relevance) if r >= 0.3 and rx.search(t)], f"cue:{key}", n)
take([p for p, i in zip(df.passage_id, df.in_narratives) if i], "random:narrative_passage", R["random"])
out = df[df.passage_id.isin(chosen)].copy()
out["proposed_by"] = out.passage_id.map(chosen)
out = out.sample(frac=1.0, random_state=11)
print(out.proposed_by.value_counts().to_dict(), out.source_type.value_counts().to_dict(), len(out), file=sys.stderr)
batches = R["batches"]
for i, b in enumerate(batches):
    part = out.iloc[i :: len(batches)]
    os.makedirs(f"/work/notes/labelling/b{b}", exist_ok=True)
    with open(f"/work/notes/labelling/b{b}/candidates.jsonl", "w") as fh:
        for r in part.itertuples():
            fh.write(
                json.dumps(
                    {
                        "passage_id": r.passage_id,
                        "source": r.source_file,
                        "native_id": r.native_id,
                        "source_type": r.source_type,
                        "url": r.url,
                        "date": r.date,
                        "title": r.title,
                        "doc_start": r.doc_start if r.doc_start != r.text else None,
                        "passage": r.text,
                        "proposed_by": r.proposed_by,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    print(b, len(part), file=sys.stderr)
