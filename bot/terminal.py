"""The terminal transport: the interview on stdin/stdout, and answers files fed in as typed replies.

Both only translate. The questions, the parsing of replies and the decision live in flows; every reply goes
through `ReviewService.reply`, so a review from a file is saved exactly like one typed in a chat.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows.answers import AnswersError
from flows.decision import decide
from flows.interview import (
    K_CANDIDATES,
    K_MERGE,
    K_METRICS,
    K_ORGANISATION,
    K_PROCESSES,
    K_RATE,
    K_SERVICE_LEVEL,
    K_TITLE,
    K_WEIGHTS,
    REOPENED_HINT,
    answered_questions,
    apply_reply,
    build_report,
    current_prompt,
    progress,
)
from flows.method import FACTOR_IDS, Stage
from flows.model import Review, ReviewInput
from flows.prompts import COMMANDS, Kind, Prompt
from flows.render import render_markdown, to_json_dict
from flows.report import Report
from flows.service import ReviewService, Turn
from flows.similarity import name_key

ROC_SOURCE = "ranked factors (rank-order centroid)"  # flows.prompts.parse_weights' source for `rank ...`


# ---------------------------------------------------------------- reports


def report_of(review: Review) -> Report:
    """The review's report; ValueError while a ranked candidate has no ratings."""
    return build_report(review)


# ---------------------------------------------------------------- answers files as typed replies

Send = Callable[[str, str], tuple[Prompt | None, str | None]]  # (author, text) -> (next prompt, error)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _place(prompt: Prompt) -> str:
    """Where in the answers file the answer to `prompt` comes from."""
    key = prompt.key
    for prefix, section in (
        (K_SERVICE_LEVEL, "service_levels"),
        (K_RATE, "ratings"),
        (K_METRICS, "metrics"),
    ):
        if key.startswith(prefix):
            return f"{section} › {key[len(prefix) :]}"
    if key.startswith(K_MERGE):
        return "merges"
    if key == K_WEIGHTS:
        return "weights"
    if key == K_ORGANISATION:
        return "organisation"
    if key in (K_PROCESSES, K_TITLE):
        return "processes" if key == K_PROCESSES else "title"
    return key.split(":", 1)[0]  # candidates, keep_inhouse, cannot_outsource, not_short_term


class _Answers:
    """The typed replies that answer each interview question the way an answers file does."""

    def __init__(self, data: ReviewInput, source: str, facilitator: str):
        self.data, self.source, self.me = data, source, facilitator

    def fail(self, place: str, problem: str, fix: str) -> AnswersError:
        return AnswersError(self.source, place, problem, fix)

    def replies(self, prompt: Prompt) -> list[tuple[str, str]]:
        me, data, key = self.me, self.data, prompt.key
        if key == K_TITLE:
            return [(me, data.title or "Untitled review")]
        if key == K_ORGANISATION:
            if data.organisation is None:
                return [(me, "skip")]
            known = {name_key(o.value): o.value for o in prompt.options}
            if name_key(data.organisation) not in known:
                raise self.fail(
                    "organisation",
                    f"unknown organisation {data.organisation!r}",
                    f"use one of: {', '.join(known.values())}, or leave it out",
                )
            return [(me, known[name_key(data.organisation)])]
        if key == K_PROCESSES:
            merges = [f"merge {src} into {m.into}" for m in data.merges for src in m.sources]
            return [(me, "\n".join(data.processes)), (me, "done"), *((me, merge) for merge in merges)]
        if key.startswith(K_MERGE):
            return [(me, "no")]  # the file's merges were all made by name
        if prompt.kind is Kind.PICK:
            chosen = self._chosen(key)
            numbers = [str(i) for i, o in enumerate(prompt.options, start=1) if name_key(o.value) in chosen]
            return [(me, " ".join(numbers) or "none")]
        if key == K_WEIGHTS:
            if data.weights_source == ROC_SOURCE and not data.directions:  # `rank ...` gives the same weights
                order = sorted(data.weights, key=lambda f: -data.weights[f])
                return [(me, "rank " + " ".join(order))]
            pairs = [f"{factor} {_number(weight)}" for factor, weight in data.weights.items()]
            pairs += [f"{factor} {direction}" for factor, direction in data.directions.items()]
            return [(me, " ".join(pairs) or "ok")]
        process = prompt.subject or ""
        if key.startswith(K_SERVICE_LEVEL):
            levels = {name_key(p): s for p, s in data.service_levels.items()}
            return [(me, levels.get(name_key(process)) or "skip")]
        if key.startswith(K_RATE):
            ratings = {name_key(p): r for p, r in data.ratings.items()}.get(name_key(process), {})
            rounds = [
                (rater, " ".join(str(values[f]) for f in FACTOR_IDS)) for rater, values in ratings.items()
            ]
            return [*rounds, (me, "done")]
        if key.startswith(K_METRICS):
            metrics = {name_key(p): m for p, m in data.metrics.items()}.get(name_key(process), [])
            lines = []
            for i, m in enumerate(metrics, start=1):
                place = f"metrics › {process} › item {i}"
                if any(mark in m.name for mark in ";|"):
                    raise self.fail(place, "a metric name cannot contain `;` or `|`", "reword the name")
                lines.append("; ".join([m.name, _number(m.baseline), _number(m.target), _number(m.warn_at)]))
            return [(me, "\n".join(lines)), (me, "done")] if lines else [(me, "skip")]
        raise RuntimeError(
            f"{self.source}: the interview asked {key!r}, which answers files cannot answer yet"
        )

    def _chosen(self, key: str) -> set[str]:
        if key == K_CANDIDATES:
            candidates = self.data.candidates
            return {name_key(p) for p in (self.data.processes if candidates is None else candidates)}
        stage_id, criterion = key.split(":", 1)
        held = self.data.knockouts.get(Stage(stage_id), {})
        return {name_key(p) for p, reasons in held.items() if criterion in reasons}


