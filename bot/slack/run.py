"""Run the Slack app: over HTTP behind a production WSGI server (waitress), or over Socket Mode."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body

from bot.config import Settings
from bot.slack.app import create_app
from bot.slack.requestlog import RequestLog, redact_logs
from bot.wiring import open_service

log = logging.getLogger("outsource_review.slack")
THREADS = 8
MAX_BODY_BYTES = 1_000_000  # Slack's requests are a few kilobytes; a 40,000-character message is under 200 kB

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_wsgi(app: App, signing_secret: str | None = None) -> WSGIApp:
    """`POST /slack/events` (and the OAuth pages when configured) go to Bolt; `GET /healthz` answers ok.

    A body Bolt could not read (not UTF-8, not JSON where JSON belongs, nested too deeply, not an object, too
    large, or not of the shape its kind has: `well_formed`) is answered here with one log line: 401 when its
    signature is wrong, 400 (or 413) when it is signed but broken. Bolt would fail with 500 and a traceback,
    and Slack retries a 500.
    """
    slack = SlackRequestHandler(app, path="/slack/events")
    flow = app.oauth_flow
    oauth_paths = (
        {flow.install_path: "oauth:install", flow.redirect_uri_path: "oauth:redirect"} if flow else {}
    )

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _plain(start_response, "200 OK", "ok")
        if path == "/slack/events" and method == "POST":
            refusal = _unreadable(environ, signing_secret)
            if refusal is not None:
                RequestLog(action="unreadable", outcome="rejected").write(int(refusal.split()[0]))
                return _plain(start_response, refusal, refusal.split(" ", 1)[1])
        if path in oauth_paths:
            entry = RequestLog(action=oauth_paths[path])
            status: list[int] = []

            def recording(status_line: str, headers: Any, *rest: Any) -> Any:
                status.append(int(status_line.split()[0]))
                return start_response(status_line, headers, *rest)

            body = slack(environ, recording)
            entry.write(status[0] if status else None)
            return body
        return slack(environ, start_response)

    return wsgi


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode() + b"\n"]


def _unreadable(environ: dict[str, Any], signing_secret: str | None) -> str | None:
    """The HTTP status line for a body Bolt cannot read, or None; the body is put back for Bolt."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "400 Bad Request"
    if length > MAX_BODY_BYTES:
        return "413 Payload Too Large"
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        data = parse_body(raw.decode("utf-8"), environ.get("CONTENT_TYPE"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON (ValueErrors), or nested past Python's stack
        data = None
    if isinstance(data, dict) and well_formed(data):
        return None
    if signing_secret and not _signed(raw, environ, signing_secret):
        return "401 Unauthorized"
    return "400 Bad Request"


# Where Slack sends an object, per kind of request: Bolt reads these with `.get` and `[...]` before any
# listener or middleware of ours runs, and fails with a 500 and a traceback when one is something else.
_OBJECTS = ("team", "user", "channel", "container", "message", "enterprise", "view", "event")


def well_formed(body: dict[str, Any]) -> bool:
    """Whether `body` has the shape Bolt relies on for its kind: an event with a type, actions as a list of
    objects with an action_id, a view with a type. Kinds not listed here are left to Bolt."""
    if any(name in body and not isinstance(body[name], dict | None) for name in _OBJECTS):
        return False
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str)
    if kind == "block_actions":
        actions = body.get("actions")
        return (
            isinstance(actions, list)
            and bool(actions)
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        )
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return isinstance(view, dict) and isinstance(view.get("type"), str)
    if kind == "block_suggestion":
        return isinstance(body.get("action_id"), str)
    return True


def _signed(raw: bytes, environ: dict[str, Any], signing_secret: str) -> bool:
    """Slack's signature check on the raw bytes (slack_sdk's verifier decodes the body first, and so fails on
    the very bodies this is for)."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(time.time() - int(timestamp)) > 5 * 60:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _secrets(settings: Settings) -> list[str | None]:
    return [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_secret,
    ]


def serve(settings: Settings, port: int | None = None) -> None:
    import waitress

    redact_logs(_secrets(settings))
    app = create_app(settings, open_service(settings.database_url))
    port = port or settings.port
    log.info("serving Slack events", extra={"port": port})
    print(
        f"Outsource Review is listening on http://0.0.0.0:{port}/slack/events (health: /healthz)", flush=True
    )
    waitress.serve(
        build_wsgi(app, settings.slack_signing_secret),
        host="0.0.0.0",
        port=port,
        threads=THREADS,
        ident="outsource-review",
        max_request_body_size=MAX_BODY_BYTES,
    )


def socket(settings: Settings) -> None:
    (app_token,) = settings.require("SLACK_APP_TOKEN")
    redact_logs(_secrets(settings))
    app = create_app(settings, open_service(settings.database_url))
    print("Outsource Review is connected over Socket Mode. Ctrl-C stops it.", flush=True)
    SocketModeHandler(app, app_token).start()
