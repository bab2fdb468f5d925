"""Databases for the storage tests: a real SQLite file per test, and a throw-away schema on the PostgreSQL server.

PostgreSQL tests are marked `postgres` and skipped (saying why) when 127.0.0.1:5432 does not answer.
Set STORAGE_TEST_POSTGRES to another server's URL to use that instead.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db import make_engine
from storage.migrate import upgrade
from storage.repository import SqlReviewStore
from tests.support.postgres import postgres_available, postgres_url  # noqa: F401  (fixtures)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'reviews.db'}"


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
