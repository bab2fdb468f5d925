"""How the parts are put together: the store the bot and the terminal use."""

from pathlib import Path

from sqlalchemy import text

from bot.wiring import open_store


def test_answers_wait_for_the_disk_and_the_posted_mark_does_not(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'reviews.db'}")
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        with store.hints.connect() as connection:
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        store.hints.dispose()
        store.engine.dispose()


def test_a_memory_database_has_one_engine() -> None:
    store = open_store("sqlite://")
    assert store.hints is store.engine
