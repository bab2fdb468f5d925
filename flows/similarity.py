"""Step 1 helpers: name keys, exact-duplicate merging and near-duplicate suggestions."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from rapidfuzz import fuzz, process

from flows.report import MergeSuggestion

_SPACES = re.compile(r"\s+")
# Filler words that make two names of one process look different ("Writing blog posts" / "Blog writing").
_FILLER = {"a", "an", "and", "the", "of", "for", "our", "to", "on", "in", "post", "posts"}
SUGGESTION_THRESHOLD = 85.0


def clean_name(name: str) -> str:
    """The name as shown: surrounding space trimmed, inner runs of space folded."""
    return _SPACES.sub(" ", name).strip()


@lru_cache(maxsize=16384)
def name_key(name: str) -> str:
    """Names match ignoring letter case and surrounding space (docs/answers-file.md).

    Remembered: a reply compares every listed name several times over (2,000 calls a reply at 300 names)."""
    return clean_name(name).casefold()


def dedupe(names: list[str]) -> list[str]:
    """Exact duplicates merge by themselves; the first spelling wins; blank names are dropped."""
    seen: dict[str, str] = {}
    for raw in names:
        name = clean_name(raw)
        if name and name_key(name) not in seen:
            seen[name_key(name)] = name
    return list(seen.values())


def repeated(names: list[str]) -> list[tuple[str, int]]:
    """The names `dedupe` merges: each as kept (its first spelling) with how often it was listed."""
    kept: dict[str, str] = {}
    counts: dict[str, int] = {}
    for raw in names:
        name = clean_name(raw)
        if name:
            kept.setdefault(name_key(name), name)
            counts[name_key(name)] = counts.get(name_key(name), 0) + 1
    return [(kept[key], count) for key, count in counts.items() if count > 1]


def _core_words(name: str) -> str:
    words = [w for w in re.findall(r"\w+", name.casefold()) if w not in _FILLER]
    return " ".join(words) or name.casefold()


def similarity(a: str, b: str) -> float:
    """0..100: how likely two listed processes are the same work under different names."""
    ca, cb = _core_words(a), _core_words(b)
    return max(fuzz.token_sort_ratio(ca, cb), fuzz.ratio(a.casefold(), b.casefold()))


def suggest_merges(
    processes: list[str], threshold: float = SUGGESTION_THRESHOLD, leaving_out: Collection[str] = ()
) -> list[MergeSuggestion]:
    """Pairs that look like one process; the earlier-listed name is the one to keep.

    Each process is suggested for merging at most once, into its most similar earlier name. `leaving_out`:
    names among `processes` to leave out as if they were not listed (merged away by name); the list's pairs
    are found once, whatever is left out of it.
    """
    return list(_suggest_merges(tuple(processes), threshold, frozenset(leaving_out)))


@lru_cache(maxsize=32)
def _suggest_merges(
    processes: tuple[str, ...], threshold: float, leaving_out: frozenset[str]
) -> tuple[MergeSuggestion, ...]:
    """`suggest_merges`, remembered: a reply asks for the same list's suggestions several times."""
    pairs = _similar_pairs(processes, threshold)
    suggestions: list[MergeSuggestion] = []
    claimed: set[str] = set()
    for j, later in enumerate(processes):
        if later in leaving_out:
            continue
        best: tuple[float, str] | None = None
        for i, score in pairs[j]:
            earlier = processes[i]
            if earlier in claimed or earlier in leaving_out:
                continue
            if best is None or score > best[0]:
                best = (score, earlier)
        if best is not None:
            suggestions.append(MergeSuggestion(into=best[1], source=later, similarity=round(best[0], 1)))
            claimed.add(later)
    return tuple(suggestions)


@lru_cache(maxsize=16)
def _similar_pairs(processes: tuple[str, ...], threshold: float) -> tuple[tuple[tuple[int, float], ...], ...]:
    """For each listed name, the earlier names (by index, in order) at least `threshold` similar, with the score.

    Each name is compared with the names before it in one call of rapidfuzz's `process.extract` (its loop is
    compiled: 1,000 names, half a million pairs, in about 0.1 s), which only finds them: each score is then
    worked out as `similarity` does."""
    cores = [" ".join(sorted(_core_words(p).split())) for p in processes]
    folded = [p.casefold() for p in processes]
    near_enough = threshold - 0.5  # finding, not scoring: rounding cannot lose a pair at the threshold
    found: list[tuple[tuple[int, float], ...]] = []
    for j in range(len(processes)):
        close: set[int] = set()
        for names in (cores, folded):
            hits = process.extract(
                names[j], names[:j], scorer=fuzz.ratio, score_cutoff=near_enough, limit=None
            )
            close.update(i for _, _, i in hits)
        scored = []
        for i in sorted(close):
            score = max(
                fuzz.ratio(cores[i], cores[j], score_cutoff=threshold),
                fuzz.ratio(folded[i], folded[j], score_cutoff=threshold),
            )
            if score >= threshold:
                scored.append((i, score))
        found.append(tuple(scored))
    return tuple(found)
