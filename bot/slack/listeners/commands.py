"""`/outsource-review [title] | help | status | list | report | export | cancel | reopen | checkin | answers |
rerun | diff | unshare`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import checkin, reminders
from bot.slack.access import CANNOT_CHECK_ADMIN, workspace
from bot.slack.blocks.home import HELP_TEXT
from bot.slack.outgoing import Mail
from bot.slack.presenter import Presenter
from bot.slack.subcommands import split_command
from bot.slack.text import escape, mention, shorten
from bot.slack.views import checking
from flows.model import Review, utcnow
from flows.ports import Outgoing
from flows.prompts import clean_text
from flows.render import RENDERERS
from flows.service import NotPermitted, Permission, ReviewService, Turn
from storage.reminders import reminders_beside

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


def as_permission(admin: bool | None) -> Permission:
    """A facilitator-only command's permission, from what Slack said of its sender (None: it did not say)."""
    return Permission.ADMIN if admin else Permission.MEMBER


def is_workspace_admin(presenter: Presenter, client: WebClient, team_id: str, user_id: str) -> bool | None:
    """Asked while Slack waits for the answer, within the request's time for checks, and kept a few minutes
    (`Access.admin`); None when Slack did not say in time (never taken for a yes)."""
    return presenter.access.admin(checking(client), team_id, user_id)


