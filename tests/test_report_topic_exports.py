"""reports/topics.csv and topics.md written by the report stage from a tiny
published warehouse of real demo documents and a metrics/topics.json."""

from __future__ import annotations

import csv
import json

import pytest

from pipeline import workspace
from pipeline.config import DEMO_CORPUS_DIR
from pipeline.report.cells import excerpt
from pipeline.report.topic_exports import SNIPPET_CHARS, _month_str, read_topics, top_sources, write_topic_exports
from tests.report_warehouse import build

METRICS = {"n_passages": 1234, "n_topics": 3, "outlier_share_before": 0.4123, "outlier_share_after": 0.1,
           "outlier_strategy": "embeddings", "outlier_threshold": 0.3, "npmi": 0.05123, "diversity": 0.81,
           "n_terms": 10}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exports")
    db, ids = build(tmp)
    con = workspace.open_warehouse(db)
    paths = write_topic_exports(con, METRICS, tmp / "reports")
    yield con, ids, paths
    con.close()


def test_snippet_cuts_real_text_at_a_word():
    """The CSV and topics.md excerpts use the report's cut (cells.cut_words: " …" after the last whole word)."""
    body = json.loads(next(open(DEMO_CORPUS_DIR / "jsonl" / "technews_articles.jsonl", encoding="utf-8")))["body"]
    cut = excerpt(body, SNIPPET_CHARS, mark_within=True)
    assert len(cut) <= SNIPPET_CHARS and cut.endswith(" …") and "  " not in cut and "\n" not in cut
    assert " ".join(body.split()).startswith(cut[:-1])
    assert body.split()[len(cut[:-1].split()) - 1] == cut[:-1].split()[-1]  # the last word is whole
    assert excerpt("short  text\n here", SNIPPET_CHARS, mark_within=True) == "short text here"
    # the report's excerpts put " …" after the first n characters instead
    report_cut = excerpt(body, SNIPPET_CHARS)
    assert report_cut.startswith(cut[:-2]) and len(cut) <= len(report_cut) <= SNIPPET_CHARS + 2


def test_snippet_elides_the_metadata_of_a_real_recap_line():
    path = DEMO_CORPUS_DIR / "social" / "ainews_social_recaps.jsonl"
    text = next(r["text"] for r in map(json.loads, path.open(encoding="utf-8"))
                if r["text"].startswith("GLM 4.5 possibly releasing today"))
    assert "(Score: 134, Comments: 26)" in text
    cut = excerpt(text, SNIPPET_CHARS, mark_within=True)
    assert cut.startswith("GLM 4.5 possibly releasing today according to Bloomberg […]: Bloomberg reports")


def test_month_str():
    assert _month_str(None) is None and _month_str(float("nan")) is None
    assert _month_str("2025-11-01") == "2025-11"


def test_csv_has_every_topic_with_sources_and_cited_passages(exported):
    con, ids, (csv_path, _) = exported
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8", newline="")))
    assert [r["topic_key"] for r in rows] == ["N-01", "N-02", "N-04"]
    n01, n02, n04 = rows
    assert (n01["size"], n01["share"], n01["first_month"], n01["peak_month"], n01["last_month"]) == \
        ("5", f"{5 / 12:.4f}", "2024-03", "2024-03", "2026-02")
    assert n01["top_terms"] == "open source; apps; free; windows; software; linux"
    assert n01["top_sources"] == "technews (3); ainews (2)"
    assert n04["first_month"] == "" and n04["top_sources"] == "technews (1)"
    # N-01's three representatives by rank, with outlet, date, URL and passage id
    assert [n01[f"passage_{i}_id"] for i in (1, 2, 3)] == [f"{ids['news1']}-0000", f"{ids['recap']}-0000",
                                                           f"{ids['news2']}-0000"]
    # the recap line: a paraphrase of the tweet it links, dated by the tweet (no "recapped")
    assert (n01["passage_2_outlet"], n01["passage_2_date"]) == ("paraphrase by twitter/x of the linked post",
                                                                "2024-03-04")
    for i in (1, 2, 3):
        url = con.execute("SELECT d.url FROM passages p JOIN documents d USING (doc_id) WHERE p.passage_id = ?",
                          [n01[f"passage_{i}_id"]]).fetchone()[0]
        assert n01[f"passage_{i}_url"] == url
        assert len(n01[f"passage_{i}"]) <= 280
    assert n02["passage_1_id"] == f"{ids['news3']}-0001" and n02["passage_2"] == "" and n02["passage_3_id"] == ""
    assert csv_path.read_text(encoding="utf-8").count("\n") == 4  # header + 3 topics, "\n" line ends
    assert "\r" not in csv_path.read_text(encoding="utf-8")


def test_markdown_summary_table_and_topic_sections(exported):
    con, ids, (_, md_path) = exported
    text = md_path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == "# Discovery topics (BERTopic)"
    assert "- Discovery passages (narrative passages without a taxonomy narrative): 1,234; topics: 3" in lines
    assert "- Outliers: 41.2% of passages before outlier reduction, 10.0% after (strategy `embeddings`, " \
           "threshold 0.3)" in lines
    assert "- NPMI coherence 0.051, topic diversity 0.810 (top 10 c-TF-IDF terms)" in lines
    assert f"| N-01 | open source, windows apps, free | 5 | {5 / 12:.1%} | 2024-03 | 2024-03 | 2026-02 |" in lines
    assert "| N-04 | attorney general, chatbots | 1 | 8.3% | None | None | None |" in lines
    assert "## N-02: chinese model | benchmarks" in lines
    assert "- Sources carrying it most: technews (3), regulations (1)" in lines
    recap = [line for line in lines if line.startswith("- Recap paraphrase (not a quote): ")]
    assert len(recap) == 1
    assert "(paraphrase by twitter/x of the linked post, 2024-03-04, <https://twitter.com/" in recap[0]
    assert recap[0].endswith(f"passage `{ids['recap']}-0000`)")
    quoted = [line for line in lines if line.startswith('- "')]
    assert len(quoted) == 3 and all('"' not in line[3:line.rindex('" (')] for line in quoted)
    assert text.endswith("## N-04: attorney general, chatbots\n\n1 passages (8.3%); first None, "
                         "peak (all sources) None, last None.\n\n- Top terms (c-TF-IDF): attorney general, "
                         "chatbots\n- Sources carrying it most: technews (1)\n\nRepresentative passages:\n\n")
    # N-04 has no representative


def test_exports_are_deterministic_and_read_the_warehouse(exported, tmp_path):
    con, _, paths = exported
    again = write_topic_exports(con, METRICS, tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    assert top_sources(con, n=1) == {"N-01": [("technews", 3)], "N-02": [("technews", 3)],
                                     "N-04": [("technews", 1)]}
    assert read_topics(con)["topic_key"].tolist() == ["N-01", "N-02", "N-04"]
