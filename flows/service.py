"""The review service: every transport hands it a typed reply and shows what it returns.

It loads the review, applies the reply with the interview's rules, and saves the review together with the
answer record in one step guarded by the review's version; when someone else saved first it reloads and
tries again, so answers given at the same moment are applied one at a time and none is lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TypeVar
from uuid import uuid4

# For transports, which import flows through this module alone besides the view modules (model, method,
# prompts, report, render, advice, people, ports; tests/test_architecture.py keeps it so): what they parse
# and show beside a turn, from answers files, check-ins and versions.
from flows.answers import AnswersError as AnswersError
from flows.answers import load_answers as load_answers
from flows.checkin import CheckinError as CheckinError
from flows.checkin import CheckinResult as CheckinResult
from flows.checkin import EarlyWarning as EarlyWarning
from flows.checkin import Level as Level
from flows.checkin import Tracked as Tracked
from flows.checkin import checkable as checkable
from flows.checkin import (
    early_warnings,
    record_checkins,
    tracked_in,
)
from flows.checkin import month_of as month_of
from flows.checkin import next_reminder as next_reminder
from flows.checkin import number_text as number_text
from flows.checkin import parse_period as parse_period
from flows.checkin import parse_value as parse_value
from flows.checkin import reminder_text as reminder_text
from flows.checkin import series as series
from flows.checkin import tracked_metrics as tracked_metrics
from flows.interview import (
    REOPENED_HINT as REOPENED_HINT,  # for transports: what a reopened review takes
)
from flows.interview import (
    InPlay,
    Outcome,
    Progress,
    answered_questions,
    apply_reply,
    build_report,
    cancel,
    current_prompt,
    progress,
    reopen,
)
from flows.interview.outcome import MAX_RECORDED_TEXT
from flows.keys import (
    CANDIDATES,
    CHECKIN,
    K_REPORT_LINKS,
    K_WEIGHTS,
    QuestionKey,
    key_for,
    knockout,
)
from flows.ledger import build_ledger, reconsiderations
from flows.method import KNOCKOUT_STAGES, Criterion, Stage, criteria_for
from flows.model import AnswerRecord, Review, ReviewInput, utcnow
from flows.ports import DuplicateDelivery, Outgoing, ReviewStore, VersionConflict
from flows.prompts import Kind, Prompt, ReplyError, clean_text, typed_reply
from flows.replay import check_answers as check_answers
from flows.replay import replay
from flows.report import Report
from flows.similarity import name_key
from flows.versions import META_REOPENED, next_version
from flows.versions import compare as compare
from flows.versions import previous_version_id as previous_version_id
from flows.versions import render_comparison as render_comparison
from flows.versions import version_of as version_of

MAX_ATTEMPTS = 20


T = TypeVar("T")


MAX_RATING_ROUNDS = 500  # reviews in step 6 a private rating is matched against


@dataclass(frozen=True)
class RatingRound:
    """An open rating question: someone may rate it in private (`ReviewService.rating_rounds`)."""

    review: Review
    prompt: Prompt

    @property
    def task(self) -> str:
        return self.prompt.subject or ""


class ReviewNotFound(LookupError):
    """No such review for this team."""


class NotPermitted(PermissionError):
    """Only the facilitator (or a workspace admin) may do this."""


class Permission(Enum):
    """What a reply's author may do beyond answering: the steps only the facilitator takes (setting weights,
    closing a rating round, `reconsider`, finishing a reopened review) are open to an admin too."""

    ADMIN = "admin"  # a workspace admin (or the terminal's one person): may take the facilitator's steps
    MEMBER = "member"  # anyone else: only the facilitator takes the facilitator's steps
    # Not known yet, because finding out costs the transport something (a Web API call): when the reply
    # takes a facilitator's step, `ReviewService.reply` raises PermissionNeeded, and the transport finds out
    # and replies again with ADMIN or MEMBER. Most replies never ask.
    UNCHECKED = "unchecked"


class PermissionNeeded(Exception):
    """The reply takes a step only the facilitator (or an admin) may take, and its author's permission was
    UNCHECKED: nothing was saved; reply again with Permission.ADMIN or Permission.MEMBER."""


def may_act_as_facilitator(author: str, review: Review, permission: Permission) -> bool:
    """Whether `author` may take `review`'s facilitator-only steps: its facilitator, or an admin
    (PermissionNeeded when that is UNCHECKED and `author` is not the facilitator)."""
    if author == review.facilitator or permission is Permission.ADMIN:
        return True
    if permission is Permission.UNCHECKED:
        raise PermissionNeeded(f"{author} takes a step only the facilitator or an admin may take")
    return False


@dataclass(frozen=True)
class Reply:
    """One reply, as a transport received it.

    `answering` pins the question it answers (the `edition` a button or form was shown for); None answers
    the open question. `typed_at` is when a typed reply was written, by the clock of the place it was written
    (Slack's ts of the message). `written_in_public`: written where everyone reads it (a channel thread),
    where ratings are not taken. `delivery_key` makes it idempotent: the key of its delivery (a Slack event
    id, a click's action_ts), claimed with what it saves."""

    author: str
    text: str
    answering: str | None = None
    typed_at: datetime | None = None
    written_in_public: bool = False
    delivery_key: str | None = None


@dataclass(frozen=True)
class Picks:
    """The processes chosen, by name, at one pick question (a form's answer to it): `answering` is the
    question's key, or the edition the form was shown for. Applied, the names become the option numbers of
    the question as it is open then; a name it no longer offers is dropped, and none chosen is "none"."""

    answering: str
    names: tuple[str, ...] = ()


@dataclass
class Turn:
    """What a transport shows after one interaction: the review as saved, the open question (`prompt`), where
    the review stands (`progress`), a word for the author (`message`, `error`), and the full report when the
    turn finished the review (`report`)."""

    review: Review
    prompt: Prompt | None
    message: str | None = None
    error: str | None = None
    stages_passed: list[Stage] = field(default_factory=list)
    recorded: bool = False
    late: bool = False  # the reply reached a question someone else had just answered
    question: str | None = None  # the key of the question the reply went to
    duplicate: bool = False  # this delivery (its receipt) was applied before: nothing was done now
    withheld: bool = (
        False  # a rating written where everyone reads it: not recorded (`Reply.written_in_public`)
    )
    before: Review | None = None  # the review as it was when the reply was applied to it (replies only)
    # When the turn finished the review: its full report (`ReviewService.full_report`), built before the
    # save, as what the turn shows is (its ledger holds the answers saved before this turn).
    report: Report | None = None

    @property
    def finished(self) -> bool:
        return Stage.DONE in self.stages_passed

    @property
    def progress(self) -> Progress:
        """Where the review stands after the turn (its step; the count of rated tasks is left out, as it
        costs a pass over the ratings: `ReviewService.progress` has it)."""
        return progress(self.review, count_rated=False)


# What a transport will show for a turn, as outbox rows: asked before the turn is saved, and saved with it.
Plan = Callable[[Turn], Sequence[Outgoing]]


def _posts(review: Review, rows: Sequence[Outgoing]) -> None:
    """Mark the question a planned row asks as posted: the outbox delivers it once the save commits."""
    asked = next((row.question for row in reversed(rows) if row.question), None)
    if asked is not None and asked != review.posted_question:
        review.posted_question, review.posted_at = asked, utcnow()


class ReviewService:
    def __init__(self, store: ReviewStore, max_attempts: int = MAX_ATTEMPTS):
        self.store = store
        self.max_attempts = max_attempts

    # ------------------------------------------------------------ lifecycle

    def start(
        self,
        *,
        title: str,
        facilitator: str,
        team_id: str = "local",
        channel_id: str | None = None,
        thread_ts: str | None = None,
        raters: Sequence[str] = (),
        enterprise_id: str | None = None,
        plan: Plan | None = None,
    ) -> Turn:
        """Save a new review; `plan`'s rows (its kickoff, its first question) are saved with it."""
        review = Review(
            id=uuid4().hex,  # chosen here, so what `plan` writes can name the review
            title=_title(title),
            facilitator=facilitator,
            team_id=team_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            raters=list(raters),
            enterprise_id=enterprise_id,
        )
        turn = Turn(review=review, prompt=current_prompt(review))
        rows = plan(turn) if plan is not None else ()
        _posts(review, rows)
        review = self.store.create(review, rows)
        return Turn(review=review, prompt=turn.prompt)

    def replay(self, data: ReviewInput, source: str, *, facilitator: str, title: str) -> Review:
        """Save the review an answers file describes, with exactly the answers and records a chat would
        have saved, in one save (`flows.replay`). The file is answered in memory first: AnswersError when it
        cannot be, and nothing is saved."""
        answered = Review(title=_title(title), facilitator=facilitator)
        records = replay(answered, data, source)
        created = self.store.create(Review(title=_title(title), facilitator=facilitator))
        review = replace(answered, id=created.id, version=created.version, created_at=created.created_at)
        try:
            return self.store.save(
                review, [replace(r, review_id=created.id or "") for r in records], since=created
            )
        except Exception:
            with contextlib.suppress(Exception):  # never leave an unanswered review looking open
                self.cancel(created.id or "", facilitator)
            raise

    def load(self, review_id: str, team_id: str | None = None) -> Review:
        review = self.store.get(review_id, team_id)
        if review is None:
            raise ReviewNotFound(review_id)
        return review

    def _until_saved(self, review_id: str | None, attempt: Callable[[int], T]) -> T:
        """Run `attempt` (numbered from 0) until it gets through without a VersionConflict, at most
        `max_attempts` times: a conflict means someone saved the review meanwhile, and each attempt after the
        first works on the review loaded again."""
        for number in range(self.max_attempts):
            try:
                return attempt(number)
            except VersionConflict:
                continue
        raise VersionConflict(review_id)

    def attach_thread(self, review: Review, channel_id: str, thread_ts: str) -> Review:
        """Remember where the review's kickoff message lives (its thread holds the interview)."""

        def attach(attempt: int) -> Review:
            current = review if attempt == 0 else self.load(review.id or "")
            loaded = _copy(current)
            current.channel_id, current.thread_ts = channel_id, thread_ts
            return self.store.save(current, since=loaded)

        return self._until_saved(review.id, attach)

    def mark_posted(
        self,
        review_id: str,
        question: str | None,
        seen: Review | None = None,
        posted_at: datetime | None = None,
    ) -> Review:
        """Remember that `question` (a question's `edition`) is now posted where the team answers, at `posted_at` (by the clock
        of that place: Slack's ts of the message); see Review.posted_question and Review.posted_at.

        `seen` is the review as just saved (it is not changed): tried first, so the common case costs one
        UPDATE and no SELECT; when someone saved since, the review is loaded again."""

        def mark(attempt: int) -> Review:
            review = seen if attempt == 0 and seen is not None else self.load(review_id)
            if review.posted_question == question:
                return review
            return self.store.mark_posted(review, question, posted_at)

        return self._until_saved(review_id, mark)

    def stamp_posted(self, review_id: str, question: str, posted_at: datetime) -> None:
        """Record when `question` (an edition) appeared where the team answers, by that place's clock, while
        it is still the question marked posted (a later question's mark is left alone)."""

        def stamp(_attempt: int) -> None:
            review = self.load(review_id)
            if review.posted_question == question and review.posted_at != posted_at:
                self.store.mark_posted(review, question, posted_at)

        self._until_saved(review_id, stamp)

    def cancel(
        self,
        review_id: str,
        author: str,
        *,
        team_id: str | None = None,
        permission: Permission = Permission.MEMBER,
        plan: Plan | None = None,
    ) -> Turn:
        return self._lifecycle(review_id, author, "cancel", team_id, permission, plan)

    def reopen(
        self,
        review_id: str,
        author: str,
        *,
        team_id: str | None = None,
        permission: Permission = Permission.MEMBER,
        plan: Plan | None = None,
    ) -> Turn:
        return self._lifecycle(review_id, author, "reopen", team_id, permission, plan)

    def _lifecycle(
        self,
        review_id: str,
        author: str,
        action: str,
        team_id: str | None,
        permission: Permission,
        plan: Plan | None,
    ) -> Turn:

        def act(_attempt: int) -> Turn:
            review = self.load(review_id, team_id)
            if not may_act_as_facilitator(author, review, permission):
                raise NotPermitted(f"Only the facilitator can {action} this review.")
            loaded = _copy(review)
            try:
                (cancel if action == "cancel" else reopen)(review)
            except ReplyError as exc:
                return Turn(review=review, prompt=current_prompt(review), error=str(exc))
            if action == "reopen":  # revising a result: see flows.versions.is_revision
                review.answers = {**review.answers, META_REOPENED: True}
            record = AnswerRecord(review.id or "", f"review.{action}", author, action, None)
            turn = Turn(
                review=review, prompt=current_prompt(review), recorded=True, stages_passed=[review.state]
            )
            turn.before = loaded
            rows = plan(turn) if plan is not None else ()
            _posts(review, rows)
            turn.review = self.store.save(review, [record], since=loaded, outbox=rows)
            return turn

        return self._until_saved(review_id, act)

    # ------------------------------------------------------------ answering

    def reply(
        self,
        review_id: str,
        reply: Reply,
        *,
        permission: Permission = Permission.MEMBER,
        team_id: str | None = None,
        loaded: Review | None = None,
        plan: Plan | None = None,
    ) -> Turn:
        """Apply one reply (`Reply`) and save it; `permission` says whether its author may take the
        facilitator's steps (`Permission`; PermissionNeeded when UNCHECKED and it matters).

        A rating written in public (`Reply.written_in_public`) is not recorded, and the turn says so
        (`Turn.withheld`).

        A typed reply written (`Reply.typed_at`) before the open question was posted there
        (`Review.posted_at`) was meant for the question before: it is kept in the history as late, not taken
        as an answer to the open question, and the author is told what is open now.

        `plan` says what the transport will show for the turn, as outbox rows (`Outgoing`): it is asked once
        the reply is applied, and its rows are saved in the same transaction as the answer (a reply that saves
        nothing writes them on their own), so an answer and what it shows are saved together or not at all.
        A row that asks a question marks it as posted in that save (`Outgoing.question`).

        `loaded` is the review as the caller read it (it is not changed), possibly outdated by the time the
        reply is saved: the first attempt applies the reply to a copy of it instead of loading it again, so
        an answer in a Slack thread reads the review once. When that copy turns out outdated (its save
        conflicts, or the reply would save nothing and the stored version differs), the review is loaded
        anew; a typed reply then answers the question that was open when it arrived (see `_aim_again`).

        `Reply.delivery_key` makes the reply idempotent. It is claimed in the same transaction that saves the
        answer, so a retried delivery is applied once (the retry gets `Turn.duplicate`), and a crash before
        the save leaves the key free for the retry to apply the answer. A reply that saves nothing (an error,
        `help`) claims its key on its own, so its retry stays silent.
        """
        author, expect_key, receipt = reply.author, reply.answering, reply.delivery_key
        typed_at, public = reply.typed_at, reply.written_in_public
        text, too_long = typed_reply(reply.text)
        if too_long:
            review = self.load(review_id, team_id)
            turn = Turn(review=review, prompt=current_prompt(review), error=too_long)
            return self._unsaved(turn, receipt, plan)

        def is_facilitator(review: Review) -> bool:
            return may_act_as_facilitator(author, review, permission)

        arrived = utcnow()
        aimed_at = expect_key
        fresh: Review | None = None  # the review loaded anew by the attempt before, for the next one

        def attempt(number: int) -> Turn:
            # A retried reply may be aimed anew (see `_aim_again`): `aimed_at` and `fresh` carry over.
            nonlocal aimed_at, fresh
            if number == 0 and loaded is not None and loaded.id == review_id:
                recalled, review = True, _copy(loaded)
            else:
                recalled = False
                review = fresh if fresh is not None else self.load(review_id, team_id)
                fresh = None
            before = _copy(review)
            typed_late = False
            known = InPlay()  # what is in play, worked out once for this attempt
            if aimed_at is None:
                aimed_at = _aim(review, known)
                if aimed_at is not None and typed_at is not None and _typed_before_posted(review, typed_at):
                    aimed_at, typed_late = _question_before(review), True
            outcome = apply_reply(
                review,
                author,
                text,
                is_facilitator=partial(is_facilitator, review),
                expect_key=aimed_at,
                known=known,
                public=public,
            )
            if recalled and not outcome.changed and (typed_late or not outcome.stale):
                fresh = self.load(review_id, team_id)
                if fresh.version != review.version:  # `loaded` was outdated: not the reply's fault
                    aimed_at = _aim_again(expect_key, aimed_at, fresh, arrived, typed_at)
                    raise VersionConflict(review_id)  # tried again on the fresh review
            if outcome.stale and typed_late:
                outcome.error = _moved_on(outcome.prompt)
            try:
                return self._save(review, author, text, outcome, aimed_at, receipt, before, plan)
            except VersionConflict:
                if recalled:
                    fresh = self.load(review_id, team_id)
                    aimed_at = _aim_again(expect_key, aimed_at, fresh, arrived, typed_at)
                elif typed_at is not None and expect_key is None:
                    aimed_at = None  # judged again against the review as saved since
                raise
            except DuplicateDelivery:
                saved = self.load(review_id, team_id)
                return Turn(review=saved, prompt=current_prompt(saved), duplicate=True)

        return self._until_saved(review_id, attempt)

    def reply_all(
        self,
        review_id: str,
        author: str,
        picks: Sequence[Picks],
        *,
        delivery_key: str | None = None,
        permission: Permission = Permission.MEMBER,
        team_id: str | None = None,
        plan: Plan | None = None,
    ) -> Turn:
        """Answer several pick questions in turn (a step's criteria, from a form) and save the answers
        together: one history record each, and what `plan` shows for the last turn only (the question open
        after them). When one of them cannot be applied (the review moved on meanwhile), nothing is saved and
        the turn's `error` says why. `delivery_key` makes it idempotent, as for `reply`."""

        def attempt(_number: int) -> Turn:
            review = self.load(review_id, team_id)
            before = _copy(review)
            known = InPlay()  # what is in play, worked out once per answer at most
            records: list[AnswerRecord] = []
            outcomes: list[Outcome] = []
            for pick in picks:
                prompt = current_prompt(review, known)
                text = _numbers(prompt, pick.names)
                outcome = apply_reply(
                    review,
                    author,
                    text,
                    is_facilitator=partial(may_act_as_facilitator, author, review, permission),
                    expect_key=pick.answering,
                    known=known,
                )
                if not outcome.changed or outcome.stale:
                    failed = Turn(review=before, prompt=current_prompt(before), error=_not_applied(outcome))
                    return self._unsaved(failed, delivery_key, plan)
                records.append(outcome.record(review, author, text))
                outcomes.append(outcome)
            if not outcomes:
                return Turn(review=before, prompt=current_prompt(before))
            last = outcomes[-1]
            messages = [o.message for o in outcomes if o.message]
            turn = Turn(
                review=review,
                prompt=last.prompt,
                message=" ".join(messages) or None,
                stages_passed=[stage for o in outcomes for stage in o.stages_passed],
                recorded=True,
                question=last.question,
            )
            try:
                return self._saved(turn, records, delivery_key, before, plan)
            except DuplicateDelivery:
                saved = self.load(review_id, team_id)
                return Turn(review=saved, prompt=current_prompt(saved), duplicate=True)

        return self._until_saved(review_id, attempt)

    def send(self, rows: Sequence[Outgoing]) -> None:
        """Write outbox rows no save causes (a refusal, a help text, a report asked for again)."""
        self.store.enqueue(rows)

    def send_once(self, team_id: str, receipt: str | None, rows: Sequence[Outgoing]) -> bool:
        """Write outbox rows a delivery causes that saves nothing else, once: `receipt` (the delivery's key)
        is claimed with them, so a retried delivery writes nothing (False)."""
        if receipt is None:
            self.store.enqueue(rows)
            return True
        return self.store.claim_receipt(team_id, receipt, rows)

    def _unsaved(self, turn: Turn, receipt: str | None, plan: Plan | None = None) -> Turn:
        """A turn that saved nothing: claim its receipt now (with what it shows), or tell that it is a
        duplicate and show nothing."""
        rows = list(plan(turn)) if plan is not None else []
        if receipt is not None:
            if not self.store.claim_receipt(turn.review.team_id, receipt, rows):
                return Turn(review=turn.review, prompt=turn.prompt, duplicate=True)
        else:
            self.store.enqueue(rows)
        asked = next((row.question for row in reversed(rows) if row.question), None)
        if (
            asked is not None and turn.review.id
        ):  # a question the thread lacked (see `Review.posted_question`)
            with contextlib.suppress(VersionConflict):
                turn.review = self.mark_posted(turn.review.id, asked, seen=turn.review)
        return turn

    def _save(
        self,
        review: Review,
        author: str,
        text: str,
        outcome: Outcome,
        aimed_at: str | None,
        receipt: str | None = None,
        since: Review | None = None,
        plan: Plan | None = None,
    ) -> Turn:
        if outcome.stale:
            # Someone answered this question a moment earlier: keep this answer in the history too.
            record = AnswerRecord(
                review.id or "",
                outcome.question or aimed_at or "",
                author,
                text[:MAX_RECORDED_TEXT],
                {"late": True},
            )
            turn = Turn(
                review=review, prompt=current_prompt(review), error=outcome.error, recorded=True, late=True
            )
            return self._saved(turn, [record], receipt, since, plan)
        if not outcome.changed:
            turn = Turn(
                review=review,
                prompt=outcome.prompt,
                message=outcome.message,
                error=outcome.error,
                question=outcome.question,
                before=since,
                withheld=outcome.withheld,
            )
            return self._unsaved(turn, receipt, plan)
        turn = Turn(
            review=review,
            prompt=outcome.prompt,
            message=outcome.message,
            stages_passed=outcome.stages_passed,
            recorded=True,
            question=outcome.question,
        )
        return self._saved(turn, [outcome.record(review, author, text)], receipt, since, plan)

    def _saved(
        self,
        turn: Turn,
        records: Sequence[AnswerRecord],
        receipt: str | None,
        since: Review | None,
        plan: Plan | None,
    ) -> Turn:
        """Save `turn`'s review with its records and what `plan` shows for it, in one transaction."""
        turn.before = since
        if turn.finished:
            turn.report = self._finished_report(turn.review)
        rows = plan(turn) if plan is not None else ()
        _posts(turn.review, rows)
        turn.review = self.store.save(turn.review, records, receipt, since=since, outbox=rows)
        return turn

    # ------------------------------------------------------------ check-ins

    def checkin(
        self,
        review_id: str,
        author: str,
        process: str | None,
        metric: str,
        value: object,
        period: str | None = None,
        team_id: str | None = None,
    ) -> CheckinResult:
        """Record one metric's value for a period (default: this month); raises CheckinError on bad input."""
        return self.checkin_many(
            review_id, author, [(process, metric, value)], period=period, team_id=team_id
        )

    def checkin_many(
        self,
        review_id: str,
        author: str,
        entries: Iterable[tuple[str | None, str, object]],
        *,
        period: str | None = None,
        team_id: str | None = None,
        now: datetime | None = None,
        plan: Callable[[CheckinResult], Sequence[Outgoing]] | None = None,
    ) -> CheckinResult:
        """Record several values for one period in one save; all are checked before anything is saved.
        `plan` says what the transport shows for it (the thanks, warnings, charts, the next reminder), as
        outbox rows saved in the same transaction; it is asked again if the save has to be tried again.

        Works on a finished review too: check-ins do not go through the interview."""
        entries = list(entries)

        def record(_attempt: int) -> CheckinResult:
            review = self.load(review_id, team_id)
            loaded = _copy(review)
            result = record_checkins(review, author, entries, period, now or utcnow())
            records = [
                AnswerRecord(
                    review.id or "",
                    key_for(CHECKIN, r.process),
                    author,
                    f"{r.metric}: {number_text(r.value)} in {r.period}",
                    r.as_dict(),
                )
                for r in result.readings
            ]
            result.review = review
            rows = plan(result) if plan is not None else ()
            result.review = self.store.save(review, records, since=loaded, outbox=rows)
            return result

        return self._until_saved(review_id, record)

    def withdraw_report_links(
        self,
        review_id: str,
        author: str,
        *,
        team_id: str | None = None,
        permission: Permission = Permission.MEMBER,
    ) -> Review:
        """Every web link to the report made so far stops working (links made after work again): the links
        carry the review's link generation (`link_generation`), and this moves it on."""

        def withdraw(_attempt: int) -> Review:
            loaded = self.load(review_id, team_id)
            if not may_act_as_facilitator(author, loaded, permission):
                raise NotPermitted("Only the facilitator can withdraw the links to this review's report.")
            answers = {**loaded.answers, K_REPORT_LINKS: link_generation(loaded) + 1}
            return self.store.save(replace(loaded, answers=answers), since=loaded)

        return self._until_saved(review_id, withdraw)

    # ------------------------------------------------------------ reading

    def report(self, review: Review) -> Report:
        """The report; raises ValueError while candidates are still unrated."""
        return build_report(review)

    def prompt(self, review: Review) -> Prompt | None:
        """The open question, with what this workspace's finished reviews shortlisted added to step 2."""
        prompt = current_prompt(review)
        if prompt is None or QuestionKey.parse(prompt.key).name != CANDIDATES:
            return prompt
        counts = {name_key(name): n for name, n in self.store.shortlist_counts(review.team_id).items()}
        names = [o.value for o in prompt.options] or [prompt.subject or ""]
        seen = [f"{name} {counts[name_key(name)]}×" for name in names if counts.get(name_key(name))]
        if not seen:
            return prompt
        line = f"Shortlisted in this workspace's finished reviews: {', '.join(seen)}."
        return replace(prompt, details=(*prompt.details, line))

    def full_report(self, review: Review) -> Report:
        """The report with its ledger: who excluded or merged what, when and why, and what was reconsidered."""
        report = build_report(review)
        history = self.store.history(review.id or "")
        report.ledger = build_ledger(report, history)
        report.reconsidered = reconsiderations(report, history)
        tracked = tracked_in(report)
        report.checkins = [reading for t in tracked for reading in series(review, t.process, t.metric.name)]
        report.warnings = early_warnings(review, tracked)
        return report

    def _finished_report(self, review: Review) -> Report | None:
        """The full report of a review just finished; None if it cannot be built."""
        try:
            return self.full_report(review)
        except ValueError:
            return None

    def participants(self, review: Review) -> list[str]:
        """Everyone who has taken part: the facilitator, the named raters and whoever has answered."""
        people = [review.facilitator, *review.raters]
        people += [
            r.author for r in self.store.history(review.id or "") if not r.question.startswith("checkin")
        ]
        return list(dict.fromkeys(people))

    def rating_rounds(self, team_id: str) -> list[RatingRound]:
        """The workspace's open rating questions (one per review at most, in reviews that run in a channel),
        oldest review first: the numbers a rating sent in private may name (`flows.prompts.
        parse_private_rating`) stay put while reviews move on."""
        reviews = self.store.list_reviews(team_id, MAX_RATING_ROUNDS, state=Stage.PRIORITISE)
        rounds = []
        for review in sorted(reviews, key=lambda r: (r.created_at, r.id or "")):
            prompt = current_prompt(review)
            if review.channel_id and prompt is not None and prompt.kind is Kind.RATINGS:
                rounds.append(RatingRound(review, prompt))
        return rounds

    def waiting_for(self, review: Review) -> list[str]:
        """On a rating question: the named raters who have not rated yet (none named: the participants)."""
        prompt = current_prompt(review)
        if prompt is None or prompt.kind is not Kind.RATINGS:
            return []
        if review.raters:
            return list(prompt.awaiting)
        return [p for p in self.participants(review) if p not in prompt.collected]

    def rerun(
        self,
        review_id: str,
        author: str,
        *,
        team_id: str | None = None,
        permission: Permission = Permission.MEMBER,
        plan: Plan | None = None,
    ) -> Turn:
        """Start a new version of a finished review, holding all its answers (change what changed, then `done`)."""
        review = self.load(review_id, team_id)
        if not may_act_as_facilitator(author, review, permission):
            raise NotPermitted("Only the facilitator can start a new version of this review.")
        if review.state is not Stage.DONE:
            return Turn(
                review=review, prompt=None, error="Only a finished review can be run again as a new version."
            )
        new = replace(next_version(review, author), id=uuid4().hex)
        turn = Turn(review=new, prompt=current_prompt(new), recorded=True)
        rows = plan(turn) if plan is not None else ()
        _posts(new, rows)
        created = self.store.create(new, rows)
        record = AnswerRecord(created.id or "", "review.rerun", author, "rerun", {"previous": review.id})
        turn.review = self.store.save(created, [record], since=created)
        return turn

    def compare_with_previous(self, review: Review) -> list[str] | None:
        """What changed since the version this review was re-run from; None for a first version."""
        previous_id = previous_version_id(review)
        if previous_id is None:
            return None
        previous = self.load(previous_id, review.team_id)
        return compare(build_report(previous), build_report(review))

    def with_earlier_versions(self, review: Review) -> list[Review]:
        """The review, then the version it was re-run from, and so on back to the first (those still saved)."""
        chain, seen = [review], {review.id}
        previous_id = previous_version_id(review)
        while previous_id is not None and previous_id not in seen:
            try:
                previous = self.load(previous_id, review.team_id)
            except ReviewNotFound:
                break
            chain.append(previous)
            seen.add(previous_id)
            previous_id = previous_version_id(previous)
        return chain

    def report_ready(self, review: Review) -> bool:
        """Whether the report can be shown: from step 7 on (every candidate rated), or a cancelled review's.
        Before, a review with no process listed yet would give an empty "report"."""
        return review.state in (Stage.METRICS, Stage.REPORT, Stage.DONE) or (
            review.state is Stage.CANCELLED and self.has_report(review)
        )

    def has_report(self, review: Review) -> bool:
        return review.state in (Stage.REPORT, Stage.DONE) or (
            review.state is Stage.CANCELLED and _safe_report(review) is not None
        )

    def progress(self, review: Review, count_rated: bool = True) -> Progress:
        return progress(review, count_rated)

    def weights_set(self, review: Review) -> bool:
        """Whether the weights question has been answered (the `weights ...` command changes them after)."""
        return K_WEIGHTS in review.answers

    def answered(self, review: Review) -> list[tuple[int, str, str]]:
        """(number, question key, 'question → answer') for each answer, in the order given: what `change N`
        takes."""
        return answered_questions(review)

    def list_reviews(self, team_id: str | None = None, limit: int = 50) -> list[Review]:
        return self.store.list_reviews(team_id, limit)


def link_generation(review: Review) -> int:
    """How many times the review's report links were withdrawn: a link made at another generation is void."""
    return int(review.answers.get(K_REPORT_LINKS) or 0)


def report_of(review: Review) -> Report:
    """The review's report; ValueError while a ranked candidate has no ratings."""
    return build_report(review)


def report_if_finished(review: Review) -> Report | None:
    """The report of a finished review, None before: storage keeps a projection of finished reviews' reports
    (what a workspace shortlisted) and asks this. Kept for open reviews too, it was rewritten on every answer
    from step 7 on: 300 processes rated by 10 people are 18,000 rating rows, deleted and inserted twice an
    answer."""
    if review.state is not Stage.DONE:
        return None
    try:
        return build_report(review)
    except (ValueError, KeyError):
        return None


def _aim(review: Review, known: InPlay | None = None) -> str | None:
    """The question a typed reply answers: the open one, as its author saw it. Where the team answers in a
    thread, that is the edition posted there: when the open question was renumbered (a merge) and its new
    numbers are not posted yet, a reply to the old numbers is refused rather than read with the new ones."""
    prompt = current_prompt(review, known)
    if prompt is None:
        return None
    return review.posted_question if prompt.is_edition(review.posted_question) else prompt.edition


def _aim_again(
    expect_key: str | None,
    aimed_at: str | None,
    fresh: Review,
    arrived: datetime,
    typed_at: datetime | None = None,
) -> str | None:
    """The question a reply answers, once the review it was first applied to proved outdated.

    A button or form names its question (`expect_key`). A typed reply with its time of writing is judged
    again against the fresh review (`_typed_before_posted`). Without it, a typed reply answers the question
    that was open when it arrived: when every save since was before it arrived (the review was only outdated
    here, saved by another process), that is the fresh review's; when someone saved after it arrived, it is
    the one it was first aimed at, and the reply is late."""
    if expect_key is not None:
        return expect_key
    if typed_at is not None:
        return None
    return None if fresh.updated_at <= arrived else aimed_at


def _typed_before_posted(review: Review, typed_at: datetime) -> bool:
    """Whether a reply written at `typed_at` was written before the open question was there to be seen
    (`Review.posted_at`; not known for a review saved before that was kept)."""
    return review.posted_at is not None and typed_at < review.posted_at


def _question_before(review: Review) -> str:
    """The question a late reply was meant for: the one answered last (the open one came after it)."""
    return review.answered[-1] if review.answered else "late"


def _numbers(prompt: Prompt | None, names: Sequence[str]) -> str:
    """The typed reply choosing `names` at the pick question `prompt`: their option numbers, or "none"."""
    chosen = set(names)
    options = prompt.options if prompt is not None else ()
    numbers = [str(i) for i, option in enumerate(options, start=1) if option.value in chosen]
    return " ".join(numbers) or "none"


def _not_applied(outcome: Outcome) -> str:
    now = f" Open now: {outcome.prompt.text}" if outcome.prompt is not None else ""
    return f"The review moved on before your form arrived, so none of its answers was saved.{now}"


def knockout_questions(prompt: Prompt | None) -> list[tuple[str, Criterion]]:
    """At a knock-out question (a pick of steps 3 to 5): the step's criteria from it on, each with its
    question's key; otherwise none."""
    if prompt is None or prompt.kind is not Kind.PICK or prompt.stage not in KNOCKOUT_STAGES:
        return []
    keyed = [(knockout(prompt.stage, c.id), c) for c in criteria_for(prompt.stage)]
    keys = [key for key, _ in keyed]
    return keyed[keys.index(prompt.key) :] if prompt.key in keys else []


def _moved_on(prompt: Prompt | None) -> str:
    now = f" Open now: {prompt.text}" if prompt is not None else ""
    return (
        "Sorry, the question moved on before your reply was sent (it was answered a moment earlier), so I "
        f"didn't take your reply as an answer to the new one.{now} Reply again if your answer is for this one."
    )


def _title(title: str) -> str:
    return " ".join(clean_text(title).split())[:150]


def _copy(review: Review) -> Review:
    """A copy to apply a reply to: the reply reassigns the review's fields and never mutates their values
    in place, so sharing the values with the original is safe."""
    return replace(review)


def _safe_report(review: Review) -> Report | None:
    try:
        return build_report(review)
    except ValueError:
        return None
