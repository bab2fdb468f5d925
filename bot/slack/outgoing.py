"""What one request makes the bot say in Slack, written down as outbox rows instead of being sent.

A listener fills a `Mail` while it handles a request; the rows are saved with the answer that caused them (or on
their own when nothing is saved) and the delivery threads send them after Slack has its HTTP answer
(`bot.slack.delivery`). Rows about a review share its lane, so they arrive in the order written; messages are
paced per channel, as Slack allows about one message a second in a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.model import Review
from flows.ports import THREAD, Outgoing

POST = "chat.postMessage"
EPHEMERAL = "chat.postEphemeral"
UPDATE = "chat.update"
# A chat.update's "ts" that names a question, "$question:<edition>": the deliverer edits each message the
# question was posted as (`bot.slack.sending`), from the blocks it was posted with.
QUESTION_POST = "$question:"


class Mail:
    """Outbox rows for one review (`for_review`) or for one person outside any review (`for_person`)."""

    def __init__(
        self,
        team_id: str,
        lane: str,
        *,
        review_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> None:
        self.team_id = team_id
        self.lane = lane
        self.review_id = review_id
        self.enterprise_id = enterprise_id
        self.rows: list[Outgoing] = []

    @classmethod
    def for_review(cls, review: Review) -> Mail:
        """A review not saved yet has no id: its rows get the id when it is created (`ReviewStore.create`)."""
        review_id = review.id or ""
        return cls(
            review.team_id,
            review_id,
            review_id=review_id,
            enterprise_id=review.enterprise_id,
        )

    @classmethod
    def for_person(cls, team_id: str, user: str, enterprise_id: str | None = None) -> Mail:
        return cls(team_id, f"person:{team_id}:{user}", enterprise_id=enterprise_id)

    def add(
        self,
        method: str,
        args: Mapping[str, Any],
        *,
        pace: str | None = None,
        effect: str | None = None,
        question: str | None = None,
    ) -> Outgoing:
        """A row calling Web API `method` with `args`; `pace` names what the deliverer paces. An argument
        "response_url" (a slash command's) is where a failure of the row is told to the person who asked."""
        row = Outgoing(
            method,
            dict(args),
            self.team_id,
            self.lane,
            review_id=self.review_id or None,
            enterprise_id=self.enterprise_id,
            pace=pace,
            effect=effect,
            question=question,
        )
        self.rows.append(row)
        return row

    def post(
        self,
        channel: str,
        *,
        in_thread: bool = True,
        effect: str | None = None,
        question: str | None = None,
        **message: Any,
    ) -> Outgoing:
        """A message in `channel`, in the review's thread unless `in_thread` is False."""
        where = {"thread_ts": THREAD} if in_thread and self.review_id is not None else {}
        args = {"channel": channel, **where, "unfurl_links": False, "unfurl_media": False, **message}
        return self.add(POST, args, pace=f"{self.team_id}:{channel}", effect=effect, question=question)

    def ephemeral(self, channel: str, user: str, text: str, *, in_thread: bool = True) -> Outgoing:
        """Seen by `user` only (not paced: ephemeral messages have their own, generous limit)."""
        where = {"thread_ts": THREAD} if in_thread and self.review_id is not None else {}
        return self.add(EPHEMERAL, {"channel": channel, "user": user, "text": text, **where})

    def message_to(self, user: str, text: str) -> Outgoing:
        """A message in the app's conversation with `user` (when a request names no channel)."""
        return self.add(POST, {"channel": user, "text": text}, pace=f"{self.team_id}:{user}")

    def update(self, channel: str, ts: str, **message: Any) -> Outgoing:
        return self.add(UPDATE, {"channel": channel, "ts": ts, **message})

    def edit_question(
        self,
        channel: str,
        edition: str,
        *,
        replace: Mapping[str, Any] | None = None,
        close: str | None = None,
    ) -> Outgoing:
        """Edit the posts of a question (its `edition`) where they are: the blocks `replace` names (by block
        id) swapped for its own; with `close` (mrkdwn), its buttons and menus taken away and `close` added."""
        edit = {"replace": dict(replace or {}), "close": close}
        return self.add(UPDATE, {"channel": channel, "ts": f"{QUESTION_POST}{edition}", "edit": edit})

    def __bool__(self) -> bool:
        return bool(self.rows)
