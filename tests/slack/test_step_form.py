"""The step form: a knock-out step's criteria (steps 3 to 5) answered at once, one menu of the processes in play
per criterion, saved together. Signed requests into the real app, the fake Web API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flows.decision import sift
from flows.interview import review_input
from flows.method import FACTOR_IDS, Stage, criteria_for
from flows.report import Exclusion
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.conversation import BOB, Conversation, ephemerals, last_question, wait_for_file
from tests.support.fake_slack import Call

ALICE = p.USER_ID
PROCESSES = [
    "Blog writing",
    "SEO audits",
    "Brand strategy",
    "Key account calls",
    "Website relaunch",
    "Paid search ads",
    "Newsletter",
    "Event planning",
]
STEP_3 = "Answer step 3 in one form"


def to_step_3(talk: Conversation) -> Call:
    """A review of the eight processes, all of them candidates: the first question of step 3 (its post)."""
    talk.start("Q3 review")
    for text in ["skip", "\n".join(PROCESSES), "done"]:
        talk.say(text)
    question = last_question(talk.say("all"))
    assert "Step 3 of 7" in question.all_text() and "competitive advantage" in question.all_text()
    return question


def open_form(talk: Conversation, question: Call, label: str, user: str = ALICE) -> Call:
    (opened,) = [c for c in talk.click(question, label, user=user) if c.method == "views.open"]
    assert opened.view is not None
    return opened


def buttons_of(question: Call) -> list[str]:
    """The labels of a question's buttons."""
    return [
        e["text"]["text"] for b in question.blocks for e in b.get("elements", []) if e.get("type") == "button"
    ]


def menus(opened: Call) -> dict[str, tuple[str, str, list[str]]]:
    """The form's inputs: block id -> (label, hint, the options' texts)."""
    view = opened.view or {}
    return {
        b["block_id"]: (
            b["label"]["text"],
            b["hint"]["text"],
            [o["text"]["text"] for o in b["element"]["options"]],
        )
        for b in view["blocks"]
        if b["type"] == "input"
    }


def chosen(opened: Call, **names: list[str]) -> dict[str, dict[str, Any]]:
    """The form's values: each criterion (by id) with the processes chosen by name; the others empty."""
    view = opened.view or {}
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        criterion = block["block_id"].removeprefix("criterion:")
        by_name = {o["text"]["text"]: o["value"] for o in block["element"]["options"]}
        picked = [by_name[name] for name in names.get(criterion, [])]
        values[block["block_id"]] = {
            "criterion_value": p.options_value(picked, action_type="multi_static_select")
        }
    return values


def submit(
    talk: Conversation, opened: Call, values: dict[str, dict[str, Any]], view_id: str, user: str = ALICE
) -> tuple[dict[str, Any], list[Call]]:
    """Submit the form as Slack does (the same view id when it is submitted again)."""
    return talk.submit_form(opened, values, user, view_id=view_id)


def exclusions(talk: Conversation) -> list[Exclusion]:
    return sift(review_input(talk.review()))[1]


