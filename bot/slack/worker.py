"""`outsource-review worker`: only the outbox's delivery, for scale (any number of them, sharing PostgreSQL),
without the Slack app. SIGTERM (or Ctrl-C) stops it: no more rows are claimed, the deliveries in hand finish
(at most `STOP_SECONDS`), exit 0. A worker killed outright loses nothing: its rows are taken again once their
lease runs out, and delivered once (`bot.slack.posted`)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from bot.config import MissingSetting, Settings
from bot.slack.delivery import start_delivery
from bot.slack.oauth import oauth_enabled
from bot.slack.requestlog import redact_logs
from bot.wiring import open_service

log = logging.getLogger("bot.slack.worker")
STOP_SECONDS = 10.0


def work(settings: Settings) -> None:
    if not oauth_enabled(settings) and not (settings.slack_bot_token or "").strip():
        raise MissingSetting(
            "SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth); "
            "set it in the environment or in a .env file in the working directory"
        )
    redact_logs([settings.slack_bot_token, settings.slack_client_secret])
    service = open_service(settings.database_url)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop)
    delivery = start_delivery(settings, service, threads=1)
    print(f"Outsource Review is delivering messages as {delivery.name}. Ctrl-C stops it.", flush=True)
    stopping.wait()
    log.info("stopping: finishing the deliveries in hand")
    finished = delivery.stop(STOP_SECONDS)
    log.info("stopped%s", "" if finished else "; some deliveries are left for the next start")
