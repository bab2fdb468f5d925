"""pytest fixtures for the Slack fakes.

Use them from a ``conftest.py`` by importing them (``from tests.support.fixtures import fake_slack``) or with
``pytest_plugins = ["tests.support.fixtures"]`` in the root ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket import FakeSocketMode


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake Web API, fresh for each test."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake_socket(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    """A running fake Socket Mode server; ``fake_slack``'s apps.connections.open hands out its URLs."""
    with FakeSocketMode(app_id=fake_slack.app_id) as sock:
        fake_slack.socket_url = sock.new_url
        yield sock
        fake_slack.socket_url = None
