"""The interview machine: every step in order, back, skip, rating rounds, merges, lifecycle and progress."""

from __future__ import annotations

import json

import pytest

from flows import interview
from flows.answers import load_answers
from flows.decision import decide
from flows.interview import (
    K_CANDIDATES,
    K_ORGANISATION,
    K_PROCESSES,
    K_TITLE,
    K_WEIGHTS,
    MACHINE,
    InPlay,
    apply_reply,
    build_report,
    cancel,
    commit,
    current_prompt,
    in_play,
    picked,
    progress,
    reopen,
)
from flows.method import INTERVIEW_PATH, STEPS, Stage
from flows.model import Review
from flows.prompts import Kind, ReplyError
from flows.render import render_json, to_json_dict
from tests.support.reviews import (
    CONTRACT_PLAN,
    CONTRACT_YAML_NO_DIRECTIONS,
    FACILITATOR,
    Interview,
    Pick,
    Plan,
    answer,
    prompt_strings,
    rating,
    run,
)

# ---------------------------------------------------------------- the whole walk

# (reply, author, the question it answers, the state afterwards)
WALK: list[tuple[str | Pick, str, str, Stage]] = [
    ("Q3 marketing review", FACILITATOR, K_TITLE, Stage.INTAKE),
    ("3", FACILITATOR, K_ORGANISATION, Stage.SIMPLIFY),
    ("Blog writing\nWriting blog posts\nSEO audits", FACILITATOR, K_PROCESSES, Stage.SIMPLIFY),
    ("Brand strategy\nKey account calls\nWebsite relaunch", "alice", K_PROCESSES, Stage.SIMPLIFY),
    ("done", FACILITATOR, K_PROCESSES, Stage.SIMPLIFY),
    ("yes", FACILITATOR, "simplify.merge:Writing blog posts", Stage.CANDIDATES),
    ("all", FACILITATOR, K_CANDIDATES, Stage.KEEP_INHOUSE),
    (Pick("Brand strategy"), FACILITATOR, "keep_inhouse:competitive_advantage", Stage.KEEP_INHOUSE),
    ("none", FACILITATOR, "keep_inhouse:no_equal_performance", Stage.KEEP_INHOUSE),
    ("none", FACILITATOR, "keep_inhouse:low_benefit", Stage.CANNOT_OUTSOURCE),
    ("none", FACILITATOR, "cannot_outsource:solid_authorization", Stage.CANNOT_OUTSOURCE),
    ("none", FACILITATOR, "cannot_outsource:internal_politics", Stage.CANNOT_OUTSOURCE),
    ("none", FACILITATOR, "cannot_outsource:ensures_fulfillment", Stage.CANNOT_OUTSOURCE),
    (Pick("Key account calls"), FACILITATOR, "cannot_outsource:face_to_face", Stage.NOT_SHORT_TERM),
    (Pick("Website relaunch"), FACILITATOR, "not_short_term:in_progress", Stage.NOT_SHORT_TERM),
    ("none", FACILITATOR, "not_short_term:undecided_roadmap", Stage.NOT_SHORT_TERM),
    ("none", FACILITATOR, "not_short_term:high_jeopardy", Stage.NOT_SHORT_TERM),
    ("none", FACILITATOR, "not_short_term:specific_expertise", Stage.NOT_SHORT_TERM),
    ("none", FACILITATOR, "not_short_term:contractual_duties", Stage.PRIORITISE),
    ("risk 2", FACILITATOR, K_WEIGHTS, Stage.PRIORITISE),
    ("skip", FACILITATOR, "prioritise.service_level:Blog writing", Stage.PRIORITISE),
    ("1 3 1 3 4 1", "alice", "prioritise.rate:Blog writing", Stage.PRIORITISE),
    ("done", FACILITATOR, "prioritise.rate:Blog writing", Stage.PRIORITISE),
    ("monthly audit, 5 working days", FACILITATOR, "prioritise.service_level:SEO audits", Stage.PRIORITISE),
    ("2 4 2 2 5 2", "alice", "prioritise.rate:SEO audits", Stage.PRIORITISE),
    ("done", FACILITATOR, "prioritise.rate:SEO audits", Stage.METRICS),
    ("done", FACILITATOR, "metrics:Blog writing", Stage.METRICS),
    ("organic sessions per month; 12000; 15000; 11000", "bob", "metrics:SEO audits", Stage.METRICS),
    ("done", FACILITATOR, "metrics:SEO audits", Stage.DONE),
]