def register(app: App, presenter: Presenter) -> None:
    @app.command(COMMAND)
    def outsource_review(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """Every answer is the command's HTTP response (`ack(text=...)`, seen only by whoever typed it);
        what the channel sees goes through the outbox."""
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
            # The form opens at once (the trigger_id is good for 3 seconds); the answer follows.
            problem = checkin.open_form(presenter, client, team_id, channel_id, command["trigger_id"])
            if problem:
                ack(text=problem)
            else:
                ack()
            return
        review = channel_review(presenter, team_id, channel_id)
        if sub == "start":
            ack(text=_start(presenter, command, team_id, rest))
            return
        if review is not None and review.channel_id and not review.thread_ts:  # its kickoff is not posted
            if not review.is_open:
                ack(text=NO_REVIEW)  # Slack refused the kickoff (the person was told why)
            else:
                ack(text=HALF_STARTED if half_started(review) else STARTING)
            return
        if review is None:
            ack(text=NO_REVIEW)
            return
        handlers: dict[str, Callable[[], str | None]] = {
            "status": lambda: _status_text(presenter, review),
            "report": lambda: _report(presenter, review),
            "export": lambda: _export(presenter, review, rest),
            "cancel": lambda: _lifecycle(presenter, client, review, user, "cancel"),
            "reopen": lambda: _lifecycle(presenter, client, review, user, "reopen"),
            "answers": lambda: _answers_text(presenter.service, review),
            "rerun": lambda: _rerun(presenter, client, review, user),
            "diff": lambda: _diff_text(presenter, review),
            "unshare": lambda: _unshare(presenter, client, review, user),
        }
        reply = handlers[sub]()
        if reply:
            ack(text=reply)
        else:
            ack()


HALF_STARTED = (
    "That review did not start properly (its kickoff message may be there, but no questions follow); "
    "start a new one with `/outsource-review`."
)


STARTING = "That review is starting: its first message is on its way to the channel."
KICKOFF_GRACE = timedelta(minutes=5)  # how long a kickoff may wait in the outbox (Slack slow, or paced)


def half_started(review: Review, now: datetime | None = None) -> bool:
    """A review saved by `_start` whose kickoff message has not been posted for a while: Slack refused it
    (the person was told) or it is stuck in the outbox."""
    if not review.channel_id or review.thread_ts:
        return False
    return (now or utcnow()) - review.created_at > KICKOFF_GRACE


def _start(presenter: Presenter, command: dict[str, Any], team_id: str, title: str) -> str:
    """Save the review with its kickoff and first question as outbox rows; the answer to the command.

    The kickoff's ts becomes the review's thread when it is delivered (effect `thread`); the question waits
    for it. If the kickoff cannot be posted (the bot is not in the channel), its row fails, the person is
    told through the command's response_url, and the review stays without a thread (`half_started`)."""
    channel_id, user = command["channel_id"], command["user_id"]
    title = " ".join(clean_text(title).split())[:150] or "Outsource review"

    def plan(turn: Turn) -> list[Outgoing]:
        mail = Mail.for_review(turn.review)
        presenter.post_kickoff(mail, turn.review, command.get("response_url"))
        presenter.post_question(
            mail, turn.review, note=f"{mention(user)} started this review. Answer here in the thread."
        )
        return mail.rows

    presenter.service.start(
        title=title,
        facilitator=user,
        team_id=team_id,
        channel_id=channel_id,
        enterprise_id=command.get("enterprise_id") or None,
        plan=plan,
    )
    presenter.wake()
    return f"Starting *{escape(title)}*: the first question follows in a thread here in a moment."


def _status_text(presenter: Presenter, review: Review) -> str:
    progress = presenter.service.progress(review)
    facts = ", ".join(progress.facts) or "nothing answered yet"
    text = f"*{escape(review.title)}*: {escape(progress.headline)}. So far: {escape(facts)}."
    rating = presenter.round_status(review)
    if rating:
        text += f"\n{rating}"
    problem = presenter.delivery_note(review)
    return f"{text}\n:warning: {escape(problem)}" if problem else text


def _list_text(presenter: Presenter, team_id: str) -> str:
    # A review whose kickoff is not posted has no thread to go to (`status` in its channel explains).
    reviews = [r for r in presenter.service.list_reviews(team_id, 20) if r.thread_ts or not r.channel_id]
    if not reviews:
        return "No reviews yet. Start one in a channel with `/outsource-review Q3 review`."
    lines = [
        f"• *{escape(r.title)}* in <#{r.channel_id}>: {escape(presenter.service.progress(r).headline)}"
        for r in reviews
    ]
    return "\n".join(["This workspace's reviews, newest first:", *lines])


NOT_READY = "The shortlist is not ready yet: every remaining candidate needs ratings first (step 6)."


def _report(presenter: Presenter, review: Review) -> str | None:
    mail = Mail.for_review(review)
    if presenter.service.report_ready(review) and presenter.post_report(mail, review):
        presenter.send(mail)
        return None
    return NOT_READY


def _export(presenter: Presenter, review: Review, rest: str) -> str | None:
    fmt = (rest.split() or ["md"])[0].lower().lstrip(".")
    fmt = {"markdown": "md"}.get(fmt, fmt)
    if fmt not in (*RENDERERS, "png"):
        return f"I can export as {', '.join(RENDERERS)}; for example `/outsource-review export csv`."
    if not presenter.service.report_ready(review):
        return "There is nothing to export yet: every remaining candidate needs ratings first (step 6)."
    mail = Mail.for_review(review)
    presenter.upload(mail, review, fmt)
    presenter.send(mail)
    return None


def _lifecycle(presenter: Presenter, client: WebClient, review: Review, user: str, action: str) -> str | None:
    admin = user != review.facilitator and is_workspace_admin(presenter, client, review.team_id, user)
    if admin is None:
        return CANNOT_CHECK_ADMIN
    withdrawn: list[bool] = []

    def plan(turn: Turn) -> list[Outgoing]:
        mail = Mail.for_review(turn.review)
        presenter.refresh_kickoff(mail, turn.review, before=turn.before)
        # No check-ins on a review not finished: its scheduled reminder is taken back.
        withdrawn[:] = [
            reminders.withdraw_reminder(mail, turn.review, reminders_beside(presenter.service.store))
        ]
        if action == "cancel":
            presenter.announce(mail, turn.review, f"{mention(user)} cancelled this review.")
        else:
            presenter.announce(
                mail,
                turn.review,
                f"{mention(user)} reopened this review. `change N` reopens answer N "
                "(`/outsource-review answers` lists them), `reconsider NAME` brings back an excluded process, "
                "`done` finishes.",
            )
        return mail.rows

    change = presenter.service.cancel if action == "cancel" else presenter.service.reopen
    try:
        turn = change(
            review.id or "", user, team_id=review.team_id, permission=as_permission(admin), plan=plan
        )
    except NotPermitted:
        return f"Only the facilitator ({mention(review.facilitator)}) or a workspace admin can {action} this review."
    if turn.error:
        return turn.error
    presenter.wake()
    if any(withdrawn):
        reminders_beside(presenter.service.store).forget(review.id or "")
    return None


def _unshare(presenter: Presenter, client: WebClient, review: Review, user: str) -> str:
    """Withdraw every link to the report page made so far, for the channel's review and the versions it was
    re-run from (their shortlists were posted here too); facilitator or workspace admin only."""
    service = presenter.service
    shared = [r for r in service.with_earlier_versions(review) if service.has_report(r)]
    if not shared:
        return "This channel's review has no report yet, so there is no link to withdraw."
    withdrawn: list[Review] = []
    refused: Review | None = None
    for version in shared:
        admin = user != version.facilitator and is_workspace_admin(presenter, client, version.team_id, user)
        if admin is None:
            return CANNOT_CHECK_ADMIN
        try:
            service.withdraw_report_links(
                version.id or "", user, team_id=version.team_id, permission=as_permission(admin)
            )
        except NotPermitted:
            refused = refused or version
        else:
            withdrawn.append(version)
    if refused is not None and not withdrawn:
        return (
            f"Only the facilitator ({mention(refused.facilitator)}) or a workspace admin can withdraw the links "
            "to this report."
        )
    titles = " and ".join(f"*{escape(r.title)}*" for r in withdrawn[:2])
    more = f" and {len(withdrawn) - 2} earlier versions" if len(withdrawn) > 2 else ""
    return (
        f"Done: the links to the report of {titles}{more} no longer work (the report button now leads to a "
        "“not found” page). `/outsource-review report` posts the shortlist again with a new link."
    )


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
    admin = user != review.facilitator and is_workspace_admin(presenter, client, review.team_id, user)
    if admin is None:
        return CANNOT_CHECK_ADMIN

    def plan(turn: Turn) -> list[Outgoing]:
        mail = Mail.for_review(turn.review)
        presenter.post_kickoff(mail, turn.review)
        presenter.announce(
            mail,
            turn.review,
            f"{mention(user)} started a new version with every answer of the last one. Change what changed "
            "(`change N`, `reconsider NAME`, `weights ...`), then reply `done`; `/outsource-review diff` "
            "shows what moved.",
        )
        return mail.rows

    try:
        turn = presenter.service.rerun(
            review.id or "", user, team_id=review.team_id, permission=as_permission(admin), plan=plan
        )
    except NotPermitted as exc:
        return str(exc)
    if turn.error or not review.channel_id:
        return turn.error
    presenter.wake()
    return None
