"""A throw-away schema on the PostgreSQL server for a test (fixtures: `postgres_available`, `postgres_url`).

The tests that use it are marked `postgres` and skipped (saying why) when 127.0.0.1:5432 does not answer.
Set STORAGE_TEST_POSTGRES to another server's URL to use that instead. Import the fixtures into a conftest.py
or test module: `from tests.support.postgres import postgres_available, postgres_url`.
"""

import os
from collections.abc import Iterator
from uuid import uuid4

import psycopg
import pytest
from sqlalchemy.engine import make_url

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
