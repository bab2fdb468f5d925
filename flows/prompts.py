"""Transport-neutral questions and the parser for typed replies (the README, "The chat").

A Prompt says what is asked and which replies it takes; `parse_reply` turns a typed reply into a value or a
command, or raises ReplyError with a short, specific correction. Buttons and menus in Slack send the same
text a person would type, so there is one parser for every transport.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from itertools import pairwise
from typing import Any

from flows.choices import ChoiceError, pick_many, pick_one
from flows.keys import edition, is_edition_of
from flows.method import FACTOR_IDS, FACTORS, FACTORS_BY_ID, RATING_MAX, RATING_MIN, Stage, factor_names
from flows.model import Metric

COMMANDS = ("done", "skip", "back", "help")
# The commands that answer a question asked once per task, and the same question of every task after it, in
# one reply (`Prompt.for_the_rest`), with what they do there.
FOR_THE_REST = {
    "skip all": "no service level for this task or any after it",
    "done all": "no more metrics for this task, and none for the tasks after it",
}
FACTOR_NAMES = ", ".join(f.label for f in FACTORS)  # the six in order, as people read them
# The commands that work at every question (flows.interview applies them). At a list or a free-text question a
# reply of this form is a command too: quoted, or after an apostrophe, it is taken as text (`literal`).
# `\s++` and the look-ahead keep `merge` linear: `\s+(.+\s+into\s+.+)` took minutes on `merge` and 2,000 spaces.
GLOBAL_COMMAND = re.compile(
    r"^\s*(?:(change)\s+(\d+)|(reconsider)\s+(.+)|(weights)\b\s*(.*)|(merge)\s++(?=.*?\S\s+into\s)(.+)"
    r"|(answers)()|(raters)\b\s*(.*))\s*$",
    re.IGNORECASE | re.DOTALL,
)
QUOTE_HINT = 'To send it as text instead, put it in quotes: "{}".'
MAX_NAME_LENGTH = 150
MAX_TEXT_LENGTH = 500
MAX_ITEMS_PER_REPLY = 1000
MAX_METRIC_LINE = MAX_NAME_LENGTH + 100


class Kind(StrEnum):
    LIST = "list"  # one item per line, several replies, `done` to finish
    YES_NO = "yes_no"
    PICK = "pick"  # any number of options, `none` or `all`
    PICK_ONE = "pick_one"
    RATINGS = "ratings"  # six numbers 1-5 in factor order
    NUMBER = "number"
    TEXT = "text"
    METRICS = "metrics"  # lines of `name; baseline; target; warn at`
    WEIGHTS = "weights"  # `risk 2 benefits 1.5`, or `rank benefits risk ...`


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Prompt:
    key: str
    kind: Kind
    stage: Stage
    text: str
    options: tuple[Option, ...] = ()
    optional: bool = False
    subject: str | None = None  # the process the question is about
    details: tuple[str, ...] = ()  # context: peer figures, suggestions, what is collected so far
    collected: tuple[str, ...] = ()  # items or raters gathered so far (lists and rating rounds)
    awaiting: tuple[str, ...] = ()  # raters the round still waits for
    help: str = ""
    position: tuple[int, int] | None = None  # (k, n): the question is about task k of the step's n
    for_the_rest: str | None = None  # a command of FOR_THE_REST it takes: this task's answer and the rest's

    @cached_property
    def edition(self) -> str:
        """The question as shown: its key, and for a question numbering the processes in play, a digest of
        its options, which changes when a merge or a reconsider renumbers them. A transport posts a new
        edition again, and a reply is judged against the edition its author saw (see `flows.keys`)."""
        if self.kind is not Kind.PICK or not self.options:
            return self.key
        digest = hashlib.sha1("\x1f".join(o.value for o in self.options).encode()).hexdigest()[:10]
        return edition(self.key, digest)

    def is_edition(self, ref: str | None) -> bool:
        """Whether `ref` names another edition of this question (the same question, numbered otherwise)."""
        return ref is not None and ref != self.edition and is_edition_of(ref, self.key)

    @property
    def counter(self) -> str | None:
        """The "Task 3 of 12" of a question asked once per task."""
        return f"Task {self.position[0]} of {self.position[1]}" if self.position else None

    @property
    def step_number(self) -> int | None:
        return self.stage.step_number

    @property
    def accepts(self) -> str:
        """One line telling which typed replies this question takes."""
        tail = []
        if self.optional:
            tail.append("`skip`")
        if self.for_the_rest:
            tail.append(f"`{self.for_the_rest}` ({FOR_THE_REST[self.for_the_rest]})")
        tail += ["`back`", "`help`"]
        extra = ", ".join(tail)
        match self.kind:
            case Kind.LIST:
                return (
                    "Reply with one item per line (as many replies as you like), then `done` or an empty reply. "
                    f"A name that reads like a command goes in quotes. Also {extra}."
                )
            case Kind.YES_NO:
                return f"Reply `yes` or `no`. Also {extra}."
            case Kind.PICK:
                return (
                    "Reply with option numbers such as `1 3`, or names separated by commas, or `all` or `none`. "
                    f"Also {extra}."
                )
            case Kind.PICK_ONE:
                return f"Reply with one option number, or its name. Also {extra}."
            case Kind.RATINGS:
                return (
                    f"Reply with six ratings from 1 to 5 in this order: {FACTOR_NAMES} (for example "
                    "`2 4 2 3 5 2`). "
                    f"{self.closing} Also {extra}."
                )
            case Kind.NUMBER:
                return f"Reply with a number. Also {extra}."
            case Kind.TEXT:
                return (
                    "Reply with a short text (an empty reply is not taken). Command words such as `weights` or "
                    f'`change 2` are commands here too: to mean them as text, quote them ("weights are fine"). '
                    f"Also {extra}."
                )
            case Kind.METRICS:
                return (
                    "Reply with one metric per line as `name; baseline; target; warn at` (or `name, 70, 95`, "
                    "`name baseline 70 target 95 warn 65`, `name: 70 -> 95`); warn at is optional. Then `done` "
                    f"or an empty reply. Also {extra}."
                )
            case Kind.WEIGHTS:
                return (
                    "Reply like `risk 2 benefits 1.5` to change weights, `rank benefits risk ...` to derive them "
                    f"from an order of importance, or `ok` to keep them all at 1. Also {extra}."
                )
        return extra

    @property
    def accepts_in_public(self) -> str:
        """`accepts` where everyone reads the replies (a channel thread): ratings are never typed there, as
        no one may see another rater's ratings before the round closes (`RATINGS_ARE_PRIVATE`)."""
        if self.kind is not Kind.RATINGS:
            return self.accepts
        return (
            "Ratings are private: rate in the form, or send the bot a direct message with six ratings from 1 "
            f"to 5 in this order: {FACTOR_NAMES} (for example `2 4 2 3 5 2`). {self.closing} Also `back`, `help`."
        )

    @property
    def closing(self) -> str:
        """How a rating round closes: by itself when raters are named (some still awaited), else by `done`."""
        if self.awaiting:
            return "The round closes by itself once everyone named has rated; the facilitator can close it sooner with `done`."
        return "The facilitator replies `done` to close the round."


