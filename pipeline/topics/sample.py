"""A small corpus cut from a built embed database, as a new user's first
day of collection would be: for the small-corpus test and benchmark of the
topic model (``tests/test_topics_small.py``, ``benchmarks/topics_small.py``).
"""

from __future__ import annotations

from pathlib import Path

from pipeline import warehouse
from pipeline.config import SQL_DIR


def sample_embed_db(src: Path, dst: Path, n: int) -> int:
    """Write ``dst``, an embed database (schema ``pipeline/sql/embed``) that
    holds ``n`` of the narrative passages of ``src`` and their vectors, and
    none of its other passages.

    The passages are the first ``n`` by md5 of ``passage_id`` (a fixed
    spread over documents and sources; the sample of ``n`` holds that of
    ``n - 1``). ``src`` is opened read-only; ``dst`` is replaced.

    Returns:
        the number of passages written (``min(n, narrative passages of src)``).

    Raises:
        FileNotFoundError: ``src`` does not exist.
    """
    probe = warehouse.connect(src, read_only=True)
    try:
        vector_type = probe.execute("SELECT data_type FROM information_schema.columns "
                                    "WHERE table_name = 'embeddings' AND column_name = 'vector'").fetchall()[0][0]
    finally:
        probe.close()
    dst.unlink(missing_ok=True)
    with warehouse.build(dst, SQL_DIR / "embed", fresh=True) as con:
        con.execute(f"ATTACH '{str(src).replace(chr(39), chr(39) * 2)}' AS src (READ_ONLY)")
        con.execute(f"CREATE TABLE embeddings (passage_id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, "
                    f"vector {vector_type} NOT NULL)")
        con.execute("CREATE TEMP TABLE chosen AS SELECT passage_id FROM src.passages WHERE in_narratives "
                    "ORDER BY md5(passage_id), passage_id LIMIT ?", [max(int(n), 0)])
        con.execute("INSERT INTO passages SELECT * FROM src.passages WHERE passage_id IN (SELECT * FROM chosen)")
        con.execute("INSERT INTO embeddings SELECT * FROM src.embeddings "
                    "WHERE passage_id IN (SELECT * FROM chosen)")
        written = con.execute("SELECT count(*) FROM passages").fetchall()[0][0]
        con.execute("DETACH src")
    return int(written)
