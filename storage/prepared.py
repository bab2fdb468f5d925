"""Statements compiled once and run on the driver, for the few an answer runs.

Running a Core statement, SQLAlchemy works out its cache key, looks up its compiled form and builds an
execution context every time: some 50-70 µs for the UPDATE of a review, where SQLite takes 10 to run it.
An answer's save runs four statements, on every answer. `Prepared` keeps what SQLAlchemy compiled for one
dialect, with the bind processors of the statement's own column types (JSON, time stamps), and hands the
SQL to `Connection.exec_driver_sql`: same SQL, same conversions, same connection, transaction, events and
error types, without the per-run work. Everything else goes through Core as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Dialect, Table
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert, UpdateBase


class Prepared:
    """`statement` compiled for `dialect`. An INSERT's parameters are named by `columns`, by default every
    column of its table but the one the database numbers (Core would name them from the values given)."""

    def __init__(self, statement: UpdateBase, dialect: Dialect, columns: Sequence[str] | None = None):
        if columns is None and isinstance(statement, Insert):
            table = cast(Table, statement.table)
            columns = [c.name for c in table.columns if c is not table.autoincrement_column]
        compiled = cast(
            SQLCompiler, statement.compile(dialect=dialect, column_keys=list(columns) if columns else None)
        )
        self.statement = statement
        self.sql = compiled.string
        self._positional = compiled.positional
        names = compiled.positiontup if compiled.positional else dict.fromkeys(compiled.bind_names.values())
        self._names = tuple(names or ())
        # Per parameter, in order: whether the caller must give it (else it is a literal the statement holds,
        # such as the 1 of `version + 1`), that literal, and the conversion its type needs.
        self._slots = tuple(
            (bind.required, bind.effective_value, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for bind in (compiled.binds[name] for name in self._names)
        )

    def run(self, connection: Connection, values: Mapping[str, Any]) -> CursorResult[Any]:
        return connection.exec_driver_sql(self.sql, self._parameters(values))

    def run_rows(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """One run per row. Several rows go through Core, which sends them as one statement where the
        driver would make a round trip for each (PostgreSQL)."""
        if len(rows) == 1:
            self.run(connection, rows[0])
        elif rows:
            connection.execute(self.statement, list(rows))

    def _parameters(self, values: Mapping[str, Any]) -> Any:
        given = []
        for name, (required, literal, convert) in zip(self._names, self._slots, strict=True):
            value = values[name] if required or name in values else literal
            given.append(convert(value) if convert else value)
        return tuple(given) if self._positional else dict(zip(self._names, given, strict=True))
