"""Natural replies to multiple-choice questions (flows/choices.py): names as well as numbers, several names,
the words for none and all; numbers always mean numbers, and an ambiguous reply is refused with its readings."""

from __future__ import annotations

import pytest

from flows.interview import K_CANDIDATES, K_ORGANISATION, picked
from flows.method import Stage
from flows.prompts import Kind, Option, Prompt, ReplyError, parse_reply
from flows.reference import ORGANISATIONS
from tests.support.reviews import Interview

TASKS = ("Blog writing", "SEO audits", "Newsletter", "Paid search ads", "Social media posting")


def ask(*labels: str, kind: Kind = Kind.PICK) -> Prompt:
    options = tuple(Option(label, label) for label in labels)
    return Prompt("key", kind, Stage.KEEP_INHOUSE, "Which?", options=options, optional=True)


def picks(text: str, *labels: str) -> list[str]:
    reply = parse_reply(ask(*(labels or TASKS)), text)
    assert reply.command is None
    return list(reply.value)


def refusal(text: str, *labels: str, kind: Kind = Kind.PICK) -> str:
    with pytest.raises(ReplyError) as caught:
        parse_reply(ask(*(labels or TASKS), kind=kind), text)
    message = str(caught.value)
    assert message and "\n" not in message and len(message) <= 300, message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Newsletter", ["Newsletter"]),
        ("  newsLETTER ", ["Newsletter"]),
        ("seo   AUDITS", ["SEO audits"]),
        ("Newsleter", ["Newsletter"]),  # one close spelling, no other option near
        ("SEO audit", ["SEO audits"]),
        ("Social media", ["Social media posting"]),  # the start of one name, word for word
        ("Newsletter, SEO audits", ["Newsletter", "SEO audits"]),
        ("Newsletter and SEO audits", ["Newsletter", "SEO audits"]),
        ("newsletter & blog writing", ["Newsletter", "Blog writing"]),
        ("Newsletter, SEO audits, and Blog writing", ["Newsletter", "SEO audits", "Blog writing"]),
        ("Newsletter;\nSEO audits", ["Newsletter", "SEO audits"]),
        ("1, Newsletter", ["Blog writing", "Newsletter"]),
        ("Newsletter, newsletter", ["Newsletter"]),
        ("3 because we write it ourselves", ["Newsletter"]),
        ("Newsletter because we write it ourselves", ["Newsletter"]),
    ],
)
def test_options_by_name(text: str, expected: list[str]) -> None:
    assert picks(text) == expected


def test_a_name_with_a_comma_or_and_in_it_reads_whole() -> None:
    labels = ("Research and development", "Ads, paid", "Newsletter", "R&D")
    assert picks("research and development", *labels) == ["Research and development"]
    assert picks("Newsletter and Research and development", *labels) == [
        "Newsletter",
        "Research and development",
    ]
    assert picks("Ads, paid", *labels) == ["Ads, paid"]
    assert picks("r&d, newsletter", *labels) == ["R&D", "Newsletter"]


def test_a_reply_read_two_ways_is_refused_with_both_readings() -> None:
    message = refusal("Ads and PR", "Ads", "PR", "Ads and PR")
    assert "“Ads” (1) and “PR” (2)" in message and "“Ads and PR” (3)" in message
    assert "numbers you mean" in message


@pytest.mark.parametrize("text", ["None of these", "none", "NONE.", "nothing", "no", "Nope", "none of them"])
def test_words_for_none(text: str) -> None:
    assert picks(text) == []


@pytest.mark.parametrize("text", ["all", "All of them", "everything", "all of these"])
def test_words_for_all(text: str) -> None:
    assert picks(text) == list(TASKS)


def test_close_spellings_of_two_options_are_refused_with_both() -> None:
    message = refusal("SEO audit", "SEO audits", "SEM audits", "Newsletter")
    assert "“SEO audits” (1)" in message and "“SEM audits” (2)" in message
    assert "number you mean" in message


def test_the_start_of_two_names_is_refused_with_both() -> None:
    message = refusal("Blog", "Blog writing", "Blog editing", "Newsletter")
    assert "“Blog writing” (1)" in message and "“Blog editing” (2)" in message


def test_something_unlike_any_option_says_what_the_question_takes() -> None:
    message = refusal("maybe 7")
    assert message.startswith("“maybe 7” is not an option number or name. Reply with option numbers")
    assert "`none`" in message


def test_too_many_names_at_once_asks_for_numbers() -> None:
    message = refusal(", ".join(["Newsletter"] * 150))
    assert "numbers" in message


# ---------------------------------------------------------------- numbers win; words that are names


