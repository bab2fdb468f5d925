"""Fixtures of the CLI tests: the CLI (`tests.support.cli.Cli`) on a SQLite file in the test's own folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Cli


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
