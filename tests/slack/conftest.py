"""The Slack tests: the real app against the fake Slack Web API, driven by signed requests.

`bot` is the app built in this process (`tests.support.bots.start_app`); `served_bot` is a real
`outsource-review serve` process, for the tests about the server itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import FakeSlack
from tests.support.bots import Bot, start_app, start_bot, stop_bot
from tests.support.delivery import Outbox
from tests.support.fixtures import fake_slack, fake_socket  # noqa: F401  (fixtures)


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


@pytest.fixture(params=["in-process", pytest.param("served", marks=pytest.mark.slow)])
def bot_either_way(
    request: pytest.FixtureRequest,
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
    database_url: str,
) -> Iterator[Bot]:
    """The app in this process, and then a real `serve` process over HTTP: the same test end to end."""
    start = start_app if request.param == "in-process" else start_bot
    running = start(fake_slack, tmp_path, database_url)
    yield running
    stop_bot(running)


@pytest.fixture
def outbox(fake_slack: FakeSlack, database_url: str) -> Iterator[Outbox]:  # noqa: F811
    """The outbox's parts on a SQLite file (store, service, a Delivery on demand), against the fake."""
    parts = Outbox(fake_slack, database_url)
    yield parts
    parts.close()
