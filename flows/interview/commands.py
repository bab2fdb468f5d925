"""The commands that work at every question: `answers`, `weights`, `change N`, `merge A into B`,
`reconsider NAME`, `raters A B`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.interview.editing import change_answer, commit, merge_explicitly, reconsider
from flows.interview.machine import move
from flows.interview.outcome import Outcome, conclude
from flows.interview.plans import current_prompt
from flows.interview.sifting import InPlay
from flows.interview.wording import answers_text, describe, raters_text, was, weights_text
from flows.keys import WEIGHTS
from flows.model import Review
from flows.people import people
from flows.prompts import Kind, ReplyError, parse_weights
from flows.versions import is_revision

FACILITATOR_ONLY = ("reconsider", "weights", "raters")
NO_ONE = ("none", "no one", "nobody", "-")
REVISION_FACILITATOR_ONLY = ("change", "merge")  # on a reopened review (or a new version) too


def apply_command(
    review: Review, verb: str, argument: str, facilitator: Callable[[], bool], known: InPlay
) -> Outcome:
    """`change N`, `reconsider NAME` and `weights ...` work whatever question is open."""
    if verb == "answers":
        return Outcome(prompt=current_prompt(review, known), message=answers_text(review))
    if verb == "weights" and not argument:
        return Outcome(prompt=current_prompt(review, known), message=weights_text(review))
    if verb == "raters" and not argument:
        return Outcome(prompt=current_prompt(review, known), message=raters_text(review))
    if verb in FACILITATOR_ONLY and not facilitator():
        return Outcome(prompt=current_prompt(review, known), error=f"Only the facilitator can use `{verb}`.")
    if verb in REVISION_FACILITATOR_ONLY and is_revision(review) and not facilitator():
        return Outcome(
            prompt=current_prompt(review, known),
            error=f"Only the facilitator (or a workspace admin) can use `{verb}` on a reopened review.",
        )
    value: Any = {verb: argument}
    try:
        if verb == "change":
            key, answer = change_answer(review, argument)
            message = f"Reopened: {describe(key)}. {was(key, answer)}"
        elif verb == "merge":
            source, into = merge_explicitly(review, argument)
            message = f"Merged “{source}” into “{into}”."
            value = {"merge": source, "into": into}
        elif verb == "raters":
            return _name_raters(review, argument, known)
        elif verb == "reconsider":
            process, step, reasons = reconsider(review, argument)
            message = f"“{process}” is back in the review from step {step}."
            value = {"process": process, "was": {"step": step, "reasons": list(reasons)}}
        else:
            weights = parse_weights(argument)
            stored = {"weights": weights.weights, "source": weights.source, "directions": weights.directions}
            commit(review, WEIGHTS, stored, known)
            message = "Weights changed."
    except ReplyError as exc:
        return Outcome(prompt=current_prompt(review, known), error=str(exc))
    move(review, "revise", known)  # to the earliest stage with an open question again
    outcome = Outcome(prompt=None, changed=True, message=message, value=value)
    return conclude(review, outcome, f"review.{verb}", known)


def _name_raters(review: Review, argument: str, known: InPlay) -> Outcome:
    """Who rates in step 6: each round closes by itself once they all have rated (the open one too, when
    they have already). `argument`: ids or names, separated by commas or spaces, or `none`."""
    named = [] if argument.casefold() in NO_ONE else parse_people(argument)
    review.raters = named
    prompt = current_prompt(review, known)
    closed = ""
    if prompt is not None and prompt.kind is Kind.RATINGS and named:
        draft = review.drafts.get(prompt.key) or {}
        if all(r in draft for r in named):
            commit(review, prompt.key, draft, known)
            closed = f" Everyone named has rated “{prompt.subject}”: that round is closed."
    if named:
        message = f"Raters: {people(named)}. Each round closes by itself once they all have rated.{closed}"
    else:
        message = "No raters named: the facilitator closes each rating round with `done`."
    outcome = Outcome(prompt=None, changed=True, message=message, value={"raters": named})
    return conclude(review, outcome, "review.raters", known)


def parse_people(text: str) -> list[str]:
    """'@ana, @ben and carl' as ['ana', 'ben', 'carl']: each once, in order."""
    names = (word.strip().lstrip("@") for word in text.replace(",", " ").split())
    return list(dict.fromkeys(name for name in names if name and name.casefold() not in ("and", "&")))
