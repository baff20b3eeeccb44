"""Clean stage and warehouse on real corpus slices with a real DuckDB."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest

from pipeline import warehouse
from pipeline.clean import clean, write_warehouse
from pipeline.config import SQL_DIR
from pipeline.documents import resolve_native_ids
from pipeline.normalise import clean_text
from pipeline.pseudonyms import pseudonym, pseudonymise
from pipeline.scrape import FetchPolicy, scrape
from pipeline.sources import make_reader
from tests.conftest import DEMO, spec_for


def test_pseudonymises_raw_handles_in_a_user_export(tmp_path, sources, clean_params, monkeypatch):
    """The demo is already pseudonymised; a user's own export is not."""
    monkeypatch.setenv("DEBATE_PSEUDONYM_SALT", "test-salt")
    text = (DEMO / "social/x_posts_deepseek_2025-02-03.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))[:3]
    rows[1][14] = "RealPerson_42"  # username
    rows[1][12] = "https://x.com/RealPerson_42/status/" + rows[1][4]
    rows[1][3] = "@RealPerson_42 and @OpenAI on #DeepSeek, cc @user_0123456789"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/x_posts_deepseek_2025-02-03.csv").write_text(buf.getvalue(), encoding="utf-8")
    docs, _ = clean([spec_for(sources, "x_deepseek")], clean_params, manifest=[], root=tmp_path)
    fake = pseudonym("RealPerson_42", "test-salt")
    assert docs[0].author == fake and fake.startswith("user_") and len(fake) == 15
    assert docs[0].text == f"@{fake} and @OpenAI on #DeepSeek, cc @user_0123456789"
    assert docs[0].url == f"https://x.com/{fake}/status/{rows[1][4]}"
    assert "RealPerson" not in repr(docs)


def test_pseudonymise_keeps_organisations_and_existing_pseudonyms():
    keep = frozenset({"deepseek_ai"})
    assert pseudonymise("thanks @DeepSeek_AI", salt="s", keep=keep) == "thanks @DeepSeek_AI"
    assert pseudonymise("user_9e65f827df", salt="s", keep=keep) == "user_9e65f827df"
    assert pseudonymise("mail me at a@b.com", salt="s", keep=keep) == "mail me at a@b.com"


def test_clean_text_strips_tags_and_markdown():
    body = ('<figure><img src="x.jpg"/></figure>\n'
            '<p class="a">Missouri&#8217;s AG <b>threatens</b> Google.</p><p>Next</p>')
    assert clean_text(body, "html") == "Missouri’s AG threatens Google.\n\nNext"
    md = "# Title\n\nSee [Kimi K2](https://x.y) and ![](img.png) **now**.\n\n- one\n- two"
    assert clean_text(md, "markdown") == "Title\n\nSee Kimi K2 and now.\n\none\n\ntwo"
    assert clean_text("a\u0301  b\t\tc\n\n\n\nd\x00e", "plain") == "\u00e1 b c\n\nd e"
    # plain text keeps angle brackets (a real Reddit title mentions <think> tags)
    plain = "reasoning in <think> tags, if a<b and c>d"
    assert clean_text(plain, "plain") == plain


def test_repeated_native_ids_are_merged_or_rejected(sources):
    spec = spec_for(sources, "reddit_threads")
    items = list(make_reader(spec).read())  # the real file repeats 18 records of 2025-04-01
    out = resolve_native_ids(items, merge=False)
    rejects = [i for i in out if not hasattr(i, "text")]
    assert rejects and {r.reason for r in rejects} == {"duplicate_record"}
    assert all("repeats line" in r.detail for r in rejects)
    assert len(out) == len(items)

    recaps = list(make_reader(spec_for(sources, "ainews_recaps")).read())[:400]
    merged = resolve_native_ids(recaps, merge=True)
    heads = [r for r in merged if hasattr(r, "extra") and r.extra.get("n_records", 1) > 1]
    assert heads
    assert sum(r.extra.get("n_records", 1) for r in merged if hasattr(r, "extra")) + \
        sum(1 for r in merged if not hasattr(r, "extra")) == len(recaps)


@pytest.fixture(scope="module")
def built(corpus_slice, sources, tmp_path_factory):
    """The clean stage run on the corpus slice into a real DuckDB file."""
    from pipeline.config import load_params
    params = load_params("clean", include=("relevance", "privacy"))
    manifest = scrape(sources, FetchPolicy(user_agent="t"), previous=[], root=corpus_slice)
    docs, rejects = clean(sources, params, manifest=manifest, root=corpus_slice)
    path = tmp_path_factory.mktemp("wh") / "debate.duckdb"
    with warehouse.build(path, SQL_DIR / "clean", fresh=True) as con:
        write_warehouse(con, docs, rejects, manifest)
    return path, docs


def test_warehouse_holds_every_source_dated_and_scored(built, sources):
    path, docs = built
    con = warehouse.connect(path, read_only=True)
    assert con.execute("SELECT count(DISTINCT source) FROM documents").fetchone()[0] == len(sources)
    n, dated = con.execute("SELECT count(*), count(published_at) FROM documents").fetchone()
    assert n == len(docs) and dated / n >= 0.98
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] >= 1
    bad = con.execute("SELECT count(*) FROM documents WHERE relevance < 0 OR relevance > 1 "
                      "OR is_relevant <> (relevance >= 0.5)").fetchone()[0]
    assert bad == 0
    # a document about DeepSeek is relevant; an off-topic reddit title is not
    assert con.execute("SELECT is_relevant FROM documents WHERE native_id = "
                       "'24-02-06-ainews-qwen-15-released.html'").fetchone()[0] is True
    assert con.execute("SELECT is_relevant, relevance FROM documents WHERE native_id = '2025-01-26/claudeai/1'"
                       ).fetchone() == (False, 0.0)