def test_the_whole_review_step_by_step() -> None:
    iv = Interview()
    assert iv.review.state is Stage.INTAKE
    for reply, author, key, state in WALK:
        assert iv.key == key
        prompt = iv.prompt
        assert prompt is not None and prompt.stage is iv.review.state
        outcome = iv.pick(*reply.names) if isinstance(reply, Pick) else iv.say(reply, author=author)
        assert outcome.question == key
        assert iv.review.state is state, (reply, key)
        assert outcome.prompt == iv.prompt
    assert iv.prompt is None
    assert iv.review.title == "Q3 marketing review"
    report = to_json_dict(build_report(iv.review))
    assert [(t["rank"], t["process"], t["score"]) for t in report["shortlist"]] == [
        (1, "Blog writing", 82.1),
        (2, "SEO audits", 78.6),
    ]
    assert [(e["process"], e["step"], e["reasons"]) for e in report["excluded"]] == [
        ("Brand strategy", 3, ["competitive_advantage"]),
        ("Key account calls", 4, ["face_to_face"]),
        ("Website relaunch", 5, ["in_progress"]),
    ]
    assert report["merged"] == [{"into": "Blog writing", "from": ["Writing blog posts"]}]
    assert report["organisation"] == "ecommerce"
    assert report["shortlist"][1]["service_level"] == "monthly audit, 5 working days"
    assert report["shortlist"][1]["metrics"] == [
        {"name": "organic sessions per month", "baseline": 12000, "target": 15000, "warn_at": 11000}
    ]


def test_every_stage_is_entered_in_order() -> None:
    iv = Interview()
    run(iv, CONTRACT_PLAN)
    entered = [stage for outcome in iv.outcomes for stage in outcome.stages_passed]
    assert [Stage.INTAKE, *entered] == [*INTERVIEW_PATH, Stage.DONE]


def test_the_machine_is_one_shared_instance_without_auto_transitions() -> None:
    assert MACHINE.models == []
    assert not any(name.startswith("to_") for name in MACHINE.events)
    assert {"done", "back", "knock_out", "revise", "finish", "cancel", "reopen"} <= set(MACHINE.events)


# ---------------------------------------------------------------- back


def test_back_with_nothing_to_go_back_to() -> None:
    iv = Interview()
    assert "nothing to go back to" in iv.refused("back")
    assert iv.review.state is Stage.INTAKE and iv.key == K_TITLE


def test_back_reopens_the_title() -> None:
    iv = Interview()
    iv.say("First title")
    assert iv.key == K_ORGANISATION
    iv.say("back")
    assert iv.key == K_TITLE
    iv.say("Second title")
    assert iv.review.title == "Second title"
    assert iv.key == K_ORGANISATION


def test_back_restores_a_collected_list() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_PROCESSES)
    iv.say("Alpha\nBeta")
    iv.say("Gamma")
    iv.say("done")
    assert iv.review.state is Stage.CANDIDATES
    outcome = iv.say("back")
    assert outcome.value == {"back": K_PROCESSES}
    assert iv.review.state is Stage.SIMPLIFY
    prompt = iv.prompt
    assert prompt is not None and prompt.key == K_PROCESSES
    assert prompt.collected == ("Alpha", "Beta", "Gamma")
    iv.say("Delta")
    iv.say("done")
    assert iv.options() == ["Alpha", "Beta", "Gamma", "Delta"]


def test_a_list_being_typed_survives_going_back_before_it() -> None:
    iv = Interview("t")
    iv.say("2")
    iv.say("Alpha\nBeta")
    iv.say("back")  # reopens the organisation question; the list typed so far is kept
    assert iv.key == K_ORGANISATION
    iv.say("skip")
    prompt = iv.prompt
    assert prompt is not None and prompt.collected == ("Alpha", "Beta")


def test_back_across_a_stage_boundary() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="keep_inhouse:competitive_advantage")
    assert iv.review.state is Stage.KEEP_INHOUSE
    iv.say("back")
    assert iv.review.state is Stage.CANDIDATES and iv.key == K_CANDIDATES
    iv.pick("Blog writing", "SEO audits")  # change the answer
    assert iv.review.state is Stage.KEEP_INHOUSE
    assert iv.options() == ["Blog writing", "SEO audits"]


