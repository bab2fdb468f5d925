"""How the parts are put together: the store the bot and the terminal use."""

from pathlib import Path

from sqlalchemy import event, text

from bot.wiring import open_store
from flows.model import Review


def test_every_write_waits_for_the_disk_the_posted_mark_too(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'reviews.db'}")
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        created = store.create(Review(title="t", facilitator="U1", team_id="T1"))
        seen: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append(a[2].split()[0]))
        store.mark_posted(created, "candidates")
        assert seen == ["UPDATE"]  # through the store's one, durable engine
    finally:
        store.engine.dispose()
