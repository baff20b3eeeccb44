"""Stage ``warehouse``: publish the stage databases as one file, ``data/debate.duckdb``.

Each stage writes its own DuckDB file under ``data/stages/`` (DVC allows one
stage per output). This stage copies the clean database, adds the tables of
the later stages (``CREATE TABLE … AS SELECT`` from the attached files, with
the same column types), creates the analysis views of
``pipeline/sql/warehouse/*.sql`` and swaps the result in atomically
(:func:`pipeline.warehouse.build`), so a notebook that has the warehouse open
keeps reading the old snapshot and a killed run leaves the old file.
It also writes table ``source_windows`` (``source, window_start, window_end``:
the ``date_window`` of each source of ``corpora/sources.yaml`` that has one),
which view ``coverage`` needs to place window-dated documents in months.
Before the swap it runs the data tests of ``pipeline/sql/warehouse/tests/``
(:mod:`pipeline.data_tests`) on the full data: a failing test fails the stage,
names the relation, the test and the offending rows, and leaves the previous
warehouse in place.

Usage: ``python -m pipeline.publish``
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipeline import data_tests, warehouse
from pipeline.config import (
    ACTORS_DB,
    CLEAN_DB,
    EMBED_DB,
    SOURCES_FILE,
    SQL_DIR,
    STANCE_DB,
    TOPICS_DB,
    WAREHOUSE_FILE,
    load_params,
)

#: Decision tables and their long-form probabilities ``(<id>, label, p)``: the
#: warehouse adds a view ``<decision table>_wide`` with one ``p_<label>`` column
#: per label of ``params.yaml`` → ``stance.labels`` (:func:`create_pivot_views`).
PROBABILITY_TABLES: tuple[tuple[str, str, str], ...] = (
    ("stances", "stance_probabilities", "doc_id"),
    ("passage_stances", "passage_stance_probabilities", "passage_id"),
    ("zero_shot_stances", "zero_shot_probabilities", "doc_id"),
    ("quote_stances", "quote_stance_probabilities", "quote_id"),
)

#: Later stage databases, attached in this order.
STAGE_DBS: tuple[tuple[str, Path], ...] = (("embed", EMBED_DB), ("topics", TOPICS_DB), ("stance", STANCE_DB),
                                           ("actors", ACTORS_DB))


def publish(out: Path = WAREHOUSE_FILE, *, clean_db: Path = CLEAN_DB,
            stage_dbs: tuple[tuple[str, Path], ...] = STAGE_DBS, params: dict[str, Any] | None = None,
            tests_dir: Path = data_tests.TESTS_DIR, sources_file: Path = SOURCES_FILE
            ) -> tuple[dict[str, int], dict[str, int]]:
    """Build ``out`` from the stage databases.

    Args:
        out: the published warehouse.
        clean_db: base database (documents, rejects, manifest).
        stage_dbs: ``(alias, file)`` of the later stages.
        params: the ``params.yaml`` sections the data tests refer to
            (``{"stance": {...}}``); default: read from ``params.yaml``.
        tests_dir: the data tests' folder.
        sources_file: ``corpora/sources.yaml``, for table ``source_windows``.

    Returns:
        Rows per published table, and failing rows per data test (all 0).

    Raises:
        FileNotFoundError: ``clean_db`` or a stage database is missing (names it).
        ValueError: two stages hold a table of the same name.
        pipeline.config.ConfigError: ``sources_file`` is not valid (names the entry and key).
        pipeline.data_tests.DataTestError: a data test failed (the previous
            warehouse is kept).
    """
    if not clean_db.exists():
        raise FileNotFoundError(f"{clean_db}: no clean database; run `dvc repro clean` first")
    # build() works on a copy of clean_db and swaps it in after a checkpoint and fsync
    with warehouse.build(out, SQL_DIR / "clean", base=clean_db) as con:
        existing = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
        for alias, path in stage_dbs:
            if not path.exists():
                raise FileNotFoundError(f"{path}: stage database missing; run `dvc repro {alias}` first")
            con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND table_name <> 'schema_version' "
                "ORDER BY table_name", [alias]).fetchall()]
            for table in tables:
                if table in existing:
                    raise ValueError(f"{path}: table {table} already published by an earlier stage")
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM {alias}.{table}")
                existing.add(table)
            con.execute(f"DETACH {alias}")
        write_source_windows(con, sources_file)
        existing.add("source_windows")
        if params is None:
            params = {"stance": load_params("stance")}
        create_pivot_views(con, list(params["stance"]["labels"]), existing)
        for view_file in sorted((SQL_DIR / "warehouse").glob("*.sql")):
            con.execute(view_file.read_text(encoding="utf-8"))
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(existing)}
        results = data_tests.run_tests(con, data_tests.load_tests(params, tests_dir))
    return counts, results


def write_source_windows(con: Any, sources_file: Path = SOURCES_FILE) -> int:
    """Create table ``source_windows (source, window_start DATE, window_end DATE)``:
    one row per source of ``sources_file`` (enabled or not) with a
    ``date_window`` (validated by :func:`pipeline.sources.load_sources`).
    Returns the number of rows."""
    from pipeline.sources import load_sources

    rows = [(s["id"], str(s["date_window"][0]), str(s["date_window"][1]))
            for s in load_sources(sources_file, include_disabled=True) if s.get("date_window")]
    con.execute("CREATE TABLE source_windows (source VARCHAR PRIMARY KEY, window_start DATE NOT NULL, "
                "window_end DATE NOT NULL)")
    if rows:
        con.executemany("INSERT INTO source_windows VALUES (?, ?, ?)", rows)
    return len(rows)


def create_pivot_views(con: Any, labels: list[str], tables: set[str]) -> list[str]:
    """For each pair of :data:`PROBABILITY_TABLES` present in ``tables``, a view
    ``<decision>_wide``: the decision table's columns followed by one
    ``p_<label>`` column (DOUBLE; NULL where no row) per label, in the order
    of ``labels``.

    Returns:
        The names of the views created.

    Raises:
        ValueError: a label is not a plain identifier (it becomes a column name).
    """
    bad = [lab for lab in labels if not lab.isidentifier()]
    if bad:
        raise ValueError(f"params.yaml stance.labels: {bad} cannot be column names")
    made = []
    for decision, probs, key in PROBABILITY_TABLES:
        if decision not in tables or probs not in tables:
            continue
        cols = ", ".join(f"max(p) FILTER (WHERE label = '{lab}') AS p_{lab}" for lab in labels)
        con.execute(f"CREATE OR REPLACE VIEW {decision}_wide AS SELECT d.*, w.* EXCLUDE ({key}) "
                    f"FROM {decision} d LEFT JOIN (SELECT {key}, {cols} FROM {probs} GROUP BY {key}) w USING ({key})")
        made.append(f"{decision}_wide")
    return made


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.publish``."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    counts, results = publish()
    print("warehouse: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()) + f" → {WAREHOUSE_FILE}")
    print(f"warehouse: {len(results)} data tests passed")


if __name__ == "__main__":
    main()
