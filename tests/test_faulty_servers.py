"""Faulty servers (issue 7): the scrape stage against a loopback HTTP server
that misbehaves on purpose. Nothing is mocked: real sockets, trafilatura's
downloader, the real manifest and the real web reader of the clean stage.

Every case must end in a manifest row that says what went wrong (and, where a
body is stored, a record or a reject in the clean stage), never a crash or a
silent gap.

Two layers retry: trafilatura's downloader (urllib3 ``Retry``: statuses 429
and 5xx up to ``MAX_REDIRECTS`` = 2 more times, exponential backoff of
``timeout / 2`` seconds, ``Retry-After`` honoured up to 30 s), then the scrape
policy's own ``retries`` around it. The tests below pin that behaviour down.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from pipeline.scrape import FetchPolicy, fetch, read_manifest, scrape, write_manifest
from pipeline.sources import make_reader
from pipeline.sources.base import RawRecord, Reject
from tests.conftest import DEMO, serve_on_loopback

PAGE = (DEMO / "html/ainews/25-07-11-kimi-k2.html").read_bytes()


class _Faulty(BaseHTTPRequestHandler):
    """Routes, each one fault. ``hits`` counts requests per path."""

    hits: dict[str, int] = {}
    times: dict[str, list[float]] = {}
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)),
                           **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server API)
        n = type(self).hits[self.path] = type(self).hits.get(self.path, 0) + 1
        type(self).times.setdefault(self.path, []).append(time.monotonic())
        path = self.path
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
        elif path == "/slow":
            time.sleep(3)  # the policy's timeout is 1 s
            self._send(200, PAGE)
        elif path == "/error500":
            self._send(500, b"boom")
        elif path == "/flaky500":
            self._send(500, b"boom") if n == 1 else self._send(200, PAGE)
        elif path == "/ratelimited":
            self._send(429, b"slow down", {"Retry-After": "2"}) if n == 1 else self._send(200, PAGE)
        elif path == "/loop":
            self._send(302, b"", {"Location": "/loop2"})
        elif path == "/loop2":
            self._send(302, b"", {"Location": "/loop"})
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()  # no Content-Length: the cap must stop the stream
            for _ in range(40):
                self.wfile.write(b"<p>" + b"x" * 65_536 + b"</p>")
        elif path == "/paper.pdf":
            self._send(200, b"%PDF-1.7\n" + os.urandom(2048), {"Content-Type": "application/pdf"})
        elif path == "/reset":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE[:5000])
            self.wfile.flush()
            # RST instead of FIN: linger 0, then close
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
        elif path.startswith("/private/") or path == "/ok":
            self._send(200, PAGE)
        else:
            self._send(404, b"not found")


@pytest.fixture
def faulty():
    """A misbehaving server on port 80 of a random loopback address (see
    :func:`tests.conftest.serve_on_loopback` for why port 80)."""
    server = serve_on_loopback(_Faulty, seed=7)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Faulty.hits, _Faulty.times = {}, {}
    yield f"http://{server.server_address[0]}"
    server.shutdown()


def _policy(**kw) -> FetchPolicy:
    return FetchPolicy(**{"user_agent": "debate-pipeline-test", "timeout_s": 1, "host_delay_s": 0.0, "retries": 2,
                          "backoff_s": 0.01, "max_backoff_s": 5, "allow_private_addresses": True, **kw})


def test_slow_response_hits_the_timeout_and_is_retried(faulty, tmp_path):
    sleeps: list[float] = []
    row = fetch(f"{faulty}/slow", _policy(retries=1), root=tmp_path, sleep=sleeps.append)
    assert row["sha256"] is None and row["error"].startswith("timeout or connection error after 2 attempts")
    assert "Read timed out" in row["error"]
    assert 2 <= _Faulty.hits["/slow"] <= 2 * 3  # our 2 attempts, each retried by urllib3 at most twice
    assert sleeps == [0.01]  # our backoff between our two attempts


def test_500_is_retried_then_recorded_as_an_error(faulty, tmp_path):
    row = fetch(f"{faulty}/error500", _policy(retries=0), root=tmp_path)
    assert row["sha256"] is None and "too many 500 error responses" in row["error"]
    assert _Faulty.hits["/error500"] == 3  # the downloader's own two retries
    gaps = [b - a for a, b in zip(_Faulty.times["/error500"], _Faulty.times["/error500"][1:])]
    assert gaps[1] > gaps[0] * 1.5  # exponential backoff


def test_a_transient_500_recovers_on_retry(faulty, tmp_path):
    row = fetch(f"{faulty}/flaky500", _policy(retries=0), root=tmp_path)
    assert row["status"] == 200 and row["error"] is None and row["sha256"]
    assert _Faulty.hits["/flaky500"] == 2


def test_429_retry_after_is_honoured(faulty, tmp_path):
    row = fetch(f"{faulty}/ratelimited", _policy(retries=0), root=tmp_path)
    assert row["status"] == 200 and row["sha256"]
    first, second = _Faulty.times["/ratelimited"]
    assert second - first >= 2.0  # the server's Retry-After: 2, not the 0.5 s backoff


def test_redirect_loop_ends_in_an_error_row(faulty, tmp_path):
    row = fetch(f"{faulty}/loop", _policy(retries=0), root=tmp_path)
    assert row["sha256"] is None and row["error"]
    assert _Faulty.hits.get("/loop", 0) + _Faulty.hits.get("/loop2", 0) < 50  # the redirect cap stopped it


def test_oversized_streamed_body_is_capped(faulty, tmp_path):
    row = fetch(f"{faulty}/huge", _policy(retries=0, max_bytes=500_000), root=tmp_path)
    assert row["sha256"] is None and "max_bytes" in row["error"]
    assert not (tmp_path / "raw").exists()


def test_robots_txt_disallow_is_honoured(faulty, tmp_path):
    row = fetch(f"{faulty}/private/page.html", _policy(), root=tmp_path)
    assert row["error"] == "robots.txt disallows" and "/private/page.html" not in _Faulty.hits
    allowed = fetch(f"{faulty}/ok", _policy(), root=tmp_path)
    assert allowed["sha256"] and allowed["error"] is None


def test_connection_reset_mid_body_is_an_error_not_a_truncated_page(faulty, tmp_path):
    row = fetch(f"{faulty}/reset", _policy(retries=1), root=tmp_path, sleep=lambda s: None)
    assert row["sha256"] is None, "a truncated body must not be stored as the page"
    assert row["error"].startswith("timeout or connection error")
    assert _Faulty.hits["/reset"] == 2


def test_every_fault_reaches_the_clean_stage_as_a_record_or_a_reject(faulty, tmp_path):
    """Whole path: scrape writes the manifest, the web reader turns it into
    records and rejects, one per URL; the PDF is skipped for its content type."""
    paths = ["/ok", "/error500", "/paper.pdf", "/private/x.html", "/loop", "/flaky500"]
    spec = {"id": "web_faulty", "kind": "url_list", "urls": [faulty + p for p in paths], "platform": "web",
            "source_type": "news", "pseudonymise": False, "text_format": "plain", "merge_duplicate_ids": False}
    rows = scrape([spec], _policy(retries=0), previous=[], root=tmp_path)
    write_manifest(rows, tmp_path / "raw/manifest.jsonl")
    assert sorted(r["url"] for r in read_manifest(tmp_path / "raw/manifest.jsonl")) == sorted(faulty + p for p in paths)
    items = list(make_reader(spec, root=tmp_path).read())
    records = {i.native_id: i for i in items if isinstance(i, RawRecord)}
    rejects = {i.native_id: i for i in items if isinstance(i, Reject)}
    assert set(records) | set(rejects) == {faulty + p for p in paths} and not set(records) & set(rejects)
    assert set(records) == {faulty + "/ok", faulty + "/flaky500"}
    pdf = rejects[faulty + "/paper.pdf"]
    assert pdf.reason == "not_text" and "application/pdf" in pdf.detail
    for p in ("/error500", "/private/x.html", "/loop"):
        assert rejects[faulty + p].reason == "fetch_failed" and faulty + p in rejects[faulty + p].detail
