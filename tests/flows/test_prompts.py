"""The typed-reply parser (the README, "The chat"), for every kind of question."""

from __future__ import annotations

import re

import pytest

from flows.method import FACTOR_IDS, Stage
from flows.model import Metric
from flows.prompts import (
    MAX_ITEMS_PER_REPLY,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    Kind,
    Option,
    Prompt,
    Reply,
    ReplyError,
    WeightsAnswer,
    default_warning,
    parse_metric_line,
    parse_private_rating,
    parse_reply,
    parse_step_reply,
    rank_order_centroid,
)
from tests.support.reviews import rating

FIVE = tuple(Option(f"p{i}", f"Process {i}") for i in range(1, 6))


def make(kind: Kind, *, optional: bool = False, options: tuple[Option, ...] = FIVE) -> Prompt:
    return Prompt("key", kind, Stage.PRIORITISE, "A question?", options=options, optional=optional)


def value(kind: Kind, text: str, **kwargs: object) -> object:
    reply = parse_reply(make(kind, **kwargs), text)  # type: ignore[arg-type]
    assert reply.command is None
    return reply.value


INSTRUCTION = re.compile(
    r"\b(reply|use|send|write|pick|give|keep|rate|list|example|please|start|must be|needs?)\b", re.IGNORECASE
)


def error(kind: Kind, text: str, **kwargs: object) -> str:
    """The parser refuses `text`; its message is one short line that says what to do."""
    with pytest.raises(ReplyError) as caught:
        parse_reply(make(kind, **kwargs), text)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message and "\n" not in message
    assert len(message) <= 300, message
    assert INSTRUCTION.search(message), f"no instruction in: {message}"
    return message


# ---------------------------------------------------------------- lists


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("Blog writing", ["Blog writing"]),
        ("Blog writing\nSEO audits\n\n  Newsletter  ", ["Blog writing", "SEO audits", "Newsletter"]),
        ("- Blog\n* SEO\n• Email\n· Ads", ["Blog", "SEO", "Email", "Ads"]),
        ("1. Blog\n2) SEO\n10. Email", ["Blog", "SEO", "Email"]),
        ("  -   Blog writing", ["Blog writing"]),
        ("2024 plan\n1.5 campaigns", ["2024 plan", "1.5 campaigns"]),
        ("Blog\r\nSEO\r\n", ["Blog", "SEO"]),
        ("x" * MAX_NAME_LENGTH, ["x" * MAX_NAME_LENGTH]),
        ("Blog\u200b writing\n\u200fSEO\x00 audits\x07", ["Blog writing", "SEO audits"]),
        ("Écriture de blog 📝\nتدقيق السيو", ["Écriture de blog 📝", "تدقيق السيو"]),
    ],
)
def test_list(text: str, items: list[str]) -> None:
    assert value(Kind.LIST, text) == items


def test_list_name_limit() -> None:
    message = error(Kind.LIST, "Fine\n" + "y" * (MAX_NAME_LENGTH + 1))
    assert str(MAX_NAME_LENGTH) in message and str(MAX_NAME_LENGTH + 1) in message


def test_list_line_limit() -> None:
    message = error(Kind.LIST, "\n".join(f"p{i}" for i in range(MAX_ITEMS_PER_REPLY + 1)))
    assert str(MAX_ITEMS_PER_REPLY) in message


# ---------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    "text", ["yes", "Yes", "YES", "y", "Y", "yep", "sure", "ok", "yes.", "yes!", " yes "]
)
def test_yes(text: str) -> None:
    assert value(Kind.YES_NO, text) is True


@pytest.mark.parametrize("text", ["no", "No", "NO", "n", "nope", "no.", "no!"])
def test_no(text: str) -> None:
    assert value(Kind.YES_NO, text) is False


@pytest.mark.parametrize(
    "text", ["yeah", "Yup", "okay", "of course", "Yes, merge them", "yes please", "correct", "Sure!"]
)
def test_yes_in_other_words(text: str) -> None:
    assert value(Kind.YES_NO, text) is True


