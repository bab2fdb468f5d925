"""GET /report/<token> as `serve` composes it (the Slack app beside it): the page, its chart, and a 404 for
every link that does not work."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.web.links import report_link
from bot.web.routes import Charts
from bot.wiring import open_service
from flows.model import Review, utcnow
from flows.service import ReviewService
from tests.support import FakeSlack
from tests.support.bots import SIGNING_SECRET as BOT_SIGNING_SECRET
from tests.support.bots import start_bot, stop_bot
from tests.support.report_pages import (
    FACILITATOR,
    HOSTILE,
    HOSTILE_RATER,
    PUBLIC_URL,
    Answer,
    demo_answers,
    link_settings,
    saved_review,
    served_app,
    wsgi_get,
)

App = Callable[..., Iterable[bytes]]


@pytest.fixture
def app(fake_slack: FakeSlack, service: ReviewService) -> App:
    return served_app(fake_slack, link_settings(), service)


def path_of(review: Review, **when: object) -> str:
    link = report_link(link_settings(), review, **when)  # type: ignore[arg-type]
    assert link is not None
    return link.removeprefix(PUBLIC_URL)


def assert_private(answer: Answer) -> None:
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-robots-tag"].startswith("noindex")
    assert answer.headers["referrer-policy"] == "no-referrer"


class Texts(HTMLParser):
    """The page's text as a browser shows it, and every element and attribute it would build."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.scripts = self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        self.scripts += tag == "script"
        self.styles += tag == "style"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(answer: Answer) -> Texts:
    texts = Texts()
    texts.feed(answer.text)
    return texts


def test_the_page_shows_the_advice_every_task_and_every_exclusion(
    app: App, service: ReviewService, demo: Review
) -> None:
    answer = wsgi_get(app, path_of(demo))
    assert answer.status == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
    assert_private(answer)
    text = " ".join("".join(parsed(answer).text).split())
    report = service.full_report(demo)
    assert text.index("Outsource first") < text.index("Shortlist, best candidate first")
    for task in report.shortlist:
        assert f"{task.rank}. {task.process}: {round(task.score, 1)}" in text
    for exclusion in report.excluded:
        assert exclusion.process in text
    assert "Decided by" in text and "Step" in text
    assert "Raters disagree on benefits (tom said 3, maria said 5)" in text


def test_the_chart_is_served_beside_the_page(app: App, demo: Review) -> None:
    page = wsgi_get(app, path_of(demo))
    (src,) = re.findall(r'<img src="([^"]+)"', page.text)
    chart = wsgi_get(app, "/report/" + src)
    assert chart.status == 200 and chart.headers["content-type"] == "image/png"
    assert chart.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert_private(chart)


def test_every_name_people_typed_is_escaped(app: App, hostile: Review) -> None:
    answer = wsgi_get(app, path_of(hostile))
    assert answer.status == 200
    assert HOSTILE not in answer.text and HOSTILE_RATER not in answer.text and "<b>Board" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    page = parsed(answer)
    assert page.scripts == 1 and page.styles == 1  # ours only: the sorting script and the style
    assert all(name != "onerror" for name, _ in page.attributes)
    shown = "".join(page.text)
    assert HOSTILE in shown and HOSTILE_RATER in shown and "<b>Board</b> review & more" in shown


def test_the_policy_allows_exactly_the_inline_style_and_script(app: App, demo: Review) -> None:
    answer = wsgi_get(app, path_of(demo))
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    (style,) = re.findall(r"<style>(.*?)</style>", answer.text, re.S)
    (script,) = re.findall(r"<script>(.*?)</script>", answer.text, re.S)
    for kind, inline in (("style-src", style), ("script-src", script)):
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in policy


def test_a_tampered_link_gets_404(app: App, demo: Review) -> None:
    path = path_of(demo)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    for bad in (tampered, tampered + "/chart.png", "/report/", "/report/nonsense", path + "/other"):
        answer = wsgi_get(app, bad)
        assert answer.status == 404, bad
        assert_private(answer)
        assert "This report link does not work" in answer.text


def test_an_expired_link_gets_404(app: App, demo: Review) -> None:
    assert wsgi_get(app, path_of(demo, now=utcnow() - timedelta(days=30, seconds=1))).status == 404
    assert wsgi_get(app, path_of(demo, now=utcnow() - timedelta(days=29))).status == 200


def test_a_withdrawn_link_gets_404_and_a_new_one_works(
    app: App, service: ReviewService, demo: Review
) -> None:
    assert demo.id
    old = path_of(demo)
    renewed = service.withdraw_report_links(demo.id, FACILITATOR)
    assert wsgi_get(app, old).status == 404
    assert wsgi_get(app, old + "/chart.png").status == 404
    assert wsgi_get(app, path_of(renewed)).status == 200


def test_a_review_without_a_report_or_gone_gets_404(app: App, service: ReviewService) -> None:
    open_review = service.start(title="Still talking", facilitator=FACILITATOR).review
    assert wsgi_get(app, path_of(open_review)).status == 404
    assert wsgi_get(app, path_of(Review(title="Never saved", facilitator="x", id="f" * 32))).status == 404


def test_only_get_and_head(app: App, demo: Review) -> None:
    assert wsgi_get(app, path_of(demo), "HEAD").status == 200
    assert wsgi_get(app, path_of(demo), "POST").status == 404


def test_without_a_secret_no_page_opens(fake_slack: FakeSlack, service: ReviewService, demo: Review) -> None:
    """`serve` always has a signing secret; without one to derive the key from, nothing is served."""
    app = served_app(fake_slack, link_settings(), service)
    bare = served_app(fake_slack, link_settings(report_link_secret="another"), service)
    assert wsgi_get(app, path_of(demo)).status == 200
    assert wsgi_get(bare, path_of(demo)).status == 404


def test_health_and_slack_still_answer_beside_the_pages(app: App) -> None:
    assert wsgi_get(app, "/healthz").status == 200
    assert wsgi_get(app, "/slack/events", "GET").status == 404


def test_a_chart_is_drawn_once_a_version(service: ReviewService, demo: Review, hostile: Review) -> None:
    charts = Charts(keep=1)
    report = service.full_report(demo)
    first = charts.png(demo, report)
    assert first.startswith(b"\x89PNG") and charts.png(demo, report) is first
    assert charts.png(replace(demo, version=demo.version + 1), report) is not first
    other = service.full_report(hostile)
    assert charts.png(hostile, other) is charts.png(hostile, other)
    assert charts.png(demo, report) is not first  # only the last one is kept


@pytest.mark.slow
def test_serve_answers_report_links(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """A real `outsource-review serve` process with PUBLIC_URL set serves the page of a review in its
    database, and the 404 for a tampered link."""
    database_url = f"sqlite:///{tmp_path / 'served.db'}"
    service = open_service(database_url)
    review = saved_review(service, demo_answers(), "Demo")
    service.store.engine.dispose()  # type: ignore[attr-defined]
    settings = link_settings(slack_signing_secret=BOT_SIGNING_SECRET)
    link = report_link(settings, review)
    assert link is not None
    served = start_bot(fake_slack, tmp_path, database_url, PUBLIC_URL=PUBLIC_URL)
    try:
        page = served.slack.get(link.removeprefix(PUBLIC_URL))
        assert page.status == 200 and "Outsource first" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert served.slack.get(link.removeprefix(PUBLIC_URL)[:-2] + "xy").status == 404
    finally:
        stop_bot(served)
