"""Changing the answers: committing one, undoing one (`back`, `change N`), merging and reconsidering.

Answers are never changed in place, only replaced (storage relies on it, and so does `InPlay`).
"""

from __future__ import annotations

import re
from typing import Any

from flows.decision import sift
from flows.interview.machine import move
from flows.interview.sifting import InPlay, accepted_merges, explicit_merges, listed_processes, review_input
from flows.keys import EXPLICIT_MERGES, MERGE, METRICS, PROCESSES, RATE, TITLE, QuestionKey, key_for, stage_of
from flows.method import INTERVIEW_PATH
from flows.model import Review
from flows.prompts import ReplyError
from flows.similarity import name_key


def commit(review: Review, key: str, value: Any, known: InPlay | None = None) -> None:
    before = review.answers
    review.answers = {**before, key: value}
    if known is not None:
        known.committed(before, review.answers, QuestionKey.parse(key).stage)
    review.drafts = {k: v for k, v in review.drafts.items() if k != key}
    answered = review.answered  # searched at C speed: a key answered anew is rare (`change N`, a reconsider)
    review.answered = [*([k for k in answered if k != key] if key in answered else answered), key]


def uncommit(review: Review, key: str) -> Any:
    """Take an answer back; the answer it had. Collected drafts come back so nothing typed is lost."""
    value = review.answers[key]
    review.answered = [k for k in review.answered if k != key]
    review.answers = {k: v for k, v in review.answers.items() if k != key}
    if key == TITLE:
        review.title = ""  # or the title question is not asked again
    collected = key == PROCESSES or QuestionKey.parse(key).name in (RATE, METRICS)
    if value and not isinstance(value, bool) and collected:
        review.drafts = {**review.drafts, key: value}
    return value


def go_back(review: Review) -> tuple[str, Any]:
    """Reopen the last committed answer: its key and the answer it had. Collected drafts come back so
    nothing typed is lost."""
    # The last answer given at this stage or before (after `reconsider`, later steps may hold answers too).
    order = list(INTERVIEW_PATH)
    earlier = [k for k in review.answered if order.index(stage_of(k)) <= order.index(review.state)]
    if not earlier:
        raise ReplyError("There is nothing to go back to yet.")
    key = earlier[-1]
    was = uncommit(review, key)
    move(review, "back", reopened=key)
    return key, was


def change_answer(review: Review, argument: str) -> tuple[str, Any]:
    """Reopen answer number `argument`: its key and the answer it had. Collected drafts come back so nothing
    typed is lost."""
    # At most 9 digits: int() refuses over 4,300, and no review has a billion answers.
    if not argument.isdecimal() or len(argument) > 9 or not 1 <= int(argument) <= len(review.answered):
        raise ReplyError(f"Say which answer to change by its number, 1 to {len(review.answered)}.")
    key = review.answered[int(argument) - 1]
    return key, uncommit(review, key)


def reconsider(review: Review, name: str) -> tuple[str, int, tuple[str, ...]]:
    """Bring an excluded or merged process back: it re-enters the method at the step that removed it."""
    report_input = review_input(review)
    processes, excluded, _ = sift(report_input)
    wanted = name_key(name)
    for merge in report_input.merges:
        for source in merge.sources:
            if name_key(source) == wanted:
                pairs = explicit_merges(review)
                if any(a == source for a, _ in pairs):
                    kept = [[a, b] for a, b in pairs if a != source]
                    review.answers = {**review.answers, EXPLICIT_MERGES: kept}
                else:
                    commit(review, key_for(MERGE, source), False)
                return source, 1, (f"merged into {merge.into}",)
    for exclusion in excluded:
        if name_key(exclusion.process) == wanted:
            forget_from(review, exclusion.process, exclusion.step)
            return exclusion.process, exclusion.step, exclusion.reasons
    if any(name_key(p) == wanted for p in processes):
        raise ReplyError(f"“{name}” is not excluded, so there is nothing to reconsider.")
    raise ReplyError(f"I don't know a process called “{name}”. Check the spelling in the report.")


def forget_from(review: Review, process: str, step: int) -> None:
    """Forget what was said about `process` from `step` on, so those questions are asked again."""
    answers = dict(review.answers)
    for key, value in review.answers.items():
        parsed = QuestionKey.parse(key)
        if not parsed.asked.is_pick:  # only pick answers and their follow-ups name processes asked about
            continue
        stage = parsed.stage
        if stage is None or stage.step_number is None or stage.step_number < step:
            continue
        if parsed.process == process:
            del answers[key]
        elif isinstance(value, dict) and "asked" in value:
            answers[key] = {
                "picked": [p for p in value["picked"] if p != process],
                "asked": [p for p in value["asked"] if p != process],
            }
    review.answers = answers
    review.answered = [k for k in review.answered if k in answers]


def merge_explicitly(review: Review, argument: str) -> tuple[str, str]:
    """`Writing blog posts into Blog writing`: merge two listed processes the team knows are one."""
    # The first ` into ` with a name before it; searched once, from the start of each run of spaces only.
    match = re.search(r"(?<!\s)\s+into\s", argument, re.IGNORECASE)
    # While the list is still being typed (step 1), its names so far can be merged too.
    names_so_far = [*listed_processes(review), *(review.drafts.get(PROCESSES) or [])]
    listed = {name_key(p): p for p in names_so_far}
    if not match or not argument[: match.start()].strip() or not argument[match.end() :].strip():
        raise ReplyError("Write `merge A into B`, with two names from the list.")
    names = []
    for raw in (argument[: match.start()], argument[match.end() :]):
        name = listed.get(name_key(raw.strip(' “”"')))
        if name is None:
            raise ReplyError(f"“{raw.strip()[:60]}” is not on the list; use a name exactly as listed.")
        names.append(name)
    source, into = names
    merged_away = {s for m in accepted_merges(review) for s in m.sources}
    if source == into or source in merged_away or into in merged_away:
        raise ReplyError(
            f"“{source}” can't be merged into “{into}”: merge each process once, into one kept name."
        )
    if any(into == source_ for source_, _ in explicit_merges(review)) or any(
        m.into == source for m in accepted_merges(review)
    ):
        raise ReplyError(f"“{source}” already has others merged into it; merge straight into one kept name.")
    review.answers = {**review.answers, EXPLICIT_MERGES: [*explicit_merges(review), [source, into]]}
    return source, into
