"""Run the Slack app: over HTTP behind a production WSGI server (waitress), or over Socket Mode."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings
from bot.slack.app import create_app
from bot.wiring import open_service

log = logging.getLogger("outsource_review.slack")
THREADS = 8

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_wsgi(app: App) -> WSGIApp:
    """`POST /slack/events` (and the OAuth pages when configured) go to Bolt; `GET /healthz` answers ok."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return wsgi


def serve(settings: Settings, port: int | None = None) -> None:
    import waitress

    app = create_app(settings, open_service(settings.database_url))
    port = port or settings.port
    log.info("serving Slack events", extra={"port": port})
    print(
        f"Outsource Review is listening on http://0.0.0.0:{port}/slack/events (health: /healthz)", flush=True
    )
    waitress.serve(build_wsgi(app), host="0.0.0.0", port=port, threads=THREADS, ident="outsource-review")


def socket(settings: Settings) -> None:
    (app_token,) = settings.require("SLACK_APP_TOKEN")
    app = create_app(settings, open_service(settings.database_url))
    print("Outsource Review is connected over Socket Mode. Ctrl-C stops it.", flush=True)
    SocketModeHandler(app, app_token).start()
