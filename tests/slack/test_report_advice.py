"""The shortlist in Slack is one message that opens with the advice in words (issue 19, items 3 and 4): outsource
first, discuss first, kept in-house, for the first few tasks; which way each factor counts; no arithmetic; then
what else the full report holds, and the way to it (a button to the page, or the thread's Markdown file)."""

from __future__ import annotations

import json

from bot.slack.blocks.report import KEPT_IN_MESSAGE, MAX_TOP, shortlist_messages
from bot.slack.ids import OPEN_REPORT
from bot.slack.text import MESSAGE_TEXT_LIMIT, SECTION_LIMIT
from flows.decision import decide
from flows.method import Stage
from flows.model import Review, ReviewInput
from flows.people import person
from flows.render import render_markdown
from flows.report import Report
from tests.support.reviews import rating

ALICE, BOB = "U0ALICE", "U0BOB"
LINK = "https://reports.example.org/report/abc.def"


def posted(report: Report, top: int = 5, link: str | None = None) -> tuple[list[str], str]:
    """The section texts in order, and everything the messages show."""
    messages = shortlist_messages(Review(title="Q3", facilitator=ALICE), report, top=top, link=link)
    assert len(messages) == 1
    sections = [b["text"]["text"] for b in messages[0].blocks if b["type"] == "section"]
    return sections, json.dumps(messages[0].blocks, ensure_ascii=False)


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
    assert sections[3].startswith(
        "No other task ranked, 1 left out at steps 3–5. The full report has every task"
    )


def test_the_shortlist_shows_words_not_arithmetic_and_the_file_keeps_the_details() -> None:
    report = review(
        directions={"importance": "+"},
        weights={"risk": 2},
        weights_source="set by the facilitator",
        candidates=["<!channel> ads", "SEO audits"],
    )
    _, text = posted(report)
    assert "(-, ×" not in text and " overtakes " not in text and "weighs" not in text
    assert "A high rating counts against outsourcing on risk (a risky hand-over can wait)" in text
    assert "importance (turned around for this review)" in text
    assert "Weights used, set by the facilitator: risk ×2, cost of not outsourcing ×1" in text
    # Each task's reasons, stability and the swaps are in the full report (the file in the thread, the page).
    markdown = render_markdown(report, name=person)
    assert "- Why: low risk, big benefits" in markdown
    assert "(rank 1): stable, keeps its place if any one factor counts half as much" in markdown
    assert "SEO audits stays below <!channel> ads however much any one factor counts." in markdown


def test_a_long_kept_list_is_cut_short_in_the_message_and_given_in_full_in_the_file() -> None:
    names = [f"Task {i:02}" for i in range(KEPT_IN_MESSAGE + 3)]
    report = decide(
        ReviewInput(
            processes=[*names, "Kept"],
            knockouts={Stage.NOT_SHORT_TERM: {n: ["in_progress"] for n in names}},
            ratings={"Kept": {ALICE: rating()}},
        )
    )
    sections, text = posted(report)
    kept = next(s for s in sections if s.startswith("*Kept in-house*"))
    assert kept.count("still in progress (step 5, not now: revisit later).") == KEPT_IN_MESSAGE
    assert kept.endswith("• And 3 more, in the full report.")
    assert sum(f"• {n}: still in progress" in text for n in names) == KEPT_IN_MESSAGE
    assert f"{len(names)} left out at steps 3–5" in text
    markdown = render_markdown(report, name=person)
    assert all(f"- {n}: still in progress" in markdown for n in names)  # the full list, under "Excluded"
    assert sections[0] == "*Outsource first*\n• Kept (rank 1): no factor stands out."


def test_nothing_ranked_still_says_what_was_kept() -> None:
    report = decide(
        ReviewInput(processes=["Brand"], knockouts={Stage.KEEP_INHOUSE: {"Brand": ["low_benefit"]}})
    )
    sections, _ = posted(report)
    assert sections[0] == "No process made the shortlist this time."
    assert sections[1] == "*Kept in-house*\n• Brand: too little benefit (step 3, keep in-house)."


def many(count: int, name: str = "Task {i:03}", step_out: int = 0) -> Report:
    names = [name.format(i=i) for i in range(count)]
    out = names[:step_out]
    return decide(
        ReviewInput(
            processes=names,
            knockouts={Stage.KEEP_INHOUSE: {n: ["low_benefit"] for n in out}},
            ratings={
                n: {
                    ALICE: rating(risk=1 + i % 5, benefits=1 + (i // 5) % 5),
                    BOB: rating(risk=1 + (i + 2) % 5),
                }
                for i, n in enumerate(names)
                if n not in out
            },
        )
    )


def test_the_message_names_the_first_few_tasks_and_counts_the_rest() -> None:
    report = many(30, step_out=4)
    sections, text = posted(report, top=3, link=LINK)
    assert sections[0] == "The first 3 of 26 ranked tasks:"
    named = [t.process for t in report.shortlist if f"{t.process} (rank {t.rank})" in text]
    assert named == [t.process for t in report.shortlist[:3]]
    assert "23 more ranked, 4 left out at steps 3–5." in text
    blocks = shortlist_messages(Review(title="Q3", facilitator=ALICE), report, top=3, link=LINK)[0].blocks
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    (button,) = actions["elements"]
    assert button["url"] == LINK and button["action_id"] == OPEN_REPORT
    assert button["text"]["text"] == "Open the full report"
    assert "in the review's thread" not in text


def test_without_a_link_the_message_points_to_the_thread() -> None:
    _, text = posted(many(8))
    assert "The full report is in the review's thread" in text
    assert '"actions"' not in text


def test_long_names_and_the_most_tasks_still_fit_two_messages_within_slacks_limits() -> None:
    name = "<b>&" * 37 + " {i:03}"  # 150 characters, each one escaped to several
    report = many(300, name=name, step_out=40)
    messages = shortlist_messages(Review(title="x" * 150, facilitator=ALICE), report, top=MAX_TOP, link=LINK)
    assert len(messages) <= 2
    for message in messages:
        assert len(message.blocks) <= 50 and message.chars <= MESSAGE_TEXT_LIMIT
        assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in message.blocks if b["type"] == "section")
    text = json.dumps([m.blocks for m in messages], ensure_ascii=False)
    assert "<b>" not in text and "&lt;b&gt;&amp;" in text
    assert "250 more ranked, 40 left out at steps 3–5." in text