# What a rating typed where everyone reads it gets (a transport words how to rate privately).
RATINGS_ARE_PRIVATE = "Ratings are private until the round closes, so ratings typed here are not recorded."


@dataclass(frozen=True)
class Reply:
    """A parsed reply: either a command (`done`, `skip`, `back`, `help`, or one of FOR_THE_REST) or a value."""

    command: str | None = None
    value: Any = None


class ReplyError(ValueError):
    """The reply did not parse; the message is the correction to show."""


@dataclass
class WeightsAnswer:
    weights: dict[str, float] = field(default_factory=dict)
    source: str = "default"
    directions: dict[str, str] = field(default_factory=dict)


_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


# `(?<!\s)`: a run of spaces is tried from its start only (from each of its places, the search took a time
# growing with the square of the run's length).
_COMMENT = re.compile(r"(?<!\s)\s+(?:because|--|—|#)\s+(.*)$", re.IGNORECASE | re.DOTALL)
_COMMENTABLE = (Kind.PICK, Kind.YES_NO, Kind.PICK_ONE)


def split_comment(text: str) -> tuple[str, str | None]:
    """`3 because it is our brand voice` -> ('3', 'it is our brand voice'): a reason kept with the answer."""
    match = _COMMENT.search(text.strip())
    if not match:
        return text, None
    return text[: match.start()].strip(), match.group(1).strip() or None


# Questions whose replies are free text: there a reply in quotes (or after an apostrophe) is taken as it is.
FREE_TEXT = (Kind.LIST, Kind.TEXT, Kind.METRICS)
_QUOTED = re.compile(r'^["“](.*)["”]$')


