"""Replies to a multiple-choice question, as people type them: option numbers (`1 3`, `2-4`), option names
(letter case and spaces do not matter; one close spelling is enough when no other option is near), several
names with commas or "and", and the words for none and all.

Numbers always mean option numbers, so a process called "2024" or "3" is picked by its number, never misread.
A reply that could mean two things (two options spelled alike, "no" where a process is called "No") is refused
with what it could mean, so the question stays open and nothing is recorded by mistake.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from flows.similarity import clean_name, name_key

CLOSE = 85.0  # a spelling at least this similar to one option's name picks it...
NEAR = 75.0  # ...unless another option is at least this similar (then the reply is ambiguous)
MAX_PIECES = 100  # names separated by commas or "and" in one reply
MAX_NAME = 200  # longer text is no option's name, nor a typo of one
SHOWN = 4  # the options an ambiguous reply lists

# `none` and `all` are what the buttons send: they keep that meaning whatever the options are called. The other
# words mean the same unless an option is called so (then the reply is ambiguous).
NONE, ALL = "none", "all"
NONE_WORDS = frozenset(
    {"none of these", "none of them", "none of the above", "nothing", "no", "nope", "neither"}
)
ALL_WORDS = frozenset({"all of these", "all of them", "all of the above", "everything"})

_NUMBER_TOKEN = re.compile(r"^(\d{1,6})(?:-(\d{1,6}))?$")  # bounded: int() refuses 4,300+ digits
_NUMBER_SPLIT = re.compile(r"[\s,;]+")
# Between two names: a comma, semicolon or line break (with an "and" after it), "and", or "&". `(?<!\s)`: a run
# of spaces is tried from its start only, so splitting stays linear in the reply's length.
_SEPARATOR = re.compile(r"((?<!\s)(?:\s*[,;\n]\s*(?:and\s+)?|\s*&\s*|\s+and\s+))", re.IGNORECASE)
_PARENTHESES = re.compile(r"\s*\([^()]*\)")


class Labelled(Protocol):
    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


class ChoiceError(ValueError):
    """The reply picks no option for sure; `str()` says why. `hint`: add what the question accepts."""

    def __init__(self, message: str, *, hint: bool = True):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class _Names:
    """An options list's names, ready to look up (made once per list: a step asks about the same list)."""

    labels: tuple[str, ...]
    exact: dict[str, int]  # name key of each option's label and value -> its index
    short: dict[str, tuple[int, ...]]  # name key of a label without its parentheses -> indexes
    folded: tuple[str, ...]  # name keys of the labels, for close spellings
    folded_short: tuple[str, ...]


@lru_cache(maxsize=16)
def _names(options: tuple[Labelled, ...]) -> _Names:
    exact: dict[str, int] = {}
    short: dict[str, list[int]] = {}
    for i, option in enumerate(options):
        exact.setdefault(name_key(option.value), i)
    for i, option in enumerate(options):
        exact[name_key(option.label)] = i  # a label wins over another option's value
        short.setdefault(_short(option.label), []).append(i)
    folded = tuple(name_key(o.label) for o in options)
    return _Names(
        labels=tuple(o.label for o in options),
        exact=exact,
        short={k: tuple(v) for k, v in short.items() if k},
        folded=folded,
        folded_short=tuple(_short(o.label) for o in options),
    )


def _short(label: str) -> str:
    """'Online shop (B2C product)' -> 'online shop': what people type of a label that explains itself."""
    return name_key(_PARENTHESES.sub("", label))


def _word(raw: str) -> str:
    return " ".join(raw.casefold().strip(" .!`").split())


def pick_many(options: Sequence[Labelled], raw: str) -> list[int]:
    """The indexes of the options a reply picks, in the order given (none, all, or some); ChoiceError when
    it picks nothing for sure."""
    names = _names(tuple(options))
    word = _word(raw)
    if word == NONE:
        return []
    if word == ALL:
        return list(range(len(names.labels)))
    numbers = _numbers(names, raw)
    if numbers is not None:
        return numbers
    meant = names.exact.get(name_key(raw), names.exact.get(word))
    if word in NONE_WORDS or word in ALL_WORDS:
        keyword = "none of these" if word in NONE_WORDS else "all of them"
        if meant is None:
            return [] if word in NONE_WORDS else list(range(len(names.labels)))
        plain = NONE if word in NONE_WORDS else ALL
        raise ChoiceError(
            f"“{_cut(raw)}” could mean {keyword} or the option “{_cut(names.labels[meant])}”: reply `{plain}` "
            f"for {keyword}, or `{meant + 1}` for that option.",
            hint=False,
        )
    return _read_names(names, raw)


def pick_one(options: Sequence[Labelled], raw: str) -> int:
    """The index of the one option a reply picks; ChoiceError otherwise."""
    names = _names(tuple(options))
    numbers = _numbers(names, raw)
    if numbers is None:
        numbers = _read_names(names, raw)
    if len(numbers) != 1:
        raise ChoiceError("Pick just one option.")
    return numbers[0]


