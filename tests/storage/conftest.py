"""Databases for the storage tests: a real SQLite file per test, and a throw-away schema on the PostgreSQL server.

PostgreSQL tests are marked `postgres` and skipped (saying why) when 127.0.0.1:5432 does not answer.
Set STORAGE_TEST_POSTGRES to another server's URL to use that instead.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from storage.db import make_engine
from storage.migrate import upgrade
from storage.repository import SqlReviewStore

POSTGRES_URL = os.environ.get("STORAGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_dsn() -> str:
    """POSTGRES_URL as libpq reads it (without SQLAlchemy's `+driver`)."""
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_available() -> None:
    try:
        psycopg.connect(_postgres_dsn(), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} does not answer: {first_line}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'reviews.db'}"


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    """A URL whose connections see only a fresh schema of their own (dropped afterwards)."""
    schema = f"test_{uuid4().hex[:12]}"
    admin = psycopg.connect(_postgres_dsn(), autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        with admin.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated, empty database."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlReviewStore:
    return SqlReviewStore(engine)
