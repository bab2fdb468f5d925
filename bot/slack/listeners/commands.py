"""`/outsource-review [title] | help | status | list | report | export | cancel | reopen | checkin`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import checkin, reminders
from bot.slack.access import workspace
from bot.slack.blocks.home import HELP_TEXT
from bot.slack.presenter import CHANNEL_PROBLEMS, Presenter
from bot.slack.requestlog import slack_error
from bot.slack.subcommands import split_command
from bot.slack.text import escape, mention, shorten
from flows.method import Stage
from flows.model import Review
from flows.prompts import clean_text
from flows.render import RENDERERS
from flows.service import NotPermitted, ReviewService

COMMAND = "/outsource-review"
NO_REVIEW = "There is no review in this channel yet. Start one with `/outsource-review Q3 review`."
log = logging.getLogger("outsource_review.slack")


def channel_review(presenter: Presenter, team_id: str, channel_id: str) -> Review | None:
    """This channel's review: the newest open one, else the newest."""
    reviews = [r for r in presenter.service.list_reviews(team_id, 200) if r.channel_id == channel_id]
    open_reviews = [r for r in reviews if r.is_open]
    if open_reviews:
        return open_reviews[0]
    return reviews[0] if reviews else None


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))


def register(app: App, presenter: Presenter) -> None:
    @app.command(COMMAND)
    def outsource_review(
        ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        sub, rest = split_command(command.get("text") or "")
        team_id, channel_id, user = workspace(context), command["channel_id"], command["user_id"]
        if sub == "help":
            ack(text=HELP_TEXT)
            return
        if sub == "list":
            ack(text=_list_text(presenter, team_id))
            return
        if channel_id.startswith("D") or command.get("channel_name") == "directmessage":
            ack(text="Reviews run in a channel so the whole team can answer. Type the command in a channel.")
            return
        if sub == "checkin":
            ack()  # the form opens at once; the trigger_id is only good for 3 seconds
            problem = checkin.open_form(presenter, client, team_id, channel_id, command["trigger_id"])
            if problem:
                respond(text=problem, response_type="ephemeral")
            return
        review = channel_review(presenter, team_id, channel_id)
        if sub == "start":
            ack()
            _start(presenter, client, respond, command, team_id, rest)
            return
        if review is not None and half_started(review):
            ack(text=HALF_STARTED if review.is_open else NO_REVIEW)
            return
        if review is None:
            ack(text=NO_REVIEW)
            return
        handlers: dict[str, Callable[[], str | None]] = {
            "status": lambda: _status_text(presenter, review),
            "report": lambda: _report(presenter, client, review),
            "export": lambda: _export(presenter, client, review, rest),
            "cancel": lambda: _lifecycle(presenter, client, review, user, "cancel"),
            "reopen": lambda: _lifecycle(presenter, client, review, user, "reopen"),
            "answers": lambda: _answers_text(presenter.service, review),
            "rerun": lambda: _rerun(presenter, client, review, user),
            "diff": lambda: _diff_text(presenter, review),
        }
        ack()
        reply = handlers[sub]()
        if reply:
            respond(text=reply, response_type="ephemeral")


HALF_STARTED = (
    "That review did not start properly (its kickoff message may be there, but no questions follow); "
    "start a new one with `/outsource-review`."
)


def half_started(review: Review) -> bool:
    """A review saved by `_start` whose kickoff message was never attached: the process stopped (or Slack
    refused the post) between the save and the end of the post."""
    return bool(review.channel_id) and not review.thread_ts


def _start(
    presenter: Presenter,
    client: WebClient,
    respond: Respond,
    command: dict[str, Any],
    team_id: str,
    title: str,
) -> None:
    """Save the review, post its kickoff, attach the kickoff's thread, ask the first question.

    The review is saved before the kickoff is posted, so a process that stops on the way leaves a review
    without a thread (`half_started`) that `status` and replies under the bot's messages can explain,
    rather than a kickoff message nobody knows about."""
    channel_id = command["channel_id"]
    title = " ".join(clean_text(title).split())[:150] or "Outsource review"
    turn = presenter.service.start(
        title=title,
        facilitator=command["user_id"],
        team_id=team_id,
        channel_id=channel_id,
        enterprise_id=command.get("enterprise_id") or None,
    )
    try:
        kickoff = client.chat_postMessage(
            channel=channel_id, text=f"Starting an outsource review: {escape(title)}"
        )
    except SlackApiError as exc:
        presenter.service.cancel(turn.review.id or "", command["user_id"], team_id=team_id)
        error = slack_error(exc)
        respond(
            text=CHANNEL_PROBLEMS.get(error, f"I couldn't post in this channel ({error})."),
            response_type="ephemeral",
        )
        return
    review = presenter.service.attach_thread(turn.review, channel_id, kickoff["ts"])
    presenter.refresh_kickoff(client, review)
    presenter.post_question(
        client,
        review,
        note=f"{mention(command['user_id'])} started this review. Answer here in the thread.",
    )


def _status_text(presenter: Presenter, review: Review) -> str:
    progress = presenter.service.progress(review)
    facts = ", ".join(progress.facts) or "nothing answered yet"
    return f"*{escape(review.title)}*: {escape(progress.headline)}. So far: {escape(facts)}."


def _list_text(presenter: Presenter, team_id: str) -> str:
    # A review whose kickoff was never attached has no thread to go to (`status` in its channel explains).
    reviews = [r for r in presenter.service.list_reviews(team_id, 20) if not half_started(r)]
    if not reviews:
        return "No reviews yet. Start one in a channel with `/outsource-review Q3 review`."
    lines = [
        f"• *{escape(r.title)}* in <#{r.channel_id}>: {escape(presenter.service.progress(r).headline)}"
        for r in reviews
    ]
    return "\n".join(["This workspace's reviews, newest first:", *lines])


NOT_READY = "The shortlist is not ready yet: every remaining candidate needs ratings first (step 6)."
# A report exists from step 7 on. Before, a review with no process listed yet would give an empty "report".
REPORT_STAGES = (Stage.METRICS, Stage.REPORT, Stage.DONE)


def report_ready(presenter: Presenter, review: Review) -> bool:
    return review.state in REPORT_STAGES or (
        review.state is Stage.CANCELLED and presenter.service.has_report(review)
    )


def _report(presenter: Presenter, client: WebClient, review: Review) -> str | None:
    if report_ready(presenter, review) and presenter.post_report(client, review):
        return None
    return NOT_READY


def _export(presenter: Presenter, client: WebClient, review: Review, rest: str) -> str | None:
    fmt = (rest.split() or ["md"])[0].lower().lstrip(".")
    fmt = {"markdown": "md"}.get(fmt, fmt)
    if fmt not in (*RENDERERS, "png"):
        return f"I can export as {', '.join(RENDERERS)}; for example `/outsource-review export csv`."
    if not report_ready(presenter, review):
        return "There is nothing to export yet: every remaining candidate needs ratings first (step 6)."
    try:
        if fmt == "png":
            presenter.upload_chart(client, review)
        else:
            presenter.upload(client, review, fmt)
    except ValueError:
        return "There is nothing to export yet: every remaining candidate needs ratings first (step 6)."
    return None


def _lifecycle(presenter: Presenter, client: WebClient, review: Review, user: str, action: str) -> str | None:
    admin = user != review.facilitator and is_workspace_admin(client, user)
    try:
        if action == "cancel":
            turn = presenter.service.cancel(review.id or "", user, team_id=review.team_id, is_admin=admin)
        else:
            turn = presenter.service.reopen(review.id or "", user, team_id=review.team_id, is_admin=admin)
    except NotPermitted:
        return f"Only the facilitator ({mention(review.facilitator)}) or a workspace admin can {action} this review."
    if turn.error:
        return turn.error
    presenter.refresh_kickoff(client, turn.review)
    reminders.withdraw_reminder(
        presenter.service, client, turn.review
    )  # no check-ins on a review not finished
    if action == "cancel":
        presenter.announce(client, turn.review, f"{mention(user)} cancelled this review.")
    else:
        presenter.announce(
            client,
            turn.review,
            f"{mention(user)} reopened this review. `change N` reopens answer N "
            "(`/outsource-review answers` lists them), `reconsider NAME` brings back an excluded process, "
            "`done` finishes.",
        )
    return None


def _answers_text(service: ReviewService, review: Review) -> str:
    numbered = service.answered(review)
    if not numbered:
        return "Nothing has been answered yet."
    lines = [f"{n}. {escape(shorten(text, 150))}" for n, _, text in numbered[-60:]]
    return "\n".join(["Answers so far (`change N` in the thread reopens one):", *lines])


def _diff_text(presenter: Presenter, review: Review) -> str:
    lines = presenter.service.compare_with_previous(review)
    if lines is None:
        return "This is the first version of the review; `/outsource-review rerun` starts a new one."
    return "\n".join([f"What changed in *{escape(review.title)}*:", *[f"• {escape(line)}" for line in lines]])


def _rerun(presenter: Presenter, client: WebClient, review: Review, user: str) -> str | None:
    admin = user != review.facilitator and is_workspace_admin(client, user)
    try:
        turn = presenter.service.rerun(review.id or "", user, team_id=review.team_id, is_admin=admin)
    except NotPermitted as exc:
        return str(exc)
    if turn.error or not review.channel_id:
        return turn.error
    try:
        kickoff = client.chat_postMessage(
            channel=review.channel_id, text=f"New version: {escape(turn.review.title)}"
        )
    except SlackApiError as exc:
        return CHANNEL_PROBLEMS.get(
            slack_error(exc), f"I couldn't post in this channel ({slack_error(exc)})."
        )
    new = presenter.service.attach_thread(turn.review, review.channel_id, kickoff["ts"])
    presenter.refresh_kickoff(client, new)
    presenter.announce(
        client,
        new,
        f"{mention(user)} started a new version with every answer of the last one. Change what changed "
        "(`change N`, `reconsider NAME`, `weights ...`), then reply `done`; `/outsource-review diff` shows "
        "what moved.",
    )
    return None
