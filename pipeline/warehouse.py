"""DuckDB files: connections, schema migrations and atomic builds.

Each stage writes its own database under ``data/stages/`` and the
``warehouse`` stage publishes them as one file, ``data/debate.duckdb``.
Schema changes are numbered SQL files, one folder per database
(``pipeline/sql/clean/001_init.sql`` …); ``schema_version`` records which
were applied. A stage writes into a
*copy* of the warehouse and swaps it in with ``os.replace`` only after a
checkpoint, so a killed run leaves the previous good file, and a reader that
has the old file open keeps a consistent snapshot (the write-audit-publish
pattern).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psutil

from pipeline.config import WAREHOUSE_FILE

_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrations(sql_dir: Path) -> list[tuple[int, Path]]:
    """Return ``(version, file)`` for each numbered SQL file, in order.

    Raises:
        ValueError: two files share a version number.
    """
    found: dict[int, Path] = {}
    for path in sorted(sql_dir.glob("*.sql")):
        match = _MIGRATION.match(path.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise ValueError(f"{sql_dir}: migrations {found[version].name} and {path.name} share version {version}")
        found[version] = path
    return sorted(found.items())


def migrate(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> int:
    """Apply the migrations newer than the database's ``schema_version``.

    Each file runs in its own transaction together with its
    ``schema_version`` row.

    Returns:
        The schema version after migrating.
    """
    con.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    for version, path in migrations(sql_dir):
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, path.name])
        con.execute("COMMIT")
        current = version
    return current


def connect(path: Path | str = WAREHOUSE_FILE, *, read_only: bool = True,
            attach: dict[str, Path] | None = None) -> duckdb.DuckDBPyConnection:
    """Open a database; read-only unless asked (``":memory:"`` for an
    in-memory one).

    A read-only connection is a fresh in-memory DuckDB with the file
    ATTACHed read-only as ``ro_<file stem>`` and made the default
    (``USE``). So every call reads the file that is there now (``duckdb.connect``
    on a path hands back the process's cached instance, which keeps reading
    a file that a build has since replaced), and read-only connections never
    clash with each other or with another connection's configuration.

    Args:
        path: database file.
        read_only: False only to write (the stages write through
            :func:`build`; analysts' own tables go to
            :func:`pipeline.workspace.open_notes`).
        attach: more databases to ATTACH read-only, by alias (a stage
            reading ``embed.duckdb`` with ``{"clean": CLEAN_DB}``), on a
            read-only or a writable connection.

    Raises:
        FileNotFoundError: ``read_only`` and the file, or one to attach, does
            not exist yet (run ``make run`` first).
    """
    others = dict(attach or {})
    for other in others.values():
        if not Path(other).exists():
            raise FileNotFoundError(f"{other}: no such database yet; run `make run` (or `dvc repro`) first")
    if not read_only or str(path) == ":memory:":
        con = duckdb.connect(str(path))
    else:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such database yet; run `make run` (or `dvc repro`) first")
        alias = "ro_" + re.sub(r"\W", "_", path.stem)
        others = {alias: path, **others}
        con = duckdb.connect()
    for name, file in others.items():
        con.execute(f"ATTACH '{str(file).replace(chr(39), chr(39) * 2)}' AS {name} (READ_ONLY)")
    if read_only and str(path) != ":memory:":
        con.execute(f"USE {alias}")
    return con


def _builder_alive(pid: int, copy: Path) -> bool:
    """Whether process ``pid`` can still be the build that writes ``copy``.

    A zombie (killed, not yet reaped: common in containers whose PID 1 does
    not reap orphans) is dead, and so is a process started after the copy
    was last written (the pid was reused). Uses ``psutil`` (already a
    dependency of DVC)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return proc.create_time() <= copy.stat().st_mtime + 1.0
    except (psutil.NoSuchProcess, FileNotFoundError):
        return False
    except psutil.AccessDenied:  # exists, owned by someone else
        return True


def remove_stale_copies(path: Path) -> list[Path]:
    """Delete ``<name>.tmp-<pid>`` copies (and their ``.wal``) left by a build
    whose process is gone (killed with SIGKILL, power loss); a running
    build's copy is left alone. Called by :func:`build`, so a killed stage's
    copy goes when that database is next built (a plain ``dvc repro`` that
    finds the stage up to date builds nothing and leaves it, git-ignored).

    Args:
        path: the database file whose stale copies to delete.

    Returns:
        The deleted paths, sorted.
    """
    removed = []
    for stale in sorted(path.parent.glob(f"{path.name}.tmp-*")):
        pid = stale.name[len(path.name) + len(".tmp-"):].split(".", 1)[0]
        if pid.isdigit() and not _builder_alive(int(pid), stale):
            stale.unlink(missing_ok=True)
            removed.append(stale)
    return removed


@contextlib.contextmanager
def build(path: Path, sql_dir: Path, *, fresh: bool = False,
          base: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Write to the warehouse atomically.

    Yields a connection to a temporary copy (``<name>.tmp-<pid>``), migrated
    to the latest schema; copies left by killed builds are removed first. On
    normal exit the copy is checkpointed, fsynced and renamed over ``path``;
    on an exception it is deleted and ``path`` is untouched.

    Args:
        path: the database file.
        sql_dir: the folder of numbered schema files for this database.
        fresh: start from an empty database instead of a copy of ``path``.
        base: start from a copy of this file instead of ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_copies(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    source = base or path
    if source.exists() and not fresh:
        shutil.copyfile(source, tmp)
    con = duckdb.connect(str(tmp))
    try:
        migrate(con, sql_dir)
        yield con
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
