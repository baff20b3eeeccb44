"""The admission classifier (pipeline/admission.py) and its metrics
(pipeline/relevance_eval.py), on real documents of the corpus slice and the
real label files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import admission, warehouse
from pipeline.clean import clean, write_warehouse
from pipeline.config import RELEVANCE_LABEL_FILE, SQL_DIR, STANCE_LABEL_FILE, load_params
from pipeline.privacy import StoredKeys
from pipeline.relevance_eval import precision_recall, wilson

SOURCES = ("x_deepseek", "technews", "reddit_threads", "ainews_recaps")


@pytest.fixture(scope="module")
def slice_docs(corpus_slice, sources):
    params = load_params("clean", include=("relevance", "privacy"))
    subset = [s for s in sources if s["id"] in SOURCES]
    assert len(subset) >= 3
    docs, rejects = clean(subset, params, manifest=[], root=corpus_slice)
    return docs, rejects, params


def _run(docs, params, check_file=None, **over):
    return admission.run(docs, {**load_params("admission"), "bootstrap_reps": 50, **over}, params["relevance"],
                         kept_file=STANCE_LABEL_FILE, dropped_file=RELEVANCE_LABEL_FILE, check_file=check_file,
                         key=StoredKeys.from_params(params["privacy"]))


def test_admission_marks_why_each_document_is_in_the_corpus(slice_docs, tmp_path):
    docs, rejects, params = slice_docs
    docs = [type(d)(**vars(d)) for d in docs]
    threshold = params["relevance"]["threshold"]
    # min_precision 0: the lowest grid threshold (0.5) is taken, so some documents are admitted
    m = _run(docs, params, min_precision=0.0, min_admitted_cv=1)
    cuts = m["classifier_cv"]["thresholds"]
    assert cuts and set(cuts.values()) == {0.5}
    live = [d for d in docs if d.duplicate_of is None]
    for d in live:
        if d.relevance >= threshold:
            assert (d.admitted_by, d.admission_p, d.is_relevant) == ("query", None, True)
        elif d.relevance > 0:
            assert 0 <= d.admission_p <= 1
            admits = cuts.get(d.source_type) is not None and d.admission_p >= cuts[d.source_type]
            assert (d.admitted_by == "classifier") == admits == d.is_relevant
        else:
            assert (d.admitted_by, d.admission_p, d.is_relevant) == (None, None, False)
    admitted = [d.doc_id for d in live if d.admitted_by == "classifier"]
    assert admitted and m["admitted_documents"] == len(admitted)
    assert sum(m["admitted_by_source_type"].values()) == len(admitted)
    # admitted documents enter the corpus view that embed, stance and narratives read; the data test holds
    path = tmp_path / "clean.duckdb"
    with warehouse.build(path, SQL_DIR / "clean", fresh=True) as con:
        write_warehouse(con, docs, rejects, [])
        corpus = {r[0] for r in con.execute("SELECT doc_id FROM corpus").fetchall()}
        assert set(admitted) <= corpus
        sql = (SQL_DIR / "warehouse" / "tests" / "documents_admission.sql").read_text()
        assert con.execute(sql).fetchall() == []
        con.execute("UPDATE documents SET admission_p = NULL WHERE doc_id = ?", [admitted[0]])
        assert len(con.execute(sql).fetchall()) == 1


def test_each_source_type_gets_its_own_threshold(slice_docs):
    """A type's threshold comes from its own low-relevance labels' out-of-fold p; a type without one admits nothing,
    however high its documents score."""
    docs, _, params = slice_docs
    docs = [type(d)(**vars(d)) for d in docs]
    key, threshold = StoredKeys.from_params(params["privacy"]), params["relevance"]["threshold"]
    frame = pd.DataFrame([{**vars(d), "relevance_terms": list(d.relevance_terms)} for d in docs])
    labelled = admission.labelled_documents(frame, admission.read_document_labels(STANCE_LABEL_FILE, key),
                                            admission.read_document_labels(RELEVANCE_LABEL_FILE, key), threshold,
                                            key=key)
    # precision bar 0, at least 5 out-of-fold admissions: in the slice only news has that many low-relevance labels
    ap = {**load_params("admission"), "min_precision": 0.0, "min_admitted_cv": 5}
    res = admission.admit(frame, labelled, ap, threshold)
    lab = res.labelled
    low = lab[(lab["relevance"] > 0) & ~lab["kept"]]
    assert set(res.thresholds) == set(low["source_type"]) and len(res.thresholds) >= 2
    assert None in res.thresholds.values() and {v for v in res.thresholds.values() if v is not None}
    for typ, g in low.groupby("source_type"):
        assert res.thresholds[typ] == admission.choose_threshold(
            g["oof_p"].to_numpy(), g["on_topic"].to_numpy(dtype=int), g["weight"].to_numpy(), 0.0, 5)
    type_of = frame.set_index("doc_id")["source_type"]
    for d, p in res.p.items():
        t = res.thresholds.get(type_of[d])
        assert (d in res.admitted) == (t is not None and p >= t)
    assert res.admitted and {type_of[d] for d in res.admitted} == {k for k, v in res.thresholds.items() if v}


def test_query_figures_count_the_labels(slice_docs):
    docs, _, params = slice_docs
    docs = [type(d)(**vars(d)) for d in docs]
    m = _run(docs, params)
    q = m["query"]
    assert m["labels"]["n_kept_labels"] > 20 and m["labels"]["n_dropped_labels"] > 5
    # unweighted recall: on-topic labels the query keeps / on-topic labels (recount from the files)
    key = StoredKeys.from_params(params["privacy"])
    by_pair = {(d.source_file, d.native_id): d for d in docs}
    on_kept = on = skipped = 0
    for path in (STANCE_LABEL_FILE, RELEVANCE_LABEL_FILE):
        for r in map(json.loads, path.read_text().splitlines()):
            d = by_pair.get((r["source"], key(r["native_id"])))
            if d is not None and path == STANCE_LABEL_FILE and d.relevance < params["relevance"]["threshold"]:
                skipped += 1   # drawn when the classifier had admitted it: no sample of the dropped stratum
                continue
            if d is not None and r["label"] != "off_topic":
                on += 1
                on_kept += d.relevance >= params["relevance"]["threshold"]
    assert q["n_on_topic"] == on and q["unweighted"]["recall"] == round(on_kept / on, 4)
    assert skipped >= 1   # session 34's recaps hold such labels, and the slice has some
    lo, hi = q["unweighted"]["recall_ci"]
    assert lo <= q["unweighted"]["recall"] <= hi
    # deterministic: a second run gives the same figures and the same p per document
    again = [type(d)(**vars(d)) for d in slice_docs[0]]
    assert _run(again, params) == m
    assert [d.admission_p for d in again] == [d.admission_p for d in docs]


def test_weights_stand_for_their_stratum_and_reserved_labels_raise(slice_docs, tmp_path):
    docs, _, params = slice_docs
    key = StoredKeys.from_params(params["privacy"])
    frame = pd.DataFrame([{c: getattr(d, c) for c in ("doc_id", "source_file", "native_id", "relevance",
                                                      "duplicate_of")} for d in docs])
    dropped = admission.read_document_labels(RELEVANCE_LABEL_FILE, key)
    lab = admission.labelled_documents(frame, admission.read_document_labels(STANCE_LABEL_FILE, key), dropped,
                                       0.5, key=key)
    for stratum, rows in lab[~lab["kept"]].groupby("stratum"):
        size = dropped.loc[dropped["stratum"] == stratum, "stratum_size"].iloc[0]
        assert rows["weight"].sum() == pytest.approx(size)   # labels of the stratum found in the slice
    # a reserved document in a label file is refused

    from pipeline.config import DEMO_CORPUS_DIR
    first = (DEMO_CORPUS_DIR / "EVAL_RESERVED.tsv").read_text().splitlines()[1].split("\t")
    bad = tmp_path / "relevance_v1.jsonl"
    bad.write_text(RELEVANCE_LABEL_FILE.read_text() + json.dumps(
        {"source": "demo/" + first[0], "native_id": first[1], "label": "off_topic", "stratum": "x|zero",
         "stratum_size": 3}) + "\n")
    with pytest.raises(ValueError, match="reserved"):
        admission.labelled_documents(frame, dropped.iloc[:0], admission.read_document_labels(bad, key), 0.5, key=key)


def test_admitted_documents_read_afterwards_measure_precision_out_of_training(slice_docs, tmp_path):
    docs, _, params = slice_docs
    docs = [type(d)(**vars(d)) for d in docs]
    key = StoredKeys.from_params(params["privacy"])
    threshold = params["relevance"]["threshold"]
    base = _run(docs, params, min_precision=0.0, min_admitted_cv=1)
    admitted = sorted((d for d in docs if d.admitted_by == "classifier"), key=lambda d: d.doc_id)
    assert len(admitted) >= 3
    # the stance labels on documents the query drops (drawn while the classifier admitted them) count already
    kept = admission.read_document_labels(STANCE_LABEL_FILE, key)
    stance_read = {d.doc_id: r.label for d in admitted for r in kept.itertuples()
                   if (r.source_file, r.native_id) == (d.source_file, d.native_id)}
    # ... except on documents relevance_v1.jsonl holds too: those trained the classifier (in sample)
    dropped = admission.read_document_labels(RELEVANCE_LABEL_FILE, key)
    training = {d.doc_id for d in admitted for r in dropped.itertuples()
                if (r.source_file, r.native_id) == (d.source_file, d.native_id)}
    assert set(stance_read) & training   # session 34's recaps include documents relevance_v1.jsonl labels too
    stance_read = {d: lab for d, lab in stance_read.items() if d not in training}
    assert base["admitted_read_after"]["n_read"] == len(stance_read)
    assert base["admitted_read_after"]["n_training"] == len(training)
    assert base["admitted_read_after"]["n_admitted"] == len(admitted)
    # two unread admitted documents read afterwards, one on topic and one not; one outside the admitted: ignored
    unread = [d for d in admitted if d.doc_id not in stance_read and d.doc_id not in training][:2]
    assert len(unread) == 2
    not_admitted = next(d for d in docs if d.duplicate_of is None and 0 < d.relevance < threshold
                        and d.admitted_by is None)
    check = tmp_path / "admitted_check_v1.jsonl"
    check.write_text("".join(json.dumps({"source": d.source_file, "native_id": d.native_id, "label": lab}) + "\n"
                             for d, lab in zip(unread + [not_admitted], ["neutral", "off_topic", "neutral"])))
    again = [type(d)(**vars(d)) for d in slice_docs[0]]
    m = _run(again, params, min_precision=0.0, min_admitted_cv=1, check_file=check)["admitted_read_after"]
    on = sum(v != "off_topic" for v in stance_read.values()) + 1
    assert (m["n_read"], m["n_on_topic"]) == (len(stance_read) + 2, on)
    assert m["precision"] == round(on / m["n_read"], 4) and m["precision_ci"] == wilson(on, m["n_read"])
    # the classifier's p does not change: the check file never trains it
    assert [d.admission_p for d in again] == [d.admission_p for d in docs]
    # a reserved document in the check file is refused
    from pipeline.config import DEMO_CORPUS_DIR
    first = (DEMO_CORPUS_DIR / "EVAL_RESERVED.tsv").read_text().splitlines()[1].split("\t")
    check.write_text(json.dumps({"source": "demo/" + first[0], "native_id": first[1], "label": "neutral"}) + "\n")
    with pytest.raises(ValueError, match="reserved"):
        _run([type(d)(**vars(d)) for d in slice_docs[0]], params, check_file=check)


def test_intervals():
    assert wilson(0, 0) == [None, None]
    lo, hi = wilson(45, 50)
    assert 0.78 < lo < 0.9 < hi < 0.97
    # weighting: one on-topic dropped label standing for 9 documents halves recall against 9 kept ones
    lab = pd.DataFrame({"on_topic": [True] * 10, "stratum": ["k"] * 9 + ["d"], "weight": [1.0] * 9 + [9.0]})
    out = precision_recall(lab, np.array([True] * 9 + [False]), reps=50)
    assert out["unweighted"]["recall"] == 0.9 and out["weighted"]["recall"] == 0.5