@pytest.mark.parametrize("text", ["nah", "No thanks", "no, keep both", "not really", "Never."])
def test_no_in_other_words(text: str) -> None:
    assert value(Kind.YES_NO, text) is False


@pytest.mark.parametrize("text", ["maybe", "yes no", "1", "yess", "sure, no", "not sure", "no yes"])
def test_neither_yes_nor_no(text: str) -> None:
    assert "`yes` or `no`" in error(Kind.YES_NO, text)


# ---------------------------------------------------------------- option numbers


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("1 3", ["p1", "p3"]),
        ("1,3", ["p1", "p3"]),
        ("1, 3", ["p1", "p3"]),
        ("1;3", ["p1", "p3"]),
        ("3 1", ["p3", "p1"]),
        ("2", ["p2"]),
        ("2-4", ["p2", "p3", "p4"]),
        ("1 2-3 5", ["p1", "p2", "p3", "p5"]),
        ("4-2", ["p2", "p3", "p4"]),
        ("1 1 2 1-2", ["p1", "p2"]),
        ("all", ["p1", "p2", "p3", "p4", "p5"]),
        ("ALL", ["p1", "p2", "p3", "p4", "p5"]),
        ("none", []),
        ("None.", []),
        ("1-5", ["p1", "p2", "p3", "p4", "p5"]),
        ("1 and 3", ["p1", "p3"]),  # "and" between numbers reads as a list, as between names
    ],
)
def test_pick(text: str, picked: list[str]) -> None:
    assert value(Kind.PICK, text) == picked


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0", ("no option 0", "1 to 5")),
        ("6", ("no option 6", "1 to 5")),
        ("2-9", ("no option 6", "1 to 5")),
        ("1 99999999999999999999", ("not an option number",)),
        ("1 999999", ("no option 999999", "1 to 5")),
        ("blog", ("not an option number",)),
        ("1 or 3", ("“1 or 3” is not an option number",)),
        ("-1", ("not an option number",)),
        ("1.5", ("not an option number",)),
    ],
)
def test_pick_refuses(text: str, words: tuple[str, ...]) -> None:
    message = error(Kind.PICK, text)
    for word in words:
        assert word in message


def test_pick_one() -> None:
    assert value(Kind.PICK_ONE, "2") == "p2"
    assert value(Kind.PICK_ONE, "p4") == "p4"
    assert value(Kind.PICK_ONE, "process 3") == "p3"
    assert "just one" in error(Kind.PICK_ONE, "1 2")
    assert "no option 9" in error(Kind.PICK_ONE, "9")
    assert "not an option number" in error(Kind.PICK_ONE, "the third")


# ---------------------------------------------------------------- ratings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 4 2 3 5 2", rating(2, 4, 2, 3, 5, 2)),
        ("2,4,2,3,5,2", rating(2, 4, 2, 3, 5, 2)),
        ("  1  1 1\t1 1 1 ", rating(1, 1, 1, 1, 1, 1)),
        ("5;5;5;5;5;5", rating(5, 5, 5, 5, 5, 5)),
        (
            "risk 2 consequences 4 tech_complexity 2 importance 3 benefits 5 vendor_expertise 2",
            rating(2, 4, 2, 3, 5, 2),
        ),
        (
            "benefits: 5, risk: 1, vendor_expertise=3, importance 4, consequences 2, tech_complexity 1",
            rating(1, 2, 1, 4, 5, 3),
        ),
        (
            "RISK 2 Consequences 4 TECH_COMPLEXITY 2 importance 3 benefits 5 vendor_expertise 2",
            rating(2, 4, 2, 3, 5, 2),
        ),
        (  # the names people read work as well as the ids
            "risk 2, cost of not outsourcing 4, Technical complexity 2, importance 3, benefits 5, "
            "vendor domain expertise needed 2",
            rating(2, 4, 2, 3, 5, 2),
        ),
    ],
)
def test_ratings(text: str, expected: dict[str, int]) -> None:
    assert value(Kind.RATINGS, text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2 4 2 3 5", ("six ratings", "you sent 5", "2 4 2 3 5 2")),
        ("2 4 2 3 5 2 1", ("six ratings", "you sent 7")),
        ("3", ("you sent 1",)),
        ("0 4 2 3 5 2", ("Risk", "“0”", "from 1 to 5")),
        ("2 4 2 3 6 2", ("Benefits", "“6”", "from 1 to 5")),
        ("2 4 2 3 5 -1", ("Vendor domain expertise", "from 1 to 5")),
        ("2.5 4 2 3 5 2", ("Risk", "“2.5”", "whole number from 1 to 5")),
        ("2 4 2 3 5 x", ("“x”", "from 1 to 5")),
        ("² 4 2 3 5 2", ("from 1 to 5",)),
        ("2 4 2 3 5 ⁵", ("from 1 to 5",)),
        ("risk 2 benefits 5", ("missing", "cost of not outsourcing", "vendor domain expertise needed")),
        (
            "risk 2 cost 3 consequences 4 tech_complexity 2 importance 3 benefits 5",
            ("“cost” is not a factor",),
        ),
    ],
)
def test_ratings_refuse(text: str, words: tuple[str, ...]) -> None:
    message = error(Kind.RATINGS, text)
    for word in words:
        assert word in message


