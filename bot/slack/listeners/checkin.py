"""The check-in modal's submission: checked while Slack waits (errors show in the form), saved after."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import checkin, ids
from bot.slack.access import workspace
from bot.slack.presenter import Presenter


def register(app: App, presenter: Presenter) -> None:
    @app.view(ids.CHECKIN_VIEW)
    def submitted(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        submission = checkin.Submission(body["view"])
        if submission.errors:
            ack(response_action="errors", errors=submission.errors)
            return
        ack()
        if not submission.review_id:
            return
        checkin.record(presenter, client, submission, workspace(context), body["user"]["id"])
