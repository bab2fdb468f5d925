"""Properties (hypothesis): any replies leave a valid review; a finished review's report obeys the contract;
the decision is a total order that does not care about rater or listing order."""

from __future__ import annotations

import contextlib
import itertools
import json
import random
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flows.decision import decide, rank_key
from flows.interview import (
    PLANS,
    InPlay,
    apply_reply,
    build_report,
    cancel,
    current_prompt,
    listed_processes,
    reopen,
)
from flows.method import FACTOR_IDS, INTERVIEW_PATH, Stage
from flows.model import Review, ReviewInput
from flows.prompts import Kind, Prompt, ReplyError
from flows.render import render_json, to_json_dict
from flows.report import Report
from flows.similarity import clean_name, name_key
from tests.support.reviews import FACILITATOR

AUTHORS = (FACILITATOR, "alice", "bob")
NAMES = (
    "Blog writing",
    "Writing blog posts",
    "  blog WRITING ",
    "SEO audits",
    "SEO audit",
    "Newsletter",
    "Paid search ads",
    "Brand strategy",
    "Écriture de blog 📝",
    "تدقيق السيو",
    "\u202eevil\u202c name",
    "done deals",
    "SEO: audits",
    "ads@google",
    "1. numbered",
    "x" * 150,
)
NASTY = (
    "",
    " ",
    "\x00\x01\x02",
    "\u200f\u200e",
    "🙂" * 50,
    "<!channel> <@U123> <https://x|y>",
    "y" * 40_000,
    "\n".join(["z" * 100] * 300),
    "9" * 5000,
    "1-" + "9" * 5000,
    "risk 1e308 consequences 1e308 benefits 1e308",
    "risk nan",
    "rank",
    "change",
    "change 999",
    "change 1",
    "reconsider",
    "reconsider Blog writing",
    "reconsider SEO audits",
    "weights risk 0 consequences 0 tech_complexity 0 importance 0 benefits 0 vendor_expertise 0",
    "weights rank benefits",
    "3 because it is ours",
    "yes -- we agreed",
    "² 2 2 2 2 2",
    "4-2",
    "0",
    "all none",
    "; ; ;",
    "done.",
    "`skip`",
    "BACK!",
)
garbage = st.one_of(st.text(max_size=80), st.sampled_from(NASTY))


@st.composite
def valid_reply(draw: st.DrawFn, prompt: Prompt) -> str:
    """A reply the current question accepts (a list or rating round may also be closed with `done`)."""
    kind = prompt.kind
    if kind is Kind.TEXT:
        return draw(st.text(st.characters(categories=("L", "N", "Zs")), min_size=1, max_size=40))
    if kind is Kind.PICK_ONE:
        return str(draw(st.integers(1, len(prompt.options))))
    if kind is Kind.YES_NO:
        return draw(st.sampled_from(["yes", "no", "y", "n"]))
    if kind is Kind.PICK:
        n = len(prompt.options)
        choice = draw(st.sampled_from(["all", "none", "numbers", "range"]))
        if choice == "numbers":
            numbers = draw(st.lists(st.integers(1, n), min_size=1, max_size=n))
            return draw(st.sampled_from([" ", ",", ", "])).join(map(str, numbers))
        if choice == "range":
            a, b = draw(st.integers(1, n)), draw(st.integers(1, n))
            return f"{a}-{b}"
        return choice
    if kind is Kind.LIST:
        if prompt.collected and draw(st.booleans()):
            return "done"
        items = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4))
        return "\n".join(draw(st.sampled_from(["", "- ", "1. "])) + item for item in items)
    if kind is Kind.RATINGS:
        if prompt.collected and draw(st.booleans()):
            return "done"
        return " ".join(str(draw(st.integers(1, 5))) for _ in FACTOR_IDS)
    if kind is Kind.METRICS:
        if draw(st.booleans()):
            return "done"
        baseline, target = draw(st.integers(-1000, 1000)), draw(st.integers(-1000, 1000))
        warn = draw(st.sampled_from(["", f"; {draw(st.integers(-1000, 1000))}"]))
        return f"metric {draw(st.integers(1, 9))}; {baseline}; {target}{warn}"
    if kind is Kind.WEIGHTS:
        choice = draw(st.sampled_from(["ok", "pairs", "rank"]))
        if choice == "pairs":
            factors = draw(st.lists(st.sampled_from(FACTOR_IDS), min_size=1, max_size=6, unique=True))
            weights = [
                draw(st.sampled_from(["0", "0.5", "1", "2", "10", "1e308", "5e-324"])) for _ in factors
            ]
            return " ".join(f"{f} {w}" for f, w in zip(factors, weights, strict=True))
        if choice == "rank":
            order = draw(st.permutations(FACTOR_IDS))
            return "rank " + " ".join(order[: draw(st.integers(1, 6))])
        return "ok"
    return str(draw(st.integers(-100, 100)))  # Kind.NUMBER