# ---------------------------------------------------------------- numbers and text


@pytest.mark.parametrize(
    ("text", "number"), [("12", 12), ("12,000", 12000), ("3.5", 3.5), ("5%", 5), ("$40", 40), ("-2", -2)]
)
def test_number(text: str, number: float) -> None:
    assert value(Kind.NUMBER, text) == number


@pytest.mark.parametrize("text", ["twelve", "nan", "inf", "-infinity", "1e999"])
def test_not_a_number(text: str) -> None:
    error(Kind.NUMBER, text)


def test_text() -> None:
    assert value(Kind.TEXT, "  monthly   audit,\n 5 working days ") == "monthly audit, 5 working days"
    assert value(Kind.TEXT, "x" * MAX_TEXT_LENGTH) == "x" * MAX_TEXT_LENGTH
    assert str(MAX_TEXT_LENGTH) in error(Kind.TEXT, "x" * (MAX_TEXT_LENGTH + 1))


# ---------------------------------------------------------------- metrics


@pytest.mark.parametrize(
    ("line", "metric"),
    [
        ("organic sessions; 12000; 15000; 11000", Metric("organic sessions", 12000, 15000, 11000)),
        ("organic sessions | 12,000 | 15,000 | 11,000", Metric("organic sessions", 12000, 15000, 11000)),
        # no warn-at: 10% worse than the baseline, 'worse' meaning away from the target
        ("organic sessions; 12000; 15000", Metric("organic sessions", 12000, 15000, 10800)),
        ("organic sessions; 12000; 15000;", Metric("organic sessions", 12000, 15000, 10800)),
        ("bounce rate; 40%; 30%", Metric("bounce rate", 40, 30, 44)),
        ("cost per lead; $50; $40", Metric("cost per lead", 50, 40, 55)),
        ("open rate; 20; 20", Metric("open rate", 20, 20, 18)),
        ("net margin; -100; -50", Metric("net margin", -100, -50, -110)),
        ("loss per month; -100; -150", Metric("loss per month", -100, -150, -90)),
        ("complaints; 0; 0", Metric("complaints", 0, 0, 0)),
    ],
)
def test_metric_lines(line: str, metric: Metric) -> None:
    (parsed,) = value(Kind.METRICS, line)  # type: ignore[misc]
    assert parsed.name == metric.name
    assert (parsed.baseline, parsed.target) == (metric.baseline, metric.target)
    assert parsed.warn_at == pytest.approx(metric.warn_at)


@pytest.mark.parametrize(
    ("baseline", "target", "warning"),
    [
        (100, 120, 90),
        (100, 80, 110),
        (100, None, 90),
        (-100, -50, -110),
        (-100, -150, -90),
        (-100, None, -110),
    ],
)
def test_default_warning_is_10_percent_worse(baseline: float, target: float | None, warning: float) -> None:
    assert default_warning(baseline, target) == pytest.approx(warning)


