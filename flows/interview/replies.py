"""Applying one typed reply: the commands every question takes, and a parsed answer to the open question."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.interview.commands import apply_command
from flows.interview.editing import commit, go_back
from flows.interview.outcome import Outcome, conclude
from flows.interview.plans import current_prompt, the_rest
from flows.interview.sifting import InPlay, pick_answer
from flows.interview.wording import describe, duplicates_text, was
from flows.keys import CANDIDATES, TITLE, QuestionKey, question_of
from flows.method import Stage
from flows.model import Review
from flows.people import person
from flows.prompts import (
    FOR_THE_REST,
    FREE_TEXT,
    GLOBAL_COMMAND,
    QUOTE_HINT,
    RATINGS_ARE_PRIVATE,
    Kind,
    Prompt,
    ReplyError,
    literal,
    parse_reply,
)
from flows.similarity import dedupe, repeated

MAX_PROCESSES = 1000
RENUMBERED = (
    "The options of this question were renumbered (a merge or a reconsider) after you saw them, so nothing "
    "was recorded. Please answer again with the new numbers."
)
REOPENED_HINT = (
    "The review is reopened: `change N` reopens answer N (`/outsource-review answers` lists them), "
    "`reconsider NAME` brings an excluded process back, `merge A into B` merges two, `weights ...` changes "
    "the weights, `done` finishes."
)


def apply_reply(
    review: Review,
    author: str,
    text: str,
    *,
    is_facilitator: bool | Callable[[], bool] = False,
    expect_key: str | None = None,
    known: InPlay | None = None,
    public: bool = False,
) -> Outcome:
    """Apply one typed reply to the review in place.

    `public`: the reply was written where everyone reads it (a channel thread). A rating is not taken there
    (ratings are private until their round closes): anything at a rating question but a command is withheld,
    not recorded, and the outcome says so (`Outcome.withheld`), for the transport to tell its author how to
    rate privately. `help` there says how too.

    `is_facilitator` may be a function: it is asked (at most once) only by the steps only the facilitator may
    take, so that a transport checks who someone is (a Web API call) only when it matters. `known` may
    carry what is in play for the review's answers as they are, when the caller worked it out already.
    """
    facilitator = _once(is_facilitator)
    known = known or InPlay()  # what is in play, worked out once for this reply
    if not review.is_open:
        state = "finished" if review.state is Stage.DONE else "cancelled"
        return Outcome(
            prompt=None, error=f"This review is {state}; start a new one or ask the facilitator to reopen it."
        )
    prompt = current_prompt(review, known)
    command = GLOBAL_COMMAND.match(text) if _may_be_command(text, prompt) else None
    if command:
        verb, argument = (g for g in command.groups() if g is not None)
        outcome = apply_command(review, verb.lower(), argument.strip(), facilitator, known)
        if outcome.error and prompt is not None and prompt.kind in FREE_TEXT:
            outcome.error += " " + QUOTE_HINT.format(" ".join(text.split())[:60])
        if prompt is not None and outcome.prompt is not None and outcome.prompt.is_edition(prompt.edition):
            outcome.message = (
                f"{outcome.message} The options are numbered anew: check them before you answer."
            )
        return outcome
    if prompt is None:
        return _finish_or_hint(review, text, facilitator, known)
    if expect_key is not None and expect_key not in (prompt.key, prompt.edition):
        answered = "That question has been answered already; here is the current one."
        return Outcome(
            prompt=prompt,
            error=RENUMBERED if prompt.is_edition(expect_key) else answered,
            stale=True,
            question=question_of(expect_key),
        )
    private = public and prompt.kind is Kind.RATINGS
    try:
        reply = parse_reply(prompt, text)
    except ReplyError as exc:
        return _withheld(prompt) if private else Outcome(prompt=prompt, error=str(exc), question=prompt.key)
    if private and reply.command is None:
        return _withheld(prompt)
    try:
        outcome = _apply(review, prompt, author, reply.command, reply.value, facilitator, known, public)
    except ReplyError as exc:
        return Outcome(prompt=prompt, error=str(exc), question=prompt.key)
    return conclude(review, outcome, prompt.key, known)


def _withheld(prompt: Prompt) -> Outcome:
    """A rating written where everyone reads it: not recorded."""
    return Outcome(prompt=prompt, error=RATINGS_ARE_PRIVATE, question=prompt.key, withheld=True)


def _may_be_command(text: str, prompt: Prompt | None) -> bool:
    """Commands work at every question. At a list or free-text question a reply in quotes is text, and a
    reply of several lines is a list (its lines are checked for commands as they are parsed)."""
    if prompt is None or prompt.kind not in FREE_TEXT:
        return True
    if prompt.kind is not Kind.TEXT and "\n" in text.strip():
        return False
    return literal(text) is None


def _finish_or_hint(review: Review, text: str, facilitator: Callable[[], bool], known: InPlay) -> Outcome:
    """With every question answered (a reopened review), `done` finishes (the facilitator's to say); anything
    else gets a hint."""
    if review.state is Stage.REPORT and text.strip().casefold().strip(" .!`") not in ("done", "finish"):
        return Outcome(prompt=None, error=REOPENED_HINT)
    if review.state is Stage.REPORT and not facilitator():
        return Outcome(
            prompt=None, error="Only the facilitator (or a workspace admin) can finish a reopened review."
        )
    finished = Outcome(prompt=None, changed=True, message="Finished.")
    return conclude(review, finished, "report.finish", known, finish=True)


def _once(answer: bool | Callable[[], bool]) -> Callable[[], bool]:
    """`answer` as a function that asks it (when it is one) only the first time."""
    if not callable(answer):
        return lambda: answer
    known: list[bool] = []

    def ask() -> bool:
        if not known:
            known.append(bool(answer()))
        return known[0]

    return ask


def _apply(
    review: Review,
    prompt: Prompt,
    author: str,
    command: str | None,
    value: Any,
    facilitator: Callable[[], bool],
    known: InPlay,
    public: bool = False,
) -> Outcome:
    key = prompt.key
    if command == "help":
        accepts = prompt.accepts_in_public if public else prompt.accepts
        parts = [prompt.help, accepts] if prompt.help else [accepts]
        return Outcome(prompt=prompt, message=" ".join(parts))
    if command == "back":
        reopened, answer = go_back(review)
        return Outcome(
            prompt=None,
            changed=True,
            message=f"Going back to {describe(reopened)}. {was(reopened, answer)}",
            value={"back": reopened},
        )
    if prompt.kind is Kind.WEIGHTS and not facilitator():
        raise ReplyError("Only the facilitator (or a workspace admin) sets the weights; everyone rates.")
    if command == "skip":
        commit(review, key, _skipped(prompt), known)
        return Outcome(prompt=None, changed=True, message="Skipped.")
    if command == "done":
        return _close(review, prompt, facilitator, known)
    if command in FOR_THE_REST:
        return _for_the_rest(review, prompt, command, facilitator, known)
    if prompt.kind is Kind.LIST:
        listed = [*(review.drafts.get(key) or []), *value]
        items = dedupe(listed)
        if len(items) > MAX_PROCESSES:
            raise ReplyError(f"A review holds at most {MAX_PROCESSES} processes.")
        added = len(items) - len(review.drafts.get(key) or [])
        review.drafts = {**review.drafts, key: items}
        twice = duplicates_text(repeated(listed))
        return Outcome(
            prompt=None,
            changed=True,
            value=value,
            message=f"Added {added} ({len(items)} so far). {twice + ' ' if twice else ''}"
            "Send more, or reply `done` when the list is complete.",
        )
    if prompt.kind is Kind.METRICS:
        metrics = [*(review.drafts.get(key) or []), *(m.as_dict() for m in value)]
        review.drafts = {**review.drafts, key: metrics}
        return Outcome(
            prompt=None,
            changed=True,
            value=[m.as_dict() for m in value],
            message=f"Recorded {len(value)} metric(s). Send more, or reply `done`.",
        )
    if prompt.kind is Kind.RATINGS:
        draft = {**(review.drafts.get(key) or {}), author: value}
        review.drafts = {**review.drafts, key: draft}
        if review.raters and all(r in draft for r in review.raters):
            commit(review, key, draft, known)
            return Outcome(prompt=None, changed=True, value=value, message="Thanks, the round is complete.")
        return Outcome(
            prompt=None, changed=True, value=value, message=f"Thanks {person(author)}, your ratings are in."
        )
    if prompt.kind is Kind.WEIGHTS:
        stored = {"weights": value.weights, "source": value.source, "directions": value.directions}
        commit(review, key, stored, known)
        return Outcome(prompt=None, changed=True, value=stored, message="Weights noted.")
    if prompt.kind is Kind.PICK:
        value = pick_answer(value, prompt.options)
    commit(review, key, value, known)
    if key == TITLE:
        review.title = value
    return Outcome(prompt=None, changed=True, value=value)


def _skipped(prompt: Prompt) -> Any:
    if prompt.kind is Kind.PICK:
        everything = [o.value for o in prompt.options]
        return pick_answer(everything if prompt.key == CANDIDATES else [], prompt.options)
    parsed = QuestionKey.parse(prompt.key)
    if parsed.name == CANDIDATES and parsed.is_follow_up:
        return True  # skipping means "yes, a candidate", as for the whole list
    if prompt.kind is Kind.YES_NO:
        return False
    if prompt.kind is Kind.METRICS:
        return []
    return None


def _for_the_rest(
    review: Review, prompt: Prompt, command: str, facilitator: Callable[[], bool], known: InPlay
) -> Outcome:
    """`skip all` (a service level) or `done all` (metrics): this task's question answered as `skip` or `done`
    would, and the same question of every task after it as `skip` would, each its own answer as if given one
    by one. This task's answer is committed last, so `back` reopens the question the reply was given to."""
    later = the_rest(review, prompt.key, known)
    for key in later:
        commit(review, key, _skipped(prompt), known)
    outcome = (
        _close(review, prompt, facilitator, known)
        if command == "done all"
        else _apply(review, prompt, "", "skip", None, facilitator, known)
    )
    tasks = [QuestionKey.parse(key).subject or "" for key in later]
    outcome.value = {"also": tasks}
    if tasks:
        after = "the task after it" if len(tasks) == 1 else f"the {len(tasks)} tasks after it"
        also = f"the service levels of {after} too" if command == "skip all" else f"no metrics for {after}"
        outcome.message = f"{(outcome.message or '').rstrip('.')}, and {also}."
    return outcome


def _close(review: Review, prompt: Prompt, facilitator: Callable[[], bool], known: InPlay) -> Outcome:
    draft = review.drafts.get(prompt.key)
    if prompt.kind is Kind.RATINGS:
        if not facilitator():
            raise ReplyError("Only the facilitator closes a rating round. Your ratings are saved.")
        if not draft:
            raise ReplyError("No one has rated this yet, so the round stays open.")
    if prompt.kind is Kind.LIST and not draft:
        raise ReplyError("The list is still empty; send at least one process first, one per line.")
    commit(review, prompt.key, draft or [], known)
    return Outcome(prompt=None, changed=True, message="Done.")
