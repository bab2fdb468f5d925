"""Advice before arithmetic (issue 19, item 4): the report opens with what to outsource first and why, what
to talk through first, and what stays in-house; stability in plain words; the arithmetic in the details and
the JSON, unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.advice import (
    KEPT_SHOWN,
    NO_STANDOUT,
    advise,
    kept_words,
    reasons,
    stability_words,
    swap_words,
    weight_change,
)
from flows.answers import load_answers
from flows.decision import decide
from flows.method import Stage
from flows.model import ReviewInput
from flows.render import render_json, render_markdown
from flows.report import Exclusion, PairSensitivity, Report, Stability
from tests.support.reviews import rating

ROOT = Path(__file__).resolve().parents[2]


def report_of(ratings: dict[str, dict[str, dict[str, int]]], **kwargs: object) -> Report:
    return decide(ReviewInput(processes=list(ratings), ratings=ratings, **kwargs))  # type: ignore[arg-type]


# ---------------------------------------------------------------- the reasons that drive a score


def test_the_two_factors_that_add_most_are_the_reasons_in_words() -> None:
    report = report_of({"Ads": {"a": rating(risk=1, benefits=5, importance=2)}})
    assert reasons(report.shortlist[0], report) == ("low risk", "big benefits")


def test_a_heavier_weight_makes_a_factor_the_first_reason() -> None:
    report = report_of({"Ads": {"a": rating(risk=1, benefits=5, importance=2)}}, weights={"importance": 3})
    assert reasons(report.shortlist[0], report)[0] == "low importance"


def test_only_factors_that_speak_for_outsourcing_are_reasons() -> None:
    report = report_of({"Ads": {"a": rating(risk=5, benefits=4)}}, weights={"benefits": 0})
    assert reasons(report.shortlist[0], report) == (NO_STANDOUT,)
    one = report_of({"Ads": {"a": rating(risk=5, benefits=4)}})
    assert reasons(one.shortlist[0], one) == ("big benefits",)


def test_a_turned_around_direction_turns_the_reason_around() -> None:
    report = report_of({"Ads": {"a": rating(importance=5)}}, directions={"importance": "+"})
    assert reasons(report.shortlist[0], report) == ("high importance",)


# ---------------------------------------------------------------- outsource first, discuss first, kept


def disputed_and_fragile() -> Report:
    return report_of(
        {
            "Photos": {"a": rating(risk=1, benefits=5), "b": rating(risk=1, benefits=5)},
            "Ads": {"a": rating(risk=1, benefits=3), "b": rating(risk=4, benefits=3)},  # a and b disagree
            "SEO": {"a": rating(risk=2, benefits=4), "b": rating(risk=2, benefits=4)},
            "Blog": {"a": rating(risk=1, benefits=3), "b": rating(risk=1, benefits=3)},  # ties with SEO
        }
    )


def test_clear_tasks_are_outsourced_first_and_the_others_discussed_first() -> None:
    report = disputed_and_fragile()
    advice = advise(report)
    ranked = {t.process: t for t in report.shortlist}
    assert [t.process for t in advice.outsource] == ["Photos"]
    discussed = {t.process: t for t in advice.discuss}
    assert set(discussed) == {"Ads", "SEO", "Blog"}
    assert discussed["Ads"].disagreements == ranked["Ads"].disagreements != ()
    assert discussed["SEO"].fragile is not None and discussed["SEO"].fragile.crossed_by == ("Blog",)
    for task in advice.discuss:
        stability = ranked[task.process].stability
        assert task.disagreements or (stability is not None and not stability.stable)
    assert advice.more_ranked == 0


def test_the_advice_speaks_of_the_top_tasks_and_counts_the_rest() -> None:
    ratings = {f"Task {i}": {"a": rating(risk=1 + i % 5)} for i in range(8)}
    advice = advise(report_of(ratings), top=3)
    assert len(advice.outsource) + len(advice.discuss) == 3 and advice.more_ranked == 5


@pytest.mark.parametrize(
    ("exclusion", "words"),
    [
        (Exclusion("Reviews", 2, ("not_candidate",)), "not marked as a candidate (step 2)"),
        (
            Exclusion("Brand", 3, ("competitive_advantage", "no_equal_performance")),
            "gives a competitive advantage and no outsider can match it (step 3, keep in-house)",
        ),
        (
            Exclusion("Stand", 4, ("face_to_face",)),
            "regular face-to-face customer contact (step 4, cannot be outsourced)",
        ),
        (Exclusion("Site", 5, ("in_progress",)), "still in progress (step 5, not now: revisit later)"),
    ],
)
def test_what_is_kept_in_house_says_why_and_at_which_step(exclusion: Exclusion, words: str) -> None:
    assert kept_words(exclusion) == words


# ---------------------------------------------------------------- stability in plain words


def pair(
    now: float, threshold: float | None, direction: str | None, inclusive: bool = False
) -> PairSensitivity:
    return PairSensitivity("Blog", "SEO", "", "risk", now, threshold, direction, inclusive)


@pytest.mark.parametrize(
    ("found", "words"),
    [
        (pair(2, 3, "more", inclusive=True), "counted half again as much"),
        (pair(2, 3, "more"), "counted more than half again as much"),
        (pair(1, 1.4, "more"), "counted over 40% more"),
        (pair(1, 1.4, "more", inclusive=True), "counted 40% more"),
        (pair(1, 1.403, "more"), "counted 41% more"),  # rounded up: the change said is enough
        (pair(1, 2, "more", inclusive=True), "counted twice as much"),
        (pair(1, 7, "more", inclusive=True), "counted 7 times as much"),
        (pair(1, 3, "more"), "counted more than 3 times as much"),
        (pair(1, 2.54, "more"), "counted 2.6 times as much"),
        (pair(1, 1e300, "more"), "counted more than 100 times as much"),
        (pair(1, 1, "more"), "counted even a little more"),
        (pair(1, 0, "less", inclusive=True), "did not count at all"),
        (pair(2, 1, "less", inclusive=True), "counted half as much"),
        (pair(2, 1, "less"), "counted less than half as much"),
        (pair(1, 0.7, "less"), "counted over 30% less"),
        (pair(1, 0.6999, "less"), "counted 31% less"),
        (pair(1, 1, "less"), "counted even a little less"),
        (pair(1, 0.001, "less"), "counted next to nothing"),
        (pair(0, 0.5, "more"), "were given a weight of over 0.5 (now it counts for nothing)"),
    ],
)
def test_how_a_weight_must_change_in_words(found: PairSensitivity, words: str) -> None:
    assert weight_change(found) == words


def test_swaps_in_plain_words() -> None:
    assert (
        swap_words(pair(1, 1.5, "more", inclusive=True))
        == "SEO would move above Blog if risk counted half again as much"
    )
    never = PairSensitivity("Blog", "SEO", "no single weight change swaps them")
    assert (
        swap_words(never, lambda s: f"[{s}]") == "[SEO] stays below [Blog] however much any one factor counts"
    )


@pytest.mark.parametrize(
    ("stability", "words"),
    [
        (Stability(True), "keeps its place if any one factor counts half as much or half again as much"),
        (
            Stability(False, "tech_complexity", 1.5, "+50%", ("SEO",), ("SEO",)),
            "would swap with SEO if technical complexity counted half again as much",
        ),
        (
            Stability(False, "consequences", 0.5, "-50%", ("A", "B", "C")),
            "would change places with A, B and C if cost of not outsourcing counted half as much",
        ),
    ],
)
def test_a_tasks_stability_in_plain_words(stability: Stability, words: str) -> None:
    assert stability_words(stability) == words


# ---------------------------------------------------------------- the Markdown report


def test_markdown_opens_with_the_advice_and_ends_with_the_details() -> None:
    report = disputed_and_fragile()
    text = render_markdown(report)
    order = [
        "## Advice",
        "**Outsource first**",
        "**Discuss first**",
        "## Shortlist",
        "## How stable",
        "## Details",
    ]
    places = [text.index(heading) for heading in order]
    assert places == sorted(places)
    assert "- Photos (rank 1): low risk, big benefits." in text
    assert "Raters disagree on risk (a said 1, b said 4)" in text
    details = text[text.index("## Details") :]
    assert all(f"- {p.text}." in details for p in report.sensitivity)  # the arithmetic, as in the JSON
    assert " overtakes " not in text[: text.index("## Details")]


def test_markdown_advice_escapes_names() -> None:
    report = report_of({"<!here> ads": {"a": rating(risk=1), "b": rating(risk=4)}})
    text = render_markdown(report, escape=lambda s: f"[{s}]")
    advice = text[: text.index("## Shortlist")]
    assert "- [<!here> ads] (rank 1): " in advice and "[a] said 1, [b] said 4" in advice


def test_markdown_names_every_kind_of_advice_and_shortens_a_long_kept_list() -> None:
    names = [f"Task {i:02}" for i in range(KEPT_SHOWN + 4)]
    report = decide(
        ReviewInput(
            processes=[*names, "Kept"],
            knockouts={Stage.KEEP_INHOUSE: {n: ["low_benefit"] for n in names}},
            ratings={"Kept": {"a": rating()}},
        )
    )
    text = render_markdown(report)
    advice = text[: text.index("## Shortlist")]
    assert advice.count("too little benefit (step 3, keep in-house).") == KEPT_SHOWN
    assert "- And 4 more: see Excluded below." in advice
    assert "- Kept (rank 1): no factor stands out." in advice
    assert "Nothing made the shortlist" in render_markdown(
        decide(ReviewInput(processes=["A"], candidates=[]))
    )


def test_markdown_explains_which_way_each_factor_counts_with_the_reviews_directions() -> None:
    report = report_of({"Ads": {"a": rating()}}, directions={"importance": "+"}, weights={"risk": 2})
    details = render_markdown(report).split("## Details")[1]
    assert "- Risk (×2) counts against outsourcing: a risky hand-over can wait." in details
    assert "- Importance (×1) counts for outsourcing (turned around for this review)." in details


def test_the_json_report_keeps_its_arithmetic_sentences() -> None:
    """The JSON is a public contract: its values, the sentences included, are what they were before the
    advice (checked against the bundled demo's report)."""
    demo = ROOT / "bot" / "data" / "demo.yml"
    data = json.loads(render_json(decide(load_answers(demo.read_text(encoding="utf-8"), "demo.yml"))))
    assert [p["text"] for p in data["sensitivity"]][:2] == [
        "SEO audits overtakes Product photography if cost of not outsourcing weighs 7 or more (now 1)",
        "Email newsletter overtakes SEO audits if technical complexity weighs more than 1.4 (now 1)",
    ]
    assert [t["stability"]["text"] for t in data["shortlist"]][:3] == [
        "stable: keeps its place with any one weight 50% lower or higher",
        "fragile: with technical complexity at 1.5 (+50%), Email newsletter moves above it",
        "fragile: with technical complexity at 1.5 (+50%), it moves above SEO audits",
    ]
    assert "advice" not in data and "reasons" not in data["shortlist"][0]
