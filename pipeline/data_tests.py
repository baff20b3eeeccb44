"""Data tests of the published warehouse, in the style of dbt's tests.

The warehouse stage runs them on the full data after it has created the
views and before it swaps the new file in, so a failing test leaves the
previous warehouse in place and fails the stage with a message that names
the relation, the test and the first offending rows.

Two kinds, both under ``pipeline/sql/warehouse/tests/``:

* **generic tests** in ``schema.yaml`` (dbt's ``schema.yml``): per table or
  view, ``unique`` (a column or a list of columns), ``not_null``,
  ``accepted_values`` (a list, or ``"params:<section>.<key>"``: the keys of
  that mapping or the items of that list in ``params.yaml``, so the labels set
  in params drive the test), ``shares_sum_to_one`` (``{column, by}``: within
  each group the shares add up to 1 within 1e-9), ``between``
  (``{column: [low, high]}``, inclusive);
* **singular tests**: each ``*.sql`` file is a query that returns the rows that
  break a rule (dbt's singular tests); zero rows pass. Its first comment line
  says what it checks.

Every test compiles to a query of failing rows (:func:`compile_generic`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import SQL_DIR, ConfigError

TESTS_DIR = SQL_DIR / "warehouse" / "tests"
#: Offending rows quoted in a failure message.
SHOWN_ROWS = 5


@dataclass(frozen=True)
class DataTest:
    """One test: ``name`` (``relation.test[column]``) and the SQL that
    returns the rows that fail it."""

    name: str
    sql: str


class DataTestError(RuntimeError):
    """One or more data tests failed; the message lists each with its
    failing row count and the first :data:`SHOWN_ROWS` rows."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _resolve_values(spec: Any, params: dict[str, Any], where: str) -> list[Any]:
    """``accepted_values``: a list as given, or ``params:<section>.<key>``."""
    if isinstance(spec, list):
        return spec
    if isinstance(spec, str) and spec.startswith("params:"):
        node: Any = params
        for part in spec[len("params:"):].split("."):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"{where}: {spec} is not in params.yaml")
            node = node[part]
        return list(node) if isinstance(node, (dict, list)) else [node]
    raise ConfigError(f"{where}: accepted_values takes a list or 'params:<section>.<key>', not {spec!r}")


def compile_generic(relation: str, tests: dict[str, Any], params: dict[str, Any], *, where: str = "schema.yaml"
                    ) -> list[DataTest]:
    """The generic tests of one relation as :class:`DataTest` queries.

    Raises:
        ConfigError: an unknown test kind or a malformed argument (names the
            file, the relation and the test).
    """
    rel = _quote(relation)
    out: list[DataTest] = []
    for kind, arg in tests.items():
        here = f"{where}: {relation}.{kind}"
        if kind == "unique":
            for key in arg:
                cols = [key] if isinstance(key, str) else list(key)
                cs = ", ".join(_quote(c) for c in cols)
                out.append(DataTest(f"{relation}.unique[{', '.join(cols)}]",
                                    f"SELECT {cs}, count(*) AS n_rows FROM {rel} GROUP BY ALL HAVING count(*) > 1"))
        elif kind == "not_null":
            for col in arg:
                out.append(DataTest(f"{relation}.not_null[{col}]",
                                    f"SELECT * FROM {rel} WHERE {_quote(col)} IS NULL"))
        elif kind == "accepted_values":
            if not isinstance(arg, dict):
                raise ConfigError(f"{here}: expected {{column: values}}")
            for col, spec in arg.items():
                values = ", ".join(_literal(v) for v in _resolve_values(spec, params, here))
                out.append(DataTest(f"{relation}.accepted_values[{col}]",
                                    f"SELECT {_quote(col)}, count(*) AS n_rows FROM {rel} "
                                    f"WHERE {_quote(col)} NOT IN ({values}) GROUP BY ALL"))
        elif kind == "shares_sum_to_one":
            if not isinstance(arg, dict) or "column" not in arg or "by" not in arg:
                raise ConfigError(f"{here}: expected {{column: ..., by: [...]}}")
            by = ", ".join(_quote(c) for c in arg["by"])
            out.append(DataTest(f"{relation}.shares_sum_to_one[{arg['column']} by {', '.join(arg['by'])}]",
                                f"SELECT {by}, sum({_quote(arg['column'])}) AS total FROM {rel} GROUP BY ALL "
                                f"HAVING abs(sum({_quote(arg['column'])}) - 1) > 1e-9"))
        elif kind == "between":
            if not isinstance(arg, dict):
                raise ConfigError(f"{here}: expected {{column: [low, high]}}")
            for col, (low, high) in arg.items():
                out.append(DataTest(f"{relation}.between[{col}]",
                                    f"SELECT * FROM {rel} WHERE {_quote(col)} NOT BETWEEN {float(low)!r} "
                                    f"AND {float(high)!r}"))
        else:
            raise ConfigError(f"{here}: unknown test kind (unique, not_null, accepted_values, "
                              "shares_sum_to_one, between)")
    return out


def load_tests(params: dict[str, Any], folder: Path = TESTS_DIR) -> list[DataTest]:
    """Every test of ``folder``: the generic ones of ``schema.yaml``, then the
    singular ``*.sql`` files, by name.

    Raises:
        ConfigError: ``schema.yaml`` is not valid YAML or a test is malformed.
    """
    tests: list[DataTest] = []
    schema = folder / "schema.yaml"
    if schema.exists():
        try:
            spec = yaml.safe_load(schema.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{schema}: not valid YAML: {exc}") from exc
        for relation, generic in spec.items():
            if not isinstance(generic, dict):
                raise ConfigError(f"{schema}: {relation}: expected a mapping of tests")
            tests += compile_generic(relation, generic, params, where=str(schema))
    for path in sorted(folder.glob("*.sql")):
        tests.append(DataTest(path.stem, path.read_text(encoding="utf-8").strip().rstrip(";")))
    return tests


def run_tests(con: Any, tests: list[DataTest]) -> dict[str, int]:
    """Run ``tests`` on ``con``; returns failing rows per test (all zero).

    Raises:
        DataTestError: at least one test returned rows (all failures listed,
            each with its first :data:`SHOWN_ROWS` rows).
    """
    counts: dict[str, int] = {}
    failures: list[str] = []
    for test in tests:
        n = con.execute(f"SELECT count(*) FROM ({test.sql})").fetchone()[0]
        counts[test.name] = n
        if n:
            cur = con.execute(f"SELECT * FROM ({test.sql}) LIMIT {SHOWN_ROWS}")
            cols = [d[0] for d in cur.description]
            rows = "\n".join("    " + ", ".join(f"{c}={v!r}" for c, v in zip(cols, r)) for r in cur.fetchall())
            failures.append(f"  {test.name}: {n:,} failing rows, e.g.\n{rows}")
    if failures:
        raise DataTestError(f"{len(failures)} of {len(tests)} data tests failed:\n" + "\n".join(failures))
    return counts
