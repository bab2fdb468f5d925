"""The report page tests: a migrated SQLite file behind the review service, and finished reviews in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.wiring import open_service
from flows.model import Review
from flows.service import ReviewService
from tests.support.fixtures import fake_slack  # noqa: F401  (fixture)
from tests.support.report_pages import HOSTILE_ANSWERS, demo_answers, saved_review


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ReviewService]:
    service = open_service(f"sqlite:///{tmp_path / 'reports.db'}")
    yield service
    service.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def demo(service: ReviewService) -> Review:
    return saved_review(service, demo_answers(), "Demo")


@pytest.fixture
def hostile(service: ReviewService) -> Review:
    return saved_review(service, HOSTILE_ANSWERS, "Hostile")
