"""Privacy checks: the organisation keep-list and the raw-handle scanner.

:func:`load_organisation_handles` reads ``corpora/organisation_handles.yaml``
(the accounts pseudonymisation keeps, organisations only; each entry says why),
:func:`load_person_names` ``corpora/person_names.yaml`` (people named bare whom
the rules of :mod:`pipeline.account_names` miss) and :func:`load_not_people` the
same file's words those rules wrongly take for a name.
:func:`scan_warehouse` and :func:`scan_reports` find raw handles (``@mentions``,
X-like and Bluesky profile or status URLs, and the corpus's accounts written
bare, :mod:`pipeline.account_names`; the rule of
:func:`pipeline.pseudonyms.find_handles`) that are neither a pseudonym nor a
listed organisation, in every text column of a DuckDB file or every text file
under a folder. The end-to-end test runs both on the built warehouse and
``reports/``.

CLI:
    python -m pipeline.privacy [WAREHOUSE.duckdb] [REPORTS_DIR]   # exit 1 on any raw handle
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from pipeline.account_names import corpus_accounts
from pipeline.config import ORGANISATION_HANDLES_FILE, PERSON_NAMES_FILE, REPORTS_DIR, WAREHOUSE_FILE, ConfigError
from pipeline.pseudonyms import BareNames, pseudonymise, raw_handles, strip_status_ids

#: Files under reports/ that hold text (figures are PNG; their labels come from the warehouse).
TEXT_SUFFIXES = frozenset({".md", ".csv", ".json", ".html", ".txt", ".svg", ".tsv"})


def _listed_entries(path: Path, section: str, field: str, pattern: str, shape: str, notes: tuple[str, ...], what: str,
                  optional: bool = False) -> dict[str, dict]:
    """The entries under ``section`` of the YAML file ``path``, keyed by their
    lower-cased name: each holds ``field`` (a full match of ``pattern``,
    described by ``shape``) and non-empty ``notes``. An ``optional`` section
    may be missing (no entries).

    Raises:
        ConfigError: the file is missing or not YAML, or an entry breaks a rule
            or repeats a name (any case); the message names the file and the
            entry (number and name) and says what ``notes`` must tell (``what``).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the {section}: {exc}") from exc
    entries = data.get(section) if isinstance(data, dict) else None
    if optional and isinstance(data, dict) and section not in data:
        return {}
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list under '{section}:'")
    names: dict[str, dict] = {}
    for n, entry in enumerate(entries, 1):
        name = entry.get(field) if isinstance(entry, dict) else None
        where = f"{path}: entry {n} ({name if isinstance(name, str) else repr(entry)})"
        if not isinstance(name, str) or not re.fullmatch(pattern, name):
            raise ConfigError(f"{where}: '{field}' must be {shape}")
        for key in notes:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ConfigError(f"{where}: missing '{key}' ({what})")
        if name.lower() in names:
            raise ConfigError(f"{where}: {field} listed twice")
        names[name.lower()] = entry
    return names


def organisation_accounts(path: Path = ORGANISATION_HANDLES_FILE) -> dict[str, str]:
    """The organisation accounts kept as written, as lower-cased handle →
    organisation (the quote finder reads "@Alibaba_Qwen announced …" as the
    organisation's words, :class:`pipeline.actors.quotes.QuoteFinder`).

    Raises:
        ConfigError: the file is missing or not YAML, or an entry lacks a
            ``handle`` (letters, digits, ``_``, 1–15 characters), an
            ``organisation`` or a ``why``, or repeats a handle; the message
            names the file and the entry (number and handle).
    """
    entries = _listed_entries(path, "organisations", "handle", r"[A-Za-z0-9_]{1,15}",
                            "an X handle (A-Z, 0-9, _; 1-15 characters)", ("organisation", "why"),
                            "who runs the account and why it is an organisation's")
    return {handle: entry["organisation"] for handle, entry in entries.items()}


def load_organisation_handles(path: Path = ORGANISATION_HANDLES_FILE) -> frozenset[str]:
    """Lower-cased handles of the organisation accounts kept as written
    (:func:`organisation_accounts`; raises as it does)."""
    return frozenset(organisation_accounts(path))


def load_person_names(path: Path = PERSON_NAMES_FILE) -> frozenset[str]:
    """The lower-cased names of ``corpora/person_names.yaml``: people the
    corpus names bare whom the dictionary of accounts misses; clean
    pseudonymises them, in any case, like the dictionary's names.

    Raises:
        ConfigError: the file is missing or not YAML, or an entry lacks a
            ``name`` (letters, digits, ``_``, 3–30 characters, at least one
            letter), a ``where`` or a ``why``, or repeats a name (any case);
            the message names the file and the entry (number and name).
    """
    return frozenset(_listed_entries(path, "people", "name", r"(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{3,30}",
                         "one word of 3-30 letters, digits or '_'", ("where", "why"),
                                   "where the corpus names the person, why a person"))


def load_not_people(path: Path = PERSON_NAMES_FILE) -> frozenset[str]:
    """The lower-cased words under ``not_people`` of ``corpora/person_names.yaml``:
    words the rules of :mod:`pipeline.account_names` take for a commenter's
    name ("Discussants noted …") that a review found are not; the dictionary
    of accounts leaves them out, unless ``people`` lists them too. The section
    is optional.

    Raises:
        ConfigError: as :func:`load_person_names`, for an entry that lacks a
            ``word``, a ``where`` or a ``why``, or repeats a word.
    """
    return frozenset(_listed_entries(path, "not_people", "word", r"(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{3,30}",
                         "one word of 3-30 letters, digits or '_'", ("where", "why"),
                                   "where the corpus uses the word, why it is not a person", optional=True))


