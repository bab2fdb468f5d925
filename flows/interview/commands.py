"""The commands that work at every question: `answers`, `weights`, `change N`, `merge A into B`,
`reconsider NAME`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.interview.editing import change_answer, commit, merge_explicitly, reconsider
from flows.interview.machine import rewind
from flows.interview.outcome import Outcome, conclude
from flows.interview.plans import current_prompt
from flows.interview.sifting import InPlay
from flows.interview.wording import answers_text, describe, was, weights_text
from flows.keys import WEIGHTS
from flows.model import Review
from flows.prompts import ReplyError, parse_weights
from flows.versions import is_revision

FACILITATOR_ONLY = ("reconsider", "weights")
REVISION_FACILITATOR_ONLY = ("change", "merge")  # on a reopened review (or a new version) too


def apply_command(
    review: Review, verb: str, argument: str, facilitator: Callable[[], bool], known: InPlay
) -> Outcome:
    """`change N`, `reconsider NAME` and `weights ...` work whatever question is open."""
    if verb == "answers":
        return Outcome(prompt=current_prompt(review, known), message=answers_text(review))
    if verb == "weights" and not argument:
        return Outcome(prompt=current_prompt(review, known), message=weights_text(review))
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
    rewind(review, known)
    outcome = Outcome(prompt=None, changed=True, message=message, value=value)
    return conclude(review, outcome, f"review.{verb}", known)