def test_several_metric_lines() -> None:
    parsed = value(Kind.METRICS, "- clicks; 10; 20\n- cost per click; 2; 1.5; 2.5")
    assert parsed == [Metric("clicks", 10, 20, 9), Metric("cost per click", 2, 1.5, 2.5)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("clicks; 1; 2; 3; 4", ("name; baseline; target; warn at",)),
        ("; 10; 20", ("name",)),
        ("clicks; lots; 20", ("Baseline “lots” is not a number",)),
        ("clicks; 10; more", ("Target “more” is not a number",)),
        ("clicks; 10; 20; soon", ("Warn at “soon” is not a number",)),
        ("y" * (MAX_NAME_LENGTH + 1) + "; 1; 2", (str(MAX_NAME_LENGTH),)),
    ],
)
def test_metric_lines_refused(text: str, words: tuple[str, ...]) -> None:
    message = error(Kind.METRICS, text)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("on-time delivery %, 70, 95", Metric("on-time delivery %", 70, 95, 63)),
        ("on-time delivery %, 70, 95, 65", Metric("on-time delivery %", 70, 95, 65)),
        ("organic sessions, 12,000, 15,000", Metric("organic sessions", 12000, 15000, 10800)),
        ("leads,70,95", Metric("leads", 70, 95, 63)),
        ("on-time delivery baseline 70 target 95 warn 65", Metric("on-time delivery", 70, 95, 65)),
        ("on-time delivery: target 95, baseline 70", Metric("on-time delivery", 70, 95, 63)),
        ("cost per lead: baseline $40 target $30 warn at $45", Metric("cost per lead", 40, 30, 45)),
        ("on-time delivery: 70 -> 95", Metric("on-time delivery", 70, 95, 63)),
        ("click rate 2.1% → 3%, warn at 1.8%", Metric("click rate", 2.1, 3, 1.8)),
        ("cost per lead; 40; 30", Metric("cost per lead", 40, 30, 44)),
    ],
)
def test_metric_forms_people_type(line: str, expected: Metric) -> None:
    """Commas, words and arrows as well as semicolons; a left-out warning sits 10% worse than the baseline
    (as in answers files)."""
    assert parse_metric_line(line) == expected


@pytest.mark.parametrize(
    ("line", "missing"),
    [
        ("on-time delivery", "a baseline and a target"),
        ("clicks; 10", "a target"),
        ("clicks; ; 20", "a baseline"),
        ("on-time delivery 70 95", "a baseline and a target"),
        ("on-time delivery baseline 70", "a target"),
    ],
)
def test_a_metric_without_its_numbers_is_refused(line: str, missing: str) -> None:
    """Never a metric without a baseline and a target: nothing could be checked against it."""
    message = error(Kind.METRICS, line)
    assert missing in message and "`name; 70; 95`" in message


# ---------------------------------------------------------------- weights


def test_weight_pairs() -> None:
    answer = value(Kind.WEIGHTS, "risk 2 benefits 1.5")
    assert answer == WeightsAnswer({"risk": 2, "benefits": 1.5}, "set by the facilitator")
    assert value(Kind.WEIGHTS, "Risk=2, benefits: 0") == WeightsAnswer(
        {"risk": 2, "benefits": 0}, "set by the facilitator"
    )


@pytest.mark.parametrize(
    ("text", "weights", "directions"),
    [
        ("cost of not outsourcing 2", {"consequences": 2}, {}),
        ("Technical complexity 0.5, vendor_expertise 3", {"tech_complexity": 0.5, "vendor_expertise": 3}, {}),
        ("vendor domain expertise needed 1.5 importance +", {"vendor_expertise": 1.5}, {"importance": "+"}),
    ],
)
def test_weights_take_the_factors_names(
    text: str, weights: dict[str, float], directions: dict[str, str]
) -> None:
    answer = value(Kind.WEIGHTS, text)
    assert isinstance(answer, WeightsAnswer)
    assert (answer.weights, answer.directions) == (weights, directions)


