"""The floor for start-up: a bare Bolt app behind waitress with `/healthz`, as `outsource-review serve` has.

    python -m tests.benchmarks.floor_server --port 3001   (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL)

Its one listener does what `harness.Floor` does: one SQLite insert and commit, one chat.postMessage.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def build(database: str) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    db = sqlite3.connect(database, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE IF NOT EXISTS answer (id INTEGER PRIMARY KEY, channel TEXT, ts TEXT, text TEXT)")
    lock = threading.Lock()
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client, process_before_response=True)

    @app.event("message")
    def answer(event: dict[str, Any], client: WebClient) -> None:
        with lock:
            db.execute(
                "INSERT INTO answer (channel, ts, text) VALUES (?, ?, ?)",
                (event["channel"], event["ts"], event["text"]),
            )
            db.commit()
        client.chat_postMessage(
            channel=event["channel"], thread_ts=event.get("thread_ts"), text="Next question"
        )

    slack = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return wsgi


def main() -> None:
    import waitress

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default="floor.db")
    args = parser.parse_args()
    waitress.serve(build(args.database), host="127.0.0.1", port=args.port, threads=8, ident="floor")


if __name__ == "__main__":
    main()
