"""The Slack side of a review: answers go to the review service, what they show is written to the outbox.

Listeners only parse Slack payloads and call `Presenter`. The presenter works out what a turn shows (the next
question, the kickoff's progress, a word to the person, the report) as outbox rows in a `Mail`
(`bot.slack.outgoing`): the service saves them with the answer, and the delivery threads send them once Slack
has its HTTP answer. Nothing here calls the Web API but the access checks' reads (`bot.slack.access`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_sdk import WebClient

from bot.slack import reminders
from bot.slack.access import OTHER_WORKSPACE, Access, other_enterprise
from bot.slack.blocks.question import (
    RATE_PRIVATELY,
    collected_line,
    how_to_answer_block,
    kickoff_message,
    question_messages,
    round_status_block,
)
from bot.slack.blocks.report import shortlist_messages
from bot.slack.effects import POSTED, THREAD, slack_time
from bot.slack.failures import fix_for
from bot.slack.ids import HOW_TO_ANSWER_BLOCK, ROUND_STATUS_BLOCK
from bot.slack.outgoing import Mail
from bot.slack.report_uploads import REPORT_CHART, REPORT_FILE
from bot.slack.requestlog import note
from bot.slack.text import escape, mention, question_ref, question_token, slack_text
from bot.slack.views import checking
from flows.advice import TOP
from flows.model import Review
from flows.people import people
from flows.ports import THREAD as IN_THREAD
from flows.ports import Outgoing
from flows.prompts import Kind, Prompt
from flows.report import Report
from flows.service import (
    Permission,
    PermissionNeeded,
    Picks,
    Progress,
    Reply,
    ReviewNotFound,
    ReviewService,
    Turn,
)
from storage.outbox import Problem
from storage.reminders import reminders_beside

log = logging.getLogger("outsource_review.slack")


@dataclass(frozen=True)
class InPrivate:
    """A reply given in the person's direct messages with the bot (a rating): what it shows them goes there."""

    channel: str  # the DM's channel id
    about: str  # mrkdwn naming the question, e.g. “Blog writing” in *Q3 review*
    thread_ts: str | None = None  # when they wrote in a thread of the DM
    asked_ts: str | None = None  # the bot's "which one?" whose button sent it: its buttons go once used


class TurnPlan:
    """A turn's plan for the service (`flows.service.Plan`): the outbox rows `build` writes for it. It keeps the
    rows of its last call (the save that succeeded), so delivery is woken only when a save wrote rows: a
    wake-up makes every delivery thread claim, and most ratings write none (the form says thanks itself)."""

    def __init__(self, build: Callable[[Mail, Turn], None]):
        self.build = build
        self.rows: Sequence[Outgoing] = ()

    def __call__(self, turn: Turn) -> Sequence[Outgoing]:
        mail = Mail.for_review(turn.review)
        self.build(mail, turn)
        self.rows = mail.rows
        return self.rows


