"""Malformed requests get a 4xx and one log line, never a 500 with a traceback (which Slack would retry).

Deeply nested JSON made the body parser overflow Python's stack; an event that is a string, actions that are a
string or empty, a view without a type made Bolt fail inside its own middleware. Each is answered before Bolt
sees it: 401 when unsigned, 400 when signed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support import FakeSlack, Signing
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.harness import SIGNING_SECRET, Ours, wsgi_environ
from tests.support.signed import signed_headers

DEEP = b'{"type": "event_callback", "event": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _event(event: Any) -> dict[str, Any]:
    body = p.event_callback(p.message_event("skip", thread_ts="1.000100"))
    body["event"] = event
    return body


def _actions(actions: Any) -> dict[str, Any]:
    body = p.block_actions([p.button("reply:skip", "{}")])
    body["actions"] = actions
    return body


def _view(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = p.view_submission("checkin", {})
    change(body["view"])
    return body


def _no_type(view: dict[str, Any]) -> None:
    view.pop("type", None)


# name -> (body, is it a form with a `payload` field)
SHAPES: dict[str, tuple[dict[str, Any], bool]] = {
    "event a string": (_event("hello"), False),
    "event a list": (_event([1, 2]), False),
    "event without type": (_event({"user": p.USER_ID, "text": "hi"}), False),
    "actions a string": (_actions("reply:skip"), True),
    "actions empty": (_actions([]), True),
    "actions of strings": (_actions(["reply:skip"]), True),
    "action without action_id": (_actions([{"type": "button", "value": "{}"}]), True),
    "view without type": (_view(_no_type), True),
    "view a string": ({**p.view_submission("checkin", {}), "view": "checkin"}, True),
    "user a string": ({**p.block_actions([p.button("reply:skip", "{}")]), "user": p.USER_ID}, True),
}


def _encoded(body: dict[str, Any], form: bool) -> tuple[bytes, str]:
    if form:
        return urlencode({"payload": json.dumps(body)}).encode(), "application/x-www-form-urlencoded"
    return json.dumps(body).encode(), "application/json"


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ours]:
    with FakeSlack() as fake:
        app = Ours.start(
            fake, f"sqlite:///{tmp_path_factory.mktemp('malformed') / 'bot.db'}", count_sql=False
        )
        yield app
        app.stop()


def _dispatch(ours: Ours, raw: bytes, content_type: str, signed: bool) -> int:
    environ = wsgi_environ(raw, signed_headers(SIGNING_SECRET, raw) if signed else {})
    environ["CONTENT_TYPE"] = content_type
    status: list[str] = []

    def start_response(line: str, _headers: Any, *_rest: Any) -> None:
        status.append(line)

    b"".join(ours.wsgi(environ, start_response))
    return int(status[0].split()[0])


def _lines(records: Iterable[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.levelno >= logging.INFO]


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_deeply_nested_json(ours: Ours, caplog: pytest.LogCaptureFixture, signed: bool) -> None:
    caplog.set_level(logging.INFO)
    status = _dispatch(ours, DEEP, "application/json", signed)
    assert status == (400 if signed else 401)
    lines = _lines(caplog.records)
    assert len(lines) == 1 and lines[0].startswith("request "), lines
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_malformed_shapes(ours: Ours, caplog: pytest.LogCaptureFixture, name: str, signed: bool) -> None:
    body, form = SHAPES[name]
    raw, content_type = _encoded(body, form)
    caplog.set_level(logging.INFO)
    status = _dispatch(ours, raw, content_type, signed)
    assert status == (400 if signed else 401)
    lines = _lines(caplog.records)
    assert len(lines) == 1 and f"status={status}" in lines[0], lines
    assert not any(r.exc_info for r in caplog.records)


def test_well_formed_requests_still_pass(ours: Ours, caplog: pytest.LogCaptureFixture) -> None:
    """The same builders, unbroken, reach Bolt (a thread reply in a thread that is no review: 200)."""
    raw, content_type = _encoded(p.event_callback(p.message_event("skip", thread_ts="1.000100")), False)
    assert _dispatch(ours, raw, content_type, True) == 200


@pytest.mark.slow
def test_over_http_each_gets_a_4xx_and_one_log_line(bot: Bot) -> None:
    """Against a real `serve`: unsigned deep JSON, and each signed malformed shape."""
    before = bot.output().count("\n")
    reply = bot.slack.post(DEEP, "application/json", signing=Signing.UNSIGNED)
    assert reply.status == 401
    sent = 1
    for body, form in SHAPES.values():
        raw, content_type = _encoded(body, form)
        assert bot.slack.post(raw, content_type).status == 400
        sent += 1
    deadline = time.monotonic() + 10
    while bot.output().count("request ") < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    new = bot.output().splitlines()[before:]
    assert len(new) == sent, "\n".join(new)
    assert all("request " in line and "status=40" in line for line in new), "\n".join(new)
    assert "Traceback" not in bot.output()