def test_reserved_pairs_in_the_slice_are_findable(built, corpus_slice):
    path, docs = built
    con = warehouse.connect(path, read_only=True)
    present = {(d.source_file, d.native_id) for d in docs}
    reserved = [line.split("\t") for line in (DEMO / "EVAL_RESERVED.tsv").read_text().splitlines()[1:]]
    in_slice = [("demo/" + f, nid) for f, nid in reserved if ("demo/" + f, nid) in present]
    assert len(in_slice) >= 5
    for source_file, native_id in in_slice:
        assert con.execute("SELECT count(*) FROM documents WHERE source_file = ? AND native_id = ?",
                           [source_file, native_id]).fetchone()[0] == 1


def test_exact_duplicates_point_to_the_first_seen(built):
    path, _ = built
    con = warehouse.connect(path, read_only=True)
    rows = con.execute("SELECT d.doc_id, c.doc_id, d.content_sha256 = c.content_sha256, c.duplicate_of IS NULL "
                       "FROM documents d JOIN documents c ON d.duplicate_of = c.doc_id "
                       "WHERE d.duplicate_kind = 'exact'").fetchall()
    assert all(same and canonical for _, _, same, canonical in rows)


def test_clean_is_deterministic(corpus_slice, sources, clean_params):
    subset = [s for s in sources if s["id"] in ("x_deepseek", "technews", "interconnects")]
    first, _ = clean(subset, clean_params, manifest=[], root=corpus_slice)
    second, _ = clean(subset, clean_params, manifest=[], root=corpus_slice)
    assert [vars(d) for d in first] == [vars(d) for d in second]