def literal(text: str) -> str | None:
    """The text of a one-line reply marked as meant as it is, in double quotes ("weights are fine"); None when
    it is not marked. Several lines are never marked as a whole (each line of a list may be)."""
    stripped = text.strip()
    match = _QUOTED.match(stripped) if "\n" not in stripped and len(stripped) > 1 else None
    return None if match is None else match.group(1).strip()


def looks_like_command(text: str) -> bool:
    """A command at any question: `done`, `skip`, `back`, `help`, or one of the GLOBAL_COMMAND forms."""
    return text.casefold().strip(" .!`") in COMMANDS or GLOBAL_COMMAND.match(text) is not None


def parse_reply(prompt: Prompt, text: str) -> Reply:
    raw = _clean(text)
    if prompt.kind in _COMMENTABLE:
        raw = split_comment(raw)[0]
    if prompt.kind in (Kind.TEXT, Kind.METRICS):
        quoted = literal(raw)
        if quoted is not None:  # meant as text, even a command word
            if not quoted:
                raise ReplyError("That reply was empty. " + prompt.accepts)
            return Reply(value=_PARSERS[prompt.kind](prompt, quoted))
    if not raw and prompt.kind in (Kind.LIST, Kind.METRICS):
        return Reply(command="done")  # an empty reply ends a list
    word = raw.casefold().strip(" .!`")
    if word in COMMANDS:
        if word == "skip" and not prompt.optional:
            raise ReplyError("This question can't be skipped. " + prompt.accepts)
        if word == "done" and prompt.kind not in (Kind.LIST, Kind.RATINGS, Kind.METRICS):
            raise ReplyError(
                "`done` ends a list or a rating round; this question needs an answer. " + prompt.accepts
            )
        return Reply(command=word)
    rest = " ".join(word.split())
    if rest in FOR_THE_REST and prompt.for_the_rest:
        if rest != prompt.for_the_rest:
            raise ReplyError(f"`{rest}` doesn't work here. " + prompt.accepts)
        return Reply(command=rest)
    if not raw:
        raise ReplyError("That reply was empty. " + prompt.accepts)
    parser = _PARSERS[prompt.kind]
    return Reply(value=parser(prompt, raw))


# Invisible characters kept in names: zero-width (non-)joiners hold emoji and Indic/Arabic words together;
# left-to-right and right-to-left marks place punctuation in right-to-left text.
_KEPT_FORMAT_CHARACTERS = frozenset("\u200c\u200d\u200e\u200f")


# Longer replies are refused whole, before they are parsed: no question takes more (a name is at most 150
# characters, and a long list can come in several replies).
MAX_REPLY_CHARS = 20_000
MAX_RAW_REPLY_CHARS = 40_000  # Slack's own limit on a message's text


def typed_reply(text: str) -> tuple[str, str | None]:
    """A reply as it is taken (cleaned), and why it is refused whole when it is too long (else None)."""
    # Bounded before cleaning: Slack sends at most 40,000 characters, and nothing longer is looked at.
    if len(text) <= MAX_RAW_REPLY_CHARS:
        text = clean_text(text)
    if len(text) > MAX_REPLY_CHARS:
        return text, (
            f"That reply is {len(text):,} characters long; I take at most {MAX_REPLY_CHARS:,} in one reply. "
            "Send a long list in several replies."
        )
    return text, None


def clean_text(text: str) -> str:
    """`text` without control characters (line breaks and tabs stay), bidi embeddings, overrides and isolates
    (which could make a name read backwards or spill into the text around it), or lone surrogates. Joiners and
    direction marks stay only between two visible characters, where they do their work (the first of a run).

    One pass over the text: a run of joiners and marks is looked at once, whatever its length."""
    if text.replace("\n", " ").replace("\t", " ").isprintable():
        return text  # the usual reply: nothing to drop (joiners and marks are not printable)
    out: list[str] = []
    i, end = 0, len(text)
    while i < end:
        ch = text[i]
        if ch in _KEPT_FORMAT_CHARACTERS:
            run_end = i + 1
            while run_end < end and text[run_end] in _KEPT_FORMAT_CHARACTERS:
                run_end += 1
            if out and _visible(out[-1]) and run_end < end and _visible(text[run_end]):
                out.append(ch)
            i = run_end
            continue
        if ch in "\n\t" or ch.isprintable():
            out.append(ch)
        i += 1
    return "".join(out)


