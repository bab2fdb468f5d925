"""The CLI run as a real subprocess (`python -m bot ...`) on a SQLite file in the test's own folder."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
CONTRACT_EXAMPLE = DATA / "contract_example.yml"
CONTRACT_REPORT = DATA / "contract_report.json"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


class Cli:
    def __init__(self, folder: Path):
        self.folder = folder
        self.db = folder / "reviews.db"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOG_LEVEL", "PORT"))}
        self.env |= {"DATABASE_URL": f"sqlite:///{self.db}", "PYTHONIOENCODING": "utf-8"}

    def __call__(self, *args: str | Path, stdin: str | None = None, timeout: float = 120) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *map(str, args)],
            cwd=self.folder,
            env=self.env,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str | Path, stdin: str | None = None) -> Result:
        result = self(*args, stdin=stdin)
        assert result.code == 0, f"exit {result.code}\nstdout:\n{result.out}\nstderr:\n{result.err}"
        return result

    def rows(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table, sorted (empty when there is no database file)."""
        if not self.db.exists():
            return {}
        connection = sqlite3.connect(self.db)
        try:
            tables = [
                name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            return {
                t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
            }
        finally:
            connection.close()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the demo review, made once per test session."""
    cli = Cli(tmp_path_factory.mktemp("demo"))
    cli.ok("demo")
    return cli.db


@pytest.fixture
def filled(cli: Cli, demo_database: Path) -> Cli:
    """The test's own copy of a database that already holds a review."""
    shutil.copyfile(demo_database, cli.db)
    return cli


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
