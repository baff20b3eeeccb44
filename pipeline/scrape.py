"""Stage ``scrape``: fetch web sources and register every raw input.

* ``url_list``, ``feed`` and ``sitemap`` sources are fetched politely with
  trafilatura's downloader (per-host delay, timeout, retries with exponential
  backoff honouring ``Retry-After``, robots.txt, a user agent and a maximum
  body size from ``params.yaml``); feeds and sitemaps are expanded with
  ``trafilatura.feeds`` and ``trafilatura.sitemaps``.
* Each response body is stored once under ``corpora/raw/<sha[:2]>/<sha>``
  (content-addressed, never edited).
* Local files are registered in the same manifest with their sha256.

The manifest ``corpora/raw/manifest.jsonl`` has one JSON object per line:
``source, kind, url, final_url, status, fetched_at, content_type, sha256,
path, bytes, error``. A re-run fetches only URLs not yet fetched
successfully, unless ``--force``.

CLI: ``python -m pipeline.scrape [--force]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import time
import urllib.robotparser
from collections.abc import Callable, Iterable
from configparser import ConfigParser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from tqdm import tqdm
from trafilatura import feeds, sitemaps
from trafilatura.downloads import fetch_response
from trafilatura.settings import use_config

from pipeline.config import CORPORA_DIR, MANIFEST_FILE, RAW_DIR, load_params, relative_to_corpora
from pipeline.sources import WEB_KINDS, load_sources, make_reader
from pipeline.sources.base import sha256_bytes
from pipeline.sources.web import read_manifest

LOG = logging.getLogger(__name__)
#: Statuses worth retrying (RFC 9110: 429 Too Many Requests, 5xx server errors).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def now_utc() -> str:
    """Current UTC time as ISO 8601 with seconds (``2026-11-29T10:44:00+00:00``)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class FetchPolicy:
    """Politeness settings (``params.yaml`` → ``scrape``).

    Attributes:
        user_agent: sent with every request and matched against robots.txt.
        timeout_s: per-request timeout, seconds.
        host_delay_s: minimum seconds between two requests to one host.
        retries: extra attempts after a failed or retryable response.
        backoff_s: first backoff, doubled on each retry; a ``Retry-After``
            header (seconds) overrides it, capped at ``max_backoff_s``.
        max_bytes: larger bodies are refused by trafilatura's downloader
            (it stops reading at the cap) and recorded as an error.
        respect_robots: obey robots.txt.
        allow_private_addresses: allow loopback/private hosts (tests,
            intranets); trafilatura blocks them by default (SSRF protection).
    """

    user_agent: str
    timeout_s: int = 30
    host_delay_s: float = 2.0
    retries: int = 2
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0
    max_bytes: int = 20_000_000
    respect_robots: bool = True
    allow_private_addresses: bool = False
    _last_hit: dict[str, float] = field(default_factory=dict, repr=False)
    _robots: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> FetchPolicy:
        """Build from the ``scrape`` params section (unknown keys ignored)."""
        keys = {k for k in cls.__dataclass_fields__ if not k.startswith("_")}
        return cls(**{k: v for k, v in params.items() if k in keys})

    def trafilatura_config(self) -> ConfigParser:
        """A trafilatura config carrying this policy (timeout, size cap, agent)."""
        config = use_config()
        config.set("DEFAULT", "DOWNLOAD_TIMEOUT", str(int(self.timeout_s)))
        config.set("DEFAULT", "MAX_FILE_SIZE", str(int(self.max_bytes)))
        config.set("DEFAULT", "MIN_FILE_SIZE", "1")
        config.set("DEFAULT", "USER_AGENTS", self.user_agent)
        config.set("DEFAULT", "SLEEP_TIME", str(self.host_delay_s))
        config.set("DEFAULT", "SSRF_PROTECTION", "off" if self.allow_private_addresses else "on")
        return config

    def wait_for_host(self, url: str, sleep: Callable[[float], None] = time.sleep) -> None:
        """Sleep until ``host_delay_s`` has passed since the last request to the host."""
        host = urlsplit(url).netloc
        last = self._last_hit.get(host)
        if last is not None:
            remaining = self.host_delay_s - (time.monotonic() - last)
            if remaining > 0:
                sleep(remaining)
        self._last_hit[host] = time.monotonic()

    def allowed(self, url: str) -> bool:
        """True when robots.txt of the URL's host allows our user agent
        (or robots are not respected, or the host has no robots.txt)."""
        if not self.respect_robots:
            return True
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in self._robots:
            self.wait_for_host(base)
            response = fetch_response(urljoin(base, "/robots.txt"), config=self.trafilatura_config())
            parser = None
            if response is not None and response.status == 200 and response.data:
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(response.data.decode("utf-8", "replace").splitlines())
            self._robots[base] = parser
        parser = self._robots[base]
        return parser is None or parser.can_fetch(self.user_agent, url)


