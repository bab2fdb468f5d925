"""The Slack side of a review: answers go to the review service, what it returns is shown in the channel.

Listeners only parse Slack payloads and call `Presenter`; the presenter turns the service's Turn into Web API
calls. Every call that can fail because of Slack (not in the channel, archived, revoked token) fails softly:
the answer is already saved, and the user is told what to do.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.charts import priority_alt_text, priority_chart  # matplotlib itself loads with the first chart
from bot.slack import reminders
from bot.slack.access import OTHER_WORKSPACE, Access, other_enterprise
from bot.slack.blocks.question import kickoff_message, question_block_id, question_messages
from bot.slack.blocks.report import report_messages
from bot.slack.effects import slack_time
from bot.slack.failures import FIXES as DELIVERY_FIXES
from bot.slack.requestlog import note, slack_error
from bot.slack.text import escape, mention, question_ref, question_token, slug
from flows.model import Review
from flows.prompts import Prompt
from flows.render import RENDERERS
from flows.report import Report
from flows.service import Progress, ReviewNotFound, ReviewService, Turn

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
# What to do about a failed Web API call, for the log line (the people in the channel see the next post).
FIXES = {
    **DELIVERY_FIXES,
    "ratelimited": "Slack rate-limited the bot; the next interaction posts what is missing",
}


THREAD_PAGES = 10  # of 1,000 messages: how far a retried delivery looks for its question in the thread


class Presenter:
    def __init__(self, service: ReviewService, access: Access | None = None):
        self.service = service
        self.access = access or Access()
        self.uploads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="report-files")

    # ------------------------------------------------------------ answering

    def expected_key(self, review: Review, token: str | None) -> str | None:
        """Map a question token from a button or form back to the question it was shown for."""
        if token is None:
            return None
        prompt = self.service.prompt(review)
        # The token of a post made before posts named their numbering is the key's alone: taken as current.
        if prompt is not None and token in (
            question_ref(prompt.key, prompt.edition),
            question_token(prompt.key),
        ):
            return prompt.edition
        if prompt is not None and token.partition("-")[0] == question_token(prompt.key):
            return f"{prompt.key}#renumbered"  # an older post of the open question, numbered otherwise
        token = token.partition("-")[0]
        # Answered a moment ago by someone else: name that question, so the late answer is kept under it.
        answered = (key for key in reversed(review.answered) if question_token(key) == token)
        return next(answered, f"stale:{token}")

    def answer(
        self,
        client: WebClient,
        *,
        review_id: str,
        team_id: str,
        user: str,
        text: str,
        token: str | None = None,
        receipt: str | None = None,
        channel: str | None = None,
        enterprise_id: str | None = None,
        loaded: Review | None = None,
        typed: bool = False,
        typed_ts: str | None = None,
    ) -> Turn | None:
        """Apply a reply from Slack to the review it names, if this request may (`permit`, then `apply`)."""
        review = self.permit(
            client,
            review_id=review_id,
            team_id=team_id,
            user=user,
            channel=channel,
            enterprise_id=enterprise_id,
            loaded=loaded,
            posted=typed,
        )
        if review is None:
            return None
        return self.apply(
            client, review, user=user, text=text, token=token, receipt=receipt, typed=typed, typed_ts=typed_ts
        )

    def permit(
        self,
        client: WebClient,
        *,
        review_id: str,
        team_id: str,
        user: str,
        channel: str | None,
        enterprise_id: str | None,
        loaded: Review | None = None,
        posted: bool = False,
    ) -> Review | None:
        """The review a request names, when `user` may act on it from where the request comes from; else
        None, and they are told why.

        Looked up in the request's workspace only. `channel` is where the request comes from (None when it
        carries none: then only members of the review's channel may act). `loaded` is the review as the
        listener found it (by its thread, for this team; possibly outdated, see `ReviewService.reply`): it is
        not loaded again. `posted`: a reply typed in the review's thread (see `Access.problem`).
        """
        note(review=review_id)
        review: Review | None = loaded
        if review is None or review.id != review_id or review.team_id != team_id:
            try:
                review = self.service.load(review_id, team_id)
            except ReviewNotFound:
                review = None
        if review is None or other_enterprise(review, enterprise_id):
            self.refuse(client, user, channel, OTHER_WORKSPACE, "other_workspace")
            return None
        problem = self.access.problem(client, review, user, channel, enterprise_id, posted=posted)
        if problem is not None:
            self.refuse(client, user, channel, problem, "not_permitted")
            return None
        return review

    def apply(
        self,
        client: WebClient,
        review: Review,
        *,
        user: str,
        text: str,
        token: str | None = None,
        receipt: str | None = None,
        typed: bool = False,
        typed_ts: str | None = None,
    ) -> Turn:
        """Apply `user`'s reply to a review `permit` let them act on, and show what it changed.

        `receipt` is the delivery's key, claimed with the saved answer. `typed`: a reply typed in the review's
        thread (an event, which Slack retries until it gets a 200): its save marks the question it opens as
        posted, and a retry looks in the thread for it (`repost_if_missing`). `typed_ts`: the reply's message
        ts, when it was written (a reply written before the open question was posted is late, see
        `ReviewService.reply`).
        """
        team_id = review.team_id
        turn = self.service.reply(
            str(review.id),
            user,
            text,
            team_id=team_id,
            expect_key=self.expected_key(review, token),
            receipt=receipt,
            is_admin=lambda: self.access.is_admin(client, team_id, user),
            loaded=review,
            # Slack retries an event it got no 200 for, and the retry checks the thread (`repost_if_missing`):
            # a typed reply's save marks the next question too. Clicks and forms are not retried: theirs is
            # marked after the post, so the next interaction reposts a question a crash kept from Slack.
            posting=typed,
            typed_at=slack_time(typed_ts),
        )
        note(outcome=_outcome(turn))
        self.show_turn(client, turn, user, typed)
        return turn

    def refuse(self, client: WebClient, user: str, channel: str | None, text: str, outcome: str) -> None:
        """A polite no, seen only by `user`: in the channel the request came from, else in the app's DM."""
        note(outcome=outcome)
        if channel:
            self.call(client.chat_postEphemeral, channel=channel, user=user, text=escape(text))
        else:
            self.call(client.chat_postMessage, channel=user, text=escape(text))

    def show_turn(self, client: WebClient, turn: Turn, user: str, typed: bool = False) -> None:
        review = turn.review
        if turn.duplicate:
            # A repeat of a delivery applied before. If the first one could not post the next question
            # (Slack failed, or the process died before it could), this is the moment to do it.
            if typed:
                self.repost_if_missing(client, review)
            else:
                self.ensure_posted(client, review)
            return
        if turn.error:
            self.whisper(client, review, user, turn.error)
            if not turn.late or typed:
                # A typed reply is late also while the open question is not posted at all (its post failed):
                # then it is posted now. A late click leaves it to whoever answered first.
                self.ensure_posted(client, review)
            if not turn.late:
                return
        if not turn.recorded:
            if turn.message:  # help, or similar
                self.whisper(client, review, user, turn.message)
            self.ensure_posted(client, review)
            return
        self.refresh_kickoff(client, review, before=turn.before)
        moved_on = turn.prompt is not None and turn.prompt.key != turn.question
        if turn.late:
            # Whoever answered first posts the next question; but a reply refused because the open question
            # was renumbered, and its new numbers are not in the thread (their post failed), posts them.
            if turn.prompt is not None and turn.prompt.is_edition(review.posted_question):
                self.ensure_posted(client, review)
            return
        if moved_on and turn.prompt is not None:
            note = escape(turn.message) if turn.message else None
            if turn.marked or turn.prompt.edition != review.posted_question:
                self.post_next(client, turn, note=note)
            elif note:  # a command left the open question as it was posted: the thread hears what changed
                self.announce(client, review, note)
        else:
            if turn.message and turn.prompt is not None:
                self.whisper(client, review, user, turn.message)
            self.post_next(client, turn)
        if turn.finished:
            self.post_report(client, review)
            reminders.schedule_reminder(
                self.service, client, review
            )  # the monthly check-in, when it has metrics

    # ------------------------------------------------------------ messages

    def refresh_kickoff(self, client: WebClient, review: Review, before: Review | None = None) -> None:
        """Show the review's progress in its kickoff message; not when `before` (the review as the answer
        found it) shows the same. The kickoff changes from step to step, not with every answer (the count of
        rated tasks is in the questions): an edit per answer would cost a Web API call each time, and
        chat.update's rate limit is shared by every review in the workspace."""
        if not (review.channel_id and review.thread_ts):
            return
        progress = self.service.progress(review, count_rated=False)
        if before is not None and _kickoff_of(
            before, self.service.progress(before, count_rated=False)
        ) == _kickoff_of(review, progress):
            return
        message = kickoff_message(review, progress)
        self.call(client.chat_update, channel=review.channel_id, ts=review.thread_ts, **message.as_kwargs())

    def ensure_posted(self, client: WebClient, review: Review, note: str | None = None) -> bool:
        """Post the open question unless the review says it is posted already (`Review.posted_question`).

        This is the repair of a failed or missing post: whatever interaction comes next (a reply, a retried
        delivery, a click) posts the question the thread lacks. True when nothing is missing any more.
        """
        prompt = self.service.prompt(review)
        if not review.is_open or prompt is None or prompt.edition == review.posted_question:
            return True
        return self.post_question(client, review, note=note)

    def post_next(self, client: WebClient, turn: Turn, note: str | None = None) -> None:
        """After a recorded reply: post the question it opened, which its save marked as posted (taking the
        mark back if Slack refuses), or whatever question the thread still lacks."""
        if not turn.marked:
            self.ensure_posted(client, turn.review, note=note)
        elif not self.post_question(client, turn.review, note=note):
            self.service.unmark_posted(turn)

    def repost_if_missing(self, client: WebClient, review: Review) -> None:
        """A retried delivery of a typed reply: its first attempt may have saved the answer, marked the next
        question as posted with it, and died before posting it. Post the open question unless the thread
        has it (when Slack will not say, post it: a question twice beats none)."""
        prompt = self.service.prompt(review)
        if not review.is_open or prompt is None or not review.channel_id:
            return
        if prompt.edition == review.posted_question and self._in_thread(client, review, prompt):
            return
        self.post_question(client, review)

    def _in_thread(self, client: WebClient, review: Review, prompt: Prompt) -> bool:
        """Whether a message in the review's thread holds the question's buttons (a question asked again,
        after `back`, has the same ones: then its first post is found; renumbered options make new ones)."""
        wanted = question_block_id(review, prompt)
        try:
            replies = client.conversations_replies(
                channel=review.channel_id or "", ts=review.thread_ts or "", limit=1000
            )
            for page in islice(replies, THREAD_PAGES):  # slack_sdk fetches the next page as it is reached
                for message in page.get("messages") or []:
                    if any(block.get("block_id") == wanted for block in message.get("blocks") or []):
                        return True
        except SlackApiError as exc:
            log.warning("conversations.replies failed error=%s", slack_error(exc))
        return False

    def post_question(self, client: WebClient, review: Review, note: str | None = None) -> bool:
        """Post the open question in the review's thread; once every part is posted, remember it in the
        review. False when Slack refused a part (the next interaction tries again)."""
        prompt = self.service.prompt(review)
        if prompt is None or not review.channel_id:
            return False
        first: str | None = None
        for message in question_messages(review, prompt, note=note):
            posted = self.request(
                client.chat_postMessage,
                channel=review.channel_id,
                thread_ts=review.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **message.as_kwargs(),
            )
            if posted is None:
                return False
            first = first or posted.get("ts")
        if review.id is not None:
            self.service.mark_posted(review.id, prompt.edition, seen=review, posted_at=slack_time(first))
        return True

    def post_report(self, client: WebClient, review: Review, user: str | None = None) -> bool:
        """Post the shortlist to the channel and upload the full report as Markdown; False when not ready."""
        try:
            report = self.service.full_report(review)
        except ValueError:
            return False
        for message in report_messages(review, report):
            if not self.call(
                client.chat_postMessage, channel=review.channel_id, unfurl_links=False, **message.as_kwargs()
            ):
                return True
        # The files take a chart drawing and three calls each: they follow after Slack has its answer.
        self.uploads.submit(self._upload_report_files, client, review, report)
        return True

    def _upload_report_files(self, client: WebClient, review: Review, report: Report) -> None:
        try:
            if report.shortlist:
                self.upload_chart(client, review, report)
            self.upload(client, review, "md", report)
        except Exception:
            log.exception("the report files could not be uploaded")

    def upload_chart(self, client: WebClient, review: Review, report: Report | None = None) -> bool:
        """The priority chart (PNG) in the channel, with the shortlist; a chart that fails to draw is logged."""
        try:
            report = report or self.service.full_report(review)
            png = priority_chart(report)
        except ValueError:
            raise  # not ready: the caller says so
        except Exception:
            log.exception("the priority chart could not be drawn")
            return False
        return self.call(
            client.files_upload_v2,
            channel=review.channel_id,
            file=png,
            filename=f"{_slug(review)}-priority.png",
            title=f"Priority chart: {review.title or 'review'}",
            alt_txt=priority_alt_text(report),
            initial_comment="Benefits against risk for the shortlist: bigger points score higher, "
            "orange ranks are fragile (see *How stable is this ranking?*).",
        )

    def upload(self, client: WebClient, review: Review, fmt: str, report: Report | None = None) -> bool:
        report = report or self.service.full_report(review)
        content = RENDERERS[fmt](report)
        return self.call(
            client.files_upload_v2,
            channel=review.channel_id,
            thread_ts=review.thread_ts,
            content=content,
            filename=f"{_slug(review)}.{fmt}",
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
        prompt = self.service.prompt(review)
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
        """One Web API call; Slack's refusals and unreachable servers are logged, never raised: the answer
        is saved already, and the next interaction posts what is missing (`ensure_posted`)."""
        return self.request(method, **kwargs) is not None

    def request(self, method: Any, **kwargs: Any) -> Any:
        """`call`, answering the call's response, or None when it failed."""
        name = getattr(method, "__name__", "?")
        try:
            return method(**kwargs)
        except SlackApiError as exc:
            error = slack_error(exc)
        except (SlackClientError, OSError) as exc:
            error = type(exc).__name__
        level = logging.ERROR if error in AUTH_PROBLEMS else logging.WARNING
        fix = FIXES.get(error, "the next interaction tries again")
        log.log(level, "slack call failed method=%s error=%s: %s", name, error, fix)
        note(slack_error=error)
        return None


def _kickoff_of(review: Review, progress: Progress) -> tuple[object, ...]:
    """What the kickoff message shows (`kickoff_message`)."""
    return (review.title, review.facilitator, progress)


def _outcome(turn: Turn) -> str:
    if turn.duplicate:
        return "duplicate"
    if turn.late:
        return "late"
    if turn.recorded:
        return "answered"
    return "not_applied" if turn.error else "shown"


def _slug(review: Review) -> str:
    """A file name from the review's title."""
    return slug(review.title or "review", 40, "review")
