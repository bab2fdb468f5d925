"""Events: typed replies in a review's thread, ratings in a direct message, mentions, App Home."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack.access import enterprise_of, workspace
from bot.slack.blocks.home import HOME_REVIEWS, home_view
from bot.slack.direct import is_direct_message, rate_in_private
from bot.slack.listeners.commands import HALF_STARTED, half_started
from bot.slack.outgoing import Mail
from bot.slack.presenter import Presenter
from bot.slack.receipts import receipt_key
from bot.slack.text import typed_text

log = logging.getLogger("outsource_review.slack")
# Message subtypes that are people writing; edits, joins, bot posts and the like are not answers.
ANSWER_SUBTYPES = (None, "thread_broadcast")


def is_thread_reply(event: dict[str, Any]) -> bool:
    return (
        event.get("subtype") in ANSWER_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("thread_ts"))
        and event.get("thread_ts") != event.get("ts")
    )


def register(app: App, presenter: Presenter) -> None:
    @app.event("message")
    def thread_reply(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if event.get("channel_type") == "im":
            if is_direct_message(event) and event.get("user") != context.bot_user_id:
                rate_in_private(
                    presenter,
                    client,
                    team_id=workspace(context),
                    enterprise_id=enterprise_of(body),
                    user=str(event["user"]),
                    channel=str(event["channel"]),
                    text=str(event.get("text") or ""),
                    receipt=receipt_key(body),
                    thread_ts=event.get("thread_ts"),
                )
            return
        if not is_thread_reply(event):
            return
        # The workspace the event is delivered for, where the review was started: in a channel shared over
        # Slack Connect, `event.team` is the writer's own workspace, and a member of another one who replies
        # in the review's thread is in the channel like anyone else (the same rule: anyone in the channel).
        team_id = workspace(context)
        if not event.get("channel"):
            return
        # Read once here and handed on; the reply's save checks it is still current.
        review = presenter.service.store.find_by_thread(team_id, event["channel"], event["thread_ts"])
        if review is None or review.id is None:
            if event.get("parent_user_id") and event.get("parent_user_id") == context.bot_user_id:
                explain_half_started(presenter, team_id, event)
            return  # a thread that is not a review
        presenter.answer(
            client,
            review_id=review.id,
            team_id=review.team_id,
            enterprise_id=enterprise_of(body),
            user=event["user"],
            text=typed_text(event.get("text") or ""),
            channel=event["channel"],
            receipt=receipt_key(body),
            loaded=review,
            typed=True,
            typed_ts=event.get("ts"),
        )

    @app.event("app_mention")
    def mentioned(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        thread_ts = event.get("thread_ts")
        team_id = workspace(context)  # the workspace the event is delivered for, as for thread replies
        if not event.get("channel"):
            return
        if thread_ts and presenter.service.store.find_by_thread(team_id, event["channel"], thread_ts):
            return  # the `message` event for the same reply carries the answer
        mail = Mail.for_person(team_id, str(event.get("user") or ""), enterprise_of(body))
        mail.post(
            event["channel"],
            thread_ts=event.get("thread_ts") or event.get("ts"),
            text="Hi! Type `/outsource-review Q3 review` to start a review here, or `/outsource-review help`.",
        )
        presenter.send(mail)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        team_id = workspace(context)
        reviews = [r for r in presenter.service.list_reviews(team_id, 80) if r.thread_ts or not r.channel_id]
        shown = [r for r in reviews if r.is_open][:HOME_REVIEWS]  # the reviews whose notes App Home shows
        view = home_view(
            reviews, presenter.service.progress, presenter.delivery_notes(shown), presenter.round_status
        )
        mail = Mail.for_person(team_id, event["user"], enterprise_of(body))
        mail.add("views.publish", {"user_id": event["user"], "view": view.to_dict()})
        presenter.send(mail)


def explain_half_started(presenter: Presenter, team_id: str, event: dict[str, Any]) -> None:
    """A reply under one of the bot's messages that is no review's kickoff: when a review in this channel was
    saved but never got its kickoff attached (the process stopped while posting it), say so to the replier.
    Only replies under the bot's own messages get here, so the lookup is rare."""
    channel = event["channel"]
    reviews = presenter.service.list_reviews(team_id, 200)
    if any(r.channel_id == channel and r.is_open and half_started(r) for r in reviews):
        mail = Mail.for_person(team_id, event["user"])
        mail.add(
            "chat.postEphemeral",
            {
                "channel": channel,
                "user": event["user"],
                "thread_ts": event["thread_ts"],
                "text": HALF_STARTED,
            },
        )
        presenter.send(mail)
