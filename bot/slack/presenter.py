"""The Slack side of a review: answers go to the review service, what it returns is shown in the channel.

Listeners only parse Slack payloads and call `Presenter`; the presenter turns the service's Turn into Web API
calls. Every call that can fail because of Slack (not in the channel, archived, revoked token) fails softly:
the answer is already saved, and the user is told what to do.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks, checkin
from bot.slack.text import escape, mention, question_token
from flows.interview import current_prompt
from flows.model import Review
from flows.render import RENDERERS
from flows.service import ReviewNotFound, ReviewService, Turn

log = logging.getLogger("outsource_review.slack")

NOT_IN_CHANNEL = (
    "I'm not in this channel yet. Invite me with `/invite @Outsource Review` (or from the channel's "
    "Integrations settings), then run the command again."
)
CHANNEL_PROBLEMS = {
    "not_in_channel": NOT_IN_CHANNEL,
    "channel_not_found": NOT_IN_CHANNEL,
    "is_archived": "This channel is archived, so I can't post here. Start the review in an active channel.",
}
AUTH_PROBLEMS = ("invalid_auth", "token_revoked", "account_inactive", "not_authed", "missing_scope")


def slack_error(exc: SlackApiError) -> str:
    data: Any = exc.response.data if exc.response is not None else {}
    return str(data.get("error", "unknown_error")) if isinstance(data, dict) else "unknown_error"


class Presenter:
    def __init__(self, service: ReviewService):
        self.service = service

    # ------------------------------------------------------------ answering

    def expected_key(self, review: Review, token: str | None) -> str | None:
        """Map a question token from a button or form back to the question it was shown for."""
        if token is None:
            return None
        prompt = current_prompt(review)
        if prompt is not None and question_token(prompt.key) == token:
            return prompt.key
        return f"stale:{token}"

    def answer(
        self,
        client: WebClient,
        *,
        review_id: str,
        team_id: str,
        user: str,
        text: str,
        token: str | None = None,
    ) -> Turn | None:
        try:
            review = self.service.load(review_id, team_id)
        except ReviewNotFound:
            log.info("answer refused: review not found for this team")
            return None
        turn = self.service.reply(
            review_id, user, text, team_id=team_id, expect_key=self.expected_key(review, token)
        )
        self.show_turn(client, turn, user)
        return turn

    def show_turn(self, client: WebClient, turn: Turn, user: str) -> None:
        review = turn.review
        if turn.error:
            self.whisper(client, review, user, turn.error)
            if not turn.late:
                return
        if not turn.recorded:
            if turn.message:  # help, or similar
                self.whisper(client, review, user, turn.message)
            return
        self.refresh_kickoff(client, review)
        moved_on = turn.prompt is not None and turn.prompt.key != turn.question
        if turn.late:
            return
        if moved_on and turn.prompt is not None:
            self.post_question(client, review, note=escape(turn.message) if turn.message else None)
        elif turn.message and turn.prompt is not None:
            self.whisper(client, review, user, turn.message)
        if turn.finished:
            self.post_report(client, review)
            checkin.schedule_reminder(self, client, review)  # the monthly check-in, when it has metrics

    # ------------------------------------------------------------ messages

    def refresh_kickoff(self, client: WebClient, review: Review) -> None:
        if not (review.channel_id and review.thread_ts):
            return
        message = blocks.kickoff_message(review, self.service.progress(review))
        self.call(client.chat_update, channel=review.channel_id, ts=review.thread_ts, **message.as_kwargs())

    def post_question(self, client: WebClient, review: Review, note: str | None = None) -> None:
        prompt = self.service.prompt(review)
        if prompt is None or not review.channel_id:
            return
        for message in blocks.question_messages(review, prompt, note=note):
            self.call(
                client.chat_postMessage,
                channel=review.channel_id,
                thread_ts=review.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **message.as_kwargs(),
            )

    def post_report(self, client: WebClient, review: Review, user: str | None = None) -> bool:
        """Post the shortlist to the channel and upload the full report as Markdown; False when not ready."""
        try:
            report = self.service.full_report(review)
        except ValueError:
            return False
        for message in blocks.report_messages(review, report):
            if not self.call(
                client.chat_postMessage, channel=review.channel_id, unfurl_links=False, **message.as_kwargs()
            ):
                return True
        self.upload(client, review, "md")
        return True

    def upload(self, client: WebClient, review: Review, fmt: str) -> bool:
        report = self.service.full_report(review)
        content = RENDERERS[fmt](report)
        slug = "".join(c if c.isalnum() else "-" for c in (review.title or "review").lower()).strip("-")[:40]
        return self.call(
            client.files_upload_v2,
            channel=review.channel_id,
            thread_ts=review.thread_ts,
            content=content,
            filename=f"{slug or 'review'}.{fmt}",
            title=f"Outsource review: {review.title or 'report'} ({fmt})",
            initial_comment=f"The full report for *{escape(review.title or 'this review')}*.",
        )

    def nudge(self, client: WebClient, *, review_id: str, team_id: str, user: str) -> None:
        """The facilitator reminds, in the thread, everyone taking part who has not rated the open task."""
        try:
            review = self.service.load(review_id, team_id)
        except ReviewNotFound:
            return
        if user != review.facilitator:
            self.whisper(client, review, user, "Only the facilitator can nudge people.")
            return
        waiting = [p for p in self.service.waiting_for(review) if p != user]
        prompt = current_prompt(review)
        if not waiting or prompt is None:
            self.whisper(client, review, user, "Everyone taking part so far has rated this one.")
            return
        people = ", ".join(mention(p) for p in waiting)
        self.announce(
            client, review, f"{people}: your ratings of “{escape(prompt.subject or '')}” are still missing."
        )

    def announce(self, client: WebClient, review: Review, text: str) -> None:
        """A short note in the review's thread; `text` is mrkdwn the caller has escaped."""
        if review.channel_id:
            self.call(
                client.chat_postMessage, channel=review.channel_id, thread_ts=review.thread_ts, text=text
            )

    def whisper(self, client: WebClient, review: Review, user: str, text: str) -> None:
        if not review.channel_id:
            return
        self.call(
            client.chat_postEphemeral,
            channel=review.channel_id,
            user=user,
            thread_ts=review.thread_ts,
            text=escape(text),
        )

    def call(self, method: Any, **kwargs: Any) -> bool:
        """One Web API call; Slack's refusals are logged, never raised (the answer is already saved)."""
        try:
            method(**kwargs)
            return True
        except SlackApiError as exc:
            error = slack_error(exc)
            level = logging.ERROR if error in AUTH_PROBLEMS else logging.WARNING
            log.log(
                level, "slack call failed", extra={"method": getattr(method, "__name__", "?"), "error": error}
            )
            return False
