"""pipeline.stance.annotate on a small warehouse of real demo documents:
margin sampling that skips labelled and reserved documents, and label
recording that checks every record before writing."""

from __future__ import annotations

import json
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.config import DEMO_CORPUS_DIR, SQL_DIR, load_params
from pipeline.publish import create_pivot_views
from pipeline.stance.annotate import CODEBOOK_VERSION, record_labels, suggest
from pipeline.stance.labels import LABEL_FILE, read_labels, reserved_pairs
from pipeline.stance.predict import write_long

LABELS = list(load_params("stance")["labels"])
SOURCE = "demo/jsonl/technews_articles.jsonl"


@pytest.fixture()
def warehouse(tmp_path):
    """``documents`` and ``stances`` for 8 technews articles, one labelled
    (in a copy of the label file) and one reserved; probabilities with
    known margins."""
    reserved = sorted(k for k in reserved_pairs() if k[0] == SOURCE)
    skip = {nid for _, nid in reserved} | set(read_labels(LABEL_FILE)["native_id"])
    lines = (DEMO_CORPUS_DIR / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines()
    records = [r for r in map(json.loads, lines) if r["source_url"] not in skip][:8]
    db = tmp_path / "debate.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE documents (doc_id VARCHAR, source VARCHAR, source_file VARCHAR, native_id VARCHAR, "
                "url VARCHAR, title VARCHAR, text VARCHAR)")
    con.execute((SQL_DIR / "stance" / "001_init.sql").read_text(encoding="utf-8"))
    rows = []
    native = [r["source_url"] for r in records[:-1]] + [reserved[0][1] if reserved else records[-1]["source_url"]]
    margins = [0.9, 0.1, 0.5, 0.3, 0.05, 0.7, 0.2, 0.0]
    for i, (r, nid, m) in enumerate(zip(records, native, margins)):
        p = np.zeros(len(LABELS))
        p[i % 5], p[(i + 1) % 5] = (1 + m) / 2, (1 - m) / 2
        con.execute("INSERT INTO documents VALUES (?, 'technews', ?, ?, ?, ?, ?)",
                    [f"doc{i}", SOURCE, nid, r["source_url"], r["title"], r["body"]])
        rows.append({"doc_id": f"doc{i}", "label": LABELS[i % 5], **{f"p_{lab}": x for lab, x in zip(LABELS, p)},
                     "model_version": "v"})
    # as the stance stage writes them (long form) and the warehouse pivots them
    write_long(con, pd.DataFrame(rows), "stances", "stance_probabilities")
    create_pivot_views(con, LABELS, {"stances", "stance_probabilities"})
    con.close()
    label_file = tmp_path / "labels.jsonl"
    shutil.copyfile(LABEL_FILE, label_file)
    with open(label_file, "a", encoding="utf-8") as fh:          # doc4 (margin 0.05) is labelled
        fh.write(json.dumps({"source": SOURCE, "native_id": native[4], "label": "neutral"}) + "\n")
    return db, label_file, native, bool(reserved)


def test_suggest_lists_the_smallest_margins_of_unlabelled_unreserved_documents(warehouse):
    db, label_file, native, has_reserved = warehouse
    out = suggest(3, db=db, label_file=label_file)
    expected = ["doc1", "doc6", "doc3"] if has_reserved else ["doc7", "doc1", "doc6"]
    assert out["doc_id"].tolist() == expected                  # doc4 labelled, doc7 reserved
    assert out["margin"].tolist() == sorted(out["margin"]) and out["margin"].iat[0] == pytest.approx(0.1)
    # a record as `suggest --jsonl` prints it (the label-file keys source and native_id; the frame also holds
    # the documents' own `source` column before the renamed source_file, which the record drops)
    with pytest.warns(UserWarning, match="not unique"):
        first = out.to_dict("records")[0]
    assert list(first) == ["doc_id", "source", "native_id", "model_label", "model_second", "margin", "url", "snippet"]
    assert (first["source"], first["native_id"]) == (SOURCE, native[1])
    assert (first["model_label"], first["model_second"]) == (LABELS[1], LABELS[2])
    assert len(first["snippet"]) <= 300 and "  " not in first["snippet"]


def test_record_labels_appends_checked_records_only(warehouse):
    db, label_file, native, has_reserved = warehouse
    before = label_file.read_bytes()
    fresh = {"source": SOURCE, "native_id": native[0], "label": "neutral", "note": "test"}
    bad = [[{**fresh, "label": "pro_china"}], [{"source": SOURCE, "native_id": native[1]}], [fresh, fresh],
           [{**fresh, "native_id": native[4]}], [{**fresh, "native_id": "not-in-the-warehouse"}]]
    if has_reserved:
        bad.append([{**fresh, "native_id": native[7]}])
    for records in bad:
        with pytest.raises(ValueError, match="record"):
            record_labels(records, annotator="tester", labels=LABELS, label_file=label_file, db=db)
        assert label_file.read_bytes() == before
    with pytest.raises(ValueError, match="annotator"):
        record_labels([fresh], annotator=" ", labels=LABELS, label_file=label_file, db=db)
    assert record_labels([fresh], annotator="tester", labels=LABELS, label_file=label_file, db=db) == 1
    added = json.loads(label_file.read_text(encoding="utf-8").splitlines()[-1])
    assert added == {"source": SOURCE, "native_id": native[0], "label": "neutral", "codebook": CODEBOOK_VERSION,
                     "annotator": "tester", "note": "test"}
    assert len(read_labels(label_file, LABELS)) == len(read_labels(LABEL_FILE, LABELS)) + 2
