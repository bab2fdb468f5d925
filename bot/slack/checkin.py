"""Check-ins in Slack: the `/outsource-review checkin` modal opened and its submission recorded, early warnings
in the review's thread, metric charts. The modal's blocks are in `bot.slack.blocks.modals`, the monthly
reminder a check-in schedules in `bot.slack.reminders`.

The listeners only hand payloads over; what a check-in means is in `flows.checkin`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient

from bot.slack import ids, reminders
from bot.slack.blocks.modals import checkin_modal, metric_token
from bot.slack.outgoing import Mail
from bot.slack.presenter import Presenter
from bot.slack.report_uploads import CHECKIN_CHART
from bot.slack.text import escape, mention
from bot.slack.views import checking, open_view
from flows.method import Stage
from flows.model import Review, utcnow
from flows.ports import THREAD, Outgoing
from flows.service import (
    CheckinError,
    CheckinResult,
    EarlyWarning,
    Level,
    ReviewNotFound,
    checkable,
    month_of,
    parse_period,
    parse_value,
    tracked_metrics,
)
from storage.reminders import reminders_beside

log = logging.getLogger("outsource_review.slack")

CHART_MIN_PERIODS = 2  # a chart of one month says nothing


def checkin_review(presenter: Presenter, team_id: str, channel_id: str) -> Review | None:
    """The channel's newest review that has metrics to check in (else its newest review, for the message)."""
    reviews = [r for r in presenter.service.list_reviews(team_id, 200) if r.channel_id == channel_id]
    with_metrics = [r for r in reviews if r.state is not Stage.CANCELLED and tracked_metrics(r)]
    finished = [r for r in with_metrics if r.state is Stage.DONE]
    return next(iter(finished or with_metrics or reviews), None)


# ---------------------------------------------------------------- the form


def open_form(
    presenter: Presenter, client: WebClient, team_id: str, channel_id: str, trigger_id: str
) -> str | None:
    """Open the check-in modal; the text to show the user when it cannot be opened, else None."""
    review = checkin_review(presenter, team_id, channel_id)
    if review is None:
        return "There is no review in this channel yet. Start one with `/outsource-review Q3 review`."
    try:
        tracked = checkable(review)
    except CheckinError as exc:
        return str(exc)
    view = checkin_modal(review, tracked, month_of(utcnow()))
    if not open_view(client, trigger_id, view.to_dict()):
        return "I couldn't open the check-in form; please run `/outsource-review checkin` again."
    return None


# ---------------------------------------------------------------- the submission


class Submission:
    """The values of a submitted check-in modal, checked; `errors` maps block ids to what is wrong."""

    def __init__(self, view: dict[str, Any]):
        try:
            meta = json.loads(view.get("private_metadata") or "")
        except ValueError:
            meta = {}
        self.review_id = str(meta.get("r") or "") if isinstance(meta, dict) else ""
        values: dict[str, dict[str, Any]] = ((view.get("state") or {}).get("values")) or {}
        self.period_text = str(
            values.get(ids.CHECKIN_PERIOD_BLOCK, {}).get(ids.CHECKIN_PERIOD_INPUT, {}).get("value") or ""
        )
        self.values: dict[str, str] = {}  # metric token -> typed value
        self.errors: dict[str, str] = {}
        for block_id, actions in values.items():
            if not block_id.startswith(ids.CHECKIN_BLOCK_PREFIX):
                continue
            raw = (actions.get(ids.CHECKIN_INPUT) or {}).get("value")
            if raw is None or not str(raw).strip():
                continue
            try:
                parse_value(str(raw))
            except CheckinError as exc:
                self.errors[block_id] = str(exc).replace("`", "")[:150]
                continue
            self.values[block_id[len(ids.CHECKIN_BLOCK_PREFIX) :]] = str(raw)
        try:
            parse_period(self.period_text, utcnow().date())
        except CheckinError as exc:
            self.errors[ids.CHECKIN_PERIOD_BLOCK] = str(exc).replace("`", "")[:150]
        if not self.values and not self.errors:
            first = next(
                (b for b in values if b.startswith(ids.CHECKIN_BLOCK_PREFIX)), ids.CHECKIN_PERIOD_BLOCK
            )
            self.errors[first] = "Give at least one value."


def record(presenter: Presenter, client: WebClient, submission: Submission, team_id: str, user: str) -> None:
    """Save a checked submission with what the thread is told (thanks, warnings, charts, the next reminder),
    all in one transaction: outbox rows saved with the values (`ReviewService.checkin_many`'s plan)."""
    try:
        review = presenter.service.load(submission.review_id, team_id)
    except ReviewNotFound:
        log.info("check-in refused: review not found for this team")
        return
    problem = presenter.access.problem(checking(client), review, user, None, None)
    if problem is not None:
        presenter.refuse(team_id, review.enterprise_id, user, None, problem, "not_permitted")
        return

    def plan(result: CheckinResult) -> list[Outgoing]:
        mail = Mail.for_review(result.review)
        count = len(result.readings)
        presenter.whisper(
            mail,
            result.review,
            user,
            f"Thanks, {count} value{'s' if count != 1 else ''} recorded for {result.period}.",
        )
        post_warnings(mail, result.review, result.warnings, user)
        upload_charts(mail, result.review, result)
        reminders.schedule_reminder(mail, result.review, reminders_beside(presenter.service.store))
        return mail.rows

    try:
        by_token = {metric_token(t): t for t in checkable(review)}
        entries = [
            (by_token[token].process, by_token[token].metric.name, raw)
            for token, raw in submission.values.items()
            if token in by_token
        ]
        presenter.service.checkin_many(
            submission.review_id, user, entries, period=submission.period_text, team_id=team_id, plan=plan
        )
    except CheckinError as exc:  # the modal is closed already (the review changed meanwhile): say so
        mail = Mail.for_review(review)
        presenter.whisper(mail, review, user, f"Your check-in was not recorded: {exc}")
        presenter.send(mail)
        return
    presenter.wake()


# ---------------------------------------------------------------- what the thread sees


def warning_text(warnings: Sequence[EarlyWarning], user: str | None = None) -> str:
    lines = [f"*Early warning* from {mention(user)}'s check-in:" if user else "*Early warning*:"]
    for w in warnings:
        badge = ":red_circle: RED" if w.level is Level.RED else ":large_orange_circle: AMBER"
        lines.append(f"{badge}: {escape(w.text)}")
    return "\n".join(lines)


def post_warnings(mail: Mail, review: Review, warnings: Sequence[EarlyWarning], user: str | None) -> None:
    if warnings and review.channel_id:
        mail.post(review.channel_id, text=warning_text(warnings, user))


def upload_charts(mail: Mail, review: Review, result: CheckinResult) -> int:
    """A chart per checked-in metric with two or more periods, in the review's thread (drawn when it is
    delivered, `bot.slack.report_uploads`); how many were written."""
    if not review.channel_id:
        return 0
    tracked = {(t.process, t.metric.name) for t in tracked_metrics(review)}
    written = 0
    for (process, metric), values in result.series.items():
        if (process, metric) not in tracked or len({r.period for r in values}) < CHART_MIN_PERIODS:
            continue
        mail.add(
            CHECKIN_CHART,
            {"channel": review.channel_id, "thread_ts": THREAD, "process": process, "metric": metric},
            pace=f"{review.team_id}:{review.channel_id}",
        )
        written += 1
    return written