class Presenter:
    def __init__(
        self,
        service: ReviewService,
        access: Access | None = None,
        wake: Callable[[], object] | None = None,
        problems: Callable[[str], Sequence[Problem]] | None = None,
        problems_of: Callable[[Sequence[str]], Mapping[str, Sequence[Problem]]] | None = None,
        report_link: Callable[[Review], str | None] | None = None,
        shortlist_top: int = TOP,
    ):
        self.service = service
        self.access = access or Access()
        self._wake = wake  # tells the delivery threads that rows were written
        self._problems = problems  # a review's messages Slack refused for good (the outbox's failed rows)
        self._problems_of = problems_of  # the same for many reviews, in one query
        # The address of a review's report page (bot.web.links.report_link), None without a PUBLIC_URL.
        self._report_link = report_link
        self.shortlist_top = shortlist_top

    def wake(self) -> None:
        if self._wake is not None:
            self._wake()

    def delivery_note(self, review: Review) -> str | None:
        """What `status` and App Home say when Slack refused some of the review's messages for good."""
        failed = self._problems(review.id) if self._problems is not None and review.id else []
        return _note(failed)

    def delivery_notes(self, reviews: Sequence[Review]) -> Callable[[Review], str | None]:
        """`delivery_note` of each of `reviews`, their problems read at once (App Home)."""
        ids = [review.id for review in reviews if review.id]
        found = self._problems_of(ids) if self._problems_of is not None and ids else {}
        return lambda review: _note(found.get(review.id or "") or [])

    def send(self, mail: Mail) -> None:
        """Write rows no save causes (a refusal, a help text, a report asked for again), and wake delivery."""
        if mail.rows:
            self.service.send(mail.rows)
            self.wake()

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
            self.refuse(team_id, enterprise_id, user, channel, OTHER_WORKSPACE, "other_workspace")
            return None
        problem = self.access.problem(checking(client), review, user, channel, enterprise_id, posted=posted)
        if problem is not None:
            self.refuse(team_id, enterprise_id, user, channel, problem, "not_permitted")
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
        private: InPrivate | None = None,
        in_form: bool = False,
    ) -> Turn:
        """Apply `user`'s reply to a review `permit` let them act on; what it shows is saved with it.

        `receipt` is the delivery's key, claimed with the saved answer: a retried event, a double click or a
        form submitted twice is applied once and shows nothing the second time. `typed`: a reply typed in the
        review's thread, where everyone reads it (no rating is taken there); `typed_ts`: its message ts (a
        reply written before the open question was posted is late, see `ReviewService.reply`). `private`: a
        rating sent in a direct message, answered there. `in_form`: the reply came from a form that shows the
        turn's word to `user` itself (`ratings_form_word`), so it is not also sent to them in the thread.
        """
        team_id = review.team_id
        plan = self._planner(user, private, in_form)
        reply = Reply(
            user,
            text,
            answering=self.expected_key(review, token),
            typed_at=slack_time(typed_ts),
            written_in_public=typed,
            delivery_key=receipt,
        )
        apply = partial(self.service.reply, str(review.id), reply, team_id=team_id, loaded=review, plan=plan)
        try:
            # Whether they are an admin is asked of Slack only when the reply takes a facilitator's step.
            turn = apply(permission=Permission.UNCHECKED)
        except PermissionNeeded:
            admin = self.access.is_admin(checking(client), team_id, user)
            turn = apply(permission=Permission.ADMIN if admin else Permission.MEMBER)
        note(outcome=_outcome(turn))
        if plan.rows:
            self.wake()
        return turn

    def apply_picks(
        self, client: WebClient, review: Review, *, user: str, picks: Sequence[Picks], receipt: str | None
    ) -> Turn:
        """Apply a step form's answers (`ReviewService.reply_all`): saved together, and the thread shows what
        the last of them leads to. `receipt`: the submission's key (a form submitted again is applied once)."""
        plan = self._planner(user)
        turn = self.service.reply_all(
            str(review.id),
            user,
            picks,
            delivery_key=receipt,
            team_id=review.team_id,
            plan=plan,
        )
        note(outcome=_outcome(turn))
        if plan.rows:
            self.wake()
        return turn

    def _planner(self, user: str, private: InPrivate | None = None, in_form: bool = False) -> TurnPlan:
        """What a turn of `user`'s shows, as outbox rows (in the thread, or for a reply sent in private)."""

        def build(mail: Mail, turn: Turn) -> None:
            if private is not None:
                self.plan_private(mail, turn, user, private)
            else:
                self.plan_turn(mail, turn, user, told_in_form=in_form)

        return TurnPlan(build)

    def refuse(
        self,
        team_id: str,
        enterprise_id: str | None,
        user: str,
        channel: str | None,
        text: str,
        outcome: str,
    ) -> None:
        """A polite no, seen only by `user`: in the channel the request came from, else in the app's DM."""
        note(outcome=outcome)
        mail = Mail.for_person(team_id, user, enterprise_id)
        if channel:
            mail.ephemeral(channel, user, escape(text), in_thread=False)
        else:
            mail.message_to(user, escape(text))
        self.send(mail)

    def plan_turn(self, mail: Mail, turn: Turn, user: str, told_in_form: bool = False) -> None:
        """What `turn` shows, before it is saved: `turn.review` has the reply applied, `turn.before` is the
        review as the reply found it. `told_in_form`: `user`'s form shows them the turn's word
        (`ratings_form_word`)."""
        review = turn.review
        if turn.duplicate:
            return  # applied before: what it showed was saved with it
        if turn.withheld:
            self.whisper(mail, review, user, rate_privately_hint(turn.prompt), escaped=True)
            self.ensure_posted(mail, review)
            return
        if turn.error:
            if not told_in_form:
                self.whisper(mail, review, user, turn.error)
            if not turn.late:
                self.ensure_posted(mail, review)
                return
        if not turn.recorded:
            if turn.message and not told_in_form:  # help, or similar
                self.whisper(mail, review, user, turn.message)
            self.ensure_posted(mail, review)
            return
        self.refresh_kickoff(mail, review, before=turn.before)
        if turn.late:
            self.ensure_posted(mail, review)
            return
        if turn.prompt is not None and turn.prompt.key != turn.question:  # moved on: the note goes with it
            message = slack_text(turn.message) if turn.message else None
            if not self.show_next(mail, turn, user, note=message) and message:
                self.announce(mail, review, message)  # a command left the open question as it was posted
        else:
            if turn.message and turn.prompt is not None and not told_in_form:
                self.whisper(mail, review, user, turn.message)
            self.show_next(mail, turn, user)

    def show_next(self, mail: Mail, turn: Turn, user: str, note: str | None = None) -> bool:
        """After a recorded reply (typed, clicked or sent in private): the next question (with `note`), or
        the open one's round shown as it stands; the question moved past closed; the report once finished.
        True when a question is posted."""
        review = turn.review
        posted = self.ensure_posted(mail, review, note=note)
        if not posted and turn.prompt is not None:
            # e.g. a rating, or raters named: who is missing
            self.refresh_round(mail, review, turn.prompt, before=turn.before)
        if turn.prompt is None or turn.prompt.key != turn.question:
            self.close_question(mail, turn, user)
        if turn.finished:
            self.post_report(mail, review, turn.report)
            reminders.schedule_reminder(
                mail, review, reminders_beside(self.service.store)
            )  # the monthly check-in, when it has metrics
        return posted

    def plan_private(self, mail: Mail, turn: Turn, user: str, private: InPrivate) -> None:
        """What a rating sent in a direct message shows: a word in the DM (never anyone else's ratings), and
        in the review's thread what any rating shows (the kickoff's progress, the next question once the round
        is complete)."""
        review = turn.review
        if turn.duplicate:
            return
        if turn.late:
            text = (
                f"The round for {private.about} closed just before your ratings arrived, so they were not "
                "counted."
            )
        elif turn.error:
            text = slack_text(turn.error)
        elif turn.recorded:
            earlier = turn.before.drafts.get(turn.question or "") if turn.before is not None else None
            again = isinstance(earlier, dict) and user in earlier
            text = f"Thanks, your ratings for {private.about} are in."
            if again:
                text = f"Thanks, your new ratings for {private.about} replace your earlier ones."
            if turn.prompt is None or turn.prompt.key != turn.question:
                text += " Everyone has rated it, so its round is closed."
        else:
            text = slack_text(turn.message or "Nothing was recorded.")
        if turn.recorded:
            self.refresh_kickoff(mail, review, before=turn.before)
        if turn.recorded and not turn.late:
            moved_on = turn.prompt is not None and turn.prompt.key != turn.question
            self.show_next(
                mail, turn, user, note=slack_text(turn.message) if moved_on and turn.message else None
            )
        else:
            self.ensure_posted(mail, review)
        if private.asked_ts and (turn.recorded or turn.late):
            went = f"Your ratings {'went to' if turn.recorded and not turn.late else 'were for'} {private.about}."
            mail.update(private.channel, private.asked_ts, text=went, blocks=[])
        where: dict[str, Any] = {"thread_ts": private.thread_ts} if private.thread_ts else {}
        mail.post(private.channel, in_thread=False, text=text, **where)

    # ------------------------------------------------------------ messages

    def refresh_kickoff(self, mail: Mail, review: Review, before: Review | None = None) -> None:
        """Show the review's progress in its kickoff message; not when `before` (the review as the answer
        found it) shows the same. The kickoff changes from step to step, not with every answer (the count of
        rated tasks is in the questions): an edit per answer would cost a Web API call each time, and
        chat.update's rate limit is shared by every review in the workspace."""
        if not review.channel_id:
            return
        progress = self.service.progress(review, count_rated=False)
        if before is not None and _kickoff_of(
            before, self.service.progress(before, count_rated=False)
        ) == _kickoff_of(review, progress):
            return
        message = kickoff_message(review, progress)
        mail.update(review.channel_id, review.thread_ts or IN_THREAD, **message.as_kwargs())

    def post_kickoff(self, mail: Mail, review: Review, response_url: str | None = None) -> None:
        """The review's first message in its channel: its thread holds the interview (effect `thread`). If
        it cannot be posted (the bot is not in the channel), the person who asked is told at `response_url`."""
        if not review.channel_id:
            return
        message = kickoff_message(review, self.service.progress(review, count_rated=False))
        told = {"response_url": response_url} if response_url else {}
        mail.post(review.channel_id, in_thread=False, effect=THREAD, **told, **message.as_kwargs())

    def ensure_posted(self, mail: Mail, review: Review, note: str | None = None) -> bool:
        """Post the open question unless the review says it is posted already (`Review.posted_question`);
        True when a post is planned."""
        prompt = self.service.prompt(review)
        if not review.is_open or prompt is None or prompt.edition == review.posted_question:
            return False
        return self.post_question(mail, review, note=note, prompt=prompt)

    def post_question(
        self, mail: Mail, review: Review, note: str | None = None, prompt: Prompt | None = None
    ) -> bool:
        """Post the open question in the review's thread (`prompt`, when the caller has worked it out); the
        save that writes it marks it as posted."""
        prompt = prompt or self.service.prompt(review)
        if prompt is None or not review.channel_id:
            return False
        for message in question_messages(review, prompt, note=note):
            mail.post(
                review.channel_id,
                effect=f"{POSTED}:{prompt.edition}",
                question=prompt.edition,
                **message.as_kwargs(),
            )
        return True

    def refresh_round(self, mail: Mail, review: Review, prompt: Prompt, before: Review | None = None) -> None:
        """A rating round's question shows who has rated and who is still missing: updated in place, unless
        the question as `before` (the review the reply found) showed it is the same (someone rating again):
        an edit costs a chat.update, whose rate limit every review in the workspace shares."""
        if (
            prompt.kind is not Kind.RATINGS
            or prompt.edition != review.posted_question
            or not review.channel_id
        ):
            return
        swapped = _round_blocks(prompt)
        if before is not None:
            shown = self.service.prompt(before)
            if shown is not None and shown.edition == prompt.edition and _round_blocks(shown) == swapped:
                return
        mail.edit_question(review.channel_id, prompt.edition, replace=swapped)

    def close_question(self, mail: Mail, turn: Turn, user: str) -> None:
        """Take the buttons off the question `turn` moved on from (after the rows that show what comes next:
        the next question is what people wait for). Its posts are edited as they were posted, at delivery."""
        before = turn.before
        if before is None or not before.channel_id or not before.posted_question:
            return
        edition = before.posted_question
        if turn.prompt is not None and turn.prompt.edition == edition:
            return  # still open (a command changed something else)
        # Not answered: `back`, `change N` and the like moved away from it.
        answered = turn.question is not None and turn.question in turn.review.answers
        note = f"✓ Answered by {mention(user)}." if answered else "✓ Closed."
        if answered and before.state.step_number == 6:  # a rating round is closed, not answered by one person
            asked = self.service.prompt(before)
            note = "✓ Round closed." if asked is not None and asked.kind is Kind.RATINGS else note
        mail.edit_question(before.channel_id, edition, close=note)

    def report_link(self, review: Review) -> str | None:
        return self._report_link(review) if self._report_link is not None else None

    def post_report(self, mail: Mail, review: Review, report: Report | None = None) -> bool:
        """The shortlist in one message in the channel, with a button to the report page (or, without a
        PUBLIC_URL, a word that the full report is in the thread), then the chart and the full report as a
        Markdown file in the thread (drawn when they are delivered); False when the report is not ready.
        `report`: the full report, when the turn that finished the review brought it (`Turn.report`)."""
        if report is None:
            try:
                report = self.service.full_report(review)
            except ValueError:
                return False
        if not review.channel_id:
            return False
        link = self.report_link(review)
        for message in shortlist_messages(review, report, top=self.shortlist_top, link=link):
            mail.post(review.channel_id, in_thread=False, **message.as_kwargs())
        if report.shortlist:
            mail.add(
                REPORT_CHART, {"channel": review.channel_id}, pace=f"{review.team_id}:{review.channel_id}"
            )
        self.upload(mail, review, "md")
        return True

    def upload(self, mail: Mail, review: Review, fmt: str) -> None:
        """The report as a file in the review's thread (`fmt`: a flows.render format, or "png" the chart)."""
        if not review.channel_id:
            return
        pace = f"{review.team_id}:{review.channel_id}"
        if fmt == "png":
            mail.add(REPORT_CHART, {"channel": review.channel_id}, pace=pace)
        else:
            mail.add(
                REPORT_FILE, {"channel": review.channel_id, "thread_ts": IN_THREAD, "fmt": fmt}, pace=pace
            )

    def round_status(self, review: Review) -> str | None:
        """At a rating round, who has rated it and who is still missing (for `status` and App Home)."""
        prompt = self.service.prompt(review) if review.is_open else None
        if prompt is None or prompt.kind is not Kind.RATINGS:
            return None
        return f"Rating “{escape(prompt.subject or '')}”: {collected_line(prompt)}"

    def nudge(self, client: WebClient, *, review_id: str, team_id: str, user: str) -> None:
        """The facilitator reminds each rater still missing at the open round, privately (a direct message),
        and is told who was reminded."""
        try:
            review = self.service.load(review_id, team_id)
        except ReviewNotFound:
            return
        mail = Mail.for_review(review)
        waiting = [p for p in self.service.waiting_for(review) if p != user]
        prompt = self.service.prompt(review)
        if user != review.facilitator:
            self.whisper(mail, review, user, "Only the facilitator can nudge people.")
        elif not waiting or prompt is None:
            self.whisper(mail, review, user, "Everyone taking part so far has rated this one.")
        else:
            where = f" in <#{review.channel_id}>" if review.channel_id else ""
            for person in waiting:
                mail.message_to(
                    person,
                    f"A reminder from {mention(user)}: your ratings of “{escape(prompt.subject or '')}” in "
                    f"*{escape(review.title)}*{where} are still missing. Use *Rate in a form* under the question "
                    "in the review's thread.",
                )
            self.whisper(mail, review, user, f"Reminded privately: {people(waiting)}.")
        self.send(mail)

    def announce(self, mail: Mail, review: Review, text: str) -> None:
        """A short note in the review's thread; `text` is mrkdwn the caller has escaped."""
        if review.channel_id:
            mail.post(review.channel_id, text=text)

    def whisper(self, mail: Mail, review: Review, user: str, text: str, escaped: bool = False) -> None:
        """A word only `user` sees, in the review's thread; `text` from flows, or mrkdwn when `escaped`."""
        if review.channel_id:
            mail.ephemeral(review.channel_id, user, text if escaped else slack_text(text))


