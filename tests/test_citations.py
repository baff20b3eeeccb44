"""Citations that resolve (issue 17): every passage cites its own record.

Real recap records of ``corpora/demo/social/ainews_social_recaps.jsonl`` that
share a native id (one newsletter issue's Reddit recaps) become one merged
document; the clean stage keeps each record's span, URL and date, passages
never cross a record start, and the warehouse data tests catch a passage cited
to another record's URL.
"""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pyarrow as pa
import pytest

from pipeline import data_tests, warehouse
from pipeline.clean import clean, write_warehouse
from pipeline.config import DEMO_CORPUS_DIR, SQL_DIR
from pipeline.embed import cite_records, read_breaks, read_corpus
from pipeline.passages import PassageParams, split_corpus
from pipeline.privacy import load_person_names
from pipeline.relevance import RelevanceQuery
from tests.conftest import spec_for

RECAPS = DEMO_CORPUS_DIR / "social" / "ainews_social_recaps.jsonl"
#: the issue whose merged document cited "DeepSeek V4 being 17x cheaper" to another thread (issue 17)
ISSUE = "https://news.smol.ai/issues/26-05-06-anthropic-xai"


def _issue_lines() -> list[str]:
    lines = [line for line in RECAPS.read_text(encoding="utf-8").splitlines()
             if (r := json.loads(line))["source_url"] == ISSUE and not r["tweet_urls"]]
    assert len(lines) > 5, "the real issue has many Reddit recaps"
    return lines


@pytest.fixture
def built(tmp_path, sources, clean_params):
    """The issue's real records through the clean stage and the passage split
    (no embedding) into stage databases under ``tmp_path``."""
    lines = _issue_lines()
    # a repeated text inside the merged document: the last record repeats the first's text
    twin = {**json.loads(lines[-1]), "text": json.loads(lines[0])["text"]}
    (tmp_path / "demo" / "social").mkdir(parents=True)
    (tmp_path / "demo" / "social" / "ainews_social_recaps.jsonl").write_text(
        "\n".join([*lines, json.dumps(twin)]) + "\n", encoding="utf-8")
    spec = spec_for(sources, "ainews_recaps")
    docs, rejects = clean([spec], clean_params, manifest=[], root=tmp_path)
    clean_db, embed_db = tmp_path / "clean.duckdb", tmp_path / "embed.duckdb"
    with warehouse.build(clean_db, SQL_DIR / "clean", fresh=True) as con:
        write_warehouse(con, docs, rejects, [])
        con.execute("UPDATE documents SET is_relevant = true")  # every record, relevant or not
        corpus, breaks = read_corpus(con), read_breaks(con)
    passages = list(split_corpus(corpus, query=RelevanceQuery.from_params(clean_params["relevance"]),
                                 params=PassageParams(), sentences=None, breaks=breaks))
    cols = ["passage_id", "doc_id", "idx", "text", "char_start", "char_end", "n_words", "text_sha256",
            "relevance", "in_narratives", "narrative_reason"]
    with warehouse.build(embed_db, SQL_DIR / "embed", fresh=True) as con:
        con.register("t", pa.table({c: [getattr(p, c) for p in passages] for c in cols}))
        con.execute(f"INSERT INTO passages ({', '.join(cols)}) SELECT * FROM t")
        cite_records(con, clean_db)
    return lines, clean_db, embed_db


