"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver, driven by selenium).

`skip_without_chromium()` at the top of a test module skips it, saying why, where either is missing (.ci/run
installs them); `chromium(width, height)` starts one browser, logging the console.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def skip_without_chromium() -> Any:
    """selenium's webdriver module, or the module skipped."""
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (the dev extra has it)"
    )
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(
            "chromium and chromedriver are not installed: apt-get install chromium chromium-driver "
            "(.ci/run does) to run the browser tests",
            allow_module_level=True,
        )
    return webdriver


@contextmanager
def chromium(width: int, height: int) -> Iterator[Any]:
    webdriver = skip_without_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def errors(driver: Any) -> list[dict[str, Any]]:
    """What the page logged as errors to the console since the last call."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
