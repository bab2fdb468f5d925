"""7. Answers files: `outsource-review review --answers FILE`, end to end, as files grow.

Generated files (`tests.support.answers_files`: N processes, 5 raters each, three merged by name, a few no
candidates and a few knocked out at each of steps 3 to 5, `risk` weighing 2, service levels for a third and
metrics for a quarter of the processes) at 200, 400, 800 and 1,000 processes. Each is run as a real
`python -m bot review --answers FILE --out report.md` process on a migrated SQLite file (start-up, checking
the file, the replay, the one save and the Markdown report), sizes round robin. The replay alone
(`flows.replay.check_answers`, in this process) and the start-up every command pays (`python -m bot
--version`: importing the libraries) are timed beside it. The commands run with their bytecode cached, as
after an install (PYTHONDONTWRITEBYTECODE is dropped for them, and one start first writes what is missing).

`BENCH_BEFORE=DIR` also times the same files with the checkout in DIR (another commit, e.g. from
`git worktree add` or `git archive`), alternating with this one: before and after side by side in one run.
`BENCH_FILE_ROUNDS` sets the rounds (default 3).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from flows.answers import load_answers
from flows.replay import check_answers
from storage.db import make_engine
from storage.migrate import ensure_schema
from tests.benchmarks import results
from tests.support.answers_files import answers_text

SIZES = (200, 400, 800, 1000)
RATERS = 5
ROUNDS = int(os.environ.get("BENCH_FILE_ROUNDS", "3"))
BEFORE = os.environ.get("BENCH_BEFORE", "")
TARGET_S_AT_1000 = 3.0
TARGET_GROWTH = 5.0  # time(800) / time(200)


def command_env(code: str = "", database_url: str = "") -> dict[str, str]:
    """The environment a user's command runs in: bytecode cached as after an install (an environment that
    forbids writing it makes every start compile every module again: 4.4 s instead of 1.9 s here)."""
    dropped = ("SLACK_", "LOG_LEVEL", "DATABASE_URL", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    if database_url:
        env["DATABASE_URL"] = database_url
    if code:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (code, env.get("PYTHONPATH", "")) if p)
    return env


def run_file(path: Path, database_url: str, code: str = "") -> float:
    """Seconds for `python -m bot review --answers path`, with the checkout in `code` first on the path."""
    command = [sys.executable, "-m", "bot", "review", "--answers", str(path), "--out", str(path) + ".md"]
    env = command_env(code, database_url)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=path.parent, env=env, capture_output=True, text=True, timeout=900)
    took = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    return took


def startup_seconds(code: str = "") -> float:
    """Seconds for `python -m bot --version`: the imports every command pays before it starts."""
    env = command_env(code)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "--version"], env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def replay_seconds(text: str) -> float:
    start = time.perf_counter()
    data = load_answers(text, "generated.json")
    check_answers(data, "generated.json", "bench", "fallback")
    return time.perf_counter() - start


def test_answers_file_end_to_end(tmp_path: Path, benchmark: Any) -> None:
    table = results.table(
        f"7. Answers files: `review --answers` end to end, {RATERS} raters a process (median of {ROUNDS}, s)",
        [
            "processes",
            "rated",
            "end to end",
            "fastest",
            "× 200",
            "replay in memory",
            "start-up (`--version`)",
            *(["before (BENCH_BEFORE)", "before fastest", "before × 200"] if BEFORE else []),
        ],
        target=f"at most {TARGET_S_AT_1000:.0f} s at 1,000 processes, time(800) / time(200) ≤ {TARGET_GROWTH:.0f}",
    )
    files: dict[int, Path] = {}
    texts: dict[int, str] = {}
    for n in SIZES:
        texts[n] = answers_text(n, RATERS)
        files[n] = tmp_path / f"answers-{n}.json"
        files[n].write_text(texts[n], encoding="utf-8")
    ours, theirs = f"sqlite:///{tmp_path / 'ours.db'}", f"sqlite:///{tmp_path / 'before.db'}"
    for url in (ours, theirs):
        engine = make_engine(url)
        ensure_schema(engine)
        engine.dispose()
    took: dict[int, list[float]] = {n: [] for n in SIZES}
    before: dict[int, list[float]] = {n: [] for n in SIZES}
    in_memory: dict[int, list[float]] = {n: [] for n in SIZES}
    startup: list[float] = []
    rated = {n: len(load_answers(texts[n]).ratings) for n in SIZES}

    for code in ("", BEFORE) if BEFORE else ("",):
        startup_seconds(code)  # not timed: writes the bytecode of whatever was not compiled yet

    def run() -> None:
        for _ in range(ROUNDS):
            startup.append(startup_seconds())
            for n in SIZES:
                took[n].append(run_file(files[n], ours))
                if BEFORE:
                    before[n].append(run_file(files[n], theirs, BEFORE))
                in_memory[n].append(replay_seconds(texts[n]))

    benchmark.pedantic(run, rounds=1, iterations=1)
    median = {n: statistics.median(took[n]) for n in SIZES}
    for n in SIZES:
        row: list[Any] = [
            n,
            rated[n],
            median[n],
            min(took[n]),
            median[n] / median[SIZES[0]],
            statistics.median(in_memory[n]),
            statistics.median(startup),
        ]
        if BEFORE:
            then = statistics.median(before[n])
            row += [then, min(before[n]), then / statistics.median(before[SIZES[0]])]
        table.add(*row)
    growth = median[800] / median[200]
    table.met = median[1000] <= TARGET_S_AT_1000 and growth <= TARGET_GROWTH
    table.notes.append(f"time(800) / time(200) = {growth:.2f}; 1,000 processes: {median[1000]:.2f} s.")
    if BEFORE:
        table.notes.append(f"before: the checkout in {BEFORE}, alternating with this one.")
