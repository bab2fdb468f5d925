"""The shortlist in Slack opens with the advice in words (issue 19, item 4): outsource first, discuss first,
kept in-house; stability in plain words; which way each factor counts; no arithmetic (it is in the file)."""

from __future__ import annotations

import json

from bot.slack.blocks.report import report_messages
from flows.advice import KEPT_SHOWN
from flows.decision import decide
from flows.method import Stage
from flows.model import Review, ReviewInput
from flows.report import Report
from tests.support.reviews import rating

ALICE, BOB = "U0ALICE", "U0BOB"


def posted(report: Report) -> tuple[list[str], str]:
    """The section texts in order, and everything the messages show."""
    messages = report_messages(Review(title="Q3", facilitator=ALICE), report)
    blocks = [b for m in messages for b in m.blocks]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    return sections, "\n".join(json.dumps(m.blocks, ensure_ascii=False) for m in messages)


def review(**kwargs: object) -> Report:
    ratings = {
        "<!channel> ads": {ALICE: rating(risk=1, benefits=5), BOB: rating(risk=1, benefits=5)},
        "SEO audits": {ALICE: rating(risk=1, benefits=4), BOB: rating(risk=4, benefits=4)},
    }
    return decide(ReviewInput(processes=[*ratings, "Brand"], ratings=ratings, **kwargs))  # type: ignore[arg-type]


def test_the_advice_comes_first_with_reasons_in_words() -> None:
    sections, _ = posted(review(knockouts={Stage.KEEP_INHOUSE: {"Brand": ["competitive_advantage"]}}))
    assert sections[0] == "*Outsource first*\n• &lt;!channel&gt; ads (rank 1): low risk, big benefits."
    assert sections[1] == (
        "*Discuss first*\n• SEO audits (rank 2): big benefits, low risk. "
        f"Raters disagree on risk (<@{ALICE}> said 1, <@{BOB}> said 4)."
    )
    assert sections[2] == "*Kept in-house*\n• Brand: gives a competitive advantage (step 3, keep in-house)."
    assert sections[3].startswith("*The shortlist*")


def test_the_shortlist_shows_words_not_arithmetic() -> None:
    report = review(
        directions={"importance": "+"},
        weights={"risk": 2},
        weights_source="set by the facilitator",
        candidates=["<!channel> ads", "SEO audits"],
    )
    _, text = posted(report)
    assert "Why: low risk, big benefits" in text
    assert "(-, ×" not in text and " overtakes " not in text and "weighs" not in text
    assert "Rank stability: stable, keeps its place if any one factor counts half as much" in text
    assert "SEO audits stays below &lt;!channel&gt; ads however much any one factor counts." in text
    assert "A high rating counts against outsourcing on risk (a risky hand-over can wait)" in text
    assert "importance (turned around for this review)" in text
    assert "Weights used, set by the facilitator: risk ×2, cost of not outsourcing ×1" in text


def test_a_long_kept_list_is_cut_short_in_the_advice_and_given_in_full_below() -> None:
    names = [f"Task {i:02}" for i in range(KEPT_SHOWN + 3)]
    report = decide(
        ReviewInput(
            processes=[*names, "Kept"],
            knockouts={Stage.NOT_SHORT_TERM: {n: ["in_progress"] for n in names}},
            ratings={"Kept": {ALICE: rating()}},
        )
    )
    sections, text = posted(report)
    kept = next(s for s in sections if s.startswith("*Kept in-house*"))
    assert kept.count("still in progress (step 5, not now: revisit later).") == KEPT_SHOWN
    assert kept.endswith("• And 3 more, listed below.")
    assert all(f"• {n}: still in progress" in text for n in names)  # the full list, under "Left off"
    assert sections[0] == "*Outsource first*\n• Kept (rank 1): no factor stands out."


def test_nothing_ranked_still_says_what_was_kept() -> None:
    report = decide(
        ReviewInput(processes=["Brand"], knockouts={Stage.KEEP_INHOUSE: {"Brand": ["low_benefit"]}})
    )
    sections, _ = posted(report)
    assert sections[0] == "No process made the shortlist this time."
    assert sections[1] == "*Kept in-house*\n• Brand: too little benefit (step 3, keep in-house)."