class Driver:
    """Applies replies and checks, after every one, that the review is still well formed."""

    def __init__(self, raters: list[str]):
        self.review = Review(title="", facilitator=FACILITATOR, raters=raters)

    def reply(self, author: str, text: str) -> None:
        outcome = apply_reply(self.review, author, text, is_facilitator=author == FACILITATOR)
        assert outcome.prompt == current_prompt(self.review)
        self.check()

    def lifecycle(self, action: str) -> None:
        try:
            (cancel if action == "cancel" else reopen)(self.review)
        except ReplyError:
            return
        self.check()

    def check(self) -> None:
        review = self.review
        assert isinstance(review.state, Stage)
        prompt = current_prompt(review)
        if review.state in (Stage.DONE, Stage.CANCELLED):
            assert prompt is None
        elif review.state is Stage.REPORT:
            # only a complete review (reopened after it finished) waits at the report with nothing to ask
            assert prompt is None
            for stage in INTERVIEW_PATH:
                assert all(key in review.answers for key, _ in PLANS[stage](review)), stage
        else:
            assert prompt is not None and prompt.stage is review.state
        assert len(set(review.answered)) == len(review.answered)
        assert set(review.answered) <= set(review.answers)
        json.dumps(review.answers, allow_nan=False)  # storage saves these as JSON
        json.dumps(review.drafts, allow_nan=False)
        if review.state is Stage.DONE:
            check_report(review, build_report(review))


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON report")

    return json.loads(text, parse_constant=refuse)


def check_report(review: Review, report: Report) -> None:
    listed = listed_processes(review)
    merged_away = [s for m in report.merged for s in m.sources]
    assert report.processes == [p for p in listed if p not in merged_away]
    fates = [t.process for t in report.shortlist] + [e.process for e in report.excluded]
    assert sorted(fates) == sorted(report.processes)  # every process exactly once
    assert len(set(fates)) == len(fates)
    assert not set(merged_away) & set(fates)
    assert len(set(map(name_key, listed))) == len(listed)
    assert [t.rank for t in report.shortlist] == list(range(1, len(report.shortlist) + 1))
    scores = [t.score for t in report.shortlist]
    assert all(0 <= s <= 100 for s in scores)
    assert scores == sorted(scores, reverse=True)
    data = _strict_json(render_json(report))
    assert [t["rank"] for t in data["shortlist"]] == list(range(1, len(scores) + 1))


ACTIONS = ("valid",) * 8 + ("garbage", "garbage", "back", "skip", "done", "help", "repeat", "lifecycle")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), raters=st.sampled_from([[], ["alice"], ["alice", "bob"]]))
def test_any_replies_leave_a_valid_review(data: st.DataObject, raters: list[str]) -> None:
    driver = Driver(raters)
    last = "hello"
    for _ in range(data.draw(st.integers(1, 60), label="length")):
        action = data.draw(st.sampled_from(ACTIONS), label="action")
        author = data.draw(st.sampled_from(AUTHORS), label="author")
        prompt = current_prompt(driver.review)
        if action == "lifecycle":
            driver.lifecycle(data.draw(st.sampled_from(["cancel", "reopen"]), label="lifecycle"))
            continue
        if action == "valid" and prompt is not None:
            text = data.draw(valid_reply(prompt), label="valid")
            author = FACILITATOR if text == "done" else author
        elif action == "garbage":
            text = data.draw(garbage, label="garbage")
        elif action == "repeat":
            text = last
        elif action == "valid":
            text = "done"
        else:
            text = action
        driver.reply(author, text)
        last = text


