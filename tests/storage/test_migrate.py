"""Alembic owns the schema: upgrades are repeatable, concurrent-safe, and produce exactly the table models."""

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, text

from flows.model import Review
from storage.db import make_engine
from storage.migrate import (
    MIGRATIONS_DIR,
    alembic_config,
    current_revision,
    ensure_schema,
    head_revision,
    upgrade,
)
from storage.reminders import ScheduledReminder, SqlScheduledReminders
from storage.repository import SqlReviewStore
from storage.tables import metadata
from tests.support.storage_workers import fresh_processes, upgrade_in_process

REPO = Path(__file__).resolve().parents[2]
TABLES = {
    "review",
    "current_answer",
    "answer",
    "receipt",
    "process",
    "rating",
    "metric",
    "outbox",
    "outbox_pace",
    "scheduled_reminder",
}
SLACK_OAUTH_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}  # Bolt's OAuth stores (0003)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_head_is_the_newest_revision() -> None:
    assert head_revision() == "0008"


def test_empty_database_has_no_revision(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        assert _tables(engine) == set()
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_reaches_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert _tables(engine) == TABLES | SLACK_OAUTH_TABLES


def test_upgrade_again_is_a_no_op(engine: Engine) -> None:
    kept = SqlReviewStore(engine).create(Review(title="Kept", facilitator="U1"))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    upgrade(engine)
    upgrade(engine)
    writes = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE")
    assert not [s for s in statements if s.lstrip().upper().startswith(writes)], statements
    assert current_revision(engine) == head_revision()
    assert SqlReviewStore(engine).get(kept.id or "") == kept


def test_migrated_schema_matches_the_table_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_comparison_would_notice_a_difference(engine: Engine) -> None:
    """Guards the test above: an index the database lacks must show up as a difference."""
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_rating_review_id"))
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert [diff[0] for diff in compare_metadata(context, metadata)] == ["add_index"]


def test_ensure_schema_upgrades_an_empty_database_then_only_checks(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        ensure_schema(engine)
        assert current_revision(engine) == head_revision()
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        ensure_schema(engine)
        writes = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "BEGIN")
        assert not [s for s in statements if s.lstrip().upper().startswith(writes)], statements
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revision(engine) is None
    assert _tables(engine) == set()
    upgrade(engine)
    assert _tables(engine) == TABLES | SLACK_OAUTH_TABLES


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_stored_answers_move_into_rows_and_back_and_nothing_else_is_lost(database_url: str) -> None:
    """0004 moves each review's answers out of the review row into current_answer, in their order; its
    downgrade brings them back. Neither, nor 0002's downgrade, takes the answer history with it (a copy of
    the review table would: dropping the old one deletes every row that refers to it)."""
    engine = make_engine(database_url)
    answers = {
        "simplify.processes": ["Ads", "SEO"],
        "candidates": {"picked": ["Ads"]},
        "intake.organisation": None,
    }
    try:
        upgrade(engine, "0003")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO review (id, team_id, title, facilitator, state, answers, drafts, answered, "
                    "raters, version, created_at, updated_at) VALUES ('r1', 'T1', 'Kept', 'U1', 'candidates', "
                    ":answers, '{}', '[]', '[]', 3, :at, :at)"
                ),
                {"answers": json.dumps(answers), "at": "2026-11-27 10:00:00+00:00"},
            )
            connection.execute(
                text(
                    "INSERT INTO answer (review_id, question, author, text, at) VALUES ('r1', 'q', 'U1', 'x', :at)"
                ),
                {"at": "2026-11-27 10:00:00+00:00"},
            )
        upgrade(engine)
        moved = SqlReviewStore(engine).get("r1")
        assert moved is not None and list(moved.answers.items()) == list(answers.items())
        assert moved.version == 3 and moved.title == "Kept"

        _downgrade(engine, "0003")
        with engine.connect() as connection:
            back = connection.execute(text("SELECT answers FROM review WHERE id = 'r1'")).scalar()
            assert (json.loads(back) if isinstance(back, str) else back) == answers
            assert connection.execute(text("SELECT count(*) FROM answer")).scalar() == 1
        _downgrade(engine, "0001")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM answer")).scalar() == 1
        upgrade(engine)
        again = SqlReviewStore(engine).get("r1")
        assert again is not None and list(again.answers.items()) == list(answers.items())
    finally:
        engine.dispose()


