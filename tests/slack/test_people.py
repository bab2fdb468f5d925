"""People named as Slack shows them in files (bot/slack/people.py): display name, real name, or the id."""

from __future__ import annotations

from bot.slack.people import display_name, with_names_now
from flows.people import people, person
from tests.support import FakeSlack


def test_the_display_name_comes_first_then_the_real_name_then_the_handle() -> None:
    assert (
        display_name({"name": "amartin", "profile": {"display_name": " Alice  M ", "real_name": "A"}})
        == "Alice M"
    )
    assert display_name(
        {"name": "amartin", "profile": {"display_name": "", "real_name": "Alice Martin"}}
    ) == ("Alice Martin")
    assert display_name({"name": "amartin", "profile": {}}) == "amartin"
    assert display_name({"profile": "odd"}) is None


def test_each_person_is_looked_up_once_and_an_unknown_one_keeps_the_id(fake_slack: FakeSlack) -> None:
    fake_slack.set_user("U0ALICE", "alice.m", real_name="Alice Martin")
    text = f"Rated by {people(['U0ALICE', 'not-a-slack-user'])}; thanks {person('U0ALICE')}."
    named = with_names_now(fake_slack.client(), text)
    assert named == "Rated by alice.m and not-a-slack-user; thanks alice.m."
    assert [c["user"] for c in fake_slack.calls("users.info")] == ["U0ALICE"]  # not the name, nor twice


def test_someone_slack_does_not_know_keeps_the_id(fake_slack: FakeSlack) -> None:
    named = with_names_now(fake_slack.client(), f"Rated by {person('Ugone')}.")  # not a well-formed id
    assert named == "Rated by Ugone."
    assert len(fake_slack.calls("users.info")) == 1


def test_text_without_people_asks_nothing(fake_slack: FakeSlack) -> None:
    assert with_names_now(fake_slack.client(), "no one here") == "no one here"
    assert fake_slack.calls("users.info") == []