def _visible(ch: str) -> bool:
    return bool(ch) and ch.isprintable() and not ch.isspace()


def _clean(text: str) -> str:
    """Drop control characters (but keep line breaks and tabs) and surrounding space."""
    return clean_text(text).strip()


def _lines(raw: str) -> list[str]:
    return [_BULLET.sub("", line).strip() for line in raw.splitlines() if _BULLET.sub("", line).strip()]


def _parse_list(prompt: Prompt, raw: str) -> list[str]:
    items = []
    for line in _lines(raw):
        quoted = literal(line)
        if quoted is None and looks_like_command(line):
            shown = line[:60]
            raise ReplyError(
                f"“{shown}” reads like a command, so nothing was added. Send a command as a reply of its own. "
                + QUOTE_HINT.format(shown)
            )
        if quoted != "":
            items.append(line if quoted is None else quoted)
    if len(items) > MAX_ITEMS_PER_REPLY:
        raise ReplyError(f"That is {len(items)} lines; send at most {MAX_ITEMS_PER_REPLY} in one reply.")
    for item in items:
        if len(item) > MAX_NAME_LENGTH:
            raise ReplyError(
                f"“{item[:40]}…” is {len(item)} characters long; keep each name under {MAX_NAME_LENGTH}."
            )
    return items


YES_WORDS = frozenset(
    {
        "yes",
        "y",
        "yep",
        "yeah",
        "yup",
        "ya",
        "sure",
        "ok",
        "okay",
        "of course",
        "correct",
        "right",
        "true",
        "agreed",
    }
)
NO_WORDS = frozenset({"no", "n", "nope", "nah", "not really", "no way", "false", "never", "not at all"})
_YES_NO_SPLIT = re.compile(r"[\s,;:.!]+")


def _parse_yes_no(prompt: Prompt, raw: str) -> bool:
    """`yes`, `no`, and the usual words for them; "yes, merge them" or "no thanks" too, when nothing after the
    first word says the opposite."""
    word = " ".join(raw.casefold().strip(" .!`").split())
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    words = [w for w in _YES_NO_SPLIT.split(word) if w]
    said = {w in YES_WORDS for w in words if w in YES_WORDS or w in NO_WORDS}
    if words and (words[0] in YES_WORDS or words[0] in NO_WORDS) and len(said) == 1:
        return words[0] in YES_WORDS
    raise ReplyError("Please reply `yes` or `no`.")


def _parse_pick(prompt: Prompt, raw: str) -> list[str]:
    try:
        return [prompt.options[i].value for i in pick_many(prompt.options, raw)]
    except ChoiceError as exc:
        raise ReplyError(f"{exc} {prompt.accepts}" if exc.hint else str(exc)) from None


def _parse_pick_one(prompt: Prompt, raw: str) -> str:
    try:
        return prompt.options[pick_one(prompt.options, raw)].value
    except ChoiceError as exc:
        raise ReplyError(f"{exc} {prompt.accepts}" if exc.hint else str(exc)) from None


def parse_ratings(raw: str) -> dict[str, int]:
    """`2 4 2 3 5 2` in factor order, or `risk 2 benefits 5 ...` naming all six (by name or id)."""
    tokens = [t for t in re.split(r"[\s,;:=]+", factor_names(raw)) if t]
    if tokens and any(ch.isalpha() for ch in tokens[0]):
        pairs = dict(zip(tokens[::2], tokens[1::2], strict=False))
        unknown = [name for name in pairs if name not in FACTOR_IDS]
        if unknown:
            raise ReplyError(f"“{unknown[0][:30]}” is not a factor; use {FACTOR_NAMES}.")
        missing = [FACTORS_BY_ID[f].label for f in FACTOR_IDS if f not in pairs]
        if missing:
            raise ReplyError(f"Rate all six factors; missing: {', '.join(missing)}.")
        tokens = [pairs[f] for f in FACTOR_IDS]
    if len(tokens) != len(FACTOR_IDS):
        raise ReplyError(
            f"I need six ratings, one per factor ({FACTOR_NAMES}); you sent {len(tokens)}. "
            "Example: `2 4 2 3 5 2`."
        )
    values: dict[str, int] = {}
    for factor, token in zip(FACTORS, tokens, strict=True):
        if not token.isdecimal() or len(token) > 2 or not RATING_MIN <= int(token) <= RATING_MAX:
            raise ReplyError(
                f"{factor.label.capitalize()}: “{token[:20]}” must be a whole number from 1 to 5."
            )
        values[factor.id] = int(token)
    return values