def test_a_ranking_takes_the_factors_names() -> None:
    by_name = value(Kind.WEIGHTS, "rank benefits, cost of not outsourcing, risk")
    assert by_name == value(Kind.WEIGHTS, "rank benefits consequences risk")


def test_the_ratings_question_names_the_factors_as_people_read_them() -> None:
    accepts = make(Kind.RATINGS).accepts
    assert (
        "in this order: risk, cost of not outsourcing, technical complexity, importance, benefits, "
        "vendor domain expertise needed" in accepts
    )
    assert "consequences" not in accepts and "vendor_expertise" not in accepts


@pytest.mark.parametrize("text", ["ok", "OK", "keep", "default", " Keep "])
def test_keep_the_default_weights(text: str) -> None:
    assert value(Kind.WEIGHTS, text) == WeightsAnswer({}, "default")


def test_rank_order_centroid() -> None:
    answer = value(Kind.WEIGHTS, "rank benefits risk")
    assert isinstance(answer, WeightsAnswer)
    assert answer.source == "ranked factors (rank-order centroid)"
    expected = {
        "benefits": 1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6,
        "risk": 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6,
        # the factors left out follow in factor order
        "consequences": 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6,
        "tech_complexity": 1 / 4 + 1 / 5 + 1 / 6,
        "importance": 1 / 5 + 1 / 6,
        "vendor_expertise": 1 / 6,
    }
    assert answer.weights == pytest.approx(expected, abs=1e-6)
    assert sum(answer.weights.values()) == pytest.approx(6, abs=1e-5)


@pytest.mark.parametrize(
    "order",
    [list(FACTOR_IDS), list(reversed(FACTOR_IDS)), ["importance"], ["vendor_expertise", "risk", "benefits"]],
)
def test_rank_order_centroid_sums_to_six_and_falls_with_the_rank(order: list[str]) -> None:
    weights = rank_order_centroid(order)
    assert set(weights) == set(FACTOR_IDS)
    assert sum(weights.values()) == pytest.approx(6, abs=1e-5)
    ranked = order + [f for f in FACTOR_IDS if f not in order]
    assert [weights[f] for f in ranked] == sorted(weights.values(), reverse=True)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("rank", ("most important first",)),
        ("rank risk risk", ("once each",)),
        ("rank cost risk", ("risk, cost of not outsourcing, technical complexity",)),
        ("risk", ("pairs",)),
        ("risk 2 benefits", ("pairs",)),
        ("cost 2", ("“cost” is not a factor",)),
        ("risk -1", ("0 or more",)),
        ("risk heavy", ("“heavy” is not a number",)),
        ("risk nan", ("finite",)),
        (" ".join(f"{f} 0" for f in FACTOR_IDS), ("above 0",)),
    ],
)
def test_weights_refused(text: str, words: tuple[str, ...]) -> None:
    message = error(Kind.WEIGHTS, text)
    for word in words:
        assert word in message


# ---------------------------------------------------------------- commands


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("back", "back"),
        ("Back", "back"),
        ("BACK!", "back"),
        ("help", "help"),
        (" help. ", "help"),
        ("`help`", "help"),
    ],
)
def test_back_and_help_work_everywhere(kind: Kind, text: str, command: str) -> None:
    assert parse_reply(make(kind), text) == Reply(command=command)


@pytest.mark.parametrize("kind", list(Kind))
def test_skip_only_on_optional_questions(kind: Kind) -> None:
    assert parse_reply(make(kind, optional=True), "Skip") == Reply(command="skip")
    message = error(kind, "skip")
    assert "can't be skipped" in message
    assert "`skip`" not in message  # the refusal does not offer `skip` either


@pytest.mark.parametrize("kind", list(Kind))
def test_done_only_ends_lists_rounds_and_metrics(kind: Kind) -> None:
    if kind in (Kind.LIST, Kind.RATINGS, Kind.METRICS):
        assert parse_reply(make(kind), "done") == Reply(command="done")
        assert parse_reply(make(kind), "Done.") == Reply(command="done")
    else:
        assert "needs an answer" in error(kind, "done")


