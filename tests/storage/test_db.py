"""Engine settings, checked on the database itself."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from storage.db import SQLITE_BUSY_TIMEOUT_MS, default_database_url, make_engine, writing


def test_sqlite_file_uses_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS == 5000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_commits_wait_for_the_disk(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        engine.dispose()


def test_every_pooled_sqlite_connection_gets_the_settings(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_wal_mode_stays_with_the_file(sqlite_url: str, tmp_path: Path) -> None:
    make_engine(sqlite_url).dispose()
    with make_engine(sqlite_url).connect() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
    assert (tmp_path / "reviews.db").read_bytes()[18:20] == b"\x02\x02"  # file format 2 = WAL


def test_memory_database_is_one_shared_connection() -> None:
    engine = make_engine("sqlite://")
    assert isinstance(engine.pool, StaticPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT x FROM t")).scalar() == 1
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_default_url_is_a_file_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "outsource-review" / "reviews.db"
    assert default_database_url() == f"sqlite:///{expected.as_posix()}"
    engine = make_engine()  # makes the folder
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert expected.exists()
    assert not list(tmp_path.glob("*.db"))


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@db.example/app",
        "postgres://u@db.example/app",
        "postgresql+psycopg://u@db.example/app",
    ],
)
def test_postgresql_urls_use_psycopg_3_and_pre_ping(url: str) -> None:
    engine = make_engine(url)  # connects lazily: nothing is dialled here
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.pool._pre_ping


@pytest.mark.postgres
def test_postgresql_commits_wait_for_the_disk(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW synchronous_commit")).scalar() == "on"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_engine_connects(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT current_schema()")).scalar()
                == postgres_url.rsplit("%3D", 1)[1]
            )
    finally:
        engine.dispose()


def test_a_process_writers_take_turns_on_a_sqlite_file(sqlite_url: str) -> None:
    """Write transactions that read before they write (as the outbox's claim does) never meet "database is
    locked" from other threads of the process: SQLite cannot upgrade a reader whose snapshot another writer
    has since moved past, and does not wait for it, so without turns some of these fail at once."""
    engine = make_engine(sqlite_url)
    with writing(engine) as connection:
        connection.execute(text("CREATE TABLE tally (n INTEGER)"))
    failures: list[BaseException] = []

    def count_then_add() -> None:
        for _ in range(40):
            try:
                with writing(engine) as connection:
                    seen = connection.execute(text("SELECT count(*) FROM tally")).scalar_one()
                    connection.execute(text("INSERT INTO tally (n) VALUES (:n)"), {"n": seen})
            except OperationalError as error:
                failures.append(error)

    threads = [threading.Thread(target=count_then_add) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engine.connect() as connection:
        counts = connection.execute(text("SELECT n FROM tally ORDER BY n")).scalars().all()
    assert counts == list(range(240))  # each saw every write before its own: one at a time