def test_cached_clean_equals_a_fresh_one_and_rereads_a_changed_source(tmp_path, monkeypatch, corpus_slice, sources,
                                                                      clean_params):
    """The per-source cache gives back exactly what a fresh read gives, and a
    source whose file changed is read again while the others come from the
    cache (an unchanged re-run does not even rewrite the store)."""
    import pipeline.clean as clean_module

    corpus = tmp_path / "corpora"
    shutil.copytree(corpus_slice, corpus)
    subset = [s for s in sources if s["id"] in ("x_deepseek", "technews", "interconnects")]
    cache = tmp_path / "cache"
    fresh, fresh_rejects = clean(subset, clean_params, manifest=[], root=corpus)
    read = []
    real_read = clean_module.read_source
    monkeypatch.setattr(clean_module, "read_source", lambda spec, *a: read.append(spec["id"]) or real_read(spec, *a))
    first, _ = clean(subset, clean_params, manifest=[], root=corpus, cache_dir=cache)
    assert sorted(read) == sorted(s["id"] for s in subset)
    [store] = cache.glob("sources-*.pkl")
    stamp = store.stat().st_mtime_ns
    read.clear()
    second, second_rejects = clean(subset, clean_params, manifest=[], root=corpus, cache_dir=cache)
    assert read == []
    assert [vars(d) for d in fresh] == [vars(d) for d in first] == [vars(d) for d in second]
    assert [vars(r) for r in fresh_rejects] == [vars(r) for r in second_rejects]
    assert store.stat().st_mtime_ns == stamp

    # one more article in technews: that source alone is read again
    path = corpus / "demo/jsonl/technews_articles.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["source_url"] += "?added"
    record["body"] += "<p>A paragraph added for the test about DeepSeek open weights.</p>"
    path.write_text("\n".join(lines + [json.dumps(record)]) + "\n", encoding="utf-8")
    third, _ = clean(subset, clean_params, manifest=[], root=corpus, cache_dir=cache)
    assert read == ["technews"]
    assert len(third) == len(first) + 1
    assert [vars(d) for d in third] == [vars(d) for d in clean(subset, clean_params, manifest=[], root=corpus)[0]]
    assert list(cache.iterdir()) == [store], "one store file, no temporary files"


def test_failed_build_leaves_previous_warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with warehouse.build(path, SQL_DIR / "clean", fresh=True) as con:
        con.execute("INSERT INTO rejects VALUES ('s', 'f', NULL, 1, 'parse_error', 'f:1: x', NULL)")
    with pytest.raises(RuntimeError):
        with warehouse.build(path, SQL_DIR / "clean") as con:
            con.execute("DELETE FROM rejects")
            raise RuntimeError("killed mid-write")
    assert warehouse.connect(path, read_only=True).execute("SELECT count(*) FROM rejects").fetchone()[0] == 1
    assert list(tmp_path.iterdir()) == [path]