# A private rating naming the open question it is for: `2: 2 4 2 3 5 2`, `#2 2 4 2 3 5 2`, `2) ...`.
_NUMBERED = re.compile(r"(?:#(\d{1,3})\s*[:.)]?|(\d{1,3})\s*[:.)])\s*(.*)", re.DOTALL)


def parse_private_rating(text: str) -> tuple[int | None, str]:
    """A rating sent in private (a direct message): six ratings as `parse_ratings` takes them, maybe after the
    number of the open rating question they are for (`2: 2 4 2 3 5 2`, or seven numbers, the first the
    question's). Returns that number (None when none is given) and the six ratings in factor order, as text
    the rating question takes. ReplyError when it is not a rating: commands are not taken in private."""
    raw = _clean(text).strip()
    numbered = _NUMBERED.fullmatch(raw)
    if numbered:
        choice, rest = int(numbered.group(1) or numbered.group(2)), numbered.group(3)
    else:
        tokens = [t for t in re.split(r"[\s,;]+", raw) if t]
        if len(tokens) == len(FACTOR_IDS) + 1 and all(t.isdecimal() for t in tokens):
            choice, rest = int(tokens[0]), " ".join(tokens[1:])
        else:
            choice, rest = None, raw
    if not rest.strip():
        raise ReplyError(
            f"I need six ratings from 1 to 5, one per factor ({FACTOR_NAMES}). Example: `2 4 2 3 5 2`."
        )
    values = parse_ratings(rest)
    return choice, " ".join(str(values[f]) for f in FACTOR_IDS)


STEP_LETTERS = "abcdefghij"  # a knock-out step's criteria, in the method's order, as a step reply names them
_STEP_PART = re.compile(r"([a-z])(?:\s*[:.)]\s*|\s+)(.*)", re.IGNORECASE | re.DOTALL)
_NO_REASON = frozenset({"none", "skip", "no", "none of these", "none of them"})


def step_reply_accepts(letters: str) -> str:
    """What a knock-out step answered in one reply takes (`parse_step_reply`), its questions still to answer
    lettered `letters`."""
    first, last = letters[0], letters[-1]
    named = f"`{first}`" if first == last else f"`{first}` to `{last}`"
    several = "" if first == last else f", or several at once: `{first} 1 3; {last} 2`"
    return (
        f"Reply with a question's letter ({named}) and the processes it holds for, by number or name, such as "
        f"`{first} 1 3`{several}. Reply `none` when none of them holds for any process. Also `back`, `help`."
    )


def parse_step_reply(prompt: Prompt, letters: str, text: str) -> list[list[str]] | None:
    """A knock-out step's questions still to answer, from the open one `prompt` on, lettered `letters`, answered
    in one typed reply: `none`, or parts separated by `;` or line breaks, each a question's letter and the
    processes it holds for as a pick question takes them (`a 1 3; c Newsletter`). Returns, per question in
    order, the processes chosen (their option values). None when `text` does not start as a step reply does (a
    command, say); ReplyError when it does but does not parse."""
    raw = _clean(text)
    if " ".join(raw.casefold().strip(" .!`").split()) in _NO_REASON:
        return [[] for _ in letters]
    parts = [part.strip() for part in re.split(r"[;\n]", raw) if part.strip()]
    if not parts:
        return None  # an empty reply is not taken
    chosen: list[list[str]] = [[] for _ in letters]
    for n, part in enumerate(parts):
        match = _STEP_PART.fullmatch(part)
        if match is None:
            if n == 0:
                return None
            raise ReplyError(f"“{part[:60]}” names no question. " + step_reply_accepts(letters))
        letter, rest = match.group(1).casefold(), match.group(2).strip()
        at = letters.find(letter)
        if at < 0:
            raise ReplyError(
                f"There is no question `{letter}` to answer here. " + step_reply_accepts(letters)
            )
        if not rest:
            raise ReplyError(f"After `{letter}`, name the processes it holds for, such as `{letter} 1 3`.")
        try:
            picked = [prompt.options[i].value for i in pick_many(prompt.options, rest)]
        except ChoiceError as exc:
            raise ReplyError(f"{letter}: {exc}") from None
        chosen[at] += [p for p in picked if p not in chosen[at]]
    return chosen


