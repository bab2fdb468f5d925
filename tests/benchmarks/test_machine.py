"""6. The state machine: one step on the shared `MACHINE` against a `transitions.Machine` built per request.

Both start from the same saved review, rehydrated per request (`Review(**fields)`, as the store does), and
fire `cancel` (a transition without conditions, so the machine is measured, not the questions behind
`done`). The per-request machine has the same states and transitions, read off `MACHINE`. Batches of each
alternate; the figure is the median time of one request.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import fields
from typing import Any

from transitions import Machine

from flows.interview import MACHINE, move
from flows.method import Stage
from flows.model import Review
from tests.benchmarks import results
from tests.support.harness import review_at_prioritise

BATCH = 200
BATCHES = int(os.environ.get("BENCH_BATCHES", "25"))
TARGET = 10.0  # the design's "about 10x"


def transitions_of(machine: Machine) -> list[dict[str, Any]]:
    """The machine's transitions as `Machine(transitions=...)` takes them (names, destinations, conditions)."""
    found = []
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for t in transitions:
                found.append(
                    {
                        "trigger": trigger,
                        "source": source,
                        "dest": t.dest,
                        "conditions": [c.func for c in t.conditions if c.target],
                        "unless": [c.func for c in t.conditions if not c.target],
                    }
                )
    return found


def test_a_step_on_the_shared_machine_against_a_machine_per_request(benchmark: Any) -> None:
    table = results.table(
        "6. The state machine: one request's step (µs, median of batches)",
        ["what", "µs a request", "× shared"],
        target=f"a Machine per request costs ≥ {TARGET:.0f}× a step on the shared MACHINE",
    )
    row = {f.name: getattr(review_at_prioritise(12), f.name) for f in fields(Review)}
    row["state"] = Stage.PRIORITISE
    transitions = transitions_of(MACHINE)

    def rehydrate() -> Review:
        return Review(**row)

    def shared() -> None:
        review = Review(**row)
        assert move(review, "cancel")

    def per_request() -> None:
        review = Review(**row)
        Machine(
            model=review,
            states=Stage,
            transitions=transitions,
            initial=review.state,
            auto_transitions=False,
            send_event=True,
        )
        assert review.cancel()  # type: ignore[attr-defined]

    def batch(fn: Any) -> float:
        start = time.perf_counter()
        for _ in range(BATCH):
            fn()
        return (time.perf_counter() - start) / BATCH

    # The same step either way.
    a, b = Review(**row), Review(**row)
    move(a, "cancel")
    Machine(
        model=b,
        states=Stage,
        transitions=transitions,
        initial=b.state,
        auto_transitions=False,
        send_event=True,
    )
    b.cancel()  # type: ignore[attr-defined]
    assert a.state == b.state == Stage.CANCELLED

    times: dict[str, list[float]] = {"rehydrate": [], "shared": [], "per request": []}

    def run() -> None:
        for fn in (rehydrate, shared, per_request):  # warm-up
            batch(fn)
        for _ in range(BATCHES):
            times["rehydrate"].append(batch(rehydrate))
            times["shared"].append(batch(shared))
            times["per request"].append(batch(per_request))

    benchmark.pedantic(run, rounds=1, iterations=1)
    us = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    ratio = us["per request"] / us["shared"]
    machine_only = (us["per request"] - us["rehydrate"]) / max(us["shared"] - us["rehydrate"], 1e-9)
    table.add("rehydrate the review only", us["rehydrate"], us["rehydrate"] / us["shared"])
    table.add("rehydrate + step on the shared MACHINE", us["shared"], 1.0)
    table.add("rehydrate + build a Machine + step", us["per request"], ratio)
    table.met = ratio >= TARGET
    table.notes.append(
        f"Without the rehydration both share, building the machine costs {machine_only:.0f}× the step on "
        f"the shared one. {BATCHES} batches of {BATCH}, alternating."
    )
    benchmark.extra_info.update({k: round(v, 2) for k, v in us.items()}, ratio=round(ratio, 1))
    assert ratio >= TARGET, us
