"""Raw records → normalised documents: the per-record half of stage ``clean``.

:class:`Normaliser` turns one :class:`pipeline.sources.RawRecord` into a
:class:`Document` (text cleaned, handles pseudonymised, date parsed to UTC,
language identified) or rejects; :func:`resolve_native_ids` settles records
that share a native id before that, and :func:`doc_id_for` gives the stable
document id. Corpus-wide steps (duplicates, relevance, the tables) stay in
:mod:`pipeline.clean`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from pipeline.account_names import AccountNames
from pipeline.normalise import clean_text, parse_date
from pipeline.privacy import load_organisation_handles, pseudonym_salt
from pipeline.pseudonyms import BareNames, pseudonymise, strip_status_ids
from pipeline.sources import RawRecord, Reject

LOG = logging.getLogger(__name__)


@dataclass
class RecordSpan:
    """One source record's part of a document; one row of ``document_records``.

    A merged document (``merge_duplicate_ids``) has one span per record, in
    the source's order; any other document has one span, the whole text.
    ``text[char_start:char_end]`` is the record's clean text; a record whose
    text repeats an earlier record of the same document points to that
    record's span (its text is stored once), and a record with no text left
    after cleaning has no span (``None``).

    Attributes:
        record_idx: 0 for the first record, in source order.
        char_start, char_end: character offsets in ``documents.text``, or ``None``.
        url: the record's own URL (pseudonymised like the document's), or ``None``.
        published_at: the record's own UTC date (the source's window start if
            it has none), or ``None``.
        date_precision: ``time``, ``day``, ``month`` or ``window``, or ``None``.
        line: the record's line in the source file (record formats), or ``None``.
        date_source: how ``published_at`` was found (``documents.date_source``).
    """

    record_idx: int
    char_start: int | None
    char_end: int | None
    url: str | None
    published_at: dt.datetime | None
    date_precision: str | None
    line: int | None
    date_source: str = "none"


@dataclass
class Document:
    """A normalised document; one row of ``documents`` (see ``001_init.sql``)."""

    doc_id: str
    source: str
    source_file: str
    native_id: str
    line: int | None
    platform: str
    source_type: str
    url: str | None
    title: str | None
    author: str | None
    outlet: str | None
    published_at: dt.datetime | None
    date_precision: str | None
    date_source: str  # a key of pipeline.sources.dates.DATE_SOURCES; "none" when undated
    lang: str | None
    text: str
    n_chars: int
    content_sha256: str
    raw_sha256: str
    n_records: int = 1
    n_copies: int = 0
    duplicate_of: str | None = None
    duplicate_kind: str | None = None
    relevance: float = 0.0
    relevance_terms: list[str] = field(default_factory=list)
    is_relevant: bool = False  # in the corpus: kept by the query or admitted (pipeline/admission.py)
    admitted_by: str | None = None  # 'query', 'classifier' or None (not a duplicate, not relevant)
    admission_p: float | None = None  # the admission classifier's p, for 0 < relevance < threshold
    ingested_at: dt.datetime | None = None
    records: list[RecordSpan] = field(default_factory=list)


def doc_id_for(source: str, source_file: str, native_id: str) -> str:
    """Stable document id: the first 16 hex digits of
    sha256(source + U+001F + source_file + U+001F + native_id).

    ``source_file`` is part of the key because file-name native ids repeat
    across folders of one source (two White House pages share a file name);
    web pages use the manifest as their ``source_file``, so a re-fetch keeps
    the id.
    """
    return hashlib.sha256(f"{source}\x1f{source_file}\x1f{native_id}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def resolve_native_ids(items: list[RawRecord | Reject], *, merge: bool) -> list[RawRecord | Reject]:
    """Handle records of one source file that share a ``native_id``.

    A record whose raw bytes repeat an earlier record with the same id is a
    ``duplicate_record`` reject. Otherwise, with ``merge`` the records become
    one document at the first one's position: each record's text, URL, date
    and line are kept in order in the first one's ``extra["records"]`` (the
    :class:`Normaliser` joins the texts as paragraphs and keeps each record's
    span); without it, later ones are ``duplicate_native_id`` rejects naming
    the first line.

    Returns:
        The items in their original order, with repeats replaced.
    """
    first: dict[tuple[str, str], RawRecord] = {}
    seen_raw: dict[tuple[str, str], set[str]] = defaultdict(set)
    out: list[RawRecord | Reject] = []
    for item in items:
        if isinstance(item, Reject):
            out.append(item)
            continue
        key = (item.source_file, item.native_id)
        where = f"{item.source_file}:{item.line}" if item.line else item.source_file
        if key in first:
            head = first[key]
            if item.raw_sha256 in seen_raw[key]:
                out.append(Reject(item.source, item.source_file, "duplicate_record",
                                  f"{where}: repeats line {head.line} byte for byte (native_id {item.native_id!r})",
                                  native_id=item.native_id, line=item.line, raw_sha256=item.raw_sha256))
            elif merge:
                head.extra.setdefault("records", [_record_part(head)]).append(_record_part(item))
                head.extra["n_records"] = len(head.extra["records"])
            else:
                out.append(Reject(item.source, item.source_file, "duplicate_native_id",
                                  f"{where}: native_id {item.native_id!r} already used at line {head.line}",
                                  native_id=item.native_id, line=item.line, raw_sha256=item.raw_sha256))
            seen_raw[key].add(item.raw_sha256)
            continue
        first[key] = item
        seen_raw[key].add(item.raw_sha256)
        out.append(item)
    return out


def _record_part(rec: RawRecord) -> dict[str, Any]:
    """What a merged document keeps of each of its records."""
    return {"text": rec.text, "url": rec.url, "date_raw": rec.date_raw, "line": rec.line}


@dataclass
class Normaliser:
    """Turns :class:`RawRecord` into :class:`Document` (params: ``clean``)."""

    earliest: dt.datetime
    latest: dt.datetime
    lang_max_chars: int
    salt: str
    keep_handles: frozenset[str]
    identifier: LanguageIdentifier
    strip_status_ids: bool = False
    accounts: AccountNames | None = None  # the corpus's dictionary of accounts, matched bare

    @classmethod
    def from_params(cls, params: dict[str, Any], accounts: AccountNames | None = None) -> Normaliser:
        """Build from the ``clean`` params section (with the shared ``privacy``
        section where given); the pseudonym salt comes from the environment
        variable named by ``privacy.salt_env``, else ``privacy.salt``; the kept accounts from
        ``corpora/organisation_handles.yaml`` (a broken file raises
        :class:`pipeline.config.ConfigError` naming the entry); ``accounts``
        the names also pseudonymised where written bare (:mod:`pipeline.account_names`)."""
        day = lambda s: dt.datetime.fromisoformat(str(s)).replace(tzinfo=dt.UTC)  # noqa: E731
        return cls(
            earliest=day(params["earliest_date"]),
            latest=day(params["latest_date"]),
            lang_max_chars=int(params["lang_max_chars"]),
            salt=pseudonym_salt(params["privacy"]),
            keep_handles=load_organisation_handles(),
            identifier=language_identifier(params["languages"]),
            strip_status_ids=bool(params["privacy"].get("strip_status_ids", False)),
            accounts=accounts,
        )

    def __call__(self, rec: RawRecord, spec: dict[str, Any]) -> tuple[Document | None, list[Reject]]:
        """Normalise one record.

        Returns:
            ``(document, rejects)``: document is ``None`` when no text is
            left after cleaning (then rejects holds a ``no_text`` row); a
            refused date gives a ``bad_date`` row while the document is kept
            with its date from the source's window or NULL. Of a merged
            record's dates the earliest is kept; ``date_source`` says how the
            kept date was found (``date_window``, ``none`` when undated).
        """
        rejects: list[Reject] = []
        where = f"{rec.source_file}:{rec.line}" if rec.line else rec.source_file
        parts = rec.extra.get("records") or [_record_part(rec)]
        # a title is never markup, but an HTML or HTML-escaped source escapes it too ("&#8217;")
        title_format = "escaped" if rec.text_format in ("escaped", "html") else "plain"
        title = clean_text(rec.title, title_format) if rec.title else None
        author, native_id = rec.author, rec.native_id
        if spec["pseudonymise"]:
            # Every text field with one salted mapping (docs/privacy.md); the author is a
            # handle field only in social sources (elsewhere "reddit", "AABA" are names).
            # the native id without the dictionary, as StoredKeys maps label files' ids
            title, native_id = self._private(title), self._private(native_id, bare=False)
            author = pseudonymise(author, salt=self.salt, keep=self.keep_handles,
                                  handle_field=spec["source_type"] == "social", bare=self._bare)
        texts: dict[str, tuple[int, int]] = {}  # clean text -> its span; a repeated text keeps one span
        records: list[RecordSpan] = []
        pos = 0
        for idx, part in enumerate(parts):
            text = clean_text(part["text"], rec.text_format)
            url = part["url"]
            if spec["pseudonymise"]:
                text, url = self._private(text), self._private(url)
            if text and text not in texts:
                pos += 2 if texts else 0  # the blank line between records
                texts[text] = (pos, pos + len(text))
                pos += len(text)
            span = texts.get(text, (None, None))
            line = part["line"]
            published, precision, date_source = self._date(part["date_raw"], rec, spec, line, rejects)
            records.append(RecordSpan(idx, span[0], span[1], url, published, precision, line, date_source))
        text = "\n\n".join(texts)
        if not text and title:
            text = title
            records[0].char_start, records[0].char_end = 0, len(text)
        if not text:
            return None, [Reject(rec.source, rec.source_file, "no_text", f"{where}: no text after cleaning",
                                 native_id=rec.native_id, line=rec.line, raw_sha256=rec.raw_sha256)]
        # the earliest record date; the window start only when no record has its own date
        dated = ([r for r in records if r.published_at is not None and r.date_precision != "window"]
                 or [r for r in records if r.published_at is not None])
        first = min(dated, key=lambda r: r.published_at) if dated else None
        published = first.published_at if first else None
        precision = first.date_precision if first else None
        date_source = first.date_source if first else "none"
        url = records[0].url
        # A language given by the source (a tweet's ``lang``) wins over detection.
        lang = rec.lang_hint or self.identifier.classify(text[: self.lang_max_chars])[0]
        return Document(
            doc_id=doc_id_for(rec.source, rec.source_file, native_id),  # of the pseudonymised id: no dictionary attack
            source=rec.source,
            source_file=rec.source_file,
            native_id=native_id,
            line=rec.line,
            platform=spec["platform"],
            source_type=spec["source_type"],
            url=url,
            title=title,
            author=author,
            outlet=rec.outlet or spec.get("outlet") or _host(url),
            published_at=published,
            date_precision=precision,
            date_source=date_source,
            lang=lang,
            text=text,
            n_chars=len(text),
            content_sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            raw_sha256=rec.raw_sha256,
            n_records=rec.extra.get("n_records", 1),
            records=records,
        ), rejects

    @property
    def _bare(self) -> BareNames | None:
        return self.accounts.find if self.accounts else None

    def _private(self, value: str | None, bare: bool = True) -> str | None:
        """``value`` with handles pseudonymised (with ``bare``, also the
        dictionary's account names written bare) and, with
        ``privacy.strip_status_ids``, status ids replaced (docs/privacy.md)."""
        value = pseudonymise(value, salt=self.salt, keep=self.keep_handles, bare=self._bare if bare else None)
        return strip_status_ids(value, salt=self.salt) if self.strip_status_ids else value

    def _date(self, raw: str | None, rec: RawRecord, spec: dict[str, Any], line: int | None,
              rejects: list[Reject]) -> tuple[dt.datetime | None, str | None, str]:
        """One record's UTC date, precision and ``date_source``; a refused
        date appends a ``bad_date`` reject naming the record's line; no date
        gives the start of the source's ``date_window`` (precision and source
        ``window``/``date_window``) or ``(None, None, "none")``."""
        value, prec, problem = parse_date(raw, earliest=self.earliest, latest=self.latest)
        if problem:
            where = f"{rec.source_file}:{line}" if line else rec.source_file
            rejects.append(Reject(rec.source, rec.source_file, "bad_date", f"{where}: {problem}; date left empty",
                                  native_id=rec.native_id, line=line, raw_sha256=rec.raw_sha256))
        if value is not None:
            return value, rec.date_precision or prec, rec.date_source or "record_field"
        if spec.get("date_window"):
            start = dt.date.fromisoformat(str(spec["date_window"][0]))
            return dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC), "window", "date_window"
        return None, None, "none"


def language_identifier(languages: list[str]) -> LanguageIdentifier:
    """py3langid's identifier (Lui & Baldwin 2012, langid.py) restricted to
    ``languages`` (ISO 639-1 codes from params): unrestricted, short posts are
    often labelled as rare languages (Nigerian Pidgin, Latin, Malagasy).

    One identifier per language set and process, shared (loading the model
    file took 0.6 s, once per source); callers must not change it.

    Raises:
        ValueError: a code is not in the model.
    """
    return _language_identifier(tuple(languages))


@functools.lru_cache(maxsize=4)
def _language_identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(languages))
    return identifier


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None
