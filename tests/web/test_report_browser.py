"""The report page in a real browser: headless Chromium (Debian's chromium and chromium-driver, driven by
selenium) loads it from the server `serve` runs, in a thread.

Each test keeps a screenshot in its tmp_path; with SAVE_SCREENSHOTS=1 the demo's page is also copied to
docs/images/report-page.png, the README's picture. Skipped, saying why, where chromium or chromedriver is
missing (.ci/run installs them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.web.links import report_link
from flows.model import Review
from flows.service import ReviewService
from tests.support import FakeSlack
from tests.support.browser import chromium, errors, skip_without_chromium
from tests.support.report_pages import HOSTILE, HOSTILE_RATER, PUBLIC_URL, link_settings, serving

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README_PICTURE = ROOT / "docs" / "images" / "report-page.png"
WIDTH, HEIGHT = 1280, 1900

skip_without_chromium()

from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(WIDTH, HEIGHT) as driver:
        yield driver


def open_page(driver: Any, base: str, review: Review) -> None:
    link = report_link(link_settings(), review)
    assert link is not None
    driver.get_log("browser")  # what an earlier page logged is not this page's
    driver.get(base + link.removeprefix(PUBLIC_URL))
    loaded = driver.execute_script("return document.querySelector('#chart img').complete")
    assert loaded, "the chart did not load"


def column(driver: Any, number: int) -> list[str]:
    cells = driver.find_elements(By.CSS_SELECTOR, f"#ranked tbody td:nth-child({number})")
    return [cell.text for cell in cells]


def test_the_demo_page_in_chromium(
    browser: Any, fake_slack: FakeSlack, service: ReviewService, demo: Review, tmp_path: Path
) -> None:
    names = [t.process for t in service.full_report(demo).shortlist]
    with serving(fake_slack, link_settings(), service) as base:
        open_page(browser, base, demo)
        shot = tmp_path / "report-page.png"
        assert browser.save_screenshot(str(shot))
        if os.environ.get("SAVE_SCREENSHOTS") == "1":
            README_PICTURE.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, README_PICTURE)

        assert column(browser, 2) == names
        headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#tasks article h3 .task")]
        assert headings == names
        width = browser.execute_script("return document.querySelector('#chart img').naturalWidth")
        assert width > 0, "the chart is broken"

        task = browser.find_element(By.XPATH, "//th/button[text()='Task']")
        task.click()
        assert column(browser, 2) == sorted(names, key=str.lower)
        task.click()
        assert column(browser, 2) == sorted(names, key=str.lower, reverse=True)
        browser.find_element(By.XPATH, "//th/button[text()='Score']").click()
        scores = [float(s) for s in column(browser, 3)]
        assert scores == sorted(scores) and column(browser, 2) != names
        browser.find_element(By.XPATH, "//th/button[text()='Rank']").click()
        browser.find_element(By.XPATH, "//th/button[text()='Rank']").click()
        assert column(browser, 1) == [str(n) for n in range(len(names), 0, -1)]

        assert errors(browser) == []


def test_typed_names_stay_text_in_chromium(
    browser: Any, fake_slack: FakeSlack, service: ReviewService, hostile: Review, tmp_path: Path
) -> None:
    with serving(fake_slack, link_settings(), service) as base:
        open_page(browser, base, hostile)
        browser.save_screenshot(str(tmp_path / "hostile-page.png"))
        assert HOSTILE in column(browser, 2)
        assert HOSTILE_RATER in browser.find_element(By.ID, "tasks").text
        assert browser.find_element(By.TAG_NAME, "h1").text == "<b>Board</b> review & more"
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        assert len(browser.find_elements(By.TAG_NAME, "script")) == 1
        assert errors(browser) == []
