"""Merge suggestions (`flows.similarity.suggest_merges`) against a plain reference: every earlier name scored
one by one, the list shortened first when names are left out."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.report import MergeSuggestion
from flows.similarity import SUGGESTION_THRESHOLD, dedupe, similarity, suggest_merges

WORDS = [
    "blog",
    "writing",
    "post",
    "posts",
    "seo",
    "audit",
    "audits",
    "ads",
    "paid",
    "search",
    "news",
    "letter",
]


def reference(processes: list[str], threshold: float = SUGGESTION_THRESHOLD) -> list[MergeSuggestion]:
    suggestions: list[MergeSuggestion] = []
    claimed: set[str] = set()
    for j, later in enumerate(processes):
        best: tuple[float, str] | None = None
        for earlier in processes[:j]:
            if earlier in claimed:
                continue
            score = similarity(earlier, later)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, earlier)
        if best is not None:
            suggestions.append(MergeSuggestion(into=best[1], source=later, similarity=round(best[0], 1)))
            claimed.add(later)
    return suggestions


def look_alikes(seed: int, n: int) -> list[str]:
    """`n` names from a few words, with typos: many pairs near the threshold."""
    rng = random.Random(seed)
    names = []
    for _ in range(n):
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.4:
            at = rng.randrange(len(name))
            name = name[:at] + rng.choice("aeiost ") + name[at + 1 :]
        if rng.random() < 0.2:
            name = name.title()
        names.append(name)
    return dedupe(names)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(0, 40), left=st.integers(0, 5))
def test_suggestions_are_the_references_with_or_without_names_left_out(seed: int, n: int, left: int) -> None:
    processes = look_alikes(seed, n)
    leaving_out = random.Random(seed).sample(processes, min(left, len(processes)))
    assert suggest_merges(processes) == reference(processes)
    shorter = [p for p in processes if p not in leaving_out]
    assert suggest_merges(processes, leaving_out=leaving_out) == reference(shorter)


def test_the_look_alikes_do_come_close_to_the_threshold() -> None:
    scores = [similarity(a, b) for a, b in zip(look_alikes(1, 40), look_alikes(2, 40), strict=False)]
    assert any(SUGGESTION_THRESHOLD - 5 <= s < SUGGESTION_THRESHOLD for s in scores)
    assert any(s >= SUGGESTION_THRESHOLD for s in scores)