def test_a_scheduled_reminder_moves_out_of_the_answers_and_back(database_url: str) -> None:
    """0007 moves Slack's scheduled reminder (kept as the answer "checkin.reminder") into scheduled_reminder,
    keeping its id; its downgrade puts it back among the answers, after the others."""
    engine = make_engine(database_url)
    answers = {"intake.title": "Kept", "checkin.reminder": {"post_at": 1_800_000_000, "id": "Q123"}}
    try:
        upgrade(engine, "0006")
        store = SqlReviewStore(engine)
        review = store.create(Review(title="Kept", facilitator="U1", team_id="T1", answers=answers))
        rid = review.id or ""

        upgrade(engine)
        assert store.get(rid).answers == {"intake.title": "Kept"}  # type: ignore[union-attr]
        assert SqlScheduledReminders(engine).get(rid) == ScheduledReminder(1_800_000_000, "Q123")

        _downgrade(engine, "0006")
        assert list(store.get(rid).answers.items()) == list(answers.items())  # type: ignore[union-attr]
        assert "scheduled_reminder" not in _tables(engine)

        upgrade(engine)
        assert SqlScheduledReminders(engine).get(rid) == ScheduledReminder(1_800_000_000, "Q123")
    finally:
        engine.dispose()


@pytest.mark.slow
def test_concurrent_upgrades_from_two_processes(database_url: str) -> None:
    context = fresh_processes()
    start = context.Barrier(2)
    processes = [context.Process(target=upgrade_in_process, args=(database_url, start)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0, 0]
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        assert _tables(engine) == TABLES | SLACK_OAUTH_TABLES
    finally:
        engine.dispose()


def test_package_data_ships_every_migration_file() -> None:
    """What pyproject.toml declares as package data covers everything Alembic needs at runtime."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["storage"]
    storage_dir = MIGRATIONS_DIR.parent
    needed = [
        path.relative_to(storage_dir).as_posix()
        for path in MIGRATIONS_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "migrations/env.py" in needed and "migrations/versions/0001_initial.py" in needed
    assert [name for name in needed if not any(fnmatch(name, pattern) for pattern in patterns)] == []


@pytest.mark.slow
def test_migrations_run_from_a_built_wheel(tmp_path: Path) -> None:
    """Build the wheel from a copy of the sources, unpack it, and migrate with the unpacked package only."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, source / name)
    if not (source / "README.md").exists():
        (source / "README.md").write_text("Outsource Review\n")
    for package in ("bot", "flows", "storage"):
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.db")
        )
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)]
    built = subprocess.run(build, capture_output=True, text=True, timeout=300)
    if built.returncode != 0 and "satisfies the requirement" in built.stderr:
        pytest.skip(f"cannot fetch the build backend (offline?): {built.stderr.strip().splitlines()[-1]}")
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("*.whl")
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(installed)
    assert (installed / "storage/migrations/versions/0001_initial.py").exists()
    # The Slack manifest travels with the package (bot/data links the repository's manifest.yml), so
    # `outsource-review manifest` works from an installed wheel too.
    shipped = installed / "bot/data/manifest.yml"
    assert not shipped.is_symlink() and shipped.read_text() == (REPO / "manifest.yml").read_text()

    database = tmp_path / "from-wheel.db"
    script = (
        "import sys, storage\n"
        f"assert storage.__file__.startswith({str(installed)!r}), storage.__file__\n"
        "from storage.db import make_engine\n"
        "from storage.migrate import current_revision, upgrade\n"
        f"engine = make_engine({f'sqlite:///{database}'!r})\n"
        "upgrade(engine)\n"
        "print(current_revision(engine))\n"
        "from bot.slack.manifest import variant\n"
        "assert 'socket_mode_enabled: true' in variant(None)\n"
    )
    env = {"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == head_revision()