COMMANDS = ("back", "skip", "done", "change", "reconsider", "merge", "weights", "lifecycle")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), raters=st.sampled_from([[], ["alice"], ["alice", "bob"]]))
def test_one_in_play_kept_from_reply_to_reply_answers_as_a_fresh_one_each_reply(
    data: st.DataObject, raters: list[str]
) -> None:
    """An answers file's replay keeps one `InPlay` (and its walks to the open question) over all its replies;
    a chat makes one per reply. Any replies, commands among them, give both the same outcome and review."""
    kept, fresh = (
        Review(title="", facilitator=FACILITATOR, raters=raters),
        Review(title="", facilitator=FACILITATOR, raters=list(raters)),
    )
    known = InPlay()
    for _ in range(data.draw(st.integers(1, 150), label="length")):
        prompt = current_prompt(fresh)
        assert current_prompt(kept, known) == prompt
        action = data.draw(st.sampled_from(("valid",) * 32 + COMMANDS), label="action")
        author = data.draw(st.sampled_from(AUTHORS), label="author")
        if (
            action == "valid"
            and prompt is not None
            and prompt.kind is Kind.PICK
            and data.draw(st.integers(0, 9)) > 0
        ):
            text = "all" if prompt.key == "candidates" else "none"  # keep processes in play, mostly
        elif action == "valid" and prompt is not None:
            text = data.draw(valid_reply(prompt), label="valid")
        elif action in ("change", "reconsider", "merge"):
            names = st.sampled_from(listed_processes(fresh) or ["Blog writing"])
            a, b = data.draw(names, label="name"), data.draw(names, label="other name")
            number = data.draw(st.integers(1, max(1, len(fresh.answered))), label="number")
            text = {"change": f"change {number}", "reconsider": f"reconsider {a}"}.get(
                action, f"merge {a} into {b}"
            )
        elif action == "weights":
            text = data.draw(st.sampled_from(["weights risk 2", "weights rank benefits"]), label="weights")
        elif action == "lifecycle":
            step = cancel if data.draw(st.booleans(), label="cancel") else reopen
            for review in (kept, fresh):
                with contextlib.suppress(ReplyError):
                    step(review)
            continue
        else:
            text = "done" if action == "valid" else action
        facilitator = author == FACILITATOR
        one = apply_reply(kept, author, text, is_facilitator=facilitator, known=known)
        other = apply_reply(fresh, author, text, is_facilitator=facilitator)
        assert (one.prompt, one.error, one.message, one.changed, one.question, one.value) == (
            other.prompt,
            other.error,
            other.message,
            other.changed,
            other.question,
            other.value,
        )
        assert one.stages_passed == other.stages_passed
        event(f"reached {fresh.state}")
        assert (kept.state, kept.title, kept.answers, kept.answered, kept.drafts) == (
            fresh.state,
            fresh.title,
            fresh.answers,
            fresh.answered,
            fresh.drafts,
        )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), raters=st.sampled_from([[], ["alice", "bob"]]))
