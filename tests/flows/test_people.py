"""People in flows' text: a neutral reference (flows/people.py) each transport renders, never a bare id."""

from __future__ import annotations

from flows.answers import load_answers
from flows.people import MARK, people, people_in, person, plain, render_people
from flows.prompts import clean_text
from flows.render import render_markdown
from flows.service import ReviewService
from tests.support.memory_store import MemoryStore
from tests.support.reviews import CONTRACT_PLAN, CONTRACT_YAML, FACILITATOR, Interview, run


def mentions(text: str) -> str:
    return render_people(text, lambda who: f"<@{who}>", lambda s: s.replace("<", "&lt;"))


def test_a_reference_is_rendered_by_each_transport_its_own_way() -> None:
    text = f"Thanks {person('U0ALICE')}, <b> is kept as text."
    assert people_in(text) == ["U0ALICE"]
    assert mentions(text) == "Thanks <@U0ALICE>, &lt;b> is kept as text."
    assert plain(text) == "Thanks U0ALICE, <b> is kept as text."
    assert render_people(text, {"U0ALICE": "Alice"}.__getitem__) == "Thanks Alice, <b> is kept as text."


def test_several_people_and_no_one() -> None:
    assert plain(people(["a"])) == "a"
    assert plain(people(["a", "b", "c"])) == "a, b and c"
    assert people([]) == "no one" and people([], none="nobody") == "nobody"
    assert people_in(people(["b", "a", "b"])) == ["b", "a"]


def test_an_unpaired_mark_is_dropped_and_typed_text_cannot_pose_as_a_person() -> None:
    assert plain(f"odd {MARK}one") == "odd one"
    assert clean_text(f"{MARK}U0BOB{MARK}") == "U0BOB"
    assert people_in(person(f"U0{MARK}BOB")) == ["U0BOB"]


def test_the_ratings_thanks_and_the_reopened_round_name_people_by_reference() -> None:
    iv = Interview("t", raters=["U0ALICE", "U0BOB"])
    run(iv, CONTRACT_PLAN, until="prioritise.rate:Blog writing")
    thanks = iv.say("2 4 2 3 5 2", author="U0ALICE").message or ""
    assert thanks == f"Thanks {person('U0ALICE')}, your ratings are in."
    assert mentions(thanks) == "Thanks <@U0ALICE>, your ratings are in."
    iv.say("1 1 1 1 1 1", author="U0BOB")  # the round closes by itself
    back = iv.say("back").message or ""
    assert f"Rated so far by: {person('U0ALICE')} and {person('U0BOB')};" in back


def test_no_message_of_a_whole_review_shows_a_bare_id() -> None:
    """Every message and correction of the contract's walk, answered by Slack-like ids, names people only
    by reference."""
    iv = Interview("t", raters=["U0ALICE"])
    plan = {
        **CONTRACT_PLAN,
        "prioritise.rate:Blog writing": [("U0ALICE", "1 3 1 3 4 1")],
        "prioritise.rate:SEO audits": [("U0ALICE", "2 4 2 2 5 2")],
    }
    run(iv, plan)
    said = [text for o in iv.outcomes for text in (o.message, o.error) if text]
    assert any("your ratings are in" in s or "round is complete" in s for s in said)
    for text in said:
        outside = "".join(text.split(MARK)[::2])
        assert "U0ALICE" not in outside and FACILITATOR not in outside, text


def test_the_markdown_report_names_people_as_it_is_told() -> None:
    yaml = CONTRACT_YAML.replace("    alice:", "    U0ALICE:")
    service = ReviewService(MemoryStore())
    review = service.replay(load_answers(yaml), "q3.yml", facilitator="U0ALICE", title="Q3")
    report = service.full_report(review)
    assert "- Rated by: U0ALICE" in render_markdown(report)  # the terminal: ids are the names typed
    referring = render_markdown(report, name=person)
    assert "- Rated by: " + person("U0ALICE") in referring
    outside = "".join(referring.split(MARK)[::2])
    assert "U0ALICE" not in outside
    named = render_people(referring, {"U0ALICE": "Alice Martin"}.__getitem__)
    assert "- Rated by: Alice Martin" in named and "| Alice Martin |" in named  # ratings and the ledger
