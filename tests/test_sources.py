"""Readers on the real corpus: every declared source is read, fields land
where the corpus README says, and native ids are kept exactly."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.config import DEMO_CORPUS_DIR, ConfigError
from pipeline.sources import RawRecord, Reject, load_sources, make_reader
from tests.conftest import spec_for

EXPECTED_SOURCES = 17


def test_sources_yaml_declares_every_demo_source(sources):
    local = [s for s in sources if s["kind"] not in ("url_list", "feed", "sitemap")]
    assert len(local) == EXPECTED_SOURCES
    kinds = {s["kind"] for s in local}
    assert kinds == {"html_dir", "markdown_dir", "text_dir", "jsonl", "ndjson", "json", "tweet_harvest_csv"}


@pytest.mark.parametrize("source_id,native_id,title_part", [
    ("ainews_html", "24-02-06-ainews-qwen-15-released.html", "Qwen"),
    ("interconnects", "2024-06-27-interviewingdeanballonaipolicycasb1047upcomingaidi.md", "Dean"),
    ("federal_register", "federal_register:2023-00026", "National Artificial Intelligence Advisory Committee"),
    ("reddit_threads", "2025-01-26/claudeai/2", "censored chinese LLM"),
])
def test_reader_keeps_native_id_and_title(corpus_slice, sources, source_id, native_id, title_part):
    records = [r for r in make_reader(spec_for(sources, source_id), root=corpus_slice).read()
               if isinstance(r, RawRecord)]
    match = [r for r in records if r.native_id == native_id]
    assert len(match) == 1, [r.native_id for r in records][:5]
    assert title_part in (match[0].title or "")
    assert match[0].text


def test_every_slice_source_yields_records(corpus_slice, sources):
    for spec in sources:
        items = list(make_reader(spec, root=corpus_slice).read())
        records = [r for r in items if isinstance(r, RawRecord)]
        assert records, f"{spec['id']}: no records"
        assert all(r.source == spec["id"] and r.native_id for r in records)


def test_ndjson_columns_come_from_metadata(corpus_slice, sources):
    rec = next(r for r in make_reader(spec_for(sources, "simonwillison_notes"), root=corpus_slice).read()
               if isinstance(r, RawRecord))
    assert rec.native_id == "1" and rec.date_raw.startswith("2025-03-26") and rec.text_format == "markdown"


def test_simon_willisons_note_urls_are_the_ones_the_corpus_links(sources):
    """A note's URL is derived from its UTC creation time and slug (``strftime`` in
    ``pipeline/sources/fields.py``). Session-28 review: the old ``/notes/<id>`` form occurs nowhere
    in the corpus; every note that the shipped corpus links (18, e.g. ``2025/Sep/22/qwen``, and
    ``2026/Aug/2/july-newsletter`` from note 532's own body) is linked as its derived URL."""
    notes = [r for r in make_reader(spec_for(sources, "simonwillison_notes")).read() if isinstance(r, RawRecord)]
    assert len(notes) == 152
    by_id = {r.native_id: r.url for r in notes}
    assert by_id["174"] == "https://simonwillison.net/2025/Sep/22/qwen/"
    assert by_id["532"] == "https://simonwillison.net/2026/Aug/2/open-letters/"
    corpus = "\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in DEMO_CORPUS_DIR.rglob("*")
                       if p.is_file() and p.suffix in (".ndjson", ".jsonl", ".json", ".md", ".html", ".csv", ".txt"))
    linked = {"https://" + m.rstrip("/") + "/" for m in
              re.findall(r"simonwillison\.net/\d{4}/[A-Z][a-z]{2}/\d{1,2}/[\w-]+/?", corpus)}
    assert len(linked & set(by_id.values())) >= 18
    assert "simonwillison.net/notes/" not in corpus


def test_recap_native_id_is_first_tweet_url_else_issue_url(corpus_slice, sources):
    path = corpus_slice / "demo/social/ainews_social_recaps.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    expected = [(r["tweet_urls"] or [r["source_url"]])[0] for r in rows]
    got = [r.native_id for r in make_reader(spec_for(sources, "ainews_recaps"), root=corpus_slice).read()]
    assert got == expected