def fetch(url: str, policy: FetchPolicy, *, root: Path = CORPORA_DIR,
          sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Fetch one URL under ``policy`` and store its body content-addressed.

    Returns:
        A manifest row (see module docstring). ``status`` is the HTTP status,
        or ``None`` when no response came; ``error`` says why a URL yielded
        no usable body (``robots.txt disallows``, ``HTTP 500 after 3
        attempts``, ``timeout or connection error``, ``body over max_bytes``).
    """
    row: dict[str, Any] = {"url": url, "final_url": None, "status": None, "fetched_at": now_utc(),
                           "content_type": None, "sha256": None, "path": None, "bytes": None, "error": None}
    if not policy.allowed(url):
        row["error"] = "robots.txt disallows"
        return row
    config = policy.trafilatura_config()
    delay = policy.backoff_s
    for attempt in range(policy.retries + 1):
        policy.wait_for_host(url, sleep)
        with _DownloadErrors() as errors:
            response = fetch_response(url, config=config)
        if response is not None and response.status not in RETRY_STATUSES:
            break
        if response is None and any("MAX_FILE_SIZE" in e for e in errors.messages):
            row["error"] = f"body over max_bytes ({policy.max_bytes}): not stored"
            return row
        if attempt == policy.retries:
            break
        retry_after = (response.headers or {}).get("retry-after") if response is not None else None
        wait = float(retry_after) if retry_after and retry_after.isdigit() else delay
        sleep(min(wait, policy.max_backoff_s))
        delay *= 2
    row["fetched_at"] = now_utc()
    if response is None:
        reason = errors.messages[-1] if errors.messages else "no response"
        row["error"] = f"timeout or connection error after {policy.retries + 1} attempts: {reason}"
        return row
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    row.update(status=response.status, final_url=response.url, content_type=headers.get("content-type"))
    if response.status != 200:
        row["error"] = f"HTTP {response.status} after {attempt + 1} attempt(s)"
        return row
    body = response.data or b""
    row.update(store_raw(body, root=root), bytes=len(body))
    return row


class _DownloadErrors(logging.Handler):
    """Collects what trafilatura's downloader logs while one request runs
    (it returns ``None`` and logs the reason: timeout, size cap, refused
    connection), so the manifest can say why a URL gave nothing."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        self._logger = logging.getLogger("trafilatura.downloads")

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _DownloadErrors:
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)


def store_raw(body: bytes, *, root: Path = CORPORA_DIR) -> dict[str, str]:
    """Write ``body`` to ``<root>/raw/<sha[:2]>/<sha>`` unless already there.

    Returns:
        ``{"sha256": hex digest, "path": path relative to corpora/}``.
    """
    sha = sha256_bytes(body)
    path = root / RAW_DIR.relative_to(CORPORA_DIR) / sha[:2] / sha
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
    return {"sha256": sha, "path": relative_to_corpora(path, root=root)}


def discover(spec: dict[str, Any], policy: FetchPolicy) -> list[str]:
    """Return the page URLs of a web source, sorted and de-duplicated.

    ``url_list`` gives its ``urls``; ``feed`` expands each with
    ``trafilatura.feeds.find_feed_urls``; ``sitemap`` with
    ``trafilatura.sitemaps.sitemap_search``.
    """
    config = policy.trafilatura_config()
    found: set[str] = set()
    for url in spec["urls"]:
        if spec["kind"] == "url_list":
            found.add(url)
        elif spec["kind"] == "feed":
            found.update(feeds.find_feed_urls(url, sleep_time=policy.host_delay_s, config=config))
        else:
            found.update(sitemaps.sitemap_search(url, sleep_time=policy.host_delay_s, config=config))
    return sorted(found)


def write_manifest(rows: Iterable[dict[str, Any]], path: Path = MANIFEST_FILE) -> None:
    """Write the manifest atomically (temporary file, then rename), rows
    sorted by (source, path or url) so re-runs give identical bytes."""
    rows = sorted(rows, key=lambda r: (r["source"], r.get("url") or "", r.get("path") or ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows),
                   encoding="utf-8")
    tmp.replace(path)


def scrape(sources: list[dict[str, Any]], policy: FetchPolicy, *, previous: list[dict[str, Any]],
           force: bool = False, root: Path = CORPORA_DIR) -> list[dict[str, Any]]:
    """Register local files and fetch web sources.

    Args:
        sources: validated entries of ``sources.yaml``.
        policy: fetch politeness.
        previous: the last manifest; local files keep their first
            ``fetched_at`` while unchanged, and fetched URLs are not fetched
            again unless ``force``.
        force: re-fetch every URL.
        root: the ``corpora/`` folder.

    Returns:
        The new manifest rows.
    """
    old_local = {(r["source"], r["path"]): r for r in previous if r["kind"] == "local"}
    old_web = {(r["source"], r["url"]): r for r in previous if r["kind"] != "local"}
    rows: list[dict[str, Any]] = []
    for spec in sources:
        if spec["kind"] in WEB_KINDS:
            urls = discover(spec, policy)
            for url in tqdm(urls, desc=f"fetch {spec['id']}", unit="url", disable=None):
                old = old_web.get((spec["id"], url))
                if old and old["status"] == 200 and old["sha256"] and not force:
                    rows.append(old)
                    continue
                rows.append({"source": spec["id"], "kind": spec["kind"], **fetch(url, policy, root=root)})
            continue
        for path in make_reader(spec, root=root).files():
            data = path.read_bytes()
            rel = relative_to_corpora(path, root=root)
            sha = sha256_bytes(data)
            old = old_local.get((spec["id"], rel))
            fetched_at = old["fetched_at"] if old and old["sha256"] == sha else now_utc()
            rows.append({"source": spec["id"], "kind": "local", "url": None, "final_url": None,
                         "status": None, "fetched_at": fetched_at, "content_type": None,
                         "sha256": sha, "path": rel, "bytes": len(data), "error": None})
    return rows


def main(argv: list[str] | None = None) -> None:
    """CLI entry point of the ``scrape`` stage."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.scrape", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="re-fetch URLs fetched before")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    policy = FetchPolicy.from_params(load_params("scrape"))
    rows = scrape(load_sources(), policy, previous=read_manifest(), force=args.force)
    write_manifest(rows)
    failed = [r for r in rows if r["error"]]
    LOG.info("manifest: %d entries (%d local files, %d fetched, %d failed) → %s", len(rows),
             sum(r["kind"] == "local" for r in rows), sum(r["kind"] != "local" for r in rows),
             len(failed), MANIFEST_FILE)


if __name__ == "__main__":
    main()