def test_a_review_finished_after_any_detour_has_a_report_that_obeys_the_contract(
    data: st.DataObject, raters: list[str]
) -> None:
    driver = Driver(raters)
    for _ in range(data.draw(st.integers(0, 25), label="detour")):
        prompt = current_prompt(driver.review)
        action = data.draw(st.sampled_from(("valid",) * 4 + ("garbage", "back", "skip")), label="action")
        author = data.draw(st.sampled_from(AUTHORS), label="author")
        if action == "valid" and prompt is not None:
            driver.reply(author, data.draw(valid_reply(prompt), label="valid"))
        elif action == "garbage":
            driver.reply(author, data.draw(garbage, label="garbage"))
        else:
            driver.reply(author, action)
    # then answer validly, as the facilitator, until the review is done
    for _ in range(300):
        prompt = current_prompt(driver.review)
        if prompt is None:
            break
        if prompt.kind in (Kind.LIST, Kind.RATINGS) and prompt.collected:
            text = "done"
        elif prompt.kind is Kind.METRICS:
            text = data.draw(st.sampled_from(["done", "skip"]), label="metrics")
        else:
            text = data.draw(valid_reply(prompt), label="answer")
            if text == "done":
                continue
        driver.reply(FACILITATOR, text)
    assert driver.review.state is Stage.DONE
    check_report(driver.review, build_report(driver.review))


# ---------------------------------------------------------------- the decision on random inputs

name_text = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8).map(clean_name)
one_rating = st.fixed_dictionaries({f: st.integers(1, 5) for f in FACTOR_IDS})
weight = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0, 1e-300, 5e-324, 1e300, 1e308]), st.floats(0, 100))


@st.composite
def review_inputs(draw: st.DrawFn) -> ReviewInput:
    names = draw(st.lists(name_text, min_size=1, max_size=7, unique_by=name_key).filter(all))
    raters = draw(
        st.lists(st.sampled_from(["ann", "bob", "cy", "dee", "eve"]), min_size=1, max_size=5, unique=True)
    )
    ratings = {
        name: {r: draw(one_rating) for r in draw(st.lists(st.sampled_from(raters), min_size=1, unique=True))}
        for name in names
    }
    weights = draw(st.dictionaries(st.sampled_from(FACTOR_IDS), weight))
    if sum(weights.get(f, 1.0) for f in FACTOR_IDS) == 0:
        weights["benefits"] = 1.0
    directions = draw(st.dictionaries(st.sampled_from(FACTOR_IDS), st.sampled_from(["+", "-"])))
    return ReviewInput(processes=names, ratings=ratings, weights=weights, directions=directions)


def _canonical(report: Report) -> str:
    return json.dumps(to_json_dict(report), sort_keys=True, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(data=review_inputs())
def test_decide_ranks_in_a_total_order_with_the_contracts_tie_breaks(data: ReviewInput) -> None:
    report = decide(data)
    tasks = report.shortlist
    assert sorted(t.process for t in tasks) == sorted(data.processes)
    for t in tasks:
        assert 0 <= t.score <= 100 + 1e-9
    for a, b in itertools.pairwise(tasks):
        assert rank_key(a.process, a.factors, a.score) < rank_key(b.process, b.factors, b.score)
        if a.score == b.score:
            fa, fb = a.factors, b.factors
            assert (fa["benefits"] > fb["benefits"]) or (
                fa["benefits"] == fb["benefits"]
                and (
                    fa["risk"] < fb["risk"]
                    or (fa["risk"] == fb["risk"] and a.process.casefold() < b.process.casefold())
                )
            )
        else:
            assert a.score > b.score


@settings(max_examples=150, deadline=None)
@given(data=review_inputs(), seed=st.randoms(use_true_random=False))
def test_the_order_of_raters_and_of_the_list_does_not_matter(data: ReviewInput, seed: random.Random) -> None:
    before = decide(data)
    shuffled_ratings = {}
    for process, by_rater in data.ratings.items():
        raters = list(by_rater)
        seed.shuffle(raters)
        shuffled_ratings[process] = {r: by_rater[r] for r in raters}
    same = ReviewInput(
        processes=list(data.processes),
        ratings=shuffled_ratings,
        weights=data.weights,
        directions=data.directions,
    )
    assert _canonical(decide(same)) == _canonical(before)
    processes = list(data.processes)
    seed.shuffle(processes)
    relisted = ReviewInput(
        processes=processes, ratings=data.ratings, weights=data.weights, directions=data.directions
    )
    assert [(t.rank, t.process, t.score) for t in decide(relisted).shortlist] == [
        (t.rank, t.process, t.score) for t in before.shortlist
    ]
