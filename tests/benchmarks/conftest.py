"""The benchmarks run only when asked: `pytest tests/benchmarks --run-bench` (or RUN_BENCH=1).

A plain `pytest` collects them and skips them (they take minutes and start servers). Asked for, they also
run despite the `--benchmark-skip` in pyproject's addopts. Each test measures its figures side by side in
one run and records them as tables (`tests.benchmarks.results`); they are printed at the end of the run and
written to `.benchmarks/results.md` and `.benchmarks/results.json` (or `--bench-out DIR`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.benchmarks import results

HERE = Path(__file__).resolve().parent


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("outsource-review benchmarks")
    group.addoption("--run-bench", action="store_true", help="run the benchmarks in tests/benchmarks")
    group.addoption("--bench-out", default=None, help="where to write results.md / results.json")


def _asked(config: pytest.Config) -> bool:
    return bool(config.getoption("--run-bench", default=False)) or os.environ.get("RUN_BENCH") == "1"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bench: a benchmark (tests/benchmarks); runs with --run-bench")
    session = getattr(config, "_benchmarksession", None)
    if _asked(config) and session is not None:
        session.skip = False  # pyproject's --benchmark-skip is for the default run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="a benchmark: run with `pytest tests/benchmarks --run-bench`")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.bench)
            if not _asked(config):
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if not results.TABLES:
        return
    text = results.markdown()
    terminalreporter.section("benchmark figures (measured side by side in this run)")
    terminalreporter.write_line(text)
    out = Path(config.getoption("--bench-out", default=None) or config.rootpath / ".benchmarks")
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(text + "\n", encoding="utf-8")
    results.write_json(out / "results.json")
    terminalreporter.write_line(f"written to {out / 'results.md'} and {out / 'results.json'}")
