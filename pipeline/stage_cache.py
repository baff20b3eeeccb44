"""Content-keyed caches that let a stage redo only what its inputs changed.

A stage keeps the results of its expensive, pure work (read one source,
split or parse one document, fit the stance model, draw one page) in a
:class:`KeyedStore` in a folder under ``data/cache/``: one pickle file per
stage, results under a content key (for a document: a digest of what its
result depends on), written atomically, holding only the keys used by the
last run. What the keys do not show goes into the store's ``code`` digest:
:func:`fingerprint` of input files' bytes, of the source code of every
module involved and of library versions; another digest starts an empty
store and deletes the old file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any


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


def drop_legacy(folder: Path | None) -> None:
    """Delete ``folder/joblib``, the ``joblib.Memory`` cache that earlier
    versions kept there (clean, stance), and its ``.gitignore``; nothing
    reads them any more."""
    import shutil

    if folder is not None:
        shutil.rmtree(folder / "joblib", ignore_errors=True)
        (folder / ".gitignore").unlink(missing_ok=True)


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
        #: results computed by the last :meth:`fill`
        self.computed = 0

    def get(self, key: str) -> Any:
        """The stored result, or ``None``."""
        if key in self._used:
            return self._used[key]
        if key in self._old:
            self._used[key] = self._old[key]
            return self._used[key]
        return None

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under a new ``key`` (kept by the next :meth:`save`;
        results are content-keyed, so a stored key's value never changes)."""
        self._used[key] = value

    def fill(self, keys: list[str], compute: Any) -> list[Any]:
        """The result of every key of ``keys``, in order, then :meth:`save`.

        Stored results are taken as they are; the positions whose key is not
        stored are computed by one call ``compute(positions)``, which returns
        ``{position: result}`` (results must not be ``None``) and are stored.
        :attr:`computed` is set to how many were computed.

        Raises:
            KeyError: ``compute`` left out a position it was given.
        """
        found = [self.get(k) for k in keys]
        todo = [i for i, value in enumerate(found) if value is None]
        self.computed = len(todo)
        if todo:
            new = compute(todo)
            for i in todo:
                found[i] = new[i]
                self.put(keys[i], new[i])
        self.save()
        return found

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
        # this store's files only: <name>-<code[:16], no dash>.<pkl|joblib>[.tmp-<pid>]
        mine = re.compile(rf"{re.escape(self.name)}-\w{{1,16}}\.(?:pkl|joblib)(?:\.tmp-\d+)?")
        for other in self.folder.iterdir():
            if other != self.file and other.is_file() and mine.fullmatch(other.name):
                other.unlink(missing_ok=True)