def test_a_reddit_recap_line_cites_its_thread_and_issue_date_not_the_tweet_it_links(tmp_path, sources):
    """A real Reddit recap line of 2024-11-05 links a tweet of 2023-08-31 that
    its thread discusses; it was cited as that tweet and dated 2023-08-31. The
    line recaps the thread: its URL is the thread, its date the issue's; its
    native id (and so its doc_id and labels) stays the tweet. A tweet line
    still cites its first tweet, dated by it."""
    rows = [json.loads(line) for line in
            (DEMO_CORPUS_DIR / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()]
    reddit = [r for r in rows if r["platform"] == "reddit" and r["tweet_urls"]]
    tweet = next(r for r in rows if r["platform"] != "reddit" and r["tweet_urls"])
    assert len(reddit) > 40 and any(r["tweet_times"][0][:10] == "2023-08-31" and r["issue_date"] == "2024-11-05"
                                    for r in reddit)
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/ainews_social_recaps.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in [*reddit, tweet]), encoding="utf-8")
    got = [r for r in make_reader(spec_for(sources, "ainews_recaps"), root=tmp_path).read() if isinstance(r, RawRecord)]
    assert len(got) == len(reddit) + 1
    for rec, row in zip(got, reddit):
        threads = [u for u in row["links"] if "/comments/" in u]
        assert rec.url == (threads[0] if threads else row["source_url"]), row["text"][:60]
        assert rec.date_raw == row["issue_date"] and rec.native_id == row["tweet_urls"][0]
    assert (got[-1].url, got[-1].date_raw) == (tweet["tweet_urls"][0], tweet["tweet_times"][0])


def _read_recap_lines(tmp_path, sources, numbers):
    """The real recap file's lines ``numbers`` (1-based) as a file of their own,
    read by the ``ainews_recaps`` reader: ``(rows, records)``."""
    lines = (DEMO_CORPUS_DIR / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(lines[i - 1]) for i in numbers]
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/ainews_social_recaps.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    got = [r for r in make_reader(spec_for(sources, "ainews_recaps"), root=tmp_path).read() if isinstance(r, RawRecord)]
    assert len(got) == len(rows)
    return rows, got


def test_a_tweet_far_older_than_its_recap_does_not_date_the_line(tmp_path, sources):
    """Real recap line 84 links a tweet of 2023-01-13 from an issue of
    2024-07-18 (a recap of Deepseek Coder V2 cannot quote a 2023 tweet); such
    lines dated the corpus's first document. A tweet time more than 30 days
    before the issue gives way to the issue date; line 1, a tweet of the
    issue's week, keeps its tweet time. Both still link their tweet."""
    rows, got = _read_recap_lines(tmp_path, sources, (84, 1))
    assert rows[0]["tweet_times"][0][:10] == "2023-01-13" and rows[0]["issue_date"] == "2024-07-18"
    assert [r.date_raw for r in got] == [rows[0]["issue_date"], rows[1]["tweet_times"][0]]
    assert [r.url for r in got] == [r["tweet_urls"][0] for r in rows]


def test_a_recap_line_of_several_accounts_cites_its_issue_not_the_first_tweet(tmp_path, sources):
    """Real recap line 8 summarises three accounts' tweets ("@user_9c53f2adb0
    introduced Jamba … @user_77a861b787 released DBRX … @user_c390b5c85e released
    Qwen1.5-MoE"); it cited the first tweet, which holds none of the other two
    claims (546 recap passages named more than one account, session-19
    review). A line that links the posts of two or more accounts cites the
    issue page that holds it, dated by the issue; its native id (doc_id,
    labels) stays the first tweet. Line 83 links two accounts' tweets of
    2023-01 from a 2024-07 issue: the issue too. Line 69 links two tweets of
    one account: it still cites the first, dated by it."""
    rows, got = _read_recap_lines(tmp_path, sources, (8, 83, 1425, 69))
    assert [len({u.split("/")[3] for u in r["tweet_urls"]}) for r in rows] == [3, 2, 4, 1]
    assert "@user_77a861b787 released DBRX" in rows[0]["text"]
    for rec, row in zip(got[:3], rows[:3]):
        assert (rec.url, rec.date_raw) == (row["source_url"], row["issue_date"])
        assert rec.url.startswith("https://news.smol.ai/issues/") and rec.native_id == row["tweet_urls"][0]
    assert (got[3].url, got[3].date_raw) == (rows[3]["tweet_urls"][0], rows[3]["tweet_times"][0])
    assert len(rows[3]["tweet_urls"]) == 2


def test_text_dir_author_from_docket_metadata(corpus_slice, sources):
    records = list(make_reader(spec_for(sources, "ntia_open_weights"), root=corpus_slice).read())
    meta = json.loads((corpus_slice / "demo/policy/ntia_open_weights_2024/comment_metadata.json").read_text())
    names = {m["ID"]: m["Commenter"] for m in meta}
    for rec in records:
        assert rec.author == names.get(rec.native_id.removesuffix(".txt"))


def test_broken_front_matter_is_read_leniently(sources):
    """The real Interconnects post of 2025-07-14 has unescaped quotes in its
    YAML title; it is a reserved document, so it must still be read."""
    rec = next(r for r in make_reader(spec_for(sources, "interconnects")).read()
               if r.native_id == "2025-07-14-kimik2andwhendeepseekmomentsbecomenormal.md")
    assert isinstance(rec, RawRecord)
    assert rec.title == 'Kimi K2 and when "DeepSeek Moments" become normal'
    assert rec.date_raw == "2025-07-14"


