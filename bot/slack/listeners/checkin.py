"""The check-in modal's submission: checked while Slack waits (errors show in the form), saved after."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import checkin, ids
from bot.slack.presenter import Presenter


def register(app: App, presenter: Presenter) -> None:
    @app.view(ids.CHECKIN_VIEW)
    def submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = checkin.Submission(body["view"])
        if submission.errors:
            ack(response_action="errors", errors=submission.errors)
            return
        ack()
        if not submission.review_id:
            return
        team_id = str((body.get("team") or {}).get("id") or body["user"].get("team_id") or "")
        checkin.record(presenter, client, submission, team_id, body["user"]["id"])
