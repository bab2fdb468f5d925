"""What the report page tests share: saved reviews (the bundled demo, one with hostile names), the settings
that make links, the page app as `serve` composes it, and a WSGI GET."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bot.config import Settings
from bot.slack.app import create_app
from bot.slack.run import build_wsgi
from bot.terminal import save_answers
from bot.web.routes import report_pages
from flows.answers import load_answers
from flows.model import Review
from flows.service import ReviewService
from tests.support.fake_slack import FakeSlack
from tests.support.harness import waitress_server

PUBLIC_URL = "https://reports.example.org"
SIGNING_SECRET = "report-page-signing-secret"
FACILITATOR = "maria"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_RATER = '<img src=x onerror="alert(2)">'

HOSTILE_ANSWERS = f"""
title: "<b>Board</b> review & more"
processes: ["{HOSTILE}", SEO audits, Blog writing, Brand strategy]
keep_inhouse: {{Brand strategy: [competitive_advantage]}}
ratings:
  "{HOSTILE}":
    '{HOSTILE_RATER}': {{risk: 1, consequences: 4, tech_complexity: 1, importance: 2, benefits: 5, vendor_expertise: 1}}
    tom: {{risk: 4, consequences: 4, tech_complexity: 2, importance: 2, benefits: 5, vendor_expertise: 2}}
  SEO audits:
    '{HOSTILE_RATER}': {{risk: 2, consequences: 4, tech_complexity: 2, importance: 2, benefits: 4, vendor_expertise: 2}}
    tom: {{risk: 2, consequences: 3, tech_complexity: 2, importance: 2, benefits: 4, vendor_expertise: 2}}
  Blog writing:
    '{HOSTILE_RATER}': {{risk: 3, consequences: 2, tech_complexity: 3, importance: 3, benefits: 3, vendor_expertise: 3}}
    tom: {{risk: 3, consequences: 2, tech_complexity: 3, importance: 3, benefits: 3, vendor_expertise: 3}}
"""


def link_settings(**changes: Any) -> Settings:
    """Settings that make report links (and nothing read from the environment or a .env file)."""
    values: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "slack_signing_secret": SIGNING_SECRET,
        "database_url": "sqlite://",
        **changes,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def demo_answers() -> str:
    return resources.files("bot").joinpath("data", "demo.yml").read_text(encoding="utf-8")


def saved_review(service: ReviewService, text: str, title: str = "Review") -> Review:
    """A finished review saved from an answers file's text, as `outsource-review review` saves it."""
    return save_answers(service, load_answers(text, "answers.yml"), "answers.yml", FACILITATOR, title)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def wsgi_get(app: Callable[..., Iterable[bytes]], path: str, method: str = "GET") -> Answer:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "CONTENT_LENGTH": "0",
    }
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_rest: Any) -> None:
        started.extend([status, headers])

    body = b"".join(app(environ, start_response))
    return Answer(int(started[0].split()[0]), {k.lower(): v for k, v in started[1]}, body)


def served_app(fake: FakeSlack, settings: Settings, service: ReviewService) -> Callable[..., Iterable[bytes]]:
    """What `serve` runs: the real Slack app (against the fake Web API) with the report pages beside it."""
    settings = settings.model_copy(
        update={"slack_api_url": fake.api_url, "slack_bot_token": "xoxb-page-test"}
    )
    app = create_app(settings, service)
    return build_wsgi(app, settings.slack_signing_secret, None, report_pages(settings, service))


@contextmanager
def serving(fake: FakeSlack, settings: Settings, service: ReviewService) -> Iterator[str]:
    """`served_app` behind waitress in a thread, as `serve` runs it; yields its base URL."""
    with waitress_server(served_app(fake, settings, service)) as url:
        yield url