def test_a_process_called_like_a_number_is_picked_by_its_number() -> None:
    labels = ("3", "Blog writing", "Newsletter", "2024")
    assert picks("3", *labels) == ["Newsletter"]  # option 3, not the process called "3"
    assert picks("1", *labels) == ["3"]
    assert picks("1, 4", *labels) == ["3", "2024"]
    message = refusal("2024", *labels)
    assert "There is no option 2024; pick from 1 to 4." in message
    assert "To pick “2024”, reply `4`." in message


def test_a_process_called_no_makes_no_ambiguous() -> None:
    labels = ("Blog writing", "No", "Newsletter")
    message = refusal("no", *labels)
    assert "could mean none of these or the option “No”" in message
    assert "could mean none of these" in refusal("No.", *labels)
    assert "`none`" in message and "`2`" in message
    assert picks("none", *labels) == []  # `none` is what the button sends: it keeps its meaning
    assert picks("2", *labels) == ["No"]
    assert picks("nothing", *labels) == []


def test_a_process_called_none_or_all_is_picked_by_its_number() -> None:
    labels = ("None", "All", "Newsletter")
    assert picks("none", *labels) == []
    assert picks("all", *labels) == list(labels)
    assert picks("1 2", *labels) == ["None", "All"]
    message = refusal("everything", "Everything", "Newsletter")
    assert "could mean all of them or the option “Everything”" in message


# ---------------------------------------------------------------- pick one


ORGANISATION_OPTIONS = tuple(Option(key, label) for key, label in ORGANISATIONS.items())


def pick_one(text: str) -> str:
    prompt = Prompt("org", Kind.PICK_ONE, Stage.INTAKE, "Which?", options=ORGANISATION_OPTIONS, optional=True)
    return str(parse_reply(prompt, text).value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "ecommerce"),
        ("Online shop", "ecommerce"),  # the label without its explanation in parentheses
        ("online shop (B2C product)", "ecommerce"),
        ("Large company", "enterprise"),
        ("nonprofit", "nonprofit"),
        ("Non-profit", "nonprofit"),
        ("b2b services", "b2b_services"),
        ("ecommerce", "ecommerce"),  # the option's key works too
    ],
)
def test_pick_one_by_name(text: str, expected: str) -> None:
    assert pick_one(text) == expected


def test_pick_one_refuses_two_or_an_ambiguous_name() -> None:
    prompt = Prompt("org", Kind.PICK_ONE, Stage.INTAKE, "Which?", options=ORGANISATION_OPTIONS)
    with pytest.raises(ReplyError, match="just one"):
        parse_reply(prompt, "Nonprofit and Small business")
    with pytest.raises(ReplyError) as caught:
        parse_reply(prompt, "B2B")
    assert "“B2B product” (5)" in str(caught.value) and "“B2B services” (6)" in str(caught.value)


def test_a_thousand_options_and_a_typo() -> None:
    labels = (*(f"Task number {i}" for i in range(1, 1000)), "Quarterly newsletter")
    assert picks("Quarterly newsleter", *labels) == ["Quarterly newsletter"]
    message = refusal("Task number 1x", *labels)
    assert (
        "“Task number 12” (12)" in message
        and message.count("“Task number") == 1 + 4
        and "(or others)" in message
    )


# ---------------------------------------------------------------- in the interview


def at_candidates() -> Interview:
    iv = Interview("Q3")
    iv.say("skip")  # organisation
    iv.say("Blog writing\nOnline shop\nNewsletter\nBlog editing")
    iv.say("done")
    assert iv.key == K_CANDIDATES
    return iv


def test_the_interview_takes_names_and_none_of_these() -> None:
    iv = at_candidates()
    iv.say("Online shop, newsletter and blog editing")
    assert picked(iv.review.answers[K_CANDIDATES]) == ["Online shop", "Newsletter", "Blog editing"]
    first = iv.key
    iv.say("None of these")  # the first knock-out
    assert first is not None and picked(iv.review.answers[first]) == []


def test_an_ambiguous_reply_loses_nothing() -> None:
    iv = at_candidates()
    message = iv.refused("Newsletter and blog")
    assert "“blog” could be “Blog writing” (1) or “Blog editing” (4)" in message
    assert iv.key == K_CANDIDATES
    iv.say("3 4")
    assert picked(iv.review.answers[K_CANDIDATES]) == ["Newsletter", "Blog editing"]


def test_the_organisation_by_name() -> None:
    iv = Interview("Q3")
    assert iv.key == K_ORGANISATION
    iv.say("Online shop")
    assert iv.review.answers[K_ORGANISATION] == "ecommerce"
