"""pipeline.stance.labels on the shipped label file and EVAL_RESERVED.tsv."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from pipeline.config import CORPORA_DIR, DEMO_CORPUS_DIR, load_params
from pipeline.stance.features import DocFeatures
from pipeline.stance.labels import LABEL_FILE, join_labels, labelled_pairs, read_labels, reserved_pairs

LABELS = list(load_params("stance")["labels"])


def test_reserved_pairs_reads_the_real_reservation_with_label_file_paths():
    pairs = reserved_pairs()
    with open(DEMO_CORPUS_DIR / "EVAL_RESERVED.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(pairs) == len(rows) > 0
    assert all(src.startswith("demo/") and (CORPORA_DIR / src).exists() for src, _ in pairs)
    assert ("demo/" + rows[0]["source"], rows[0]["native_id"]) in pairs
    assert not pairs & labelled_pairs()     # no reserved document is labelled


def test_read_labels_reads_the_shipped_file():
    labels = read_labels(LABEL_FILE, LABELS)
    assert list(labels.columns) == ["source_file", "native_id", "label", "annotator"]
    n_lines = sum(1 for line in LABEL_FILE.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(labels) == n_lines
    assert set(labels["label"]) == set(LABELS)
    assert labelled_pairs() == set(zip(labels["source_file"], labels["native_id"]))


@pytest.mark.parametrize("bad, message", [
    ("not json", "2: not a label record"),
    (json.dumps({"source": "demo/x.jsonl", "label": "neutral"}), "2: not a label record"),
    (json.dumps({"source": "demo/x.jsonl", "native_id": "1", "label": "pro_china"}), "2: unknown label 'pro_china'"),
    (json.dumps({"source": "demo/x.jsonl", "native_id": "0", "label": "neutral"}), "2: document .* labelled twice"),
])
def test_read_labels_names_the_file_and_line_of_a_bad_record(tmp_path, bad, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"source": "demo/x.jsonl", "native_id": "0", "label": "neutral"}) + "\n" + bad + "\n")
    with pytest.raises(ValueError, match=f"labels.jsonl:{message}"):
        read_labels(path, LABELS)


def test_labelled_pairs_of_a_missing_file_is_empty(tmp_path):
    assert labelled_pairs(tmp_path / "none.jsonl") == set()


def _feats(pairs: list[tuple[str, str]]) -> DocFeatures:
    meta = pd.DataFrame({"doc_id": [f"doc{len(pairs) - i:03d}" for i in range(len(pairs))],
                         "source_file": [p[0] for p in pairs], "native_id": [p[1] for p in pairs]})
    return DocFeatures(meta, np.zeros((len(pairs), 2), dtype=np.float32), "m")


def test_join_labels_keeps_corpus_documents_with_their_row_by_doc_id():
    labels = read_labels(LABEL_FILE, LABELS)
    pairs = list(zip(labels["source_file"], labels["native_id"]))[:5] + [("demo/unlabelled.jsonl", "u")]
    gold = join_labels(_feats(pairs), labels.iloc[[0, 2, 4]])
    assert gold["doc_id"].tolist() == sorted(gold["doc_id"])          # ordered by doc_id
    assert sorted(gold["row"].tolist()) == [0, 2, 4]
    for r in gold.itertuples():
        assert pairs[r.row] == (r.source_file, r.native_id)
        assert r.label == labels["label"].iat[r.row]


def test_join_labels_refuses_a_labelled_reserved_document():
    reserved = sorted(reserved_pairs())[0]
    labels = pd.DataFrame([{"source_file": reserved[0], "native_id": reserved[1], "label": "neutral",
                            "annotator": "t"}])
    with pytest.raises(ValueError, match="reserved documents must not be labelled"):
        join_labels(_feats([reserved]), labels)
