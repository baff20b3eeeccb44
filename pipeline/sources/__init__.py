"""Readers, one per input format, and the ``sources.yaml`` loader.

``load_sources`` validates ``corpora/sources.yaml`` up front and fails fast
with a message naming the entry and key; ``make_reader`` returns the reader
registered for an entry's ``kind``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import jmespath.exceptions
import yaml

from pipeline.config import CORPORA_DIR, SOURCES_FILE, ConfigError
from pipeline.sources import files, html, records, web  # noqa: F401  (registers readers)
from pipeline.sources.base import READERS, TEXT_FORMATS, RawRecord, Reader, Reject
from pipeline.sources.fields import FIELD_KEYS, compile_expression

__all__ = ["load_sources", "make_reader", "RawRecord", "Reject", "Reader", "READERS",
           "SOURCE_TYPES", "WEB_KINDS", "LOCAL_KINDS"]

#: ``source_type`` values (issue #2).
SOURCE_TYPES = ("news", "blog", "newsletter", "policy", "social", "forum", "recap")
#: Kinds fetched from the web by the scrape stage.
WEB_KINDS = ("url_list", "feed", "sitemap")
#: Kinds read from files under ``corpora/``.
LOCAL_KINDS = ("html_dir", "markdown_dir", "text_dir", "jsonl", "ndjson", "json", "tweet_harvest_csv")
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_KNOWN_KEYS = {"id", "kind", "path", "glob", "urls", "platform", "source_type", "outlet", "author",
               "fields", "text_format", "date_window", "pseudonymise", "merge_duplicate_ids",
               "enabled", "records", "columns_from", "author_lookup", "max_file_bytes"}


def load_sources(path: Path = SOURCES_FILE, *, root: Path = CORPORA_DIR,
                 include_disabled: bool = False) -> list[dict[str, Any]]:
    """Load and validate the source declarations.

    Args:
        path: the ``sources.yaml`` file.
        root: folder that ``path`` entries are relative to.
        include_disabled: also return entries with ``enabled: false``.

    Returns:
        The entries, in file order, with defaults filled in
        (``pseudonymise`` defaults to true for every source, privacy by
        default: docs/privacy.md; ``text_format`` to ``plain``).

    Raises:
        ConfigError: the file is not valid YAML, or an entry is malformed;
            the message names the file, the entry (index and id) and the key.
    """
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise ConfigError(f"{path}: expected a top-level 'sources:' list")
    seen: set[str] = set()
    out = []
    for index, entry in enumerate(doc["sources"]):
        where = f"{path}: sources[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping, got {type(entry).__name__}")
        sid = entry.get("id")
        if not isinstance(sid, str) or not _ID.match(sid):
            raise ConfigError(f"{where}: key 'id' must be a lower-case slug, got {sid!r}")
        where = f"{path}: sources[{index}] (id: {sid})"
        if sid in seen:
            raise ConfigError(f"{where}: key 'id' repeats an earlier entry")
        seen.add(sid)
        _validate(entry, where, root)
        if entry.get("enabled", True) is False and not include_disabled:
            continue
        spec = dict(entry)
        spec.setdefault("pseudonymise", True)
        spec.setdefault("text_format", "plain")
        spec.setdefault("merge_duplicate_ids", False)
        out.append(spec)
    return out


def _validate(entry: dict[str, Any], where: str, root: Path) -> None:
    unknown = set(entry) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KNOWN_KEYS)}")
    kind = entry.get("kind")
    if kind not in LOCAL_KINDS + WEB_KINDS:
        raise ConfigError(f"{where}: key 'kind' is {kind!r}; expected one of {list(LOCAL_KINDS + WEB_KINDS)}")
    for key in ("platform", "source_type"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ConfigError(f"{where}: key '{key}' is required")
    if entry["source_type"] not in SOURCE_TYPES:
        raise ConfigError(f"{where}: key 'source_type' is {entry['source_type']!r}; "
                          f"expected one of {list(SOURCE_TYPES)}")
    enabled = entry.get("enabled", True)
    if kind in WEB_KINDS:
        urls = entry.get("urls")
        if not isinstance(urls, list) or not urls \
                or not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls):
            raise ConfigError(f"{where}: key 'urls' must be a non-empty list of http(s) URLs")
    else:
        if not isinstance(entry.get("path"), str):
            raise ConfigError(f"{where}: key 'path' is required for kind {kind}")
        if enabled and not (root / entry["path"]).exists():
            raise ConfigError(f"{where}: key 'path': {root / entry['path']} does not exist")
    fields = entry.get("fields", {})
    if not isinstance(fields, dict):
        raise ConfigError(f"{where}: key 'fields' must be a mapping")
    for key, expr in fields.items():
        if key not in FIELD_KEYS:
            raise ConfigError(f"{where}: key 'fields.{key}' is not one of {list(FIELD_KEYS)}")
        try:
            compile_expression(str(expr))
        except jmespath.exceptions.JMESPathError as exc:
            raise ConfigError(f"{where}: key 'fields.{key}': invalid JMESPath {expr!r}: {exc}") from exc
    if entry.get("text_format", "plain") not in TEXT_FORMATS:
        raise ConfigError(f"{where}: key 'text_format' must be one of {', '.join(TEXT_FORMATS)}")
    window = entry.get("date_window")
    if window is not None:
        try:
            start, end = (dt.date.fromisoformat(str(d)) for d in window)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: key 'date_window' must be [YYYY-MM-DD, YYYY-MM-DD]: {exc}") from exc
        if start > end:
            raise ConfigError(f"{where}: key 'date_window' starts after it ends")
    for key in ("pseudonymise", "merge_duplicate_ids", "enabled"):
        if key in entry and not isinstance(entry[key], bool):
            raise ConfigError(f"{where}: key '{key}' must be true or false")


def make_reader(spec: dict[str, Any], *, root: Path = CORPORA_DIR, **kwargs: Any) -> Reader:
    """Return the reader registered for ``spec['kind']``.

    Raises:
        ConfigError: no reader is registered for the kind.
    """
    try:
        cls = READERS[spec["kind"]]
    except KeyError:
        raise ConfigError(f"no reader for kind {spec['kind']!r}") from None
    return cls(spec, root=root, **kwargs)
