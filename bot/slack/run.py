"""Run the Slack app: over HTTP behind a production WSGI server (waitress), or over Socket Mode.

Start-up checks every setting the mode needs (`Settings.check_slack`) and whether Slack's Web API can be
reached, each failure in one line. SIGTERM (or Ctrl-C) stops gracefully: `serve` takes no new request, lets the
requests in hand finish (at most `DRAIN_SECONDS`) and exits 0; `socket` closes its WebSocket, lets the
listeners running finish and exits 0 (an event whose acknowledgement could not be sent any more is delivered
again by Slack, and `bot.slack.receipts` applies it once).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import signal
import socket as sockets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.request import getproxies, proxy_bypass

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.config import Settings, SlackSettingsError, SlackUnreachable
from bot.slack import oauth
from bot.slack.app import create_app
from bot.slack.delivery import Delivery, start_delivery
from bot.slack.manifest import EVENTS_PATH
from bot.slack.requestlog import RequestLog, redact_logs
from bot.web.routes import is_report_path, report_pages
from bot.wiring import open_service
from flows.model import utcnow
from storage.outbox import Backlog

log = logging.getLogger("bot.slack.run")
MAX_BODY_BYTES = 1_000_000  # Slack's requests are a few kilobytes; a 40,000-character message is under 200 kB
DRAIN_SECONDS = 10.0  # on SIGTERM, how long the requests in hand may take to finish

# waitress's limits (README "Server limits"). Idle connections cost no thread (waitress waits on them with
# poll()), so the connection limit is far above the thread count; an idle connection is closed after
# IDLE_SECONDS (checked every CLEANUP_SECONDS), a request being answered never is.
THREADS = 8
CONNECTION_LIMIT = 1000
IDLE_SECONDS = 15
CLEANUP_SECONDS = 5
SERVER_OPTIONS: dict[str, Any] = {
    "threads": THREADS,
    "connection_limit": CONNECTION_LIMIT,
    "channel_timeout": IDLE_SECONDS,
    "cleanup_interval": CLEANUP_SECONDS,
    "asyncore_use_poll": True,  # select() cannot watch more than 1024 sockets
    "backlog": 1024,
    # A response is sent by the thread that made it, not left for the main loop: on SIGTERM the main loop
    # stops, and the answers in hand still reach Slack.
    "send_bytes": 1,
    "ident": "outsource-review",
    "max_request_body_size": MAX_BODY_BYTES,
}
# Bolt falls back on these when it is not given a value; the settings have read them already.
_BOLT_ENVIRON = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_wsgi(
    app: App,
    signing_secret: str | None = None,
    backlog: Callable[[], Backlog] | None = None,
    reports: WSGIApp | None = None,
) -> WSGIApp:
    """`POST /slack/events` (and the OAuth pages when configured) go to Bolt; `GET /healthz` answers 200 with
    `{"ok": true}`, and with `backlog` (the outbox's) how many messages wait and how long the oldest has:
    `{"ok": true, "outbox": {"backlog": 3, "oldest_seconds": 1.2}}`; paths under `/report/` go to `reports`
    (the full report pages, `bot.web.routes`) when given.

    A body Bolt could not read (not UTF-8, not JSON where JSON belongs, nested too deeply, not an object, too
    large, or not of the shape its kind has: `well_formed`) is answered here with one log line: 401 when its
    signature is wrong, 400 (or 413) when it is signed but broken. Bolt would fail with 500 and a traceback,
    and Slack retries a 500.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    flow = app.oauth_flow
    oauth_paths = (
        {flow.install_path: "oauth:install", flow.redirect_uri_path: "oauth:redirect"} if flow else {}
    )

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _json(start_response, health(backlog))
        if reports is not None and is_report_path(str(path or "")):
            return reports(environ, start_response)
        if path == EVENTS_PATH and method == "POST":
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


def health(backlog: Callable[[], Backlog] | None) -> dict[str, Any]:
    """What /healthz says. The server answers even when the database does not: then the outbox is unknown."""
    if backlog is None:
        return {"ok": True}
    try:
        waiting = backlog()
    except Exception as exc:
        log.warning("health: the outbox backlog is unknown error=%s", type(exc).__name__)
        return {"ok": True, "outbox": None}
    age = (utcnow() - waiting.oldest).total_seconds() if waiting.oldest else 0.0
    return {"ok": True, "outbox": {"backlog": waiting.count, "oldest_seconds": round(max(age, 0.0), 3)}}


def _json(start_response: Callable[..., Any], body: dict[str, Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode() + b"\n"]


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
        data = slack_body(raw.decode("utf-8"), environ.get("CONTENT_TYPE"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON (ValueErrors), or nested past Python's stack
        data = None
    if isinstance(data, dict) and well_formed(data):
        return None
    if signing_secret and not _signed(raw, environ, signing_secret):
        return "401 Unauthorized"
    return "400 Bad Request"


def slack_body(text: str, content_type: str | None) -> Any:
    """A request body as Slack sends it: JSON (events), or a form whose `payload` field is JSON (buttons,
    menus, modals) or whose fields are the values (slash commands). ValueError when it is none of these."""
    if (content_type or "").startswith("application/json") or text.lstrip().startswith("{"):
        return json.loads(text)
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        return json.loads(form["payload"][0])
    return {name: values[0] for name, values in form.items()}


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


class Gate:
    """Counts the requests in hand; once closed, a new request is refused with 503 (Slack retries it)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._in_hand = 0
        self.closed = False

    def wrap(self, app: WSGIApp) -> WSGIApp:
        def gated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with self._changed:
                refuse = self.closed
                if not refuse:
                    self._in_hand += 1
            if refuse:
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")],
                )
                return [b"stopping\n"]
            try:
                body = app(environ, start_response)
            except BaseException:
                self._done()
                raise
            return _Counted(body, self._done)

        return gated

    def _done(self) -> None:
        with self._changed:
            self._in_hand -= 1
            self._changed.notify_all()

    def close(self, timeout: float) -> int:
        """Refuses new requests and waits up to `timeout` s for the ones in hand; returns how many are left."""
        with self._changed:
            self.closed = True
            self._changed.wait_for(lambda: self._in_hand == 0, timeout)
            return self._in_hand


class _Counted:
    """A response body that reports when the server has written it and closed it. Keeps `len()`, by which
    waitress sets Content-Length on a one-piece body."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body = body
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def __len__(self) -> int:
        return len(self._body) if isinstance(self._body, list) else 0

    def __bool__(self) -> bool:
        return True

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


def _prepare(settings: Settings, socket_mode: bool) -> None:
    """Before the app is built: tokens out of the logs and out of the environment Bolt would read them from,
    and, when the bot token is checked at start (auth.test), Slack's Web API reachable: Bolt's auth.test would
    otherwise fail with three logged errors."""
    redact_logs(_secrets(settings))
    for name in _BOLT_ENVIRON:
        os.environ.pop(name, None)
    if socket_mode or not oauth.oauth_enabled(settings):
        check_reachable(settings.slack_api_url)


def check_reachable(api_url: str, timeout: float = 10.0) -> None:
    """SlackUnreachable, in one line, when no TCP connection to SLACK_API_URL's host can be opened (not checked
    when a proxy stands in between)."""
    parts = urlsplit(api_url)
    host = parts.hostname or ""
    if parts.scheme in getproxies() and not proxy_bypass(host):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        sockets.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise SlackUnreachable(
            f"cannot reach Slack's Web API at {api_url} ({reason}); check the network, or SLACK_API_URL"
        ) from None


def _build(settings: Settings, socket_mode: bool = False) -> tuple[App, Delivery]:
    """The app and its delivery threads (started): what the app's requests write, they send."""
    _prepare(settings, socket_mode)
    service = open_service(settings.database_url)
    delivery = start_delivery(settings, service)
    try:
        return create_app(settings, service, socket_mode=socket_mode, wake=delivery.wake), delivery
    except BoltError as exc:
        delivery.stop(1.0)
        refusal = exc.__context__  # Bolt raises its error while handling auth.test's SlackApiError
        if not isinstance(refusal, SlackApiError):
            raise
        raise SlackSettingsError(
            f"Slack refused SLACK_BOT_TOKEN ({refusal.response.get('error')}); copy the Bot User OAuth Token "
            "(xoxb-) again from OAuth & Permissions"
        ) from None


def _on_stop(stop: Callable[[], None]) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, handler)


def serve(settings: Settings, port: int | None = None) -> None:
    import waitress

    app, delivery = _build(settings)
    port = port or settings.port
    gate = Gate()
    server = waitress.create_server(
        gate.wrap(
            build_wsgi(
                app,
                settings.slack_signing_secret,
                delivery.outbox.backlog,
                report_pages(settings, delivery.service),
            )
        ),
        host=settings.host,
        port=port,
        **SERVER_OPTIONS,
    )

    def stop() -> None:
        if gate.closed:
            return
        log.info("stopping: finishing the requests in hand")
        started = time.monotonic()
        left = gate.close(DRAIN_SECONDS)
        _stop_delivery(delivery, DRAIN_SECONDS - (time.monotonic() - started))
        log.info("stopped%s", f" with {left} request(s) unfinished" if left else "")
        raise SystemExit(0)  # leaves waitress's main loop, which then stops its threads

    _on_stop(stop)
    print(
        f"Outsource Review is listening on http://{settings.host}:{port}/slack/events (health: /healthz)",
        flush=True,
    )
    server.run()


def socket(settings: Settings) -> None:
    (app_token,) = settings.require("SLACK_APP_TOKEN")
    app, delivery = _build(settings, socket_mode=True)
    handler = SocketModeHandler(app, app_token)
    stopping = threading.Event()
    _on_stop(stopping.set)
    try:
        handler.connect()
    except SlackApiError as exc:
        delivery.stop(1.0)
        raise SlackSettingsError(
            f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}); create an app-level token with "
            "connections:write under Basic Information, App-Level Tokens"
        ) from None
    print("Outsource Review is connected over Socket Mode. Ctrl-C stops it.", flush=True)
    stopping.wait()
    # close() disconnects, then waits for the listeners running; a stuck one must not hold the exit up.
    started = time.monotonic()
    closer = threading.Thread(target=handler.close, daemon=True)
    closer.start()
    closer.join(DRAIN_SECONDS)
    _stop_delivery(delivery, DRAIN_SECONDS - (time.monotonic() - started))
    log.info("stopped")


def _stop_delivery(delivery: Delivery, timeout: float) -> None:
    """The deliveries in hand finish (at least a second, whatever the requests took); rows not begun wait in
    the outbox for the next start."""
    if not delivery.stop(max(timeout, 1.0)):
        log.info("some deliveries were cut short: they are sent after the next start")