def test_a_merged_recap_keeps_each_records_span_url_and_date(built):
    lines, clean_db, embed_db = built
    records = [json.loads(line) for line in lines]
    con = duckdb.connect(str(embed_db), read_only=True)
    con.execute(f"ATTACH '{clean_db}' AS c (READ_ONLY)")
    doc = con.execute("SELECT doc_id, text, n_records, url FROM c.documents WHERE native_id = ?", [ISSUE]).fetchone()
    assert doc[2] == len(records) + 1  # the twin counts as a record
    rows = con.execute("SELECT record_idx, char_start, char_end, url, published_at FROM c.document_records "
                       "WHERE doc_id = ? ORDER BY record_idx", [doc[0]]).fetchall()
    assert len(rows) == len(records) + 1
    # a name of corpora/person_names.yaml is stored as its pseudonym ("TheTom’s TurboQuant fork", session 30)
    names = re.compile(r"(?<![\w@/.-])(?:" + "|".join(map(re.escape, sorted(load_person_names()))) + r")(?!\w)",
                       re.IGNORECASE)

    def words(text: str) -> str:
        return " ".join(re.sub(r"user_[0-9a-f]{10}", "USER", names.sub("USER", text)).split())
    for (idx, start, end, url, _), rec in zip(rows, records):
        # the record's own text (whitespace normalised) and its own Reddit thread
        assert words(doc[1][start:end]) == words(rec["text"]), idx
        threads = [u for u in rec["links"] if "reddit.com/r/" in u and "/comments/" in u]
        assert url == (threads[0] if threads else ISSUE)
    assert rows[-1][1:3] == rows[0][1:3]  # the twin shares the first record's span: its text is stored once
    # every passage lies in one record and cites it; the 17x-cheaper recap cites its own thread
    bad = con.execute("""
        SELECT p.passage_id FROM passages p JOIN c.document_records r
          ON r.doc_id = p.doc_id AND r.char_start > p.char_start AND r.char_start < p.char_end""").fetchall()
    assert bad == []
    cited = dict(con.execute("SELECT text, url FROM passages WHERE citable").fetchall())
    hit = [u for t, u in cited.items() if t.startswith("DeepSeek V4 being 17x cheaper")]
    assert hit == ["https://www.reddit.com/r/LocalLLaMA/comments/1t4s6g2/deepseek_v4_being_17x_cheaper_got_me_to_actually/"]
    assert hit[0] != doc[3]  # the document's (first record's) URL, which it used to cite
    con.close()


def test_the_warehouse_data_tests_catch_a_passage_cited_to_another_record(built, tmp_path):
    _, clean_db, embed_db = built
    db = tmp_path / "debate.duckdb"
    shutil.copy(clean_db, db)
    tests_dir = tmp_path / "tests"
    tests_dir.mkdir()
    for name in ("cited_passages_lie_in_their_record.sql", "record_urls_name_one_post.sql"):
        shutil.copy(data_tests.TESTS_DIR / name, tests_dir / name)
    con = duckdb.connect(str(db))
    con.execute(f"ATTACH '{embed_db}' AS e (READ_ONLY)")
    con.execute("CREATE TABLE passages AS SELECT * FROM e.passages")
    tests = data_tests.load_tests({}, tests_dir)
    assert set(data_tests.run_tests(con, tests).values()) == {0}
    # the old behaviour: every passage of the merged document cites the document's URL
    con.execute("UPDATE passages SET url = d.url FROM documents d WHERE d.doc_id = passages.doc_id")
    with pytest.raises(data_tests.DataTestError, match="cited_passages_lie_in_their_record"):
        data_tests.run_tests(con, tests)
    # a URL rule that gives two documents one URL
    con.execute("UPDATE passages SET url = (SELECT url FROM document_records r WHERE r.doc_id = passages.doc_id "
                "AND r.record_idx = passages.record_idx)")
    con.execute("INSERT INTO documents SELECT * REPLACE ('0000000000000000' AS doc_id, 'other' AS native_id, "
                "'news' AS source_type) FROM documents LIMIT 1")
    con.execute("INSERT INTO document_records SELECT * REPLACE ('0000000000000000' AS doc_id) FROM document_records "
                "WHERE url = ? LIMIT 1", [ISSUE])
    con.execute("UPDATE documents SET source_type = 'news'")
    with pytest.raises(data_tests.DataTestError, match="record_urls_name_one_post"):
        data_tests.run_tests(con, tests)
    con.close()
