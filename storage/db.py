"""Engines for the embedded SQLite file (the default) and for PostgreSQL."""

import importlib.util
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

APP_NAME = "outsource-review"
DEFAULT_DATABASE_FILE = "reviews.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_EXTRA_HINT = "pip install 'outsource-review[postgres]'"


class MissingDriver(RuntimeError):
    """The database URL needs a driver that is not installed; `str()` says how to install it."""


def default_database_path() -> Path:
    """`reviews.db` in the user's data folder (e.g. ~/.local/share/outsource-review on Linux), so every
    command finds the same reviews from any working directory. Nothing is created here."""
    return platformdirs.user_data_path(APP_NAME) / DEFAULT_DATABASE_FILE


def default_database_url() -> str:
    """The SQLite URL of `default_database_path()` (absolute)."""
    return f"sqlite:///{default_database_path().as_posix()}"


def database_url(url: str | URL | None = None) -> URL:
    """`url` (default: `default_database_url()`) as SQLAlchemy will use it: `postgresql://` and `postgres://`
    (as some hosts hand it out) name psycopg 3, the driver of the `postgres` extra; so does
    `postgresql+psycopg2://` when psycopg2 is not installed."""
    parsed = make_url(url or default_database_url())
    if parsed.drivername in ("postgres", "postgresql") or (
        parsed.drivername == "postgresql+psycopg2" and not _installed("psycopg2")
    ):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def require_driver(url: URL) -> None:
    """MissingDriver, with the install command, when `url` is PostgreSQL through psycopg 3 and it is missing."""
    if url.drivername == "postgresql+psycopg" and not _installed("psycopg"):
        raise MissingDriver(
            "DATABASE_URL is a PostgreSQL database, and PostgreSQL support is not installed; "
            f"install it with: {POSTGRES_EXTRA_HINT}"
        )


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def make_engine(url: str | URL | None = None) -> Engine:
    """An engine for `url` (default: `default_database_url()`, whose folder is made when missing).

    SQLite: WAL journal, a busy timeout and foreign keys on every connection; an in-memory database
    (`sqlite://`) keeps one shared connection, or every connection would see its own empty database.
    PostgreSQL: connections are checked before use, so a restarted server costs no failed request.
    PostgreSQL URLs go through psycopg 3 (see `database_url`); MissingDriver when it is not installed.
    JSON columns go through orjson: a review of 300 processes is about 100 kB of JSON, read and written on
    every answer, and the standard library takes ten times as long over it.
    Every commit waits until the disk has it (SQLite `synchronous = FULL`; PostgreSQL's default).
    """
    if not url:
        default_database_path().parent.mkdir(parents=True, exist_ok=True)
    parsed = database_url(url)
    require_driver(parsed)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True, **JSON_CODEC)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive time (as SQLite gives back) is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def json_text(value: Any) -> str:
    """`value` as JSON text, as every JSON the store writes is (orjson)."""
    return orjson.dumps(value).decode()


def _loads(value: Any) -> Any:
    # SQLite gives a JSON column numeric affinity: a stored `1` comes back as the number, not as text.
    return value if isinstance(value, int | float) else orjson.loads(value)


JSON_CODEC: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": _loads}


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _sqlite_engine(url: URL) -> Engine:
    if _is_memory(url):
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}, **JSON_CODEC
        )
    else:
        engine = create_engine(url, **JSON_CODEC)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """A writer that finds the file locked waits for it (up to the busy timeout; writers of one process take
    turns, see `writing`); foreign keys; WAL; commits that wait for the disk."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _switch_to_wal(cursor)
        # FULL: in WAL mode each commit waits until the log is on disk (NORMAL would defer that to checkpoints).
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so; in-memory databases answer 'memory' and stay so).

    The first switch of a new file needs it to itself, and SQLite answers "database is locked" at once rather
    than waiting out the busy timeout when another process is opening it too: retry until the timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


# One lock per SQLite engine: its write transactions in this process take turns (see `writing`).
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (`engine.begin()`); on a SQLite file, this process's writers take turns.

    SQLite lets one writer at a time hold the file, and two things go wrong when threads simply meet there.
    A transaction that reads before it writes (the outbox's claim) fails at once with "database is locked"
    when another writer committed after its read: SQLite cannot move it to the newer snapshot, and does not
    wait. And a writer that finds the file held waits in SQLite's busy handler, which sleeps 1, 2, 5, 10 ...
    up to 100 ms between tries: under load (each answer's save, the delivery's claims and "done" marks, each
    a commit that waits for the disk) a save waited up to a second for a file that was free within
    milliseconds (docs/performance.md, figure 9a). Turns on a lock hand the file over the moment it is free.
    Other processes on the same file still meet on the busy timeout. PostgreSQL: as it is."""
    if engine.url.get_backend_name() != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with _WRITERS_LOCK:
        lock = _WRITERS.setdefault(engine, threading.Lock())
    with lock, engine.begin() as connection:
        yield connection