def test_back_several_times_across_several_stages() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="cannot_outsource:internal_politics")
    keys = []
    for _ in range(5):
        iv.say("back")
        keys.append(iv.key)
    assert keys == [
        "cannot_outsource:solid_authorization",
        "keep_inhouse:low_benefit",
        "keep_inhouse:no_equal_performance",
        "keep_inhouse:competitive_advantage",
        K_CANDIDATES,
    ]
    assert iv.review.state is Stage.CANDIDATES
    # the way forward again asks the same questions
    assert run(iv, CONTRACT_PLAN, until="cannot_outsource:internal_politics") == [
        K_CANDIDATES,
        *keys[:-1][::-1],
    ]


def test_back_within_a_stage_reopens_the_previous_question_with_its_options() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="keep_inhouse:no_equal_performance")
    iv.say("back")
    assert iv.key == "keep_inhouse:competitive_advantage"
    assert "Brand strategy" in iv.options()


def test_back_from_metrics_reopens_the_last_rating_round_with_its_ratings() -> None:
    iv = Interview("t")
    plan: Plan = {
        **CONTRACT_PLAN,
        "prioritise.rate:SEO audits": [("alice", "2 4 2 2 5 2"), ("bob", "3 3 3 3 3 3"), "done"],
    }
    run(iv, plan, until="metrics:Blog writing")
    iv.say("back")
    assert iv.review.state is Stage.PRIORITISE
    prompt = iv.prompt
    assert prompt is not None and prompt.key == "prioritise.rate:SEO audits"
    assert prompt.collected == ("alice", "bob")
    iv.say("done")  # closing again keeps both raters' values
    assert iv.review.answers["prioritise.rate:SEO audits"] == {
        "alice": rating(2, 4, 2, 2, 5, 2),
        "bob": rating(3, 3, 3, 3, 3, 3),
    }


def test_back_from_a_metrics_question_restores_its_metrics() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="metrics:SEO audits")
    iv.say("clicks; 10; 20\nleads; 5; 8; 4")
    iv.say("done")
    assert iv.review.state is Stage.DONE
    assert "finished" in iv.refused("back")


# ---------------------------------------------------------------- skip


@pytest.mark.parametrize(
    ("key", "stored"),
    [
        (K_ORGANISATION, None),
        ("simplify.merge:Writing blog posts", False),
        (
            K_CANDIDATES,
            ["Blog writing", "SEO audits", "Brand strategy", "Key account calls", "Website relaunch"],
        ),
        ("keep_inhouse:competitive_advantage", []),
        ("cannot_outsource:face_to_face", []),
        ("not_short_term:in_progress", []),
        (K_WEIGHTS, None),
        ("prioritise.service_level:Blog writing", None),
        ("metrics:Blog writing", []),
    ],
)
def test_skip_on_optional_questions(key: str, stored: object) -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=key)
    prompt = iv.prompt
    assert prompt is not None and prompt.optional
    outcome = iv.say("skip")
    assert outcome.message == "Skipped."
    value = iv.review.answers[key]
    assert (picked(value) if prompt.kind is Kind.PICK else value) == stored
    assert iv.key != key


@pytest.mark.parametrize("key", [K_TITLE, K_PROCESSES, "prioritise.rate:Blog writing"])
def test_skip_is_refused_on_required_questions(key: str) -> None:
    iv = Interview()
    run(iv, CONTRACT_PLAN, until=key)
    assert "can't be skipped" in iv.refused("skip")
    assert iv.key == key


def test_skipping_the_merge_keeps_both_names() -> None:
    iv = Interview("t")
    run(iv, {**CONTRACT_PLAN, "simplify.merge:Writing blog posts": "skip"}, until=K_CANDIDATES)
    assert "Writing blog posts" in iv.options()


# ---------------------------------------------------------------- knocked out at step 3: not asked again


def test_a_process_excluded_at_step_3_is_not_asked_about_later() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="keep_inhouse:competitive_advantage")
    iv.pick("Brand strategy", "SEO audits")
    later = []
    while iv.review.is_open:
        prompt = iv.prompt
        assert prompt is not None
        if prompt.stage in (Stage.CANNOT_OUTSOURCE, Stage.NOT_SHORT_TERM, Stage.PRIORITISE, Stage.METRICS):
            later.append(prompt)
        answer(iv, {**CONTRACT_PLAN, "keep_inhouse:competitive_advantage": Pick()})
    assert later
    for prompt in later:
        text = " ".join(prompt_strings(prompt))
        assert "Brand strategy" not in text and "SEO audits" not in text, prompt.key
    report = build_report(iv.review)
    assert [(e.process, e.step) for e in report.excluded][:2] == [("SEO audits", 3), ("Brand strategy", 3)]
    assert [t.process for t in report.shortlist] == ["Blog writing"]