def _drive(answers: _Answers, prompt: Prompt | None, send: Send) -> None:
    """Answer question after question until the interview has no more."""
    asked: set[str] = set()
    while prompt is not None:
        if prompt.key in asked:
            raise answers.fail(_place(prompt), "the interview did not take this answer", "check the value")
        asked.add(prompt.key)
        current = prompt
        for author, text in answers.replies(current):
            prompt, error = send(author, text)
            if error:
                raise answers.fail(_place(current), error.rstrip("."), "correct it in the file")


def _core(report: Report) -> dict[str, Any]:
    """The contract's report keys (section 4) that carry the decision."""
    out = to_json_dict(report)
    keys = ("processes", "merged", "excluded", "shortlist", "weights", "directions")
    core = {k: out[k] for k in keys}
    for item in core["excluded"]:
        item["reasons"] = sorted(item["reasons"])
    core["shortlist"] = [
        {k: t[k] for k in ("rank", "process", "score", "factors")} for t in core["shortlist"]
    ]
    return core


def _title(data: ReviewInput, fallback: str) -> str:
    return data.title or fallback


def check_answers(data: ReviewInput, source: str, facilitator: str, fallback_title: str) -> Review:
    """Answer the whole interview in memory, saving nothing; raises AnswersError if the file cannot be."""
    answers = _Answers(data, source, facilitator)
    review = Review(title=_title(data, fallback_title), facilitator=facilitator)

    def send(author: str, text: str) -> tuple[Prompt | None, str | None]:
        outcome = apply_reply(review, author, text, is_facilitator=author == facilitator)
        return outcome.prompt, outcome.error

    _drive(answers, current_prompt(review), send)
    if review.state is not Stage.DONE or _core(report_of(review)) != _core(decide(data)):
        raise RuntimeError(f"{source}: the interview did not reach the file's result; please report this bug")
    return review


def save_answers(
    service: ReviewService, data: ReviewInput, source: str, facilitator: str, fallback_title: str
) -> Review:
    """Save a review from an answers file: every answer goes in as the reply a person would type.

    The file is first run through the interview in memory (`check_answers`), so a file that cannot be
    answered is rejected before anything is saved.
    """
    check_answers(data, source, facilitator, fallback_title)
    answers = _Answers(data, source, facilitator)
    turn = service.start(title=_title(data, fallback_title), facilitator=facilitator)
    review_id = turn.review.id or ""

    def send(author: str, text: str) -> tuple[Prompt | None, str | None]:
        reply = service.reply(review_id, author, text, is_admin=author == facilitator)
        return reply.prompt, reply.error

    try:
        _drive(answers, turn.prompt, send)
    except Exception:
        with contextlib.suppress(Exception):  # never leave a half-answered review looking open
            service.cancel(review_id, facilitator)
        raise
    return service.load(review_id)


# ---------------------------------------------------------------- the chat


@dataclass
class Console:
    """Where the chat reads replies and writes questions; `read` returns None at the end of input."""

    read: Callable[[], str | None]
    write: Callable[[str], None]


def std_console() -> Console:
    interactive = sys.stdin.isatty()

    def read() -> str | None:
        if interactive:
            try:
                return input("> ")
            except EOFError:
                print()
                return None
        line = sys.stdin.readline()
        if not line:
            return None
        line = line.rstrip("\r\n")
        print(f"> {line}")  # piped: show the reply, so the output reads like the conversation
        return line

    def write(text: str) -> None:
        print(text, flush=True)

    return Console(read, write)


