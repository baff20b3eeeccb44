"""Scrape stage against a real loopback HTTP server serving real corpus pages,
a feed and a sitemap. Neither trafilatura nor the network layer is mocked."""

from __future__ import annotations

import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.scrape import FetchPolicy, read_manifest, scrape, write_manifest
from pipeline.sources import make_reader
from pipeline.sources.base import RawRecord, Reject, sha256_bytes
from pipeline.sources.html import extract_html
from tests.conftest import DEMO, serve_on_loopback

PAGES = ["25-01-27-ainews-deepseek-1-on-us-app-store-nvidia-stock-tanks-17percent.html",
         "25-07-11-kimi-k2.html", "25-06-16-chinese-models.html"]


class _Handler(SimpleHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802 (http.server API)
        type(self).hits.append(self.path)
        super().do_GET()


def _serve(root: Path) -> ThreadingHTTPServer:
    """A loopback server for the files under ``root`` (see :func:`tests.conftest.serve_on_loopback`)."""
    return serve_on_loopback(lambda *a: _Handler(*a, directory=str(root)))


@pytest.fixture
def site(tmp_path):
    """A loopback web site: three real AINews pages under /p/, a page under
    /private/ that robots.txt disallows, an RSS feed and a sitemap."""
    root = tmp_path / "www"
    (root / "p").mkdir(parents=True)
    (root / "private").mkdir()
    for name in PAGES:
        (root / "p" / name).write_bytes((DEMO / "html/ainews" / name).read_bytes())
    (root / "private/secret.html").write_bytes((DEMO / "html/ainews" / PAGES[0]).read_bytes())
    (root / "index.html").write_text("<html><body>home</body></html>")
    server = _serve(root)
    base = f"http://{server.server_address[0]}"
    items = "".join(f"<item><title>{n}</title><link>{base}/p/{n}</link></item>" for n in PAGES)
    (root / "feed.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                   f"<link>{base}/</link>{items}</channel></rss>")
    urls = "".join(f"<url><loc>{base}/p/{n}</loc></url>" for n in PAGES)
    (root / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                                      f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.hits = []
    yield base
    server.shutdown()


def _policy() -> FetchPolicy:
    return FetchPolicy(user_agent="debate-pipeline-test", timeout_s=5, host_delay_s=0.01, retries=1,
                       backoff_s=0.01, allow_private_addresses=True)


def _spec(kind: str, urls: list[str]) -> dict:
    return {"id": f"web_{kind}", "kind": kind, "urls": urls, "platform": "web", "source_type": "newsletter",
            "pseudonymise": False, "text_format": "plain", "merge_duplicate_ids": False}


@pytest.mark.parametrize("kind,entry", [("feed", "/feed.xml"), ("sitemap", "/sitemap.xml")])
def test_feed_and_sitemap_discovery_fetches_every_listed_page(site, tmp_path, kind, entry):
    root = tmp_path / "corpora"
    rows = scrape([_spec(kind, [site + entry])], _policy(), previous=[], root=root)
    assert sorted(r["url"] for r in rows) == sorted(f"{site}/p/{n}" for n in PAGES)
    for row in rows:
        assert row["status"] == 200 and row["error"] is None
        stored = root / row["path"]
        assert stored.read_bytes() == (DEMO / "html/ainews" / row["url"].rsplit("/", 1)[1]).read_bytes()
        assert row["sha256"] == sha256_bytes(stored.read_bytes())
        assert row["path"] == f"raw/{row['sha256'][:2]}/{row['sha256']}"
        assert row["content_type"].startswith("text/html") and row["fetched_at"]


def test_fetched_pages_become_records_and_rerun_fetches_nothing_new(site, tmp_path):
    root = tmp_path / "corpora"
    spec = _spec("url_list", [f"{site}/p/{PAGES[0]}", f"{site}/private/secret.html", f"{site}/missing.html"])
    rows = scrape([spec], _policy(), previous=[], root=root)
    by_url = {r["url"]: r for r in rows}
    assert by_url[f"{site}/private/secret.html"]["error"] == "robots.txt disallows"
    assert by_url[f"{site}/missing.html"]["status"] == 404
    assert "/private/secret.html" not in _Handler.hits
    write_manifest([{**r, "source": spec["id"]} for r in rows], root / "raw/manifest.jsonl")

    items = list(make_reader(spec, root=root).read())
    records = [i for i in items if isinstance(i, RawRecord)]
    assert [r.native_id for r in records] == [f"{site}/p/{PAGES[0]}"]
    local = extract_html((DEMO / "html/ainews" / PAGES[0]).read_text(encoding="utf-8"))
    assert "DeepSeek" in records[0].text and records[0].text == local["text"]
    assert records[0].date_raw == local["date"] == "2025-01-28"  # the publication day
    assert sorted(i.reason for i in items if isinstance(i, Reject)) == ["fetch_failed", "fetch_failed"]

    _Handler.hits = []
    again = scrape([spec], _policy(), previous=read_manifest(root / "raw/manifest.jsonl"), root=root)
    assert f"/p/{PAGES[0]}" not in _Handler.hits  # fetched before: not fetched again
    assert {r["url"]: r["sha256"] for r in again}[f"{site}/p/{PAGES[0]}"] == by_url[f"{site}/p/{PAGES[0]}"]["sha256"]
    forced = scrape([spec], _policy(), previous=read_manifest(root / "raw/manifest.jsonl"), root=root, force=True)
    assert f"/p/{PAGES[0]}" in _Handler.hits and len(forced) == 3


def test_body_over_max_bytes_is_refused_and_recorded(site, tmp_path):
    policy = _policy()
    policy.max_bytes = 50_000  # the page is 279 kB
    rows = scrape([_spec("url_list", [f"{site}/p/{PAGES[1]}"])], policy, previous=[], root=tmp_path)
    assert rows[0]["error"] == "body over max_bytes (50000): not stored"
    assert rows[0]["sha256"] is None and not (tmp_path / "raw").exists()
    assert _Handler.hits.count(f"/p/{PAGES[1]}") == 1  # not retried


def test_local_files_are_registered_with_their_hash(corpus_slice, sources, tmp_path):
    local = [s for s in sources if s["id"] in ("interconnects", "federal_register")]
    rows = scrape(local, _policy(), previous=[], root=corpus_slice)
    assert {r["kind"] for r in rows} == {"local"}
    for row in rows:
        assert row["sha256"] == sha256_bytes((corpus_slice / row["path"]).read_bytes())
    again = scrape(local, _policy(), previous=rows, root=corpus_slice)
    assert [r["fetched_at"] for r in again] == [r["fetched_at"] for r in rows]