def test_a_process_excluded_at_step_4_is_not_asked_about_at_step_5() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="not_short_term:in_progress")
    assert "Key account calls" not in iv.options()
    assert "Brand strategy" not in iv.options()
    assert iv.options() == ["Blog writing", "SEO audits", "Website relaunch"]


def test_when_everything_is_excluded_the_review_finishes_with_no_shortlist() -> None:
    iv = Interview("t")
    run(iv, {**CONTRACT_PLAN, "candidates": "none"})
    assert iv.review.state is Stage.DONE
    report = build_report(iv.review)
    assert report.shortlist == [] and {e.step for e in report.excluded} == {2}


# ---------------------------------------------------------------- rating rounds


def _at_first_rating(raters: list[str] | None = None) -> Interview:
    iv = Interview("t", raters=raters)
    run(iv, CONTRACT_PLAN, until="prioritise.rate:Blog writing")
    return iv


def test_a_round_with_raters_closes_by_itself_when_all_have_rated() -> None:
    iv = _at_first_rating(["alice", "bob"])
    prompt = iv.prompt
    assert prompt is not None and prompt.awaiting == ("alice", "bob") and prompt.collected == ()
    iv.say("1 3 1 3 4 1", author="alice")
    prompt = iv.prompt
    assert prompt is not None and prompt.key == "prioritise.rate:Blog writing"
    assert (prompt.collected, prompt.awaiting) == (("alice",), ("bob",))
    outcome = iv.say("2 3 1 3 4 1", author="bob")
    assert outcome.message == "Thanks, the round is complete."
    assert iv.key == "prioritise.service_level:SEO audits"
    assert set(iv.review.answers["prioritise.rate:Blog writing"]) == {"alice", "bob"}


def test_a_round_without_raters_closes_only_with_the_facilitators_done() -> None:
    iv = _at_first_rating()
    for rater in ("alice", "bob", "cy"):
        iv.say("1 3 1 3 4 1", author=rater)
        assert iv.key == "prioritise.rate:Blog writing"
    assert "Only the facilitator" in iv.refused("done", author="alice")
    iv.say("done")
    assert iv.key == "prioritise.service_level:SEO audits"
    assert list(iv.review.answers["prioritise.rate:Blog writing"]) == ["alice", "bob", "cy"]


def test_a_non_facilitators_done_is_refused_with_raters_too() -> None:
    iv = _at_first_rating(["alice", "bob"])
    iv.say("1 3 1 3 4 1", author="alice")
    assert "Only the facilitator" in iv.refused("done", author="bob")
    iv.say("done")  # the facilitator may close the round early
    assert iv.key == "prioritise.service_level:SEO audits"
    assert list(iv.review.answers["prioritise.rate:Blog writing"]) == ["alice"]


def test_done_before_anyone_rated_is_refused() -> None:
    iv = _at_first_rating()
    assert "No one has rated" in iv.refused("done")


def test_a_rater_re_rating_replaces_their_values() -> None:
    iv = _at_first_rating(["alice", "bob"])
    iv.say("5 5 5 5 5 5", author="alice")
    iv.say("1 3 1 3 4 1", author="alice")
    prompt = iv.prompt
    assert prompt is not None and prompt.collected == ("alice",)
    iv.say("1 3 1 3 4 1", author="bob")
    assert iv.review.answers["prioritise.rate:Blog writing"]["alice"] == rating(1, 3, 1, 3, 4, 1)


def test_a_rater_outside_the_list_may_rate_but_the_round_waits_for_the_list() -> None:
    iv = _at_first_rating(["alice"])
    iv.say("1 1 1 1 1 1", author="zed")
    assert iv.key == "prioritise.rate:Blog writing"
    iv.say("2 2 2 2 2 2", author="alice")
    assert set(iv.review.answers["prioritise.rate:Blog writing"]) == {"zed", "alice"}


