"""Notebooks and the pipeline do not lock each other out (issue 16, case 5):
analysts' connections are read-only, each one reads the current build, a
build swaps in while they are open, and their own tables live in a separate
notes database that publishing never touches."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import warehouse, workspace
from pipeline.config import SQL_DIR
from tests.conftest import DEMO, scratch_env


def _build(path, titles):
    """A warehouse whose documents are real Reddit titles (the clean schema)."""
    with warehouse.build(path, SQL_DIR / "clean", fresh=True) as con:
        con.executemany("INSERT INTO documents (doc_id, source, source_file, native_id, platform, source_type, "
                        "text, n_chars, content_sha256, relevance, relevance_terms, is_relevant, n_records, "
                        "raw_sha256, ingested_at, date_source) VALUES (?, 'reddit_threads', 'demo/social/x', ?, "
                        "'reddit', 'forum', ?, length(?), 'x', 0, [], false, 1, 'x', now(), 'none')",
                        [(f"d{i}", f"n{i}", t, t) for i, t in enumerate(titles)])


@pytest.fixture
def titles():
    lines = (DEMO / "social/reddit_ai_threads.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    return [json.loads(line)["title"] for line in lines]


def test_a_reader_neither_blocks_a_build_nor_misses_it(tmp_path, titles, capsys):
    db = tmp_path / "debate.duckdb"
    _build(db, titles[:3])
    old = workspace.open_warehouse(db)
    also = warehouse.connect(db)                      # the default is read-only too: no configuration clash
    assert also.sql("SELECT count(*) FROM documents").fetchall() == [(3,)]
    _build(db, titles)                                # a build while both are open
    assert old.sql("SELECT count(*) FROM documents").fetchall() == [(3,)]   # the snapshot it opened
    new = workspace.open_warehouse(db)                # re-running the cell gives the new build, and says so
    assert new.sql("SELECT count(*) FROM documents").fetchall() == [(6,)]
    assert "is a newer build" in capsys.readouterr().out
    with pytest.raises(Exception, match="read-only"):
        new.execute("CREATE TABLE mine AS SELECT 1")


def test_a_build_in_another_process_succeeds_while_a_notebook_holds_the_file(tmp_path, titles):
    db = tmp_path / "debate.duckdb"
    _build(db, titles[:2])
    held = workspace.open_warehouse(db)
    code = ("import sys; from pathlib import Path; sys.path.insert(0, 'tests'); "
            "from test_workspace_connections import _build; "
            f"_build(Path({str(db)!r}), {titles!r})")
    result = subprocess.run([sys.executable, "-c", code], env=scratch_env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert workspace.open_warehouse(db).sql("SELECT count(*) FROM documents").fetchall() == [(len(titles),)]
    held.close()


def test_notes_survive_a_new_build(tmp_path, titles):
    db, notes = tmp_path / "debate.duckdb", tmp_path / "notes.duckdb"
    _build(db, titles[:2])
    con = workspace.open_notes(notes, warehouse_path=db)
    con.execute("CREATE TABLE picked AS SELECT doc_id, text FROM debate.documents WHERE doc_id = 'd1'")
    con.close()
    _build(db, titles)
    con = workspace.open_notes(notes, warehouse_path=db)
    assert con.sql("SELECT text FROM picked").fetchall() == [(titles[1],)]
    assert con.sql("SELECT count(*) FROM debate.documents").fetchall() == [(len(titles),)]