def test_a_command_word_inside_a_longer_reply_is_not_a_command() -> None:
    assert value(Kind.LIST, "done deals\nhelp desk") == ["done deals", "help desk"]


@pytest.mark.parametrize("line", ["merge Blog into SEO", "weights risk 2", "change 3", "done", "answers"])
def test_a_list_line_that_reads_like_a_command_is_refused(line: str) -> None:
    """Command words are never stored as names: the reply is refused whole, and says how to mean it."""
    message = error(Kind.LIST, f"SEO audits\n{line}\nNewsletter")
    assert "reads like a command" in message and f'"{line}"' in message


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (Kind.LIST, 'SEO audits\n"merge Blog into SEO"', ["SEO audits", "merge Blog into SEO"]),
        (Kind.LIST, "“Weights and measures”", ["Weights and measures"]),
        (Kind.TEXT, '"weights are fine"', "weights are fine"),
        (Kind.TEXT, "“done”", "done"),
        (Kind.METRICS, '"weights; 1; 2"', [Metric("weights", 1, 2, 0.9)]),
    ],
)
def test_quotes_mark_text_meant_as_it_is(kind: Kind, text: str, expected: object) -> None:
    assert value(kind, text) == expected


def test_free_text_questions_say_how_to_quote_a_command_word() -> None:
    assert '"weights are fine"' in make(Kind.TEXT).accepts
    assert "quotes" in make(Kind.LIST).accepts


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\x00\x01\x1b", "\u200b\u200f"])
def test_empty_reply(kind: Kind, text: str) -> None:
    """An empty reply ends a list (as `done` does) and is refused anywhere else; each question says which."""
    if kind in (Kind.LIST, Kind.METRICS):
        assert parse_reply(make(kind), text) == Reply(command="done")
        assert "empty reply" in make(kind).accepts
    else:
        assert "empty" in error(kind, text)
    if kind is Kind.TEXT:
        assert "empty reply is not taken" in make(kind).accepts


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (Kind.YES_NO, "ye\x00s", True),
        (Kind.PICK, "1\x07 3", ["p1", "p3"]),
        (Kind.RATINGS, "2 4\x1b 2 3 5 2", rating(2, 4, 2, 3, 5, 2)),
        (Kind.TEXT, "weekly\x00\x08 report", "weekly report"),
    ],
)
def test_control_characters_are_stripped(kind: Kind, text: str, expected: object) -> None:
    assert value(kind, text) == expected


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize(
    "text",
    [
        "9" * 5000,
        "1-" + "9" * 5000,
        " ".join(["9" * 5000] * 6),
        "risk " + "3" * 5000,
        "x; " + "1" * 5000 + "; 2",
        "y" * 40_000,
        "\n".join(["z" * 100] * 400),
    ],
    ids=["digits", "range", "ratings", "named", "metric", "40k", "lines"],
)
def test_huge_replies_are_refused_or_read_but_never_crash(kind: Kind, text: str) -> None:
    try:
        parse_reply(make(kind), text)
    except ReplyError as refused:
        assert len(str(refused)) <= 300


def test_control_characters_do_not_hide_a_command() -> None:
    assert parse_reply(make(Kind.LIST), "do\x00ne") == Reply(command="done")


