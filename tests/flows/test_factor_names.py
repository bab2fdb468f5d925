"""One name per factor wherever people read (issue 19, item 4): the questions, the `weights` command, the
reports and the CSV headers use `Factor.label`; the ids stay in JSON keys and answers files, and typed replies
take either."""

from __future__ import annotations

import csv
import io
import json

import pytest

from flows.decision import decide
from flows.method import FACTOR_IDS, FACTORS, FACTORS_BY_ID, counts, factor_names
from flows.model import ReviewInput
from flows.prompts import Prompt
from flows.render import render_csv, render_json, render_markdown
from tests.support.reviews import CONTRACT_PLAN, Interview, answer, prompt_strings, rating

IDS_THAT_ARE_NOT_NAMES = [f.id for f in FACTORS if f.id != f.label]  # consequences, tech_complexity, …


def prompt_at(key: str) -> tuple[Interview, Prompt]:
    """The contract's example interview, answered up to the question `key`."""
    iv = Interview()
    while (prompt := iv.prompt) is not None and prompt.key != key:
        answer(iv, CONTRACT_PLAN)
    assert prompt is not None, f"{key} was never asked"
    return iv, prompt


def test_each_factor_has_one_name_of_its_own() -> None:
    labels = [f.label for f in FACTORS]
    assert labels == [
        "risk",
        "cost of not outsourcing",
        "technical complexity",
        "importance",
        "benefits",
        "vendor domain expertise needed",
    ]
    for factor in FACTORS:  # the words for a low or a high rating are built from the name
        assert factor.label in factor.low and factor.label in factor.high


def test_the_rating_question_names_the_factors_not_their_ids() -> None:
    _, prompt = prompt_at("prioritise.rate:Blog writing")
    assert (
        prompt.details[1]
        == "2. Cost of not outsourcing: What happens if you do NOT outsource it? (1 nothing, 5 serious)"
    )
    assert prompt.details[5].startswith("6. Vendor domain expertise needed: ")
    shown = "\n".join(prompt_strings(prompt))
    for factor_id in IDS_THAT_ARE_NOT_NAMES:
        assert factor_id not in shown


def test_the_weights_question_names_each_factor_and_says_which_way_it_counts() -> None:
    _, prompt = prompt_at("prioritise.weights")
    assert prompt.details[3] == (
        "Importance: To operations, competitiveness and strategy. Critical work is riskier to hand over. "
        "It counts against outsourcing: keep what matters most close."
    )
    assert prompt.details[4].endswith("It counts for outsourcing: outsourcing pays off.")
    shown = "\n".join(prompt_strings(prompt))
    for factor_id in IDS_THAT_ARE_NOT_NAMES:
        assert factor_id not in shown


def test_the_weights_command_shows_the_names_and_takes_them() -> None:
    iv, _ = prompt_at("prioritise.service_level:SEO audits")
    outcome = iv.say("weights")
    assert outcome.message is not None
    assert "The weights now: risk 2, cost of not outsourcing 1, technical complexity 1" in outcome.message
    iv.say("weights cost of not outsourcing 3")
    assert iv.review.answers["prioritise.weights"]["weights"] == {"consequences": 3}


def test_a_name_and_an_id_read_the_same() -> None:
    for factor in FACTORS:
        assert factor_names(f"{factor.label.upper()} 2") == f"{factor.id} 2"
        assert factor_names(f"{factor.id} 2") == f"{factor.id} 2"


@pytest.mark.parametrize(
    ("factor", "direction", "words"),
    [
        ("importance", "-", "counts against outsourcing: keep what matters most close"),
        ("importance", "+", "counts for outsourcing (turned around for this review)"),
        ("benefits", "+", "counts for outsourcing: outsourcing pays off"),
        ("benefits", "-", "counts against outsourcing (turned around for this review)"),
    ],
)
def test_which_way_a_factor_counts_follows_the_reviews_direction(
    factor: str, direction: str, words: str
) -> None:
    assert counts(factor, direction) == words


def test_csv_headers_use_the_names_and_json_keeps_the_ids() -> None:
    report = decide(
        ReviewInput(processes=["Blog writing"], ratings={"Blog writing": {"alice": rating(risk=2)}})
    )
    (row,) = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [row[FACTORS_BY_ID[f].label] for f in FACTOR_IDS] == ["2", "3", "3", "3", "3", "3"]
    for factor_id in IDS_THAT_ARE_NOT_NAMES:
        assert factor_id not in row
    data = json.loads(render_json(report))
    assert list(data["shortlist"][0]["factors"]) == list(FACTOR_IDS)
    assert list(data["weights"]) == list(FACTOR_IDS) and list(data["directions"]) == list(FACTOR_IDS)
    # the Markdown report names the factors the same way, ids nowhere
    markdown = render_markdown(report)
    for factor_id in IDS_THAT_ARE_NOT_NAMES:
        assert factor_id not in markdown
