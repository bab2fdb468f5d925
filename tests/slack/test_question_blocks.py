"""A question's message: parts made once and shared between questions never carry one question into another."""

import json
from dataclasses import replace

from bot.slack.blocks.parts import context, context_dict, section, section_dict
from bot.slack.blocks.question import question_messages
from flows.interview import current_prompt
from flows.prompts import Kind
from tests.support.fake_slack import block_problems
from tests.support.harness import review_at_candidates, review_at_rating


def _values(blocks: list[dict]) -> list[dict]:
    return [
        json.loads(e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if "value" in e
    ]


def test_each_question_carries_its_own_review_and_question_in_its_buttons() -> None:
    first = replace(review_at_rating(3), id="a" * 32)
    second = replace(first, id="b" * 32)
    prompt = current_prompt(first)
    assert prompt is not None and prompt.kind is Kind.RATINGS
    [message_a] = question_messages(first, prompt)
    before = json.dumps(message_a.blocks)
    [message_b] = question_messages(second, prompt, note="a *note*")
    later = replace(prompt, key=prompt.key + " (again)")
    question_messages(first, later)

    assert json.dumps(message_a.blocks) == before  # building others changed nothing already built
    values_a, values_b = _values(message_a.blocks), _values(message_b.blocks)
    assert {v["r"] for v in values_a} == {"a" * 32} and {v["r"] for v in values_b} == {"b" * 32}
    assert [v["v"] for v in values_a] == ["", "done", "", "back", "help"]
    actions = next(b for b in message_b.blocks if b["type"] == "actions")
    assert actions["block_id"] == f"{'b' * 32}:{values_b[0]['q']}"
    assert message_b.blocks[0]["elements"][0]["text"] == "a *note*"
    assert block_problems(message_a.blocks) == [] and block_problems(message_b.blocks) == []


def test_every_kind_of_question_has_its_buttons_and_a_pick_its_menu() -> None:
    review = replace(review_at_candidates(4), id="c" * 32)
    base = current_prompt(review)
    assert base is not None
    for kind in Kind:
        for optional in (False, True):
            prompt = replace(base, kind=kind, optional=optional)
            [message] = question_messages(review, prompt)
            assert block_problems(message.blocks) == [], kind
            actions = next(b for b in message.blocks if b["type"] == "actions")
            types = [e["type"] for e in actions["elements"]]
            replies = [v["v"] for v in _values(message.blocks)]
            assert replies[-2:] == ["back", "help"], kind
            assert ("skip" in replies) is optional, kind
            menu = {Kind.PICK: "multi_static_select", Kind.PICK_ONE: "static_select"}.get(kind)
            assert types[0] == (menu or "button"), (kind, types)


def test_the_shapes_made_once_match_what_slack_sdk_makes_each_time() -> None:
    texts = ["Rated so far: <@U1>", "*bold* & <escaped>", "é" * 10, "x" * 5000]
    for text in texts:
        assert section_dict(text) == section(text).to_dict()
        assert context_dict(text) == context(text).to_dict()
    first, second = context_dict("one"), context_dict("two")
    assert first["elements"][0]["text"] == "one"  # each call its own dicts
    assert first["elements"] is not second["elements"]