# ---------------------------------------------------------------- what each prompt says it accepts


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (Kind.LIST, ("one item per line", "`done`")),
        (Kind.YES_NO, ("`yes` or `no`",)),
        (Kind.PICK, ("`1 3`", "`all`", "`none`")),
        (Kind.PICK_ONE, ("one option number",)),
        (Kind.RATINGS, ("six ratings", "risk, cost of not outsourcing", "`2 4 2 3 5 2`", "`done`")),
        (Kind.NUMBER, ("a number",)),
        (Kind.TEXT, ("short text",)),
        (Kind.METRICS, ("`name; baseline; target; warn at`", "`done`")),
        (Kind.WEIGHTS, ("`risk 2 benefits 1.5`", "`rank", "`ok`")),
    ],
)
def test_accepts_says_which_replies_the_question_takes(kind: Kind, words: tuple[str, ...]) -> None:
    required, optional = make(kind).accepts, make(kind, optional=True).accepts
    for word in (*words, "`back`", "`help`"):
        assert word in required and word in optional
    assert "`skip`" in optional and "`skip`" not in required


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 4 2 3 5 2", (None, "2 4 2 3 5 2")),
        ("  2,4,2,3,5,2 ", (None, "2 4 2 3 5 2")),
        ("2: 5 5 4 4 3 3", (2, "5 5 4 4 3 3")),
        ("#3 1 1 1 1 1 1", (3, "1 1 1 1 1 1")),
        ("1) 1 1 1 1 1 1", (1, "1 1 1 1 1 1")),
        ("4 1 1 1 1 1 1", (4, "1 1 1 1 1 1")),  # seven numbers: the first names the question
        (
            "risk 2 benefits 5 importance 3 consequences 4 tech_complexity 2 vendor_expertise 2",
            (None, "2 4 2 3 5 2"),
        ),
    ],
)
def test_a_private_rating_and_the_question_it_names(text: str, expected: tuple[int | None, str]) -> None:
    assert parse_private_rating(text) == expected


@pytest.mark.parametrize(
    "text", ["", "done", "back", "2 4 2", "2: done", "2: ", "9 9 9 9 9 9", "hello there"]
)
def test_anything_but_six_ratings_in_private_is_refused(text: str) -> None:
    with pytest.raises(ReplyError):
        parse_private_rating(text)


# ---------------------------------------------------------------- for the rest, and a step in one reply


SERVICE_LEVEL = Prompt("key", Kind.TEXT, Stage.PRIORITISE, "A level?", optional=True, for_the_rest="skip all")
METRICS = Prompt("key", Kind.METRICS, Stage.METRICS, "Metrics?", optional=True, for_the_rest="done all")


@pytest.mark.parametrize("text", ["skip all", "Skip  All.", "`skip all`"])
def test_skip_all_is_a_command_where_the_question_takes_it(text: str) -> None:
    assert parse_reply(SERVICE_LEVEL, text) == Reply(command="skip all")
    assert "`skip all` (no service level for this task or any after it)" in SERVICE_LEVEL.accepts


def test_for_the_rest_words_are_text_where_not_taken_or_quoted() -> None:
    assert parse_reply(SERVICE_LEVEL, '"skip all"') == Reply(value="skip all")
    assert value(Kind.TEXT, "skip all", optional=True) == "skip all"  # a question without it: text
    with pytest.raises(ReplyError, match=re.escape("`done all` doesn't work here.")):
        parse_reply(SERVICE_LEVEL, "done all")
    assert parse_reply(METRICS, "done all") == Reply(command="done all")
    assert "skip all" not in make(Kind.TEXT, optional=True).accepts


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("none", [[], [], []]),
        ("skip", [[], [], []]),
        ("a 1 3", [["p1", "p3"], [], []]),
        ("a: 1, 3; c Process 5", [["p1", "p3"], [], ["p5"]]),
        ("b 2\nb 4\nc all", [[], ["p2", "p4"], [o.value for o in FIVE]]),
        ("A) 2; a 2", [["p2"], [], []]),
    ],
)
def test_a_step_in_one_reply(text: str, chosen: list[list[str]]) -> None:
    assert parse_step_reply(make(Kind.PICK), "abc", text) == chosen


@pytest.mark.parametrize("text", ["1 3", "all", "back", "Process 2", "", " ;\n"])
def test_a_reply_that_is_no_step_reply(text: str) -> None:
    assert parse_step_reply(make(Kind.PICK), "abc", text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("d 1", "There is no question `d` to answer here."),
        ("a 1; 2", "“2” names no question."),
        ("a 9", "a: There is no option 9"),
        ("c:", "After `c`, name the processes it holds for"),
    ],
)
def test_a_step_reply_refused(text: str, words: str) -> None:
    with pytest.raises(ReplyError) as caught:
        parse_step_reply(make(Kind.PICK), "abc", text)
    assert words in str(caught.value)