def _write_sources(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("entry,message", [
    ("- {id: a, kind: pdf_dir, path: x, platform: web, source_type: news}", "key 'kind'"),
    ("- {id: a, kind: jsonl, path: missing.jsonl, platform: web, source_type: news}", "key 'path'"),
    ("- {id: a, kind: jsonl, path: s.jsonl, platform: web, source_type: tabloid}", "key 'source_type'"),
    ("- {id: a, kind: jsonl, path: s.jsonl, platform: web, source_type: news, fields: {text: 'a[['}}",
     "key 'fields.text'"),
    ("- {id: a, kind: feed, platform: web, source_type: news}", "key 'urls'"),
    ("- {id: a, kind: jsonl, path: s.jsonl, source_type: news}", "key 'platform'"),
    ("- {id: a, kind: jsonl, path: s.jsonl, platform: web, source_type: news, colour: red}", "unknown key"),
])
def test_broken_sources_yaml_fails_fast_naming_entry_and_key(tmp_path, entry, message):
    (tmp_path / "s.jsonl").write_text("{}\n")
    good = "- {id: ok, kind: jsonl, path: s.jsonl, platform: web, source_type: news}\n"
    path = _write_sources(tmp_path, "sources:\n" + good + entry + "\n")
    with pytest.raises(ConfigError) as err:
        load_sources(path, root=tmp_path)
    assert "sources[1] (id: a)" in str(err.value) or "sources[1]" in str(err.value)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_sources_yaml_syntax_error_names_file_and_line(tmp_path):
    path = _write_sources(tmp_path, "sources:\n  - {id: a, kind: jsonl\n")
    with pytest.raises(ConfigError, match=r"(?s)sources\.yaml: not valid YAML.*line 2"):
        load_sources(path, root=tmp_path)


def test_duplicate_source_id_is_refused(tmp_path):
    (tmp_path / "s.jsonl").write_text("{}\n")
    entry = "- {id: a, kind: jsonl, path: s.jsonl, platform: web, source_type: news}\n"
    with pytest.raises(ConfigError, match=r"sources\[1\] \(id: a\): key 'id' repeats"):
        load_sources(_write_sources(tmp_path, "sources:\n" + entry + entry), root=tmp_path)


def test_reject_detail_names_file_and_line(tmp_path, sources):
    src = tmp_path / "demo/jsonl"
    src.mkdir(parents=True)
    (src / "technews_articles.jsonl").write_text('{"source_url": "u1", "body": "x"}\n{"source_url": \n',
                                                 encoding="utf-8")
    items = list(make_reader(spec_for(sources, "technews"), root=tmp_path).read())
    reject = next(i for i in items if isinstance(i, Reject))
    assert reject.line == 2 and reject.reason == "parse_error"
    assert reject.detail.startswith("demo/jsonl/technews_articles.jsonl:2:")


def test_reddit_urls_name_the_thread_or_none(sources):
    """A Reddit record cites its thread (or the thread's gallery page), never
    the image, video or outside link the post shares; a recap line never cites
    a broken thread link (``comments/40_upvotes``). Full corpus files."""
    import re

    from pipeline.config import CORPORA_DIR

    thread = re.compile(r"^https://((www|old)\.)?reddit\.com/(r/[^/]+/comments/[a-z0-9]+/|gallery/[a-z0-9]+$)")
    got = {r.native_id: r.url for r in make_reader(spec_for(sources, "reddit_threads"), root=CORPORA_DIR).read()
           if isinstance(r, RawRecord)}
    raw = {f"{r['date']}/{r['subreddit']}/{r['rank']}": r["url"] for r in
           map(json.loads, (CORPORA_DIR / "demo/social/reddit_ai_threads.jsonl").read_text().splitlines())}
    assert got["2025-01-26/claudeai/1"] is None                      # https://i.redd.it/gvvunoxkgdfe1.jpeg
    assert got["2025-01-26/claudeai/2"] == "https://www.reddit.com/gallery/1iajqn2"
    assert got["2025-01-26/claudeai/3"] == raw["2025-01-26/claudeai/3"]
    assert all(thread.match(u) for u in got.values() if u is not None)
    assert {k for k, u in got.items() if u is None} == {k for k, u in raw.items() if not thread.match(u or "")}
    assert sum(u is None for u in got.values()) > 6000               # i.redd.it, v.redd.it, outside links

    recaps = {r.line: r.url for r in make_reader(spec_for(sources, "ainews_recaps"), root=CORPORA_DIR).read()
              if isinstance(r, RawRecord)}
    assert recaps[29] == "https://news.smol.ai/issues/24-05-08-ainews-openais-pr-campaign"
    assert not any("/comments/" in u and not re.search(r"/comments/[a-z0-9]+/", u) for u in recaps.values())