def _round_blocks(prompt: Prompt) -> dict[str, dict[str, Any]]:
    """The blocks of a rating question that change as its round goes on, by block id."""
    return {
        ROUND_STATUS_BLOCK: round_status_block(collected_line(prompt)),
        HOW_TO_ANSWER_BLOCK: how_to_answer_block(prompt),
    }


def ratings_form_word(turn: Turn) -> str:
    """What the rating form shows its sender once submitted (mrkdwn): whether their ratings counted."""
    if turn.late:
        return (
            "This round closed just before your ratings arrived, so they were not counted. The review's "
            "thread shows the question open now."
        )
    if turn.error:
        return slack_text(turn.error)
    if turn.message and not turn.duplicate:
        return slack_text(turn.message)
    return "Thanks, your ratings are in." if turn.recorded or turn.duplicate else "Nothing was recorded."


def rate_privately_hint(prompt: Prompt | None) -> str:
    """What someone who typed at a rating question in the thread is told, privately: how to rate."""
    task = f"“{escape(prompt.subject)}”" if prompt is not None and prompt.subject else "this task"
    return (
        "Ratings are private until the round closes, so nothing typed in the thread is taken as a rating "
        "(you can delete your message). "
        f"To rate {task}, use *{RATE_PRIVATELY}* under the question, or send me your six ratings in a direct "
        "message, like `2 4 2 3 5 2`."
    )


def _kickoff_of(review: Review, progress: Progress) -> tuple[object, ...]:
    """What the kickoff message shows (`kickoff_message`)."""
    return (review.title, review.facilitator, tuple(review.raters), progress)


def _outcome(turn: Turn) -> str:
    if turn.duplicate:
        return "duplicate"
    if turn.late:
        return "late"
    if turn.recorded:
        return "answered"
    return "not_applied" if turn.error else "shown"


def _note(failed: Sequence[Problem]) -> str | None:
    """A review's delivery note from its failed rows (None without any)."""
    if not failed:
        return None
    count = f"{len(failed)} message{'s' if len(failed) != 1 else ''}"
    return f"Slack refused {count} of this review ({failed[0].error}): {fix_for(failed[0].error)}."
