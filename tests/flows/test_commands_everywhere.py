"""Commands at every question, and numbers judged against the numbering their author saw.

A merge typed while a numbered question is open renumbers it: the question says so, and a reply aimed at the
old numbers is refused rather than read with the new ones. Commands typed at a list or a free-text question are
commands (quotes make them text), metrics keep their numbers, and `back` shows the answer being changed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from flows.interview import (
    K_CANDIDATES,
    K_EXPLICIT_MERGES,
    K_METRICS,
    K_PROCESSES,
    K_SERVICE_LEVEL,
    K_WEIGHTS,
    apply_reply,
    explicit_merges,
    picked,
)
from flows.method import Stage
from flows.service import Reply, ReviewService
from tests.support.memory_store import MemoryStore
from tests.support.reviews import CONTRACT_PLAN, FACILITATOR, Interview, run

# Seven processes unlike each other: no merge is suggested, so step 2 follows the list at once.
SEVEN = ["SEO audits", "Newsletter", "Paid search ads", "Blog writing", "Podcast", "Trade fairs", "Webinars"]


def at_candidates(names: Sequence[str] = SEVEN) -> Interview:
    iv = Interview("Q3 review")
    iv.say("skip")  # the kind of organisation
    iv.say("\n".join(names))
    iv.say("done")
    assert iv.key == K_CANDIDATES and iv.options() == list(names)
    return iv


# ---------------------------------------------------------------- 11: a merge renumbers the open question


def test_a_merge_at_a_numbered_question_says_the_options_are_numbered_anew() -> None:
    iv = at_candidates()
    before = iv.prompt
    assert before is not None
    outcome = iv.say("merge Newsletter into SEO audits")
    assert outcome.message is not None
    assert "Merged “Newsletter” into “SEO audits”" in outcome.message and "numbered anew" in outcome.message
    after = outcome.prompt
    assert after is not None and after.key == K_CANDIDATES
    assert [o.value for o in after.options] == [n for n in SEVEN if n != "Newsletter"]
    assert after.edition != before.edition  # a transport posts it again, with its new numbers


def test_numbers_aimed_at_the_old_numbering_are_refused() -> None:
    """`3 4` meant Paid search ads and Blog writing; after the merge they would be Blog writing and Podcast."""
    iv = at_candidates()
    seen = iv.prompt
    assert seen is not None
    iv.say("merge Newsletter into SEO audits")
    outcome = apply_reply(iv.review, "bob", "3 4", expect_key=seen.edition)
    assert "renumbered" in (outcome.error or "") and outcome.stale and not outcome.changed
    assert K_CANDIDATES not in iv.review.answers
    current = iv.prompt
    assert current is not None
    outcome = apply_reply(iv.review, "bob", "3 4", expect_key=current.edition)  # the new numbers
    assert outcome.error is None
    assert picked(iv.review.answers[K_CANDIDATES]) == ["Blog writing", "Podcast"]


def _service_at_candidates() -> tuple[ReviewService, MemoryStore, str]:
    store = MemoryStore()
    service = ReviewService(store)
    review_id = service.start(title="Q3 review", facilitator=FACILITATOR, team_id="T1").review.id or ""
    for text in ("skip", "\n".join(SEVEN), "done"):
        assert service.reply(review_id, Reply(FACILITATOR, text)).error is None
    return service, store, review_id


def test_a_typed_answer_is_judged_against_the_numbering_posted_in_the_thread() -> None:
    """The merge's repost failed: the thread still shows the old numbers, so `3 4` is refused, not misread."""
    service, _, review_id = _service_at_candidates()
    shown = service.prompt(service.load(review_id))
    assert shown is not None
    service.mark_posted(review_id, shown.edition)
    merged = service.reply(review_id, Reply(FACILITATOR, "merge Newsletter into SEO audits"))
    assert merged.recorded and merged.prompt is not None and merged.prompt.edition != shown.edition
    turn = service.reply(review_id, Reply("bob", "3 4"))
    assert "renumbered" in (turn.error or "") and turn.late
    assert K_CANDIDATES not in service.load(review_id).answers
    service.mark_posted(review_id, merged.prompt.edition)  # the new numbers are in the thread now
    turn = service.reply(review_id, Reply("bob", "3 4"))
    assert turn.error is None
    assert picked(service.load(review_id).answers[K_CANDIDATES]) == ["Blog writing", "Podcast"]


def test_a_merge_saved_while_an_answer_was_on_its_way_refuses_the_answer() -> None:
    service, store, review_id = _service_at_candidates()
    store.before_next_save.append(
        lambda: service.reply(review_id, Reply(FACILITATOR, "merge Newsletter into SEO audits"))
    )
    turn = service.reply(review_id, Reply("bob", "3 4"))
    assert "renumbered" in (turn.error or "") and turn.late
    review = service.load(review_id)
    assert K_CANDIDATES not in review.answers and explicit_merges(review) == [("Newsletter", "SEO audits")]
    late = [r for r in store.history(review_id) if r.value == {"late": True}]
    assert [(r.question, r.text) for r in late] == [(K_CANDIDATES, "3 4")]


