"""The weights form: each factor says which way it counts, and what is submitted becomes the review's weights.
Signed requests into the real app, the fake Web API."""

from __future__ import annotations

from flows.method import FACTOR_IDS, FACTORS
from tests.support import FakeSlack
from tests.support.bots import Bot
from tests.support.conversation import Conversation, last_question
from tests.support.fake_slack import Call


def to_the_weights(talk: Conversation) -> Call:
    """A review of one process, no exclusions: the weights question of step 6 (its post)."""
    talk.start("Q3 review")
    for text in ["skip", "Blog writing", "done", "all"]:
        talk.say(text)
    for _ in range(12):
        question = last_question(talk.say("none"))
        if "Step 6 of 7" in question.all_text():
            break
    assert "Should any factor count more than the others?" in question.all_text()
    return question


def weight_values(**weights: str) -> dict[str, dict[str, object]]:
    """The form's values: every factor 1 unless given."""
    return {
        f"weight:{f.id}": {"weight_value": {"type": "plain_text_input", "value": weights.get(f.id, "1")}}
        for f in FACTORS
    }


def test_the_weights_form_says_which_way_each_factor_counts(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_the_weights(talk)
    (opened,) = [c for c in talk.click(question, "Set weights") if c.method == "views.open"]
    inputs = {
        b["label"]["text"]: b["hint"]["text"] for b in (opened.view or {})["blocks"] if b["type"] == "input"
    }
    assert inputs["Importance"] == "It counts against outsourcing: keep what matters most close."
    assert inputs["Benefits"] == "It counts for outsourcing: outsourcing pays off."
    assert list(inputs) == [f.label.capitalize() for f in FACTORS]


def test_submitted_weights_become_the_reviews_weights(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_the_weights(talk)
    (opened,) = [c for c in talk.click(question, "Set weights") if c.method == "views.open"]
    calls = talk.submit(opened, weight_values(risk="2", benefits="0"))
    saved = talk.review().answers["prioritise.weights"]["weights"]
    assert saved["risk"] == 2 and saved["benefits"] == 0 and saved["importance"] == 1
    assert "Step 6 of 7" in last_question(calls).all_text()
    assert "Should any factor count more" not in last_question(calls).all_text()  # the next question


def test_a_weight_that_is_not_a_number_is_refused_under_its_field_and_nothing_is_saved(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_the_weights(talk)
    (opened,) = [c for c in talk.click(question, "Set weights") if c.method == "views.open"]

    def submitted(values: dict[str, dict[str, object]]) -> dict[str, str]:
        answer, calls = talk.submit_form(opened, values)
        assert calls == []
        return dict(answer["errors"])

    assert submitted(weight_values(benefits="heavy", importance="-2")) == {
        "weight:benefits": "The weight of benefits “heavy” is not a number; write it in digits, like `1500` or `2.5`.",
        "weight:importance": "The weight of importance must be 0 or more.",
    }
    assert submitted(weight_values(**dict.fromkeys(FACTOR_IDS, "0"))) == {
        "weight:risk": "At least one factor needs a weight above 0."
    }
    assert "prioritise.weights" not in talk.review().answers