def pseudonym_salt(privacy: dict) -> str:
    """The pseudonym salt: the environment variable named by ``privacy.salt_env``
    if set and not empty, else ``privacy.salt`` (params.yaml)."""
    return os.environ.get(str(privacy["salt_env"]), "") or str(privacy["salt"])


@dataclass(frozen=True)
class StoredKeys:
    """Maps a corpus ``native_id`` to the one the warehouse stores.

    The clean stage pseudonymises native ids that hold a handle
    (``https://x.com/<handle>/status/<id>``), and with
    ``privacy.strip_status_ids`` also their status ids, so label files and
    ``EVAL_RESERVED.tsv``, which use the corpus's own ids, are joined through
    this mapping (the same transformation as
    :class:`pipeline.documents.Normaliser`). Ids without a handle map to
    themselves.
    """

    salt: str
    keep: frozenset[str]
    strip_ids: bool = False

    @classmethod
    def from_params(cls, privacy: dict) -> StoredKeys:
        """From the ``privacy`` params section and corpora/organisation_handles.yaml."""
        return cls(pseudonym_salt(privacy), load_organisation_handles(), bool(privacy.get("strip_status_ids", False)))

    def __call__(self, native_id: str) -> str:
        value = pseudonymise(native_id, salt=self.salt, keep=self.keep) or native_id
        return strip_status_ids(value, salt=self.salt) if self.strip_ids else value


@dataclass(frozen=True)
class Finding:
    """One raw handle found: where (``table.column`` or a file path) and the handle as written."""

    where: str
    handle: str


def scan_warehouse(path: Path, keep: frozenset[str], bare: BareNames | None = None) -> list[Finding]:
    """Raw handles in every VARCHAR column (and VARCHAR list column) of
    every base table of the DuckDB file ``path`` (views show table data),
    one :class:`Finding` per occurrence in each distinct value; with
    ``bare`` (:meth:`pipeline.account_names.AccountNames.find`) also the
    dictionary's account names written bare."""
    findings: list[Finding] = []
    with duckdb.connect(str(path), read_only=True) as con:
        cols = con.execute("""SELECT table_name, column_name, data_type FROM duckdb_columns()
                              WHERE NOT internal AND table_name IN (SELECT table_name FROM duckdb_tables())
                                AND data_type IN ('VARCHAR', 'VARCHAR[]')""").fetchall()
        for table, column, dtype in cols:
            expr = f'"{column}"' if dtype == "VARCHAR" else f'unnest("{column}")'
            sql = (f'SELECT DISTINCT v FROM (SELECT {expr} AS v FROM "{table}") '
                   + ("WHERE v IS NOT NULL" if bare else "WHERE v LIKE '%@%' OR v LIKE '%/%'"))
            for (value,) in con.execute(sql).fetchall():
                findings += [Finding(f"{table}.{column}", h) for h in raw_handles(value, keep, bare)]
    return findings


#: A ``<script>`` whose body opens with a comment is a vendored library (BERTopic's pages inline
#: plotly.js, whose licence comments name their authors' handles); the figure data's script does not.
_LIBRARY_SCRIPT = re.compile(r"(<script[^>]*>)\s*/\*.*?(</script>)", re.DOTALL | re.IGNORECASE)


def scan_reports(folder: Path, keep: frozenset[str], bare: BareNames | None = None) -> list[Finding]:
    """Raw handles in every text file (:data:`TEXT_SUFFIXES`) under ``folder``
    (with ``bare``, also bare account names as :func:`scan_warehouse`);
    in HTML, vendored library scripts are skipped (:data:`_LIBRARY_SCRIPT`)."""
    findings: list[Finding] = []
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES):
        text = file.read_text(encoding="utf-8", errors="replace")
        if file.suffix.lower() == ".html":
            text = _LIBRARY_SCRIPT.sub(r"\1\2", text)
        findings += [Finding(file.as_posix(), h) for h in raw_handles(text, keep, bare)]
    return findings


def summary(findings: list[Finding]) -> str:
    """Counts per place and the 10 commonest handles, for logs and test messages."""
    per = Counter(f.where for f in findings)
    handles = Counter(f.handle.lower() for f in findings)
    return (f"{len(findings)} raw handles ({len(handles)} distinct) in "
            + ", ".join(f"{w}: {n}" for w, n in per.most_common())
            + f"; commonest: {', '.join(h for h, _ in handles.most_common(10))}")


def main(argv: list[str] | None = None) -> None:
    """CLI: scan a warehouse and a reports folder; exit status 1 on any raw handle."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.privacy", description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", nargs="?", type=Path, default=WAREHOUSE_FILE)
    parser.add_argument("reports", nargs="?", type=Path, default=REPORTS_DIR)
    args = parser.parse_args(argv)
    from pipeline.sources import load_sources

    keep = load_organisation_handles()
    bare = corpus_accounts(load_sources(), keep, people=load_person_names(), not_people=load_not_people()).find
    findings = scan_warehouse(args.warehouse, keep, bare) if args.warehouse.exists() else []
    findings += scan_reports(args.reports, keep, bare) if args.reports.is_dir() else []
    print(summary(findings) if findings else "no raw handles")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