def resume_hint(review: Review) -> str:
    return f"Saved. Resume with: outsource-review chat --resume {review.id}"


def show_prompt(prompt: Prompt, console: Console) -> None:
    def out(text: str) -> None:
        console.write(text.replace("`", ""))  # flows marks typed words with backticks, for chat apps

    out("")
    out(f"{prompt.counter}: {prompt.text}" if prompt.counter else prompt.text)
    for line in prompt.details:
        out(f"  {line}")
    for i, option in enumerate(prompt.options, start=1):
        out(f"  {i}. {option.label}")
    if prompt.collected:
        label = "Rated so far" if prompt.kind is Kind.RATINGS else "So far"
        out(f"{label}: {', '.join(prompt.collected)}")
    if prompt.kind is Kind.RATINGS and prompt.awaiting and len(prompt.awaiting) + len(prompt.collected) > 1:
        out(f"It is {prompt.awaiting[0]}'s turn to rate.")
    out(prompt.accepts)


def _is_command(text: str) -> bool:
    return text.casefold().strip(" .!`") in COMMANDS


def chat(
    service: ReviewService, review: Review, me: str, console: Console, weights: str | None = None
) -> Review:
    """Ask question after question until the review is finished or the input ends; every reply is saved.

    `weights` (from `--weights`) answers the weights question when it comes; when a resumed review has
    answered it already, it is applied as the `weights ...` command at the next question that is not a list
    or a text (where it would be taken for an answer).
    """
    review_id = review.id or ""
    prompt = current_prompt(review)
    headline = ""
    show = True
    if review.is_open and prompt is None and review.state is Stage.REPORT:
        review = _reopened(service, review, me, console)
        prompt = current_prompt(review)
    while review.is_open and prompt is not None:
        if weights is not None and K_WEIGHTS in review.answers and prompt.kind not in (Kind.LIST, Kind.TEXT):
            changed = service.reply(review_id, me, f"weights {weights}", is_admin=True)
            said = changed.error or changed.message or "done"
            console.write(f"--weights {weights}: {said}".replace("`", ""))
            weights, review, prompt, show = None, changed.review, changed.prompt, True
            continue
        now = progress(review).headline
        if now != headline and now.startswith("Step"):
            console.write(f"\n{now}")
            headline = now
        if show:
            show_prompt(prompt, console)
        if weights is not None and prompt.key == K_WEIGHTS:
            line: str | None = weights
            console.write(f"> {weights}  (from --weights)")
            weights = None
        else:
            line = console.read()
        if line is None:
            break
        text = line.strip()  # an empty line ends a list (flows.prompts.parse_reply)
        author = me
        if prompt.kind is Kind.RATINGS and prompt.awaiting and not _is_command(text):
            author = prompt.awaiting[0]
        # Judged against the question as shown: options renumbered since (by a merge) refuse the reply.
        turn: Turn = service.reply(review_id, author, text, is_admin=True, expect_key=prompt.edition)
        if turn.error:
            console.write(turn.error.replace("`", ""))
        elif turn.message:
            console.write(turn.message.replace("`", ""))
        show = bool(turn.error) or turn.prompt is None or turn.prompt.edition != prompt.edition
        show = show or (turn.prompt is not None and turn.prompt.awaiting != prompt.awaiting)
        review, prompt = turn.review, turn.prompt
    return review


def _reopened(service: ReviewService, review: Review, me: str, console: Console) -> Review:
    """A reopened review, or a new version: every question is answered until someone changes one."""
    console.write(REOPENED_HINT.replace("`", "").replace("/outsource-review answers", "answers"))
    while review.is_open and review.state is Stage.REPORT and current_prompt(review) is None:
        line = console.read()
        if line is None:
            break
        if line.strip().lower() == "answers":
            console.write("\n".join(f"{n}. {text}" for n, _, text in answered_questions(review)))
            continue
        turn = service.reply(review.id or "", me, line.strip() or "help", is_admin=True)
        console.write((turn.error or turn.message or "").replace("`", ""))
        review = turn.review
    return review


def finish_chat(review: Review, console: Console) -> None:
    """After `chat`: the report when the review is complete, else how to resume."""
    if review.state in (Stage.REPORT, Stage.DONE):
        console.write("\nAll seven steps are done. Here is the report.\n")
        console.write(render_markdown(report_of(review)))
    else:
        console.write("")
        console.write(resume_hint(review))
