"""Answers files of any size (docs/answers-file.md), for the answers-file benchmark and the replay tests.

`answers_file(n, raters)` is the data of a file with `n` processes, each rated by `raters` people: a few
merged by name, one look-alike kept apart, a few left out of `candidates`, a few knocked out at each of steps 3 to 5 (some with two
criteria), `risk` weighing 2 and `importance` turned around, service levels for a third and metrics for a quarter
of the processes. The same arguments give the same file. From the shell:

    python -m tests.support.answers_files 1000 --raters 5 > big.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

from flows.method import FACTOR_IDS, KNOCKOUT_STAGES, criteria_for

WORDS = ("audit", "ads", "posts", "video", "email", "events", "design", "copy", "data", "support")


def names(n: int, rng: random.Random) -> list[str]:
    """`n` process names unlike each other (no merge suggestions), at most 18 characters each: a list of 1,000
    of them fits in one reply (20,000 characters)."""
    found: dict[str, None] = {}
    while len(found) < n:
        found[f"{rng.choice(WORDS).title()} {rng.getrandbits(40):010x}"] = None
    return list(found)


def answers_file(processes: int, raters: int = 5, seed: int = 16) -> dict[str, Any]:
    """The data of an answers file (as JSON or YAML holds it) of `processes` processes and `raters` raters."""
    rng = random.Random(seed)
    listed = names(processes, rng)
    if processes >= 40:
        listed[-1] = listed[10] + "s"  # a look-alike: the interview suggests merging it, the file says no
    people = [f"rater{i + 1}" for i in range(raters)]
    merged_away = listed[1:4] if processes >= 40 else []  # merged into the first, by name
    kept = [p for p in listed if p not in merged_away]
    left_out = set(kept[5::50])  # about 2% are no candidates (excluded at step 2)
    knockouts: dict[str, dict[str, list[str]]] = {}
    for offset, stage in enumerate(KNOCKOUT_STAGES):
        criteria = [c.id for c in criteria_for(stage)]
        held: dict[str, list[str]] = {}
        for i, process in enumerate(kept[7 + 3 * offset :: 40]):  # about 2.5% a step
            reasons = [criteria[i % len(criteria)]]
            if i % 4 == 0:
                reasons.append(criteria[(i + 1) % len(criteria)])
            held[process] = reasons
        knockouts[stage.value] = held
    # A process named at an earlier step is also named at a later one now and then (not used there).
    if processes >= 40:
        knockouts["not_short_term"].setdefault(kept[7], ["in_progress"])
    ratings = {
        process: {person: {f: rng.randint(1, 5) for f in FACTOR_IDS} for person in people} for process in kept
    }
    metrics = {
        process: [
            {"name": "leads per month", "baseline": 40 + i % 17, "target": 60 + i % 13, "warn_at": 35},
            {"name": "cost per lead", "baseline": 120.5, "target": 95},
        ][: 1 + i % 2]
        for i, process in enumerate(kept[::4])
    }
    return {
        "title": f"Generated review: {processes} processes, {raters} raters",
        "organisation": "ecommerce",
        "processes": listed,
        "merges": [{"into": listed[0], "from": merged_away}] if merged_away else [],
        "candidates": [p for p in kept if p not in left_out],
        **knockouts,
        "service_levels": {p: "monthly, 5 working days" for p in kept[::3]},
        "weights": {"risk": 2},
        "directions": {"importance": "+"},
        "ratings": ratings,
        "metrics": metrics,
    }


def answers_text(processes: int, raters: int = 5, seed: int = 16) -> str:
    """`answers_file` as the text of a JSON answers file."""
    return json.dumps(answers_file(processes, raters, seed), indent=1) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a generated answers file (JSON) to stdout.")
    parser.add_argument("processes", type=int)
    parser.add_argument("--raters", type=int, default=5)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    sys.stdout.write(answers_text(args.processes, args.raters, args.seed))


if __name__ == "__main__":
    main()
