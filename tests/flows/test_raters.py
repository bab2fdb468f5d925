"""Naming the raters: each rating round closes by itself once they all have rated."""

from __future__ import annotations

from flows.keys import RATE, SERVICE_LEVEL, key_for
from flows.prompts import Kind
from tests.support.reviews import FACILITATOR, Interview

RATING = "2 4 2 3 5 2"


def at_first_rating(raters: list[str] | None = None) -> Interview:
    iv = Interview("Raters", raters=raters)
    for reply in ("skip", "Blog writing\nSEO audits", "done", "all", *["none"] * 12, "ok"):
        iv.say(reply)
    iv.say("skip")  # Blog writing's service level
    assert iv.prompt is not None and iv.prompt.kind is Kind.RATINGS
    return iv


def test_with_raters_named_the_round_closes_when_the_last_one_rates() -> None:
    iv = at_first_rating()
    iv.say("raters @ana, and @ben")
    assert iv.review.raters == ["ana", "ben"]
    prompt = iv.prompt
    assert prompt is not None and prompt.awaiting == ("ana", "ben")
    iv.say(RATING, author="ana")
    prompt = iv.prompt
    assert prompt is not None and prompt.collected == ("ana",) and prompt.awaiting == ("ben",)
    iv.say(RATING, author="ben")
    assert key_for(RATE, "Blog writing") in iv.review.answers
    assert iv.key == key_for(SERVICE_LEVEL, "SEO audits")


def test_naming_raters_who_have_all_rated_closes_the_open_round() -> None:
    iv = at_first_rating()
    iv.say(RATING, author="ana")
    outcome = iv.say("raters ana")
    assert outcome.message is not None and "that round is closed" in outcome.message
    assert iv.key == key_for(SERVICE_LEVEL, "SEO audits")


def test_only_the_facilitator_names_raters_and_none_clears_them() -> None:
    iv = at_first_rating(raters=["ana"])
    assert "Only the facilitator" in iv.refused("raters ana ben", author="ana")
    shown = iv.say("raters")
    assert shown.message is not None and "ana" in shown.message and not shown.changed
    iv.say("raters none")
    assert iv.review.raters == []
    iv.say(RATING, author="ana")  # no one named: the round waits for the facilitator's `done`
    assert iv.prompt is not None and iv.prompt.kind is Kind.RATINGS
    iv.say("done", author=FACILITATOR)
    assert iv.key == key_for(SERVICE_LEVEL, "SEO audits")
