"""A stage's questions walked to the first unanswered one, and kept where the walk stopped.

Answers only grow from one commit to the next, so the questions found answered stay answered: the next look
for the open question starts where the last one stopped, instead of at the stage's first question (6,000
questions at step 6 for 1,000 processes rated by five people, one reply after the other)."""

from __future__ import annotations

from collections.abc import Container, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Walk(Generic[T]):
    """The questions of one stage of one review, as `(key, what)` pairs taken from its plan as needed.

    `steady`: the stage's questions are fixed when it starts (they follow from earlier stages' answers alone),
    so the walk holds over an answer to one of them too."""

    def __init__(self, review: object, questions: Iterator[tuple[str, T]], *, steady: bool) -> None:
        self.review = review
        self.steady = steady
        self._questions = questions
        self._seen: list[tuple[str, T]] = []
        self._answered = 0  # the first questions seen, all answered

    def first_open(self, answers: Container[str]) -> tuple[str, T] | None:
        """The first question whose key is not in `answers`; None when every question is answered."""
        seen, at = self._seen, self._answered
        while True:
            if at == len(seen):
                following = next(self._questions, None)
                if following is None:
                    self._answered = at
                    return None
                seen.append(following)
            if seen[at][0] not in answers:
                self._answered = at
                return seen[at]
            at += 1
