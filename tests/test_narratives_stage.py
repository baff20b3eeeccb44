"""Stage narratives on real labelled passages and real vectors.

The fixture takes real rows of ``corpora/labels/narratives_passages_v1.jsonl``
(every positive of the two most frequent claim narratives, capped, and as many
passages without a narrative), makes each label's document and passage in
stage databases of the real schemas (clean, embed), and embeds the texts with
the project's encoder (``params.yaml`` ``encoder``). The stage then runs on
them as on the full data. The fixture embeds about 130 texts (~35 s on a
busy 2-core machine), so the tests that use it are marked slow.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline import warehouse
from pipeline.config import NARRATIVE_PASSAGE_LABEL_FILE, NARRATIVES_FILE, SQL_DIR, load_params
from pipeline.narratives import labels, model
from pipeline.narratives.stage import run
from pipeline.narratives.taxonomy import load_narratives, zero_shot_texts
from pipeline.text_vectors import text_vectors

SIDES = list(load_params("stance")["labels"])
PARAMS = {**load_params("narratives"), "stance_labels": SIDES, "cv_folds": 3, "C_grid": [1.0]}


def _sample(n_per_key: int = 30, n_none: int = 60) -> list[dict]:
    """Real label rows: positives of the two most frequent claim narratives and rows without one."""
    tax = load_narratives(sides=SIDES)
    rows = [json.loads(line) for line in NARRATIVE_PASSAGE_LABEL_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    counts = Counter(k for r in rows for k in r["narratives"] if not tax[k].catch_all)
    top = [k for k, _ in counts.most_common(2)]
    picked = [r for k in top for r in [r for r in rows if k in r["narratives"]][:n_per_key]]
    picked += [r for r in rows if not r["narratives"]][:n_none]
    seen, out = set(), []
    for r in picked:
        ident = (r["source"], r["native_id"], r["passage"])
        if ident not in seen:
            seen.add(ident)
            out.append(r)
    return out


def _documents(rows: list[dict]) -> pd.DataFrame:
    """One clean-stage document per labelled (source, native_id), its text the labels' passages."""
    docs: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        docs.setdefault((r["source"], r["native_id"]), []).append(" ".join(r["passage"].split()))
    out = []
    for i, ((source_file, native_id), texts) in enumerate(sorted(docs.items())):
        text = "\n\n".join(texts)
        out.append({"doc_id": hashlib.sha256(f"{source_file}\x1f{native_id}".encode()).hexdigest()[:16],
                    "source": source_file.split("/")[1], "source_file": source_file, "native_id": native_id,
                    "line": i + 1, "platform": "web", "source_type": "news", "url": f"https://example.org/{i}",
                    "title": None, "author": None, "outlet": None,
                    "published_at": datetime(2025, 1 + i % 3, 10, 12, tzinfo=UTC), "date_precision": "day",
                    "date_source": "record_field", "lang": "en", "text": text, "n_chars": len(text),
                    "content_sha256": hashlib.sha256(text.encode()).hexdigest(), "duplicate_of": None,
                    "duplicate_kind": None, "relevance": 0.9, "relevance_terms": ["open"], "is_relevant": True,
                    "n_records": 1, "raw_sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "ingested_at": datetime(2026, 1, 1, tzinfo=UTC), "texts": texts})
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """``(folder, clean_db, embed_db, text cache, label file, vectors by text)``."""
    tmp = tmp_path_factory.mktemp("narratives")
    rows = _sample()
    docs = _documents(rows)
    passages = []
    for d in docs.itertuples():
        start = 0
        for idx, text in enumerate(d.texts):
            passages.append({"passage_id": f"{d.doc_id}-{idx:04d}", "doc_id": d.doc_id, "idx": idx, "text": text,
                             "char_start": start, "char_end": start + len(text), "n_words": len(text.split()),
                             "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "relevance": 0.9,
                             # every 7th passage is not a narrative passage: scored only as a labelled one
                             "in_narratives": len(passages) % 7 != 3, "narrative_reason": "relevant"})
            start += len(text) + 2
    passages = pd.DataFrame(passages)
    cache = tmp / "cache.duckdb"
    X = text_vectors(list(passages["text"]), load_params("encoder"), cache, dimensions=384)
    clean_db, embed_db = tmp / "clean.duckdb", tmp / "embed.duckdb"
    with warehouse.build(clean_db, SQL_DIR / "clean", fresh=True) as con:
        frame = docs.drop(columns="texts")
        con.register("frame", frame)
        con.execute(f"INSERT INTO documents BY NAME SELECT {', '.join(frame.columns)} FROM frame")
    with warehouse.build(embed_db, SQL_DIR / "embed", fresh=True) as con:
        con.register("frame", passages)
        con.execute(f"INSERT INTO passages BY NAME SELECT {', '.join(passages.columns)} FROM frame")
        con.execute("CREATE TABLE embeddings (passage_id VARCHAR PRIMARY KEY, model VARCHAR, vector FLOAT[384])")
        keep = passages["in_narratives"].to_numpy()
        con.register("vecs", pd.DataFrame({"passage_id": passages["passage_id"][keep], "model": "m",
                                           "vector": list(X[keep])}))
        con.execute("INSERT INTO embeddings SELECT passage_id, model, vector::FLOAT[384] FROM vecs")
    label_file = tmp / "labels.jsonl"
    label_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return tmp, clean_db, embed_db, cache, label_file, dict(zip(passages["text"], X))


def _run(project, out: Path, *, label_file: Path | None = None, taxonomy: Path = NARRATIVES_FILE) -> dict:
    tmp, clean_db, embed_db, cache, labels_default, _ = project
    return run(PARAMS, load_params("encoder"), embed_db=embed_db, clean_db=clean_db, out_db=out,
               taxonomy_file=taxonomy, label_file=label_file or labels_default, text_cache=cache)


@pytest.fixture(scope="module")
def supervised(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "narratives.duckdb"
    return _run(project, out), duckdb.connect(str(out), read_only=True)


@pytest.mark.slow  # the shared fixture embeds ~130 passages: ~35 s on a busy 2-core machine
def test_modes_follow_the_labels_and_evaluation_is_reported(project, supervised):
    metrics, con = supervised
    rows = [json.loads(line) for line in project[4].read_text().splitlines()]
    counts = Counter(k for r in rows for k in r["narratives"])
    tax = load_narratives(sides=SIDES)
    for n in tax.narratives:
        expected = ("supervised" if counts[n.key] >= PARAMS["min_positives"] else
                    "none" if n.catch_all else "zero_shot")
        assert metrics["modes"][n.key] == expected, n.key
    assert list(metrics["modes"].values()).count("supervised") >= 2
    ev = metrics["evaluation"]
    assert ev["n_passages"] == len(rows) and 0 <= ev["micro_f1"] <= 1 and 0 <= ev["samples_f1_passages"] <= 1
    assert metrics["labels"]["matched_to_current_passage"] == {"exact": len(rows)}
    # the honest predictions stored per label are those the scores were computed from
    stored = con.sql("SELECT narratives, cv_narratives FROM narrative_labels ORDER BY line").fetchall()
    tp = sum(len(set(g) & set(p)) for g, p in stored)
    n_gold, n_pred = sum(len(g) for g, _ in stored), sum(len(p) for _, p in stored)
    assert round(2 * tp / (n_gold + n_pred), 4) == ev["micro_f1_with_catch_all"]
    # each gold narrative keeps the reader's evidence sentence, in the order of the stored keys
    evidence = con.sql("SELECT line, narratives, evidence FROM narrative_labels ORDER BY line").fetchall()
    with_ev = 0
    for line, keys, sentences in evidence:
        r = rows[line - 1]
        given = {k: e.strip() for k, e in zip(r["narratives"], r.get("evidence", [])) if e.strip()}
        assert len(sentences) == len(keys) and sentences == [given.get(k, "") for k in keys], line
        with_ev += sum(bool(e) for e in sentences)
    assert with_ev > 0


@pytest.mark.slow  # the shared fixture embeds ~130 passages: ~35 s on a busy 2-core machine
def test_decisions_are_the_probabilities_over_each_threshold(supervised):
    _, con = supervised
    wrong = con.sql("""
        SELECT count(*) FROM passage_narrative_probabilities pp JOIN narrative_taxonomy t USING (narrative)
        FULL JOIN passage_narratives pn USING (passage_id, narrative)
        WHERE (pn.passage_id IS NOT NULL) <> coalesce(pp.p >= t.threshold, false)""").fetchall()[0][0]
    assert wrong == 0
    assert con.sql("SELECT count(*) FROM passage_narratives").fetchall()[0][0] > 0


@pytest.mark.slow  # the shared fixture embeds ~130 passages: ~35 s on a busy 2-core machine
def test_doc_narratives_evidence_belongs_to_the_document_and_carries_the_narrative(project, supervised):
    _, con = supervised
    con.execute(f"ATTACH '{project[2]}' AS embed (READ_ONLY)")
    rows = con.sql("""
        SELECT dn.doc_id, p.doc_id AS evidence_doc, dn.p, pn.p AS evidence_p, p.in_narratives,
               (SELECT max(x.p) FROM passage_narratives x JOIN embed.passages y USING (passage_id)
                WHERE y.doc_id = dn.doc_id AND x.narrative = dn.narrative AND y.in_narratives) AS best
        FROM doc_narratives dn JOIN embed.passages p ON p.passage_id = dn.evidence_passage_id
        LEFT JOIN passage_narratives pn ON pn.passage_id = dn.evidence_passage_id AND pn.narrative = dn.narrative
        """).fetchall()
    con.execute("DETACH embed")
    assert rows
    for doc, evidence_doc, p, evidence_p, in_narratives, best in rows:
        assert evidence_doc == doc and evidence_p == p == best and in_narratives
    months = con.sql("SELECT sum(n_docs) FROM narratives_over_time").fetchall()[0][0]
    assert months == con.sql("SELECT count(*) FROM doc_narratives").fetchall()[0][0]


@pytest.mark.slow  # the shared fixture embeds ~130 passages: ~35 s on a busy 2-core machine
def test_empty_label_file_runs_zero_shot_from_the_claim_texts(project, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    out = tmp_path / "n.duckdb"
    metrics = _run(project, out, label_file=empty)
    tax = load_narratives(sides=SIDES)
    assert metrics["modes"] == {n.key: "none" if n.catch_all else "zero_shot" for n in tax.narratives}
    claims = zero_shot_texts(tax)
    T = text_vectors(list(claims.values()), load_params("encoder"), project[3], dimensions=384)
    vectors = project[5]
    con = duckdb.connect(str(out), read_only=True)
    con.execute(f"ATTACH '{project[2]}' AS embed (READ_ONLY)")
    got = con.sql("SELECT p.text, pn.narrative FROM passage_narratives pn JOIN embed.passages p USING (passage_id) "
                  "WHERE p.in_narratives").fetchall()
    texts = [t for (t,) in con.sql("SELECT text FROM embed.passages WHERE in_narratives").fetchall()]
    con.close()
    expected = {(t, k) for t in texts for k, c in zip(claims, vectors[t] @ T.T)
                if c >= PARAMS["zero_shot_threshold"]}
    assert set(got) == expected and expected


@pytest.mark.slow  # the shared fixture embeds ~130 passages: ~35 s on a busy 2-core machine
def test_a_new_narrative_without_labels_runs_zero_shot_and_needs_no_code(project, tmp_path):
    doc = yaml.safe_load(NARRATIVES_FILE.read_text())
    doc["narratives"].append({"key": "open.sovereignty", "claim": "Countries need open models to keep control "
                              "of their own AI instead of depending on foreign providers.",
                              "cues": ["sovereign AI", "digital sovereignty"], "exclusions": [], "side": None})
    taxonomy = tmp_path / "narratives.yaml"
    taxonomy.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = tmp_path / "n.duckdb"
    metrics = _run(project, out, taxonomy=taxonomy)
    assert metrics["modes"]["open.sovereignty"] == "zero_shot"
    assert list(metrics["modes"].values()).count("supervised") >= 2
    con = duckdb.connect(str(out), read_only=True)
    n = con.sql("SELECT count(*) FROM passage_narrative_probabilities WHERE narrative = 'open.sovereignty'")
    assert n.fetchall()[0][0] == metrics["predicted"]["passages"]
    assert con.sql("SELECT mode, threshold FROM narrative_taxonomy WHERE narrative = 'open.sovereignty'"
                   ).fetchall() == [("zero_shot", 0.5)]


@pytest.mark.slow  # the shared fixture embeds ~130 passages: ~35 s on a busy 2-core machine
def test_thresholds_are_tuned_on_inner_folds_only(project):
    rows = [json.loads(line) for line in project[4].read_text().splitlines()]
    vectors = project[5]
    X = np.array([vectors[" ".join(r["passage"].split())] for r in rows])
    texts = [r["passage"] for r in rows]
    keys = [k for k, _ in Counter(k for r in rows for k in r["narratives"]).most_common(2)]
    Y = np.array([[k in r["narratives"] for k in keys] for r in rows], dtype=int)
    groups = np.array([r["source"] for r in rows], dtype=object)
    tune = dict(grid=[0.1, 10.0], thresholds=[0.1, 0.3, 0.5, 0.7], lexical=False, class_weight="balanced")
    _, _, info = model.nested_cv(X, texts, Y, groups, keys, folds=3, seed=1, **tune)
    tr, te = model.grouped_folds(Y, groups, 3, 1)[0]
    inner = model.tune_and_fit(X[tr], [texts[i] for i in tr], Y[tr], groups[tr], keys, folds=3, seed=1, **tune)
    assert info[0]["thresholds"] == dict(zip(keys, inner.thresholds.round(3).tolist()))
    # the test fold's own rows cannot move its thresholds: replace their vectors and texts
    # (the folds depend on labels and groups only, so they stay the same)
    X2, texts2 = X.copy(), list(texts)
    X2[te] = np.random.default_rng(0).normal(size=X[te].shape)
    for i in te:
        texts2[i] = "unrelated text"
    _, _, info2 = model.nested_cv(X2, texts2, Y, groups, keys, folds=3, seed=1, **tune)
    assert [i["thresholds"] for i in info2][0] == info[0]["thresholds"]
    assert info2[0]["C"] == info[0]["C"]
    # one shared threshold (params global_threshold), with the claim/cue similarity features: still
    # tuned on the inner folds only
    tax = load_narratives(sides=SIDES)
    claims = zero_shot_texts(tax)
    pairs = [(g, tax[k].claim) for g, k in enumerate(claims)]
    A = text_vectors([t for _, t in pairs], load_params("encoder"), project[3], dimensions=384)
    shared = {**tune, "global_threshold": True, "anchors": model.Anchors(A, np.array([g for g, _ in pairs]))}
    _, _, info3 = model.nested_cv(X, texts, Y, groups, keys, folds=3, seed=1, **shared)
    _, _, info4 = model.nested_cv(X2, texts2, Y, groups, keys, folds=3, seed=1, **shared)
    assert all(len(set(i["thresholds"].values())) == 1 for i in info3)
    assert info4[0]["thresholds"] == info3[0]["thresholds"]


def test_label_file_faults_name_file_and_line(tmp_path):
    keys = load_narratives(sides=SIDES).keys
    first = NARRATIVE_PASSAGE_LABEL_FILE.read_text(encoding="utf-8").splitlines()[0]
    bad = tmp_path / "labels.jsonl"
    row = json.loads(first)
    row.update(passage=row["passage"] + " (another passage)", narratives=[*row["narratives"], "no.such_key"])
    bad.write_text(first + "\n" + json.dumps(row) + "\n")
    with pytest.raises(ValueError, match=r"labels.jsonl:2: .*no.such_key"):
        labels.read_labels(bad, keys)
    bad.write_text(first + "\n" + first + "\n")
    with pytest.raises(ValueError, match=r"labels.jsonl:2: passage labelled twice \(first at line 1\)"):
        labels.read_labels(bad, keys)


def test_a_label_on_a_reserved_document_fails(tmp_path):
    reserved = sorted(labels.reserved_pairs())[0]
    row = json.loads(NARRATIVE_PASSAGE_LABEL_FILE.read_text(encoding="utf-8").splitlines()[0])
    row.update(source=reserved[0], native_id=reserved[1])
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(row) + "\n")
    got = labels.read_labels(path, load_narratives(sides=SIDES).keys)
    with pytest.raises(ValueError, match=r"lines \[1\] label documents reserved"):
        labels.check_not_reserved(got, labels.reserved_pairs(), path)
    # the shipped label file has none
    labels.check_not_reserved(labels.read_labels(NARRATIVE_PASSAGE_LABEL_FILE), labels.reserved_pairs(),
                              NARRATIVE_PASSAGE_LABEL_FILE)


def _probabilities(db: Path, key: str) -> dict[str, float]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.sql("SELECT passage_id, p FROM passage_narrative_probabilities WHERE narrative = ?",
                            params=[key]).fetchall())
    finally:
        con.close()


@pytest.mark.slow  # the shared fixture embeds ~130 passages: ~35 s on a busy 2-core machine
def test_renaming_a_narrative_and_adding_one_with_labels_is_data_only(project, supervised, tmp_path):
    """Issue 19: rename a supervised narrative, and add a new one with labels, by editing only
    corpora/narratives.yaml and the label file; the stage trains and predicts both."""
    metrics, con = supervised
    old = next(k for k, m in metrics["modes"].items() if m == "supervised")
    text = NARRATIVES_FILE.read_text(encoding="utf-8").replace(f"key: {old}\n", "key: renamed.claim\n")
    doc = yaml.safe_load(text.replace(f"`{old}`", "`renamed.claim`"))
    rows = [json.loads(line) for line in project[4].read_text().splitlines()]
    before = dict(con.sql("SELECT passage_id, p FROM passage_narrative_probabilities WHERE narrative = ?",
                          params=[old]).fetchall())
    for step, added in ((1, []), (2, ["added.claim"])):
        if added:
            doc["narratives"].append({"key": "added.claim", "claim": "A claim added by an analyst.",
                                      "cues": ["added"], "exclusions": [], "side": None})
        taxonomy = tmp_path / f"narratives{step}.yaml"
        taxonomy.write_text(yaml.safe_dump(doc, sort_keys=False))
        label_file = tmp_path / f"labels{step}.jsonl"
        label_file.write_text("".join(json.dumps({**r, "narratives": [k for k in r["narratives"] if k != old] + (
            ["renamed.claim", *added] if old in r["narratives"] else [])}) + "\n" for r in rows))
        out = tmp_path / f"n{step}.duckdb"
        got = _run(project, out, label_file=label_file, taxonomy=taxonomy)
        assert old not in got["modes"] and got["modes"]["renamed.claim"] == "supervised"
        assert set(got["evaluation"]["per_narrative"]) == set(got["modes"])
        renamed = _probabilities(out, "renamed.claim")
        assert renamed.keys() == before.keys() and renamed
        if not added:  # a rename alone changes nothing but the name
            assert all(renamed[p] == pytest.approx(before[p], abs=1e-9) for p in renamed)
            assert got["evaluation"]["per_narrative"]["renamed.claim"] == metrics["evaluation"]["per_narrative"][old]
        else:  # the added narrative, labelled on the same passages, is trained and scored the same
            assert got["modes"]["added.claim"] == "supervised"
            assert got["labels"]["positives"]["added.claim"] == metrics["labels"]["positives"][old]
            new = _probabilities(out, "added.claim")
            assert all(new[p] == pytest.approx(renamed[p], abs=1e-9) for p in renamed)