def test_stale_copies_of_dead_builders_go_live_ones_stay(tmp_path):
    """A killed build leaves ``<name>.tmp-<pid>``; the next build deletes it
    when that process is gone, including a zombie nobody reaped (PID 1 in
    many containers does not reap orphans), and keeps a running builder's."""
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    while open(f"/proc/{zombie.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
        pass  # exited, not reaped: a zombie
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for pid in (zombie.pid, running.pid, 2**22 + 7):  # the last: no such process
            (tmp_path / f"w.duckdb.tmp-{pid}").write_bytes(b"partial")
        with warehouse.build(path, SQL_DIR / "clean", fresh=True):
            pass
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == ["w.duckdb", f"w.duckdb.tmp-{running.pid}"]
    finally:
        running.kill()
        running.wait()
        zombie.wait()


def test_one_word_posts_and_titles_stay_words(tmp_path, sources, clean_params):
    """Real one-word Reddit titles ("RIP", "Wow", "test") stay as written and
    are not merged as duplicates of each other; only a handle field, an
    @mention or a profile URL is pseudonymised (issue 16)."""
    lines = (DEMO / "social/reddit_ai_threads.jsonl").read_text(encoding="utf-8").splitlines()
    one_word = [ln for ln in lines if re.fullmatch(r"@?\w{1,30}", json.loads(ln)["title"])]
    assert len(one_word) >= 10
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/reddit_ai_threads.jsonl").write_text("\n".join(one_word) + "\n", encoding="utf-8")
    docs, rejects = clean([spec_for(sources, "reddit_threads")], clean_params, manifest=[], root=tmp_path)
    titles = sorted(json.loads(ln)["title"] for ln in one_word)
    assert sorted(d.text for d in docs) == titles
    assert not any(d.text.startswith("user_") for d in docs)
    keep = frozenset()
    assert pseudonymise("DeepSeek", salt="s", keep=keep) == "DeepSeek"
    assert pseudonymise("nan", salt="s", keep=keep) == "nan"
    assert pseudonymise("RealPerson_42", salt="s", keep=keep, handle_field=True) == pseudonym("RealPerson_42", "s")


def test_bidirectional_formatting_marks_of_pdf_exports_are_dropped():
    """The NTIA comment texts (PDF exports) wrap every line in U+202D ... U+202C;
    the clean text keeps the words and line breaks, not the marks."""
    import re

    raw = (DEMO / "policy/ntia_open_weights_2024/texts/NTIA-2023-0009-0229.txt").read_text(encoding="utf-8")
    marks = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
    assert len(marks.findall(raw)) > 1000
    text = clean_text(raw, "plain")
    assert not marks.search(text)
    assert re.search(r"Considering those kinds of\s+numbers and the safety benefits of open source", text)
    assert clean_text("\u200fمرحبا\u200e DeepSeek \u2067R1\u2069", "plain") == "مرحبا DeepSeek R1"


def test_character_references_are_decoded_where_the_source_escapes_text(tmp_path, sources, clean_params):
    """X's API, Reddit's JSON and tag-less HTML bodies write ``&``, ``<``, ``>`` and quotes
    as character references (``&amp;``, ``&lt;``, ``&#8217;``); on real lines of each,
    the clean text and title hold the characters, not the references."""
    reference = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|amp|lt|gt|quot);", re.I)
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/jsonl").mkdir(parents=True)
    for name in ("social/reddit_ai_threads.jsonl", "social/ainews_social_recaps.jsonl",
                 "jsonl/technews_articles.jsonl"):
        lines = (DEMO / name).read_text(encoding="utf-8").splitlines()
        (tmp_path / "demo" / name).write_text("\n".join(ln for ln in lines if reference.search(ln)) + "\n",
                                              encoding="utf-8")
    rows = list(csv.reader(io.StringIO((DEMO / "social/x_posts_deepseek_2025-02-03.csv").read_text(encoding="utf-8"),
                                       newline="")))
    escaped = [r for r in rows[1:] if any(reference.search(cell) for cell in r)]
    assert len(escaped) >= 100
    out = io.StringIO(newline="")
    csv.writer(out).writerows([rows[0], *escaped])
    (tmp_path / "demo/social/x_posts_deepseek_2025-02-03.csv").write_text(out.getvalue(), encoding="utf-8")
    specs = [spec_for(sources, s) for s in ("reddit_threads", "ainews_recaps", "technews", "x_deepseek")]
    docs, _ = clean(specs, clean_params, manifest=[], root=tmp_path)
    assert {d.source for d in docs} == {"reddit_threads", "ainews_recaps", "technews", "x_deepseek"}
    # decoded once: two X posts escaped twice ("Nuland&amp;#8217;s") keep "&#8217;"
    escaped_chars = re.compile(r"&(?:amp|lt|gt|quot);")
    assert [d.doc_id for d in docs if escaped_chars.search(d.text) or escaped_chars.search(d.title or "")] == []
    texts = [d.text for d in docs]
    assert "<8B LLM for Game Agent" in texts  # Reddit title "&lt;8B LLM for Game Agent"
    assert any("FLUX.2 [klein] 4B & 9B released" in t for t in texts)  # a recap's Reddit line
    assert any("it’s" in t for t in texts)  # a news body without tags: "it&#8217;s"
    assert sum("&" in d.text for d in docs if d.source == "x_deepseek") >= 50
    # plain text stays as written; a reference needs its ";" and a known name
    assert clean_text("4B &amp; 9B", "plain") == "4B &amp; 9B"
    kept = "?a=1&copy=2 &foo; <think> a<b"
    assert clean_text(kept, "escaped") == kept
