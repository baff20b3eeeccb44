"""Quotes read for their stance (pipeline/actors/quote_labels.py): the real
label file, matched to the quotes the stage finds in a real article, and the
precision of a decision on them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.actors.extract import extract
from pipeline.actors.quote_labels import match_quote_labels, quote_stance_figures, read_quote_labels
from pipeline.config import QUOTE_STANCE_LABEL_FILE
from pipeline.workspace import LABELS
from tests.conftest import DEMO, spec_for
from tests.test_actors_extract import COLUMNS, _passages

AMODEI = ("https://techcrunch.com/2026/07/27/anthropics-dario-amodei-responds-doesnt-oppose-open-weight-models-but-"
          "fears-chinese-ai/")


def test_the_label_file_holds_read_quotes_of_listed_actors_with_their_reader():
    rows = read_quote_labels(LABELS)
    # 116 quotes of sessions 24-25, 12 read in session 30 (q4) and 2 transcript turns read again on the whole turn
    assert len(rows) == 128 and {r["annotator"] for r in rows} == {
        "claude-annotator/q1", "claude-annotator/q2", "claude-annotator/q3", "claude-annotator/q4",
        "claude-annotator/s30"}
    assert all(r["label"] in LABELS and r["note"] for r in rows)
    assert not any(r["speaker_actor"].startswith("other:") or r["speaker_actor"] == "unknown" for r in rows)


@pytest.mark.parametrize("line, message", [
    ("{not json", r"bad\.jsonl:2: not a quote stance label record \(JSONDecodeError"),
    ('["a list"]', r"bad\.jsonl:2: not a quote stance label record \(a JSON list"),
    ('{"source": "s", "native_id": "n", "quote_text": "q", "label": "neutral"}',
     r"bad\.jsonl:2: not a quote stance label record \(KeyError: missing 'annotator'"),
    ('{"source": "s", "native_id": "n", "quote_text": "q", "label": "hawkish", "annotator": "a"}',
     r"bad\.jsonl:2: label 'hawkish' is not one of"),
    ('{"source": "s", "native_id": "n", "quote_text": "q", "label": "neutral", "annotator": null}',
     r"bad\.jsonl:2: annotator must be a non-empty string"),
    ('{"source": "s", "native_id": "n", "quote_text": "q", "label": "neutral", "annotator": "a", "url": NaN}',
     r"bad\.jsonl:2: not a quote stance label record \(JSONDecodeError: NaN is not JSON"),
])
def test_a_bad_line_is_named_with_its_file_and_line(tmp_path, line, message):
    good = QUOTE_STANCE_LABEL_FILE.read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "bad.jsonl").write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_quote_labels(LABELS, tmp_path / "bad.jsonl")


def test_read_quotes_match_the_quotes_found_in_their_article_and_give_the_precision(tmp_path, sources, clean_params,
                                                                                    finder):
    """The three read quotes of Dario Amodei's TechCrunch article (2026-07-27)
    attach to the quotes the finder gives for the real article; a label whose
    words the finder does not give is counted unmatched. A decision of
    ``security_hawk`` for every quote then has the precision of the readers'
    ``security_hawk`` labels among them."""
    from pipeline.clean import clean

    rows = [r for r in read_quote_labels(LABELS) if r["native_id"] == AMODEI]
    assert len(rows) == 3
    line = next(x for x in (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines()
                if AMODEI in x)
    (tmp_path / "demo/jsonl").mkdir(parents=True)
    (tmp_path / "demo/jsonl/technews_articles.jsonl").write_text(line + "\n", encoding="utf-8")
    docs, _ = clean([spec_for(sources, "technews")], clean_params, manifest=[], root=tmp_path)
    (doc,) = docs
    passages = pd.DataFrame(_passages(doc.doc_id, doc.text, "technews", doc.author, doc.outlet), columns=COLUMNS)
    _, quotes = extract(passages, {doc.doc_id: doc.text}, finder, author_sources=[], progress=False)
    moved = {**rows[0], "quote_text": rows[0]["quote_text"] + " and more words"}
    read, unmatched = match_quote_labels(quotes, {doc.doc_id: (doc.source_file, doc.native_id)}, rows + [moved],
                                         stored=lambda native_id: native_id)
    assert unmatched == 1 and len(read) == 3
    text = quotes.set_index("quote_id")["quote_text"]
    assert sorted(" ".join(text[q].split()) for q in read["quote_id"]) == sorted(
        " ".join(r["quote_text"].split()) for r in rows)
    figures = quote_stance_figures(read, quotes[["quote_id"]].assign(label="security_hawk"), LABELS, unmatched)
    hawk = figures["by_decision"]["security_hawk"]
    k = sum(r["label"] == "security_hawk" for r in rows)
    assert (hawk["read"], hawk["argue_it"], hawk["precision"]) == (3, k, round(k / 3, 3))
    assert hawk["precision_lo"] <= hawk["precision"] <= hawk["precision_hi"]
    assert figures["by_decision"]["pro_open_source"]["precision"] is None
    assert figures["read"] == 3 and figures["unmatched"] == 1
    confusion = figures["confusion"]["rows_read_cols_decided"]
    assert sum(map(sum, confusion)) == 3 and sum(row[LABELS.index("security_hawk")] for row in confusion) == 3
    assert json.dumps(figures)  # metrics/actors.json takes it as is