def _numbers(names: _Names, raw: str) -> list[int] | None:
    """Option numbers and ranges (`1 3`, `1,3`, `2-4`), as indexes; None when the reply is not all numbers."""
    tokens = [t for t in _NUMBER_SPLIT.split(raw) if t]
    matches = [_NUMBER_TOKEN.match(t) for t in tokens]
    if not tokens or not all(matches):
        return None
    picked: list[int] = []
    for match in matches:
        assert match is not None
        first = int(match.group(1))
        last = int(match.group(2) or first)
        for n in range(min(first, last), max(first, last) + 1):
            if not 1 <= n <= len(names.labels):
                raise ChoiceError(_no_such_option(names, n, raw), hint=False)
            if n - 1 not in picked:
                picked.append(n - 1)
    return picked


def _no_such_option(names: _Names, n: int, raw: str) -> str:
    message = f"There is no option {n}; pick from 1 to {len(names.labels)}."
    named = names.exact.get(name_key(raw))
    if named is not None:  # a process called like a number: numbers are option numbers
        message += f" To pick “{_cut(names.labels[named])}”, reply `{named + 1}`."
    return message


def _read_names(names: _Names, raw: str) -> list[int]:
    """Names (or numbers) separated by commas or "and"; a name with a comma or "and" in it reads as one
    when typed whole. Every way of reading the reply is tried; two readings that differ are refused."""
    parts = _SEPARATOR.split(raw.strip())
    pieces, separators = parts[::2], ["", *parts[1::2]]
    if len(pieces) > MAX_PIECES:
        raise ChoiceError(
            f"That reply names more than {MAX_PIECES} options; reply with their numbers instead, like `1-5 8`.",
            hint=False,
        )
    count = len(pieces)
    readings: list[list[list[int]]] = [[] for _ in range(count)] + [[[]]]  # from piece i on: up to two
    for i in range(count - 1, -1, -1):
        text = pieces[i]
        for j in range(i + 1, count + 1):
            if j > i + 1:
                text += separators[j - 1] + pieces[j - 1]
            if len(text) > MAX_NAME:
                break
            try:
                found = _one_piece(names, text) if j == i + 1 else _exactly(names, text)
            except ChoiceError:  # reported below, if no other reading takes this piece
                found = None
            if found is None:
                continue
            for rest in readings[j]:
                if len(readings[i]) < 2:
                    readings[i].append([*found, *rest])
    if not readings[0]:
        for piece in pieces:  # the first piece that reads as no option on its own says why
            _one_piece(names, piece, strict=True)
        raise ChoiceError(f"“{_cut(raw.strip())}” is not an option number or name.")
    meanings = [list(dict.fromkeys(reading)) for reading in readings[0]]
    if len(meanings) > 1 and set(meanings[0]) != set(meanings[1]):
        first, second = (_listing(names, r) for r in meanings)
        raise ChoiceError(
            f"“{_cut(raw.strip())}” could mean {first}, or {second}: reply with the numbers you mean.",
            hint=False,
        )
    return meanings[0]


def _exactly(names: _Names, text: str) -> list[int] | None:
    meant = names.exact.get(name_key(text))
    return None if meant is None else [meant]


def _one_piece(names: _Names, text: str, *, strict: bool = False) -> list[int] | None:
    """What one piece of a reply picks: numbers, a name (exact, without its parentheses, or a close spelling);
    None when nothing; ChoiceError when it could be several options (with `strict`, also when nothing)."""
    text = text.strip()
    if not text:
        return []  # an empty piece (`A,,B`) picks nothing more
    numbers = _numbers(names, text)
    if numbers is not None:
        return numbers
    exact = _exactly(names, text)
    if exact is not None:
        return exact
    short = names.short.get(name_key(text), ())
    if len(short) == 1:
        return [short[0]]
    if len(short) > 1:
        raise _ambiguous(names, text, list(short))
    scores = _close_spellings(names, text)
    close = [i for i, score in scores if score >= CLOSE]
    if len(close) == 1 and len(scores) == 1:
        return close
    if scores:
        raise _ambiguous(names, text, [i for i, _ in scores])
    if strict:
        raise ChoiceError(f"“{_cut(text)}” is not an option number or name.")
    return None


def _close_spellings(names: _Names, text: str) -> list[tuple[int, float]]:
    """(index, similarity) of the options at least NEAR to `text`, most similar first. A name the reply
    begins word for word ('Social media' of 'Social media posting') counts as close."""
    key = name_key(text)
    if len(key) > MAX_NAME:
        return []
    best: dict[int, float] = {}
    for choices in (names.folded, names.folded_short):
        for _, score, i in process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=NEAR, limit=SHOWN + 1
        ):
            best[i] = max(best.get(i, 0.0), score)
    if len(key) >= 3:
        start = key + " "
        for i, folded in enumerate(names.folded):
            if folded.startswith(start):
                best[i] = max(best.get(i, 0.0), CLOSE)
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))


def _ambiguous(names: _Names, text: str, indexes: list[int]) -> ChoiceError:
    shown = _listing(names, indexes[:SHOWN], joiner="or")
    more = " (or others)" if len(indexes) > SHOWN else ""
    return ChoiceError(f"“{_cut(text)}” could be {shown}{more}: reply with the number you mean.", hint=False)


def _listing(names: _Names, indexes: list[int], joiner: str = "and") -> str:
    """'“Blog writing” (1) and “SEO audits” (3)'."""
    items = [f"“{_cut(names.labels[i], 40)}” ({i + 1})" for i in indexes]
    if len(items) <= 1:
        return "".join(items) or "nothing"
    return ", ".join(items[:-1]) + f" {joiner} " + items[-1]


def _cut(text: str, limit: int = 60) -> str:
    text = clean_name(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