@pytest.mark.parametrize("raters", [None, ["alice", "bob", "cy"]])
def test_rating_is_blind(raters: list[str] | None) -> None:
    """The prompt shows who has rated, never what: it is the same whatever alice and bob said."""
    seen = []
    for alice, bob in [("1 1 1 1 1 1", "2 2 2 2 2 2"), ("5 5 5 5 4 3", "3 1 4 1 5 2")]:
        iv = _at_first_rating(raters)
        first = iv.say(alice, author="alice")
        second = iv.say(bob, author="bob")
        prompt = iv.prompt
        assert prompt is not None and prompt.kind is Kind.RATINGS
        assert prompt.collected == ("alice", "bob")
        strings = prompt_strings(prompt)
        for values in (alice, bob):
            assert all(values not in s for s in strings)
        seen.append((strings, first.message, second.message))
    assert seen[0] == seen[1]


# ---------------------------------------------------------------- merge suggestions


def test_near_duplicates_are_offered_as_a_merge() -> None:
    iv = Interview("t")
    run(
        iv,
        {**CONTRACT_PLAN, K_PROCESSES: ["Blog writing\nSEO audits\nWriting blog posts", "done"]},
        until="simplify.merge:Writing blog posts",
    )
    prompt = iv.prompt
    assert prompt is not None and prompt.kind is Kind.YES_NO and prompt.optional
    assert prompt.subject == "Writing blog posts"
    assert "“Writing blog posts” looks like “Blog writing”" in prompt.text
    iv.say("yes")
    assert iv.options() == ["Blog writing", "SEO audits"]
    run(
        iv,
        {
            **CONTRACT_PLAN,
            "keep_inhouse:competitive_advantage": Pick(),
            "cannot_outsource:face_to_face": Pick(),
            "not_short_term:in_progress": Pick(),
        },
    )
    assert [(m.into, m.sources) for m in build_report(iv.review).merged] == [
        ("Blog writing", ("Writing blog posts",))
    ]


def test_declining_a_merge_keeps_both() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="simplify.merge:Writing blog posts")
    iv.say("no")
    assert iv.options() == [
        "Blog writing",
        "Writing blog posts",
        "SEO audits",
        "Brand strategy",
        "Key account calls",
        "Website relaunch",
    ]


def test_unrelated_names_are_not_offered_as_merges() -> None:
    iv = Interview("t")
    run(
        iv,
        {
            **CONTRACT_PLAN,
            K_PROCESSES: [
                "SEO audits\nBrand strategy\nKey account calls\nNewsletter\nPaid search ads",
                "done",
            ],
        },
        until=K_CANDIDATES,
    )
    assert not any(key.startswith("simplify.merge:") for key in iv.review.answers)


def test_exact_duplicates_in_the_list_merge_by_themselves() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_PROCESSES)
    said = iv.say("SEO audits\n  seo AUDITS \nNewsletter").message or ""
    assert said.startswith("Added 2 (2 so far). “SEO audits” was listed twice: kept once. Send more")
    said = iv.say("Newsletter").message or ""
    assert said.startswith("Added 0 (2 so far). “Newsletter” was listed twice: kept once.")
    prompt = iv.prompt
    assert prompt is not None and prompt.collected == ("SEO audits", "Newsletter")
    said = iv.say("Blog\nblog\nBLOG\nAds\nads").message or ""
    assert "“Blog” and “Ads” were listed more than once: each kept once." in said
    said = iv.say("Podcast").message or ""
    assert "listed" not in said  # nothing repeated, nothing said about it


def test_a_name_listed_three_times_says_so() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_PROCESSES)
    said = iv.say("Newsletter\nnewsletter\n NEWSLETTER").message or ""
    assert "“Newsletter” was listed 3 times: kept once." in said


def test_an_empty_list_cannot_be_closed() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_PROCESSES)
    assert "still empty" in iv.refused("done")


# ---------------------------------------------------------------- finished and cancelled reviews


def _finished() -> Interview:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN)
    assert iv.review.state is Stage.DONE
    return iv


@pytest.mark.parametrize("text", ["yes", "back", "done", "help", "2 4 2 3 5 2", "Another process"])
def test_replies_to_a_finished_review_are_refused(text: str) -> None:
    iv = _finished()
    answers = dict(iv.review.answers)
    assert "finished" in iv.refused(text)
    assert iv.review.answers == answers and iv.review.state is Stage.DONE


@pytest.mark.parametrize("text", ["yes", "back", "skip", "Another process"])
def test_replies_to_a_cancelled_review_are_refused(text: str) -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_CANDIDATES)
    cancel(iv.review)
    assert iv.review.state is Stage.CANCELLED and current_prompt(iv.review) is None
    assert "cancelled" in iv.refused(text)