def test_the_form_has_a_menu_per_criterion_still_to_answer(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_step_3(talk)
    buttons = [e for b in question.blocks for e in b.get("elements", []) if e.get("type") == "button"]
    assert buttons[0]["text"]["text"] == STEP_3 and buttons[0].get("style") == "primary"
    assert [b for b in buttons if b.get("style") == "primary"] == [buttons[0]]  # the one main action

    opened = open_form(talk, question, STEP_3)
    assert (opened.view or {})["callback_id"] == "step_view"
    criteria = criteria_for(Stage.KEEP_INHOUSE)
    assert menus(opened) == {f"criterion:{c.id}": (c.question, c.help, PROCESSES) for c in criteria}

    # One criterion answered in the thread: the form opened from the next one lists the two left.
    question = last_question(talk.say("none"))
    opened = open_form(talk, question, STEP_3)
    assert list(menus(opened)) == [f"criterion:{c.id}" for c in criteria[1:]]


def test_a_submitted_step_excludes_what_was_chosen_and_asks_the_next_step(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_step_3(talk)
    opened = open_form(talk, question, STEP_3)
    values = chosen(
        opened,
        competitive_advantage=["Brand strategy", "Key account calls"],
        low_benefit=["Key account calls", "Newsletter"],  # Key account calls twice
    )
    answer, calls = submit(talk, opened, values, view_id="V0STEP3")
    assert answer == {}  # the form closes
    assert exclusions(talk) == [
        Exclusion("Brand strategy", 3, ("competitive_advantage",)),
        Exclusion("Key account calls", 3, ("competitive_advantage", "low_benefit")),
        Exclusion("Newsletter", 3, ("low_benefit",)),
    ]
    review = talk.review()
    assert review.state is Stage.CANNOT_OUTSOURCE
    history = [r for r in talk.store.history(review.id or "") if r.question.startswith("keep_inhouse")]
    assert [(r.question, r.author) for r in history] == [
        (f"keep_inhouse:{c.id}", ALICE) for c in criteria_for(Stage.KEEP_INHOUSE)
    ]
    # The thread shows step 4's first question, once, numbering the five processes left; the question the
    # form was opened from is closed as answered.
    posted = [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts")]
    assert len(posted) == 1
    assert "Step 4 of 7" in posted[0].all_text() and "solid authorisation" in posted[0].all_text()
    assert "5. Event planning" in posted[0].all_text() and "Brand strategy" not in posted[0].all_text()
    (asked,) = [
        m for m in talk.fake.messages(talk.channel, thread_ts=talk.thread_ts) if "Step 3 of 7" in m.text
    ]
    assert not [b for b in asked.blocks if b.get("type") == "actions"]  # its buttons are gone
    assert f"Answered by <@{ALICE}>" in json.dumps(asked.blocks)
    assert ephemerals(calls) == []

    # The same submission again (Slack retried it): applied once.
    version = talk.review().version
    answer, again = submit(talk, opened, values, view_id="V0STEP3")
    assert answer == {} and talk.review().version == version
    assert [c for c in again if c.method == "chat.postMessage"] == []
    assert len(exclusions(talk)) == 3


def test_a_form_for_a_step_that_moved_on_saves_nothing_and_says_so(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_step_3(talk)
    opened = open_form(talk, question, STEP_3)
    talk.say("1")  # someone answers the first criterion in the thread meanwhile
    version = talk.review().version
    _, calls = submit(talk, opened, chosen(opened, low_benefit=["Newsletter"]), view_id="V0LATE")
    assert talk.review().version == version
    assert [(e.process, e.step) for e in exclusions(talk)] == [("Blog writing", 3)]
    (told,) = ephemerals(calls)
    assert told.startswith("The review moved on before your form arrived, so none of its answers was saved.")
    assert "Open now: Which of these could no outside party perform as well as you do?" in told
    assert [c for c in calls if c.method == "chat.postMessage"] == []


@pytest.mark.parametrize(("rating_by", "expected"), [("direct message", 25), ("form", 35)])
def test_the_requests_an_eight_process_review_takes(
    bot: Bot, fake_slack: FakeSlack, rating_by: str, expected: int
) -> None:
    """Facilitator and one named rater; three exclusions made in the step forms; both rate privately.

    Requests the team sends, measured (35 with the ratings given in the rating form):
      the command that starts it 1, organisation `skip` 1, the raters picked on the kickoff 1,
      step 1 the list and `done` 2, step 2 `all` 1,
      steps 3, 4 and 5: a click opening the step's form and its submission, 2 each: 6,
      step 6 weights `ok` 1, the first process's service level *Skip all* 1 (no service level for any), then
      for each of the five processes rated the two raters' ratings, each in the rating form (the click that
      opens it, then its submission): 2 × 2 = 4, 20 in all,
      step 7: *Done for all* at the first process shortlisted 1 (no metrics for any).
    With each rating sent in a direct message instead (one request each), 10 fewer: 25.
    """
    talk = Conversation(bot, fake_slack)
    requests = 0

    def say(text: str) -> list[Call]:
        nonlocal requests
        requests += 1
        return talk.say(text)

    def click(question: Call, label: str) -> list[Call]:
        nonlocal requests
        requests += 1
        return talk.click(question, label)

    def rate(question: Call, rater: str) -> list[Call]:
        nonlocal requests
        if rating_by == "form":
            opened = open_form(talk, question, "Rate privately", user=rater)
            values = {f"factor:{f}": {"factor_value": p.select_value("3")} for f in FACTOR_IDS}
            requests += 2
            return talk.submit(opened, values, user=rater)
        requests += 1
        return talk.rate("2 4 2 3 5 2", rater)

    talk.start("Q3 review")
    requests += 1
    kickoff = talk.fake.message(talk.channel, talk.thread_ts or "")
    (picker,) = [b for b in kickoff.blocks if (b.get("accessory") or {}).get("action_id") == "raters"]
    action = {
        "type": "multi_users_select",
        "action_id": "raters",
        "block_id": picker["block_id"],
        "selected_users": [ALICE, BOB],
        "action_ts": p.new_ts(),
    }
    assert bot.slack.block_actions([action], user_id=ALICE, channel_id=talk.channel, team_id=talk.team)
    requests += 1
    assert talk.review().raters == [ALICE, BOB]

    say("skip")
    say("\n".join(PROCESSES))
    say("done")
    question = last_question(say("all"))
    excluded = {
        3: {"competitive_advantage": ["Brand strategy"]},
        4: {"face_to_face": ["Key account calls"]},
        5: {"in_progress": ["Website relaunch"]},
    }
    for step, names in excluded.items():
        opened = open_form(talk, question, f"Answer step {step} in one form")
        _, calls = submit(talk, opened, chosen(opened, **names), view_id=f"V0COUNT{step}")
        requests += 2
        question = last_question(calls)
    assert [(e.process, e.step) for e in exclusions(talk)] == [
        ("Brand strategy", 3),
        ("Key account calls", 4),
        ("Website relaunch", 5),
    ]
    assert "Should any factor count more" in question.all_text()
    question = last_question(say("ok"))
    rated = [p for p in PROCESSES if p not in ("Brand strategy", "Key account calls", "Website relaunch")]
    assert "Skip all" in buttons_of(question)
    calls = click(question, "Skip all")  # no service level for any of the five
    for process in rated:
        question = last_question(calls)
        assert f"Rate “{process}”" in question.all_text()
        for rater in (ALICE, BOB):
            calls = rate(question, rater)
    question = last_question(calls)
    assert "Step 7 of 7" in question.all_text()
    click(question, "Done for all")  # no metrics for any
    assert talk.review().state is Stage.DONE
    assert requests == expected  # the breakdown above
    assert requests <= 35  # the goal of issue 19, item 5
    report = wait_for_file(fake_slack, talk.channel).content.decode()
    assert all(process in report for process in PROCESSES)
