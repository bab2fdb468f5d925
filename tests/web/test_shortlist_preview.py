"""The shortlist message in a browser (issue 19, item 3): the blocks the bot posts for the demo review, drawn as a
small HTML page (`tests.support.slack_preview`), in headless Chromium; its button leads to the report page, which
lists every ranked task.

Each run keeps a picture of the message in its tmp_path; with SAVE_SCREENSHOTS=1 it is also copied to
docs/images/shortlist-message.png, the README's picture. Skipped where chromium or chromedriver is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.slack.ids import OPEN_REPORT
from bot.slack.outgoing import POST, Mail
from bot.slack.presenter import Presenter
from bot.web.links import report_link
from flows.model import Review
from flows.service import ReviewService
from tests.support import FakeSlack
from tests.support.browser import chromium, errors, skip_without_chromium
from tests.support.report_pages import HOSTILE, PUBLIC_URL, link_settings, serving
from tests.support.slack_preview import render_message

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README_PICTURE = ROOT / "docs" / "images" / "shortlist-message.png"
CHANNEL = "C0DEMO"

skip_without_chromium()

from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(760, 1400) as driver:
        yield driver


def posted_blocks(service: ReviewService, review: Review) -> list[dict[str, Any]]:
    """The blocks of the shortlist message the bot writes to the outbox when `review` finishes, as `serve`
    makes it (the report link from the same settings)."""
    settings = link_settings()
    presenter = Presenter(
        service,
        report_link=lambda r: report_link(settings, r),
        shortlist_top=settings.shortlist_top,
    )
    in_channel = replace(review, channel_id=CHANNEL, thread_ts="1700000000.000100")  # saved from a file
    mail = Mail.for_review(in_channel)
    assert presenter.post_report(mail, in_channel)
    posts = [row for row in mail.rows if row.method == POST and "thread_ts" not in row.args]
    assert len(posts) == 1, "one message in the channel"
    return list(posts[0].args["blocks"])


def test_the_shortlist_message_and_its_button_to_the_page(
    browser: Any, fake_slack: FakeSlack, service: ReviewService, demo: Review, tmp_path: Path
) -> None:
    blocks = posted_blocks(service, demo)
    (button,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == OPEN_REPORT and button["url"] == report_link(link_settings(), demo)
    names = [t.process for t in service.full_report(demo).shortlist]
    with serving(fake_slack, link_settings(), service) as base:
        preview = tmp_path / "shortlist-message.html"
        preview.write_text(
            render_message(blocks, url=lambda address: base + address.removeprefix(PUBLIC_URL)),
            encoding="utf-8",
        )
        browser.get_log("browser")
        browser.get(preview.as_uri())
        message = browser.find_element(By.ID, "message")
        shot = tmp_path / "shortlist-message.png"
        assert message.screenshot(str(shot))
        if os.environ.get("SAVE_SCREENSHOTS") == "1":
            README_PICTURE.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, README_PICTURE)
        text = message.text
        assert "Shortlist: " in text and "Outsource first" in text
        assert sum(f"{name} (rank" in text for name in names) == 5  # the first five, of six
        assert "1 more ranked" in text

        browser.find_element(By.CSS_SELECTOR, f'a[data-action-id="{OPEN_REPORT}"]').click()
        cells = browser.find_elements(By.CSS_SELECTOR, "#ranked tbody td:nth-child(2)")
        assert [cell.text for cell in cells] == names  # every ranked task, the sixth too
        assert errors(browser) == []


def test_typed_names_in_the_preview_stay_text(
    browser: Any, service: ReviewService, hostile: Review, tmp_path: Path
) -> None:
    preview = tmp_path / "hostile-message.html"
    preview.write_text(render_message(posted_blocks(service, hostile)), encoding="utf-8")
    browser.get(preview.as_uri())
    text = browser.find_element(By.ID, "message").text
    assert HOSTILE in text  # shown as typed, as Slack shows the escaped name
    assert len(browser.find_elements(By.TAG_NAME, "script")) == 0