def _parse_ratings(prompt: Prompt, raw: str) -> dict[str, int]:
    return parse_ratings(raw)


def _number(token: str, what: str) -> float:
    cleaned = (
        token.strip().replace(",", "").replace("%", "").replace("$", "").replace("€", "").replace("£", "")
    )
    try:
        value = float(cleaned)
    except ValueError:
        raise ReplyError(
            f"{what} “{token.strip()[:20]}” is not a number; write it in digits, like `1500` or `2.5`."
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ReplyError(f"{what} must be a finite number.")
    return value


def _parse_number(prompt: Prompt, raw: str) -> float:
    return _number(raw, "The answer")


def _parse_text(prompt: Prompt, raw: str) -> str:
    text = " ".join(raw.split())
    if len(text) > MAX_TEXT_LENGTH:
        raise ReplyError(f"That is {len(text)} characters; please keep it under {MAX_TEXT_LENGTH}.")
    return text


def default_warning(baseline: float, target: float | None) -> float:
    """Early warning 10% worse than the baseline, 'worse' meaning away from the target."""
    lower_is_better = target is not None and target < baseline
    margin = abs(baseline) * 0.1
    return round(baseline + margin if lower_is_better else baseline - margin, 6)


# A number as people type it in a metric: 12000, 12,000, 2.5, 95%, $40, -3. Greedy, not possessive: Python
# 3.11.2's possessive repeat inside an alternation matched "12,000" as "12" (fixed in later 3.11 releases), and a
# metric line is at most MAX_METRIC_LINE characters, so its backtracking is bounded anyway.
_NUM = r"[-+]?[$€£]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?%?"
_WARN = r"warn(?:ing)?(?:[\s_]+at)?(?:\s+level)?"
# Possessive `\s*+` and a name ending in a visible character keep these from backtracking over spaces.
_METRIC_COMMAS = re.compile(
    rf"^(?P<name>.*?\S)\s*+,\s*+(?P<baseline>{_NUM})\s*+,\s*+(?P<target>{_NUM})(?:\s*+,\s*+(?P<warn>{_NUM}))?$"
)
_METRIC_ARROW = re.compile(
    rf"^(?P<name>.*?\S)(?:\s*+[:,])?\s++(?P<baseline>{_NUM})\s*+(?:->|→|=>)\s*+(?P<target>{_NUM})"
    rf"(?:\s*+[,;(]?\s*+{_WARN}\s*+[:=]?\s*+(?P<warn>{_NUM})\s*+\)?)?$",
    re.IGNORECASE,
)
_METRIC_WORD = re.compile(
    rf"[\s,;:(]*+\b(?P<word>baseline|target|{_WARN})\b\s*+[:=]?\s*+(?P<number>{_NUM})\s*+\)?",
    re.IGNORECASE,
)
METRIC_FORMS = "`name; 70; 95` (or `name, 70, 95`, `name baseline 70 target 95 warn 65`, `name: 70 -> 95`)"


def parse_metric_line(line: str) -> Metric:
    """One metric with its numbers, in any of the forms of METRIC_FORMS; the warning level may be left out
    (it then sits 10% worse than the baseline, as in answers files). A metric without a baseline and a
    target is refused: nothing could be checked against it."""
    line = line.strip()
    if len(line) > MAX_METRIC_LINE:  # a name under 150 characters and its numbers: no more
        raise ReplyError(
            f"That metric line is {len(line)} characters long; give each metric a name under "
            f"{MAX_NAME_LENGTH} characters and its numbers, one metric per line."
        )
    found = _metric_parts(line)
    if found is None:
        raise ReplyError(
            f"“{line[:60]}”: give the metric a baseline and a target, like {METRIC_FORMS}; "
            "a warning level is optional."
        )
    name, baseline_text, target_text, warn_text = (part.strip() for part in found)
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ReplyError(f"Give each metric a name under {MAX_NAME_LENGTH} characters, then its numbers.")
    if not baseline_text or not target_text:
        missing = (
            "a baseline and a target"
            if not baseline_text and not target_text
            else ("a baseline" if not baseline_text else "a target")
        )
        raise ReplyError(f"“{name[:60]}” needs {missing}, like {METRIC_FORMS}; a warning level is optional.")
    baseline = _number(baseline_text, "Baseline")
    target = _number(target_text, "Target")
    warn_at = _number(warn_text, "Warn at") if warn_text else default_warning(baseline, target)
    return Metric(name=name, baseline=baseline, target=target, warn_at=warn_at)


def _metric_parts(line: str) -> tuple[str, str, str, str] | None:
    """(name, baseline, target, warn at) as typed ('' where left out), or None when no form fits."""
    if ";" in line or "|" in line:
        parts = [p.strip() for p in re.split(r"[;|]", line)]
        if len(parts) > 4:
            raise ReplyError(f"“{line[:60]}”: write `name; baseline; target; warn at` (warn at is optional).")
        parts += [""] * (4 - len(parts))
        return parts[0], parts[1], parts[2], parts[3]
    for form in (_METRIC_COMMAS, _METRIC_ARROW):
        match = form.match(line)
        if match:
            return match["name"], match["baseline"], match["target"], match["warn"] or ""
    words = list(_METRIC_WORD.finditer(line))
    if not words or words[-1].end() != len(line) or any(a.end() != b.start() for a, b in pairwise(words)):
        return None
    said = {w["word"].casefold()[:4]: w["number"] for w in words}  # base, targ, warn
    if len(said) != len(words):
        return None
    name = line[: words[0].start()].strip(" ,;:-–")
    return name, said.get("base", ""), said.get("targ", ""), said.get("warn", "")


def metric_warning(baseline: float | None, target: float | None) -> float | None:
    """The default early-warning threshold, when there is a baseline to measure from."""
    return None if baseline is None else default_warning(baseline, target)


def _parse_metrics(prompt: Prompt, raw: str) -> list[Metric]:
    return [parse_metric_line(line) for line in _lines(raw)]


def rank_order_centroid(order: list[str]) -> dict[str, float]:
    """Weights from a ranking of factors, most important first (rank-order centroid).

    ROC gives place i the weight (1/n) Σ_{k=i..n} 1/k; we scale by n so the weights add up to n, like the
    default of 1 each. Factors left out of the ranking take the lowest places in factor order.
    """
    n = len(FACTOR_IDS)
    ranked = order + [f for f in FACTOR_IDS if f not in order]
    return {f: round(sum(1 / k for k in range(i, n + 1)), 6) for i, f in enumerate(ranked, start=1)}


def parse_weights(raw: str) -> WeightsAnswer:
    tokens = [t for t in re.split(r"[\s,;:=]+", factor_names(raw)) if t]
    if tokens in (["ok"], ["keep"], ["default"]):
        return WeightsAnswer()
    if tokens and tokens[0] == "rank":
        order = tokens[1:]
        unknown = [t for t in order if t not in FACTOR_IDS]
        if unknown or not order or len(set(order)) != len(order):
            raise ReplyError(f"After `rank`, list factors once each, most important first: {FACTOR_NAMES}.")
        return WeightsAnswer(rank_order_centroid(order), "ranked factors (rank-order centroid)")
    if len(tokens) % 2:
        raise ReplyError("Write pairs of factor and weight, like `risk 2 benefits 1.5` (or `importance +`).")
    weights: dict[str, float] = {}
    directions: dict[str, str] = {}
    for name, value in zip(tokens[::2], tokens[1::2], strict=True):
        if name not in FACTOR_IDS:
            raise ReplyError(f"“{name[:30]}” is not a factor; use {FACTOR_NAMES}.")
        label = FACTORS_BY_ID[name].label
        if value in ("+", "-", "−"):
            directions[name] = "-" if value == "−" else value
            continue
        number = _number(value, f"The weight of {label}")
        if number < 0:
            raise ReplyError(f"The weight of {label} must be 0 or more.")
        weights[name] = number
    if sum(weights.get(f, 1.0) for f in FACTOR_IDS) == 0:
        raise ReplyError("At least one factor needs a weight above 0.")
    return WeightsAnswer(weights, "set by the facilitator" if weights else "default", directions)


def _parse_weights(prompt: Prompt, raw: str) -> WeightsAnswer:
    return parse_weights(raw)


_PARSERS = {
    Kind.LIST: _parse_list,
    Kind.YES_NO: _parse_yes_no,
    Kind.PICK: _parse_pick,
    Kind.PICK_ONE: _parse_pick_one,
    Kind.RATINGS: _parse_ratings,
    Kind.NUMBER: _parse_number,
    Kind.TEXT: _parse_text,
    Kind.METRICS: _parse_metrics,
    Kind.WEIGHTS: _parse_weights,
}
