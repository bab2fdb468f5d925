"""The terminal transport: the interview on stdin/stdout, and answers files fed in as typed replies.

Both only translate. The questions, the parsing of replies and the decision live in flows; every typed reply
goes through `ReviewService.reply`, and an answers file through `ReviewService.replay` (`flows.replay`), which
saves exactly the answers the same replies typed in a chat would have.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from flows.method import Criterion, Stage, criteria_for
from flows.model import Review, ReviewInput
from flows.people import plain
from flows.prompts import (
    COMMANDS,
    STEP_LETTERS,
    Kind,
    Prompt,
    ReplyError,
    looks_like_command,
    parse_step_reply,
    step_reply_accepts,
)
from flows.render import render_markdown
from flows.service import (
    REOPENED_HINT,
    Permission,
    Picks,
    Reply,
    ReviewService,
    Turn,
    knockout_questions,
    report_of,
)

ADMIN = Permission.ADMIN  # the terminal's one person runs the review: they may take every step

# ---------------------------------------------------------------- reports


# ---------------------------------------------------------------- answers files


def save_answers(
    service: ReviewService, data: ReviewInput, source: str, facilitator: str, fallback_title: str
) -> Review:
    """Save a review from an answers file, answered as a chat would have answered it (`flows.replay`)."""
    return service.replay(data, source, facilitator=facilitator, title=data.title or fallback_title)


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


def shown(text: str) -> str:
    """A message from flows as the terminal shows it: people by name (here their ids are the names typed),
    without the backticks that mark typed words for chat apps."""
    return plain(text).replace("`", "")


def show_prompt(prompt: Prompt, console: Console, details: bool = True) -> None:
    """The question, its options and the replies it takes; with `details`, its context too (the peer figures
    of step 2, the factors to rate, suggested metrics): shown the first time it is asked, not again after a
    reply it did not take."""

    def out(text: str) -> None:
        console.write(text.replace("`", ""))  # flows marks typed words with backticks, for chat apps

    out("")
    out(f"{prompt.counter}: {prompt.text}" if prompt.counter else prompt.text)
    for line in prompt.details if details else ():
        out(f"  {line}")
    for i, option in enumerate(prompt.options, start=1):
        out(f"  {i}. {option.label}")
    if prompt.collected:
        label = "Rated so far" if prompt.kind is Kind.RATINGS else "So far"
        out(f"{label}: {', '.join(prompt.collected)}")
    if prompt.kind is Kind.RATINGS and prompt.awaiting and len(prompt.awaiting) + len(prompt.collected) > 1:
        out(f"It is {prompt.awaiting[0]}'s turn to rate.")
    out(prompt.accepts)


def _lettered(step: list[tuple[str, Criterion]]) -> list[tuple[str, Criterion]]:
    """A knock-out step's questions still to answer, each with its letter: its place among the step's."""
    order = [c.id for c in criteria_for(step[0][1].stage)]
    return [(STEP_LETTERS[order.index(c.id)], c) for _, c in step]


def show_step(prompt: Prompt, step: list[tuple[str, Criterion]], console: Console) -> None:
    """A knock-out step's questions still to answer (from the open one on), asked at once: the processes in
    play numbered once, each question with its letter (`parse_step_reply` reads the reply)."""
    lettered = _lettered(step)
    console.write("")
    console.write(
        "For each question below, name the processes it holds for. A process named in any of them leaves the "
        "review at this step."
    )
    for i, option in enumerate(prompt.options, start=1):
        console.write(f"  {i}. {option.label}")
    for letter, criterion in lettered:
        console.write(f"{letter}. {criterion.question}")
    console.write(shown(step_reply_accepts("".join(letter for letter, _ in lettered))))


def _answer_step(
    service: ReviewService,
    review: Review,
    me: str,
    prompt: Prompt,
    step: list[tuple[str, Criterion]],
    text: str,
    console: Console,
) -> Turn | None:
    """A reply to a knock-out step asked at once (`show_step`): its answers saved together, as the Slack step
    form saves them. None when the reply is a command: it goes on as typed."""
    lettered = _lettered(step)
    letters = "".join(letter for letter, _ in lettered)
    if _word(text) == "help":
        console.write("\n".join(f"{letter}. {c.question} {c.help}" for letter, c in lettered))
        console.write(shown(step_reply_accepts(letters)))
        return Turn(review=review, prompt=prompt)
    try:
        chosen = parse_step_reply(prompt, letters, text)
    except ReplyError as exc:
        return Turn(review=review, prompt=prompt, error=str(exc))
    if chosen is None and not looks_like_command(text):
        return Turn(review=review, prompt=prompt, error=step_reply_accepts(letters))
    if chosen is None:
        return None
    picks = [
        Picks(prompt.edition if n == 0 else key, tuple(names))
        for n, ((key, _), names) in enumerate(zip(step, chosen, strict=True))
    ]
    turn = service.reply_all(review.id or "", me, picks, permission=ADMIN)
    leaving = list(dict.fromkeys(name for names in chosen for name in names))
    if not turn.error:
        turn.message = (
            f"Saved. Leaving the review at this step: {', '.join(leaving)}."
            if leaving
            else "Saved. No process leaves the review at this step."
        )
    return turn


def _word(text: str) -> str:
    return text.casefold().strip(" .!`")


def _is_command(text: str) -> bool:
    return _word(text) in COMMANDS


def chat(
    service: ReviewService, review: Review, me: str, console: Console, weights: str | None = None
) -> Review:
    """Ask question after question until the review is finished or the input ends; every reply is saved.

    `weights` (from `--weights`) answers the weights question when it comes; when a resumed review has
    answered it already, it is applied as the `weights ...` command at the next question that is not a list
    or a text (where it would be taken for an answer).
    """
    review_id = review.id or ""
    prompt = service.prompt(review)
    headline = ""
    show = True
    if review.is_open and prompt is None and review.state is Stage.REPORT:
        review = _reopened(service, review, me, console)
        prompt = service.prompt(review)
    progress = service.progress(review)
    asked: set[str] = set()  # the questions shown with their context (the peer figures...) already
    while review.is_open and prompt is not None:
        if weights is not None and service.weights_set(review) and prompt.kind not in (Kind.LIST, Kind.TEXT):
            changed = service.reply(review_id, Reply(me, f"weights {weights}"), permission=ADMIN)
            said = changed.error or changed.message or "done"
            console.write(shown(f"--weights {weights}: {said}"))
            weights, review, prompt, show = None, changed.review, changed.prompt, True
            progress = changed.progress
            continue
        now = progress.headline
        if now != headline and now.startswith("Step"):
            console.write(f"\n{now}")
            headline = now
        step = knockout_questions(prompt)  # steps 3 to 5: each asked at once
        if show and step:
            show_step(prompt, step, console)
        elif show:
            show_prompt(prompt, console, details=prompt.key not in asked)
            asked.add(prompt.key)
        if weights is not None and prompt.kind is Kind.WEIGHTS:
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
        answered = _answer_step(service, review, me, prompt, step, text, console) if step else None
        # Judged against the question as shown: options renumbered since (by a merge) refuse the reply.
        turn: Turn = answered or service.reply(
            review_id, Reply(author, text, answering=prompt.edition), permission=ADMIN
        )
        if turn.error:
            console.write(shown(turn.error))
        elif turn.message:
            console.write(shown(turn.message))
        show = bool(turn.error and not step) or turn.prompt is None or turn.prompt.edition != prompt.edition
        show = show or (turn.prompt is not None and turn.prompt.awaiting != prompt.awaiting)
        review, prompt, progress = turn.review, turn.prompt, turn.progress
    return review


def _reopened(service: ReviewService, review: Review, me: str, console: Console) -> Review:
    """A reopened review, or a new version: every question is answered until someone changes one."""
    console.write(REOPENED_HINT.replace("`", "").replace("/outsource-review answers", "answers"))
    while review.is_open and review.state is Stage.REPORT and service.prompt(review) is None:
        line = console.read()
        if line is None:
            break
        if line.strip().lower() == "answers":
            console.write("\n".join(f"{n}. {text}" for n, _, text in service.answered(review)))
            continue
        turn = service.reply(review.id or "", Reply(me, line.strip() or "help"), permission=ADMIN)
        console.write(shown(turn.error or turn.message or ""))
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
