"""Content-keyed caches that let a stage redo only what its inputs changed.

A stage hands :func:`memory` a folder under ``data/cache/`` and runs the
expensive, pure part of its work (read one source, fit the stance model,
parse a batch of documents) through :func:`cached_call`: joblib's
:class:`joblib.Memory` stores each result under a hash of the call's
arguments, writes it atomically (a killed run leaves no half-written entry)
and gives it back when the same arguments come again. What the arguments do
not show goes into the ``code`` digest: :func:`fingerprint` of the input
files' bytes, of the source code of every module involved and of library
versions.

For many small results, one per document (passages, actor rows, report
pages), :class:`KeyedStore` keeps them in one pickle file per stage, keyed
by a content digest of each document, and drops the ones not used in a run.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: Entries kept per cache folder (joblib ``reduce_size``, most recently used
#: first): enough for every source of a corpus, small enough that a cache of
#: a long-lived checkout does not grow without end.
MAX_ENTRIES = 256


def memory(folder: Path | None) -> Any:
    """A :class:`joblib.Memory` in ``folder`` (created), or a no-op one when
    ``folder`` is ``None`` (tests that must not reuse results)."""
    from joblib import Memory

    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    return Memory(None if folder is None else str(folder), verbose=0)


def _run(code: str, func: Any, args: tuple, kwargs: dict) -> Any:
    return func(*args, **kwargs)


def cached_call(mem: Any, code: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` through ``mem``: the stored result when the
    same function was called with equal arguments (joblib hashes their
    content; a function by its qualified name, dicts with sorted keys, so
    pass ordered data as lists) and the same ``code`` digest
    (:func:`fingerprint` of whatever the arguments do not show: input files,
    source code, library versions); else computed and stored.

    Returns:
        What ``func`` returns (unpickled from the cache on a hit).

    Raises:
        Whatever ``func`` raises (nothing is stored then).
    """
    return mem.cache(_run)(code, func, args, kwargs)


def in_cache(mem: Any, code: str, func: Any, *args: Any, **kwargs: Any) -> bool:
    """Whether :func:`cached_call` with these arguments would reuse a stored
    result (joblib ``check_call_in_cache``)."""
    return mem.location is not None and mem.cache(_run).check_call_in_cache(code, func, args, kwargs)


def prune(mem: Any, items: int = MAX_ENTRIES) -> None:
    """Drop all but the ``items`` most recently used entries of ``mem``
    (joblib ``reduce_size``, by file access time)."""
    if mem.location is not None:
        mem.reduce_size(items_limit=items)


def fingerprint(*parts: Any, files: list[Path] = (), root: Path | None = None, modules: list[Any] = (),
                packages: list[str] = ()) -> str:
    """sha256 (hex) over JSON-able ``parts``, the paths (relative to ``root``
    when under it) and bytes of ``files`` (read in blocks; a missing file
    counts as such), the source code of ``modules`` (Python module objects
    or folders of ``*.py``) and the installed versions of ``packages``.

    Dict keys in ``parts`` are sorted: pass ``json.dumps(d)`` as a part when
    their order matters.

    Raises:
        TypeError: a part is not JSON-serialisable (after ``str`` of paths
            and dates).
    """
    h = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    for path in files:
        path = Path(path)
        try:
            name = path.resolve().relative_to(root.resolve()).as_posix() if root else path.as_posix()
        except ValueError:
            name = path.as_posix()
        h.update(name.encode("utf-8", "surrogatepass") + b"\0")
        if path.is_file():
            with path.open("rb") as f:
                h.update(hashlib.file_digest(f, "sha256").digest())
        else:
            h.update(b"<missing>")
    for module in modules:
        paths = sorted(Path(module).glob("*.py")) if isinstance(module, (str, Path)) else [Path(module.__file__)]
        for path in paths:
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in packages:
        try:
            h.update(f"{name}=={version(name)}".encode())
        except PackageNotFoundError:
            h.update(f"{name}==none".encode())
    return h.hexdigest()


class KeyedStore:
    """Results by content key (``str``), kept in one pickle file
    ``<folder>/<name>-<code[:16]>.pkl``: for many small results, such as
    one per document, where a file per result would be slow. (Plain pickle,
    protocol 5: the actor rows of the corpus load in 0.4 s, against 2.6 s
    with ``joblib.load``, whose unpickler is written in Python. Like joblib,
    the file is trusted: it is this checkout's own cache.)

    Reading a key with :meth:`get` or writing it with :meth:`put` marks it as
    used; :meth:`save` rewrites the file atomically with the used keys only
    (so results of documents that left the corpus go) and deletes the files
    of other ``code`` digests and temporary files of killed runs. With
    ``folder=None`` nothing is read or kept.
    """

    def __init__(self, folder: Path | None, name: str, code: str) -> None:
        import pickle

        self.folder, self.name = folder, name
        self.file = None if folder is None else folder / f"{name}-{code[:16]}.pkl"
        self._old: dict[str, Any] = {}
        if self.file is not None and self.file.exists():
            try:
                with self.file.open("rb") as f:
                    self._old = pickle.load(f)
            except Exception as exc:  # a corrupt file only costs recomputing
                print(f"{self.file}: unreadable ({exc}); recomputing")
        self._used: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        """The stored result, or ``None``."""
        if key in self._used:
            return self._used[key]
        if key in self._old:
            self._used[key] = self._old[key]
            return self._used[key]
        return None

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` (kept by the next :meth:`save`)."""
        self._used[key] = value

    def save(self) -> None:
        """Rewrite the file with the used keys (atomically) and delete the
        files of other code digests, old formats and killed runs' temporary
        files."""
        import pickle

        if self.file is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._used.keys() != self._old.keys() or not self.file.exists():
            tmp = self.file.with_name(f"{self.file.name}.tmp-{os.getpid()}")
            with tmp.open("wb") as f:
                pickle.dump(self._used, f, protocol=5)
            os.replace(tmp, self.file)
        for other in self.folder.glob(f"{self.name}-*"):
            if other != self.file:
                other.unlink(missing_ok=True)
