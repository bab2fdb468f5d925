"""Fixtures of the reliability tests: a fresh fake Slack and the real app per test (in this process, or a
`python -m bot serve` process for `served_bot`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import FakeSlack
from tests.support.bots import Bot, start_app, start_bot, stop_bot
from tests.support.fixtures import fake_slack  # noqa: F401  (fixture)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def bot(fake_slack: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[Bot]:  # noqa: F811
    running = start_app(fake_slack, tmp_path, database_url)
    yield running
    stop_bot(running)


@pytest.fixture
def served_bot(fake_slack: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[Bot]:  # noqa: F811
    running = start_bot(fake_slack, tmp_path, database_url)
    yield running
    stop_bot(running)
