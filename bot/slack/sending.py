"""One outbox row to Slack: the call it names, made once as Slack shows it, and its effect recorded.

- "$thread" in the arguments becomes the review's thread (its kickoff's ts). No thread yet: tried again
  later; none ever (the kickoff failed for good): the row fails too.
- chat.postMessage carries the row's key in its metadata; a row tried before looks for it first
  (`bot.slack.posted`) and, found, is done with that message instead of a second one.
- REPORT_CHART and REPORT_FILE draw the report's files now and upload them (`bot.slack.report_uploads`).
- A chat.update of "$question:<edition>" edits every post of that question, from the blocks it was posted
  with (`Mail.edit_question`): a rating round's line of who has rated, or an answered question's buttons
  taken away. A question never posted, or its message deleted since, leaves nothing to change: the row is
  done without a word.
- chat.deleteScheduledMessage answered `invalid_scheduled_message_id` is done: the reminder it withdraws has
  fired or been deleted already, which is what the row wanted (`GONE_ALREADY`).
- A question (effect `posted:<edition>`) the review has moved past is not posted (`overtaken`): the row is
  done, its result `{"skipped": "overtaken"}`.
- "response_url" is not Slack's argument: it is where a failure is told (`bot.slack.delivery`).

Whatever fails raises; `bot.slack.failures.classify` says what it means.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from functools import partial
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.effects import POSTED, apply_effect
from bot.slack.failures import DeliveryError
from bot.slack.ids import HOW_TO_ANSWER_BLOCK
from bot.slack.outgoing import QUESTION_POST, UPDATE
from bot.slack.people import with_names
from bot.slack.posted import find_posted, metadata_for
from bot.slack.report_uploads import UPLOADS, upload_for
from bot.slack.tokens import Tokens
from flows.model import Review
from flows.ports import THREAD
from flows.service import ReviewNotFound, ReviewService
from storage.outbox import OutboxRow, SqlOutbox

log = logging.getLogger("bot.slack.delivery")
T = TypeVar("T")
RESPONSE_URL = "response_url"
POST = "chat.postMessage"
# What Slack answers a chat.update of a message that is gone, or too old to edit: nothing left to change.
GONE = ("message_not_found", "cant_update_message", "edit_window_closed")
# The parts of Slack's answer a done row keeps (`SqlOutbox.result`).
KEPT = ("channel", "ts", "message_ts", "scheduled_message_id", "post_at")
# Refusals that mean what the row asked for is so already: (method, Slack's error).
GONE_ALREADY = frozenset({("chat.deleteScheduledMessage", "invalid_scheduled_message_id")})


class Sender:
    def __init__(
        self,
        service: ReviewService,
        outbox: SqlOutbox,
        tokens: Tokens,
        client_for: Callable[[str], AsyncWebClient],
        executor: Executor,
    ) -> None:
        self.service = service
        self.outbox = outbox
        self.tokens = tokens
        self.client_for = client_for
        self.executor = executor

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` (database work) in the executor, leaving the event loop to the calls in flight."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args))

    async def send(self, row: OutboxRow) -> dict[str, Any]:
        """Deliver `row`, record its effect, and answer the useful parts of Slack's answer."""
        token = await self.blocking(self.tokens, row.team_id, row.enterprise_id)
        if not token:
            raise DeliveryError("no_token", permanent=True)
        client = self.client_for(token)
        args = {k: v for k, v in row.args.items() if k != RESPONSE_URL}
        review = None
        if THREAD in args.values() or asks(row):
            review = await self.blocking(self.review_of, row)
        if review is not None and overtaken(row, review):
            log.info("question overtaken, not posted review=%s effect=%s", row.review_id, row.effect)
            return {"skipped": "overtaken"}
        if THREAD in args.values():
            args = await self.blocking(self.with_thread, row, args, review)
        if row.method == UPDATE and str(args.get("ts", "")).startswith(QUESTION_POST):
            return await self.update_question(client, row, args)
        if row.method in UPLOADS:
            result = await self.upload(client, row, args)
        elif row.method == POST:
            result = await self.post(client, row, args)
        else:
            result = await self.call(client, row.method, args)
        await self.blocking(apply_effect, self.service, row.review_id, row.effect, result)
        return result

    async def call(self, client: AsyncWebClient, method: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            return useful((await client.api_call(method, json=args)).data)
        except SlackApiError as exc:
            data = exc.response.data if exc.response is not None else None
            error = data.get("error") if isinstance(data, dict) else None
            if (method, error) in GONE_ALREADY:
                return {"gone": error}
            raise

    def review_of(self, row: OutboxRow) -> Review:
        try:
            return self.service.load(row.review_id or "")
        except ReviewNotFound:
            raise DeliveryError("review_not_found", permanent=True) from None

    def with_thread(
        self, row: OutboxRow, args: Mapping[str, Any], review: Review | None = None
    ) -> dict[str, Any]:
        review = review or self.review_of(row)
        if review.thread_ts:
            return {k: review.thread_ts if v == THREAD else v for k, v in args.items()}
        if self.outbox.problems(row.review_id or ""):
            raise DeliveryError("no_thread", permanent=True)
        raise DeliveryError("no_thread_yet", permanent=False)

    async def post(self, client: AsyncWebClient, row: OutboxRow, args: dict[str, Any]) -> dict[str, Any]:
        if row.attempts > 1:
            found = await find_posted(
                client, str(args.get("channel")), row.key, row.created_at, args.get("thread_ts")
            )
            if found is not None:
                return found
        answer = await client.api_call(POST, json={**args, "metadata": metadata_for(row.key)})
        return useful(answer.data)

    async def update_question(
        self, client: AsyncWebClient, row: OutboxRow, args: dict[str, Any]
    ) -> dict[str, Any]:
        """Edit each post of the question `args["ts"]` names, as `Mail.edit_question` asked."""
        edition = str(args["ts"]).removeprefix(QUESTION_POST)
        posts = await self.blocking(self.outbox.delivered, row.review_id or "", f"{POSTED}:{edition}")
        edit = args.get("edit") or {}
        edited = []
        for posted, result in posts:
            blocks = edited_blocks(posted.get("blocks") or [], edit.get("replace") or {}, edit.get("close"))
            if blocks is None or not result.get("ts"):
                continue
            try:
                await client.api_call(
                    UPDATE,
                    json={
                        "channel": args["channel"],
                        "ts": result["ts"],
                        "text": posted.get("text"),
                        "blocks": blocks,
                    },
                )
            except SlackApiError as exc:
                if exc.response.get("error") not in GONE:
                    raise
                continue
            edited.append(result["ts"])
        return {"edited": edited} if edited else {"skipped": "nothing to edit"}

    async def upload(self, client: AsyncWebClient, row: OutboxRow, args: dict[str, Any]) -> dict[str, Any]:
        kwargs = await self.blocking(upload_for, self.service, row.method, row.review_id, args)
        if isinstance(kwargs.get("content"), str):  # the Markdown names people as Slack shows them
            kwargs["content"] = await with_names(client, kwargs["content"])
        answer = await client.files_upload_v2(**kwargs)
        return {"files": [f.get("id") for f in answer.get("files") or []]}


def edited_blocks(
    blocks: list[dict[str, Any]], replace: Mapping[str, Any], close: str | None
) -> list[dict[str, Any]] | None:
    """A question's posted blocks edited: the blocks `replace` names swapped; with `close`, its controls and
    how to answer taken away and `close` added. None when the post has nothing to edit (a closed question's
    posts are only those with controls)."""
    live = any(b.get("type") == "actions" for b in blocks)
    changed = [replace.get(str(b.get("block_id")), b) for b in blocks]
    if close is None:
        return changed if changed != blocks else None
    if not live:
        return None
    kept = [b for b in changed if b.get("type") != "actions" and b.get("block_id") != HOW_TO_ANSWER_BLOCK]
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": close}]}]


def asks(row: OutboxRow) -> bool:
    """Whether `row` posts a question (its effect is `posted:<edition>`)."""
    return bool(row.review_id and row.effect and row.effect.startswith(f"{POSTED}:"))


def overtaken(row: OutboxRow, review: Review) -> bool:
    """Whether `row` asks a question the review has moved past: a later save marked another question as the
    one posted (its row follows in the lane), or the review is no longer open. Such a row is done without
    being sent: after an outage, only the question still open appears, not every one answered meanwhile."""
    if not asks(row):
        return False
    edition = (row.effect or "").partition(":")[2]
    return not review.is_open or review.posted_question != edition


def useful(answer: Any) -> dict[str, Any]:
    """What a done row keeps of Slack's answer: where the message is, the scheduled message, the view."""
    if not isinstance(answer, dict):
        return {}
    kept = {k: answer[k] for k in KEPT if k in answer}
    view = answer.get("view")
    if isinstance(view, dict) and view.get("id"):
        kept["view_id"] = view["id"]
    return kept