def test_cancel_and_reopen_resume_at_the_same_question() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="keep_inhouse:low_benefit")
    cancel(iv.review)
    assert progress(iv.review).headline == "Cancelled"
    reopen(iv.review)
    assert iv.review.state is Stage.KEEP_INHOUSE
    assert iv.key == "keep_inhouse:low_benefit"
    run(iv, CONTRACT_PLAN)
    assert [t.process for t in build_report(iv.review).shortlist] == ["Blog writing", "SEO audits"]


def test_reopen_in_the_middle_of_a_rating_round_keeps_the_ratings() -> None:
    iv = _at_first_rating()
    iv.say("1 3 1 3 4 1", author="alice")
    cancel(iv.review)
    reopen(iv.review)
    prompt = iv.prompt
    assert prompt is not None and prompt.key == "prioritise.rate:Blog writing"
    assert prompt.collected == ("alice",)


def test_reopening_a_finished_review_waits_at_the_report() -> None:
    iv = _finished()
    reopen(iv.review)
    assert iv.review.is_open and iv.review.state is Stage.REPORT
    assert iv.prompt is None
    assert "`change N`" in iv.refused("back")
    iv.say("done")
    assert iv.review.state is Stage.DONE
    assert [t.process for t in build_report(iv.review).shortlist] == ["Blog writing", "SEO audits"]


def test_a_reopened_review_can_change_an_answer() -> None:
    iv = _finished()
    reopen(iv.review)
    number = iv.review.answered.index("keep_inhouse:competitive_advantage") + 1
    iv.say(f"change {number}")
    assert iv.review.state is Stage.KEEP_INHOUSE and iv.key == "keep_inhouse:competitive_advantage"
    iv.say("none")
    run(iv, {**CONTRACT_PLAN, "prioritise.rate:Brand strategy": [("alice", "3 3 3 3 3 3"), "done"]})
    assert iv.review.state is Stage.DONE
    assert "Brand strategy" in [t.process for t in build_report(iv.review).shortlist]


def test_cancel_and_reopen_refuse_the_wrong_state() -> None:
    iv = Interview("t")
    with pytest.raises(ReplyError):
        reopen(iv.review)
    cancel(iv.review)
    with pytest.raises(ReplyError):
        cancel(iv.review)
    done = _finished()
    with pytest.raises(ReplyError):
        cancel(done.review)


# ---------------------------------------------------------------- progress


def test_progress_headline_at_every_stage() -> None:
    iv = Interview()
    assert progress(iv.review).headline == "Getting started"
    headlines = {}
    while iv.review.is_open:
        state = iv.review.state
        headlines[state] = progress(iv.review).headline
        answer(iv, CONTRACT_PLAN)
    for stage, info in STEPS.items():
        assert headlines[stage] == f"Step {stage.step_number} of 7 · {info.title}"
    assert progress(iv.review).headline == "Finished"
    assert progress(iv.review).step is None


def test_what_is_in_play_is_remembered_across_later_answers_only() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="prioritise.rate:Blog writing")
    review = iv.review
    known = InPlay()  # as apply_reply makes one for each reply
    shortlist = in_play(review, Stage.PRIORITISE, known)
    assert shortlist == ["Blog writing", "SEO audits"]

    commit(
        review, "prioritise.service_level:Blog writing", "weekly", known
    )  # step 6 itself: cannot change it
    assert (
        Stage.PRIORITISE in known.found and known.answers is review.answers
    )  # carried, not worked out again
    assert in_play(review, Stage.PRIORITISE, known) == shortlist

    # A step-3 answer can: SEO audits is now kept in-house (given, as a plain list, for every process).
    commit(review, "keep_inhouse:competitive_advantage", ["SEO audits", "Brand strategy"], known)
    assert Stage.PRIORITISE not in known.found
    assert in_play(review, Stage.PRIORITISE, known) == ["Blog writing"]
    assert in_play(Review(**{**vars(review), "answers": dict(review.answers)}), Stage.PRIORITISE) == [
        "Blog writing"
    ]


def test_progress_facts() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="prioritise.rate:SEO audits")
    now = progress(iv.review)
    assert "6 processes listed" in now.answered
    assert "1 merged" in now.answered
    assert "5 candidates" in now.answered
    assert now.rated == "1 of 2 rated" and now.facts[-1] == now.rated
    assert progress(iv.review, count_rated=False).rated is None


# ---------------------------------------------------------------- help, errors and stale replies


