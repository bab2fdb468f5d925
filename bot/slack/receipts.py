"""Idempotency: a delivery Slack repeats (a retried event, a double click) is applied once.

Every delivery that can come twice has a key (`receipt_key`): the event id for events, user, action id and
`action_ts` for a click, and the view's id and values for a form submitted (a re-submission repeats both). Keys are claimed in the database's receipt table, whose primary key (team, key) lets
exactly one claim succeed across threads, processes and restarts. Where the claim happens matters:

- An answer (a thread reply, a button, a menu, an answer's form) carries its key to `ReviewService.reply`, which claims it in the
  same transaction that saves the answer. A crash after the claim but before the answer is saved is therefore
  impossible: either both are committed or neither is, and Slack's retry of a delivery that was never answered
  with 200 (the app answers only after the answer and what it shows are saved, `process_before_response=True`;
  the outbox sends the messages afterwards) applies it.
- Deliveries that save nothing (a mention, App Home, the uninstall events) are claimed up front by
  `DedupeDeliveries` below; if the process dies half-way, the retry is dropped, and all that is lost is a
  reply that can be asked for again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.slack import ids
from bot.slack.requestlog import note
from flows.model import utcnow
from flows.ports import ReviewStore

log = logging.getLogger("bot.slack.receipts")
# Events whose receipt goes with the answer they bring, claimed when (and only if) an answer is saved.
ANSWER_EVENTS = ("message",)
# Forms whose submission is an answer: their receipt goes with it too.
ANSWER_VIEWS = (ids.RATINGS_VIEW, ids.LIST_VIEW, ids.WEIGHTS_VIEW, ids.STEP_VIEW)
# Slack gives up retrying within the hour; receipts older than this are deleted now and then.
KEEP_RECEIPTS = timedelta(days=2)
PRUNE_EVERY = 1000  # requests


def receipt_key(body: dict[str, Any]) -> str | None:
    """What makes a delivery unique: Slack retries an event with the same event_id, a double click repeats
    the same action_ts."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("type") == "block_actions":
        acts = body.get("actions") or []
        user = (body.get("user") or {}).get("id", "")
        if acts and isinstance(acts[0], dict) and acts[0].get("action_ts"):
            return f"action:{user}:{acts[0].get('action_id')}:{acts[0]['action_ts']}"
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        if isinstance(view, dict) and view.get("id"):
            values = json.dumps((view.get("state") or {}).get("values"), sort_keys=True, default=str)
            return f"view:{view['id']}:{hashlib.sha256(values.encode()).hexdigest()[:24]}"
    return None


def carries_answer(body: dict[str, Any]) -> bool:
    """Deliveries whose receipt is claimed together with the answer they may bring."""
    if body.get("type") == "block_actions":
        return True
    if body.get("type") == "view_submission":
        return (body.get("view") or {}).get("callback_id") in ANSWER_VIEWS
    event = body.get("event") or {}
    return isinstance(event, dict) and event.get("type") in ANSWER_EVENTS


class DedupeDeliveries(Middleware):
    """Global middleware: repeats of deliveries that save nothing are answered 200 and dropped; every
    `PRUNE_EVERY` requests, receipts older than `KEEP_RECEIPTS` are deleted. (A `Middleware`, for the reason
    `bot.slack.access.CompleteRequests` gives.)"""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store
        self.count_request = itertools.count(1).__next__
        self.forget = getattr(store, "forget_receipts", None)

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if self.forget is not None and self.count_request() % PRUNE_EVERY == 0:
            self.forget(utcnow() - KEEP_RECEIPTS)
        body, context = req.body, req.context
        key = receipt_key(body)
        if key is None or carries_answer(body):
            return next()
        if not self.store.claim_receipt(context.team_id or context.enterprise_id or "", key):
            note(outcome="duplicate")
            return BoltResponse(status=200, body="")
        return next()
