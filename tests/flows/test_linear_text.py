"""Every reply, whatever its content, is cleaned and parsed in time that grows with its length, no faster.

A reply of one letter and 39,990 zero-width joiners took 33 s of CPU to clean (each joiner rescanned the rest),
and `merge` followed by 2,000 spaces took more than a minute to match. Each pathological reply below is as long
as Slack allows (40,000 characters) and goes through the interview at questions of every kind; a generous CPU
budget (process time, not the clock) stands in for "it finishes": linear code takes a few milliseconds, the
quadratic code took seconds to minutes.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.interview import apply_reply, current_prompt
from flows.model import Review
from flows.prompts import Kind, clean_text, split_comment
from flows.service import Reply, ReviewService
from tests.support.memory_store import MemoryStore
from tests.support.reviews import FACILITATOR

SLACK_LIMIT = 40_000
BUDGET_SECONDS = 3.0  # for one reply; linear code needs about a hundredth of it

PATHOLOGICAL = {
    "joiners": "a" + "\u200d" * (SLACK_LIMIT - 1),
    "joiners between letters": ("a" + "\u200d" * 999) * (SLACK_LIMIT // 1000),
    "direction marks": "a" + "\u200f\u200e" * (SLACK_LIMIT // 2 - 1),
    "combining marks": "a" + "\u0301" * (SLACK_LIMIT - 1),
    "spaces": " " * SLACK_LIMIT,
    "newlines": "\n" * SLACK_LIMIT,
    "spaces and newlines": " \n" * (SLACK_LIMIT // 2),
    "one word": "x" * SLACK_LIMIT,
    "merge and spaces": "merge " + " " * (SLACK_LIMIT - 6),
    "merge, spaces, into": "merge a" + " " * (SLACK_LIMIT - 14) + "into b",
    "spaces before because": "1" + " " * (SLACK_LIMIT - 10) + "because",
    "digits": "1" * SLACK_LIMIT,
    "change and digits": "change " + "9" * (SLACK_LIMIT - 7),
}


class OverBudget(Exception):
    pass


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget once the process has used `seconds` of CPU time inside the block."""

    def expire(*_: object) -> None:
        raise OverBudget(f"more than {seconds} s of CPU")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _at(replies: list[str], raters: list[str] | None = None) -> Review:
    review = Review(title="Probe", facilitator=FACILITATOR, raters=list(raters or []))
    for text in replies:
        outcome = apply_reply(review, FACILITATOR, text, is_facilitator=True)
        assert outcome.changed, (text, outcome.error)
    return review


def _reviews() -> dict[Kind, Callable[[], Review]]:
    """A review open at a question of each kind a reply can meet."""
    listing = ["skip", "SEO audits\nBlog writing"]
    at_pick = [*listing, "done"]
    at_weights = [*at_pick, "all", *["none"] * 12]
    return {
        Kind.LIST: lambda: _at(listing),
        Kind.PICK: lambda: _at(at_pick),
        Kind.WEIGHTS: lambda: _at(at_weights),
        Kind.TEXT: lambda: _at([*at_weights, "ok"], [FACILITATOR]),
        Kind.RATINGS: lambda: _at([*at_weights, "ok", "skip"], [FACILITATOR]),
        Kind.METRICS: lambda: _at(
            [*at_weights, "ok", "skip", "2 4 2 3 5 2", "skip", "2 4 2 3 5 2"], [FACILITATOR]
        ),
    }


@pytest.mark.parametrize("kind", list(_reviews()))
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_a_pathological_reply_is_handled_at_once(kind: Kind, name: str) -> None:
    review = _reviews()[kind]()
    prompt = current_prompt(review)
    assert prompt is not None and prompt.kind is kind
    text = PATHOLOGICAL[name]
    with cpu_budget(BUDGET_SECONDS):
        apply_reply(review, FACILITATOR, clean_text(text), is_facilitator=True)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_cleaning_is_linear(name: str) -> None:
    with cpu_budget(BUDGET_SECONDS):
        cleaned = clean_text(PATHOLOGICAL[name])
        split_comment(cleaned)
    assert len(cleaned) <= len(PATHOLOGICAL[name])


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("a" + "\u200d" * 5 + "b", "a\u200db"),  # a run of joiners: the first one stays
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("a\u200d", "a"),
        ("\u200db", "b"),
        ("a\u200d \u200db", "a b"),
        ("a\u200d\u0001\u200db", "a\u200db"),
        ("a\u202eb\u2066c", "abc"),
        ("a\u200f\u200eb", "a\u200fb"),
    ],
)
def test_cleaning_keeps_joiners_only_between_visible_characters(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned


def cleaned_one_by_one(text: str) -> str:
    """What `clean_text` leaves, worked out character by character (no shortcut for clean text)."""
    kept = "\u200c\u200d\u200e\u200f"
    visible = lambda ch: ch.isprintable() and not ch.isspace()  # noqa: E731
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in kept:
            if i and text[i - 1] in kept:
                continue  # only the first of a run
            after = i + 1
            while after < len(text) and text[after] in kept:
                after += 1
            if out and visible(out[-1]) and after < len(text) and visible(text[after]):
                out.append(ch)
        elif ch in "\n\t" or ch.isprintable():
            out.append(ch)
    return "".join(out)


@given(st.text(alphabet=st.sampled_from(list("ab \n\t\r\x00é👩\u0301\u200c\u200d\u200e\u200f\u202e\u2066"))))
def test_cleaning_leaves_what_a_character_by_character_pass_leaves(text: str) -> None:
    assert clean_text(text) == cleaned_one_by_one(text)


@given(st.text())
def test_cleaning_any_text_leaves_what_a_character_by_character_pass_leaves(text: str) -> None:
    assert clean_text(text) == cleaned_one_by_one(text)


def test_a_reply_longer_than_slack_allows_is_refused_before_cleaning() -> None:
    """Bounded before any work: 50,000 characters (of which cleaning would leave one) are refused by their
    length, whatever they hold; up to Slack's 40,000 a reply is cleaned first, then measured."""
    service = ReviewService(MemoryStore())
    review = service.start(title="Probe", facilitator=FACILITATOR, team_id="T1").review
    turn = service.reply(review.id or "", Reply(FACILITATOR, "a" + "\u200d" * 49_999), team_id="T1")
    assert turn.error is not None and "50,000 characters" in turn.error
    assert not turn.recorded
    turn = service.reply(review.id or "", Reply(FACILITATOR, "skip" + "\u200d" * 39_000), team_id="T1")
    assert turn.error is None and turn.recorded