def test_help_explains_without_changing_anything() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="keep_inhouse:competitive_advantage")
    before = dict(iv.review.answers)
    outcome = apply_reply(iv.review, FACILITATOR, "help")
    assert not outcome.changed and outcome.error is None
    assert "competitors" in (outcome.message or "")  # the criterion's help text
    assert "option numbers" in (outcome.message or "")
    assert iv.review.answers == before


def test_a_reply_that_does_not_parse_keeps_the_question() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="prioritise.rate:Blog writing")
    outcome = apply_reply(iv.review, "alice", "2 4 2")
    assert outcome.error and "six ratings" in outcome.error
    assert not outcome.changed and outcome.question == "prioritise.rate:Blog writing"
    assert outcome.prompt == iv.prompt


def test_a_reply_aimed_at_an_answered_question_is_refused() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="keep_inhouse:no_equal_performance")
    outcome = apply_reply(iv.review, FACILITATOR, "1", expect_key="keep_inhouse:competitive_advantage")
    assert outcome.error and "answered already" in outcome.error
    assert not outcome.changed and iv.key == "keep_inhouse:no_equal_performance"


# ---------------------------------------------------------------- the interview and the answers file agree


def _interview_report(plan: Plan) -> str:
    iv = Interview("Q3 marketing review")
    run(iv, plan)
    assert iv.review.state is Stage.DONE
    return render_json(build_report(iv.review))


def test_interview_and_answers_file_give_the_same_report() -> None:
    plan: Plan = {**CONTRACT_PLAN, "prioritise.weights": "ok"}
    text = CONTRACT_YAML_NO_DIRECTIONS.replace("weights: {risk: 2}\n", "")
    from_file = render_json(decide(load_answers(text)))
    assert _interview_report(plan) == from_file
    # equal scores (79.2): SEO audits ranks first on its higher benefits median
    assert [t["process"] for t in json.loads(from_file)["shortlist"]] == ["SEO audits", "Blog writing"]


def test_interview_and_answers_file_agree_with_weights_and_several_raters() -> None:
    plan: Plan = {
        **CONTRACT_PLAN,
        "prioritise.rate:Blog writing": [("alice", "1 3 1 3 4 1"), ("bob", "3 3 2 3 2 1"), "done"],
        "prioritise.rate:SEO audits": [("alice", "2 4 2 2 5 2"), ("bob", "2 5 2 2 4 3"), "done"],
        "keep_inhouse:low_benefit": Pick("Brand strategy"),
    }
    text = (
        CONTRACT_YAML_NO_DIRECTIONS.replace(
            "keep_inhouse: {Brand strategy: [competitive_advantage]}",
            "keep_inhouse: {Brand strategy: [competitive_advantage, low_benefit]}",
        )
        .replace(
            "  Blog writing:\n",
            "  Blog writing:\n    bob: {risk: 3, consequences: 3, tech_complexity: 2, importance: 3, benefits: 2, vendor_expertise: 1}\n",
        )
        .replace(
            "  SEO audits:\n    alice: {risk: 2, consequences: 4, tech_complexity: 2, importance: 2, benefits: 5, vendor_expertise: 2}\n",
            "  SEO audits:\n    alice: {risk: 2, consequences: 4, tech_complexity: 2, importance: 2, benefits: 5, vendor_expertise: 2}\n"
            "    bob: {risk: 2, consequences: 5, tech_complexity: 2, importance: 2, benefits: 4, vendor_expertise: 3}\n",
        )
    )
    from_file = json.loads(render_json(decide(load_answers(text))))
    from_interview = json.loads(_interview_report(plan))
    # where the weights came from is worded for each source; everything else is the same
    assert from_file.pop("weights_source") == "answers file"
    assert from_interview.pop("weights_source") == "set by the facilitator"
    # ratings are listed per rater in the order they came in: compare them as mappings
    assert from_interview == from_file
    assert from_file["excluded"][0]["reasons"] == ["competitive_advantage", "low_benefit"]
    assert any(task["disagreements"] for task in from_file["shortlist"])


def test_a_fresh_review_asks_the_title_only_when_there_is_none() -> None:
    assert current_prompt(Review(title="", facilitator="f")).key == K_TITLE  # type: ignore[union-attr]
    assert current_prompt(Review(title="Named", facilitator="f")).key == K_ORGANISATION  # type: ignore[union-attr]


# ---------------------------------------------------------------- words that are also commands


