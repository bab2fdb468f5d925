"""Schema migrations: Alembic, configured in code, run against an engine.

The migration scripts ship inside the package (`storage/migrations`) and are found next to this file, so
they work from an installed wheel as well as from a checkout. Every command calls `ensure_schema`.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same in every process migrating the same database.
_PG_LOCK_KEY = 0x6F75_7472_6576_6965  # "outrevie"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration without any ini file.

    Pass the connection to migrate in `config.attributes["connection"]`; `url` is only needed without one
    (e.g. for offline SQL output).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates '%': URL-escaped characters must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest).

    Safe to repeat and to run from several processes at once: the whole upgrade is one transaction holding a
    lock (PostgreSQL: an advisory lock; SQLite: the write lock, taken up front), so a second process waits,
    then finds nothing left to do.
    """
    with engine.begin() as connection:
        _lock_for_migration(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Upgrade to the newest revision unless the database is already there (a cheap check)."""
    if current_revision(engine) != head_revision():
        upgrade(engine)


def _lock_for_migration(connection: Connection) -> None:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Released by itself when the transaction ends, committed or not.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        # Python's sqlite3 would only open the transaction at the first INSERT, leaving the CREATE TABLEs
        # before it outside; BEGIN IMMEDIATE makes the whole upgrade one transaction and serialises upgrades.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