# ---------------------------------------------------------------- 12: commands while listing processes


def test_merge_typed_while_listing_merges_and_adds_no_process() -> None:
    iv = Interview("Q3 review")
    iv.say("skip")
    iv.say("Blog writing\nWriting blog posts\nSEO audits")
    outcome = iv.say("merge Writing blog posts into Blog writing")
    assert (
        outcome.message is not None and "Merged “Writing blog posts” into “Blog writing”" in outcome.message
    )
    assert iv.key == K_PROCESSES
    assert iv.review.drafts[K_PROCESSES] == ["Blog writing", "Writing blog posts", "SEO audits"]
    assert iv.review.answers[K_EXPLICIT_MERGES] == [["Writing blog posts", "Blog writing"]]
    iv.say("done")
    assert iv.key == K_CANDIDATES and iv.options() == ["Blog writing", "SEO audits"]


def test_a_name_in_quotes_is_listed_even_when_it_reads_like_a_command() -> None:
    iv = Interview("Q3 review")
    iv.say("skip")
    assert '"Weights and measures"' in iv.refused("Weights and measures")
    iv.say('"Weights and measures"')
    iv.say("SEO audits\n“merge desk into newsroom”")
    assert iv.review.drafts[K_PROCESSES] == ["Weights and measures", "SEO audits", "merge desk into newsroom"]


# ---------------------------------------------------------------- 13: commands at a free-text question


def at_service_level() -> Interview:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_SERVICE_LEVEL + "Blog writing")
    return iv


@pytest.mark.parametrize(
    "text", ["weights are fine", "weights", "answers", "reconsider Brand strategy please"]
)
def test_command_words_at_a_free_text_question_are_never_stored(text: str) -> None:
    iv = at_service_level()
    before = dict(iv.review.answers)
    outcome = apply_reply(iv.review, FACILITATOR, text, is_facilitator=True)
    assert not outcome.changed and iv.review.answers == before
    assert iv.key == K_SERVICE_LEVEL + "Blog writing"
    assert outcome.error or outcome.message


def test_answers_lists_the_answers_at_any_question() -> None:
    iv = at_service_level()
    outcome = iv.say("answers")
    assert (
        outcome.message is not None
        and "1. the kind of organisation → ecommerce" in outcome.message
        and not outcome.changed
    )


def test_weights_typed_at_a_free_text_question_change_the_weights() -> None:
    iv = at_service_level()
    iv.say("weights risk 3")
    assert iv.review.answers[K_WEIGHTS]["weights"] == {"risk": 3}
    assert K_SERVICE_LEVEL + "Blog writing" not in iv.review.answers


def test_a_command_word_meant_as_the_answer_goes_in_quotes() -> None:
    iv = at_service_level()
    error = iv.refused("weights are fine")
    assert '"weights are fine"' in error
    iv.say('"weights are fine"')
    assert iv.review.answers[K_SERVICE_LEVEL + "Blog writing"] == "weights are fine"


# ---------------------------------------------------------------- 14: metrics keep their numbers


def at_metrics() -> Interview:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_METRICS + "Blog writing")
    return iv


def test_a_metric_typed_with_commas_keeps_its_numbers() -> None:
    iv = at_metrics()
    iv.say("on-time delivery %, 70, 95")
    iv.say("done")
    assert iv.review.answers[K_METRICS + "Blog writing"] == [
        {"name": "on-time delivery %", "baseline": 70.0, "target": 95.0, "warn_at": 63.0}
    ]


def test_a_metric_without_numbers_is_refused() -> None:
    iv = at_metrics()
    error = iv.refused("on-time delivery")
    assert "baseline and a target" in error


# ---------------------------------------------------------------- 15: back shows the answer; empty replies


def test_back_shows_the_answer_being_changed() -> None:
    iv = at_service_level()
    iv.say("monthly, 5 working days")
    outcome = iv.say("back")
    assert outcome.message is not None
    assert "You answered: monthly, 5 working days. Reply again to change it." in outcome.message
    assert iv.key == K_SERVICE_LEVEL + "Blog writing"


def test_back_to_a_list_shows_it_and_keeps_it() -> None:
    iv = at_candidates(["SEO audits", "Newsletter"])
    outcome = iv.say("back")
    assert (
        outcome.message is not None and "You answered: SEO audits, Newsletter. It is kept" in outcome.message
    )
    assert iv.key == K_PROCESSES


def test_an_empty_reply_ends_a_list_and_is_refused_at_a_free_text_question() -> None:
    iv = Interview("Q3 review")
    iv.say("skip")
    iv.say("SEO audits\nNewsletter")
    iv.say("")
    assert iv.review.state is Stage.CANDIDATES
    iv = at_service_level()
    assert "empty" in iv.refused("")