@pytest.mark.parametrize(
    "names",
    [
        ["Change management", "SEO audits"],
        ["change 2 agencies"],
    ],
)
def test_process_names_may_start_with_a_command_word(names: list[str]) -> None:
    """Only a whole command is one: `change` needs a number alone."""
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until=K_PROCESSES)
    iv.say("\n".join(names))
    prompt = iv.prompt
    assert prompt is not None and list(prompt.collected) == names


@pytest.mark.parametrize(
    "title", ["Change programme review", "Weights of our channels", "Reconsider agencies"]
)
def test_a_title_that_reads_like_a_command_needs_quotes(title: str) -> None:
    """Commands are commands at every question; a title that is not one is stored, and one that reads like
    one is refused with a way to mean it: quotes."""
    iv = Interview()
    if title.startswith("Change"):
        iv.say(title)
    else:
        assert f'"{title}"' in iv.refused(title)
        iv.say(f'"{title}"')
    assert iv.review.title == title


def test_change_n_still_works_while_a_list_is_asked() -> None:
    iv = Interview()
    iv.say("First")
    iv.say("skip")
    assert iv.key == K_PROCESSES
    iv.say("change 1")
    assert iv.key == K_TITLE


# ---------------------------------------------------------------- back after reconsidering an exclusion


def test_back_after_reconsidering_goes_to_the_previous_question_here_not_to_a_later_step() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="cannot_outsource:face_to_face")
    iv.say("reconsider Brand strategy")
    assert iv.review.state is Stage.KEEP_INHOUSE
    assert iv.key == "keep_inhouse:competitive_advantage@Brand strategy"
    iv.say("back")  # the last answer given at step 3 or before: step 4's answers stay as they are
    assert iv.review.state is Stage.KEEP_INHOUSE
    assert iv.key == "keep_inhouse:low_benefit"
    assert "cannot_outsource:ensures_fulfillment" in iv.review.answers


def test_back_after_a_follow_up_question_on_a_reconsidered_candidate() -> None:
    iv = Interview("t")
    run(
        iv,
        {**CONTRACT_PLAN, "candidates": Pick("Blog writing", "SEO audits")},
        until="keep_inhouse:competitive_advantage",
    )
    iv.say("reconsider Brand strategy")
    assert iv.key == "candidates@Brand strategy"
    iv.say("yes")
    assert iv.review.state is Stage.KEEP_INHOUSE
    iv.say("back")
    assert iv.review.state is Stage.CANDIDATES and iv.key == "candidates@Brand strategy"


# ---------------------------------------------------------------- pick answers and their follow-ups


@pytest.mark.parametrize("said", [True, False])
def test_a_process_that_came_later_counts_by_its_follow_up_even_with_an_at_sign_in_its_name(
    said: bool,
) -> None:
    later = "Ads @ scale"  # the follow-up key is `question@process`: the name's own "@" must not confuse it
    review = Review(
        title="t",
        facilitator="U1",
        answers={
            interview.K_PROCESSES: ["Blog", later, "Video"],
            interview.K_CANDIDATES: {"picked": ["Blog", "Video"], "asked": ["Blog", "Video"]},
            f"{interview.K_CANDIDATES}@{later}": said,
            "keep_inhouse:competitive_advantage": {"picked": ["Video"], "asked": ["Blog", "Video"]},
            f"keep_inhouse:competitive_advantage@{later}": said,
            "keep_inhouse:no_equal_performance": {"picked": [], "asked": ["Blog", "Video"]},
            "keep_inhouse:low_benefit": {"picked": [], "asked": ["Blog", later, "Video"]},
        },
    )
    data = interview.review_input(review, upto=Stage.CANNOT_OUTSOURCE)
    assert data.candidates == (["Blog", later, "Video"] if said else ["Blog", "Video"])
    expected = (
        {later: ["competitive_advantage"], "Video": ["competitive_advantage"]}
        if said
        else {"Video": ["competitive_advantage"]}
    )
    assert data.knockouts[Stage.KEEP_INHOUSE] == expected


def test_a_knock_out_question_not_yet_answered_about_a_later_process_counts_it_nowhere() -> None:
    review = Review(
        title="t",
        facilitator="U1",
        answers={
            interview.K_PROCESSES: ["Blog", "Late"],
            interview.K_CANDIDATES: ["Blog", "Late"],
            "keep_inhouse:competitive_advantage": {"picked": ["Blog"], "asked": ["Blog"]},
        },
    )
    data = interview.review_input(review, upto=Stage.CANNOT_OUTSOURCE)
    assert data.knockouts[Stage.KEEP_INHOUSE] == {"Blog": ["competitive_advantage"]}
