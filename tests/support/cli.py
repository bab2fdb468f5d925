"""The CLI on a SQLite file in the test's own folder: `main(argv)` called in this process (as if run there, with
its own environment, working directory and standard streams), or a real `python -m bot` subprocess."""

from __future__ import annotations

import io
import logging
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.cli import main

DATA = Path(__file__).parent.parent / "cli" / "data"
CONTRACT_EXAMPLE = DATA / "contract_example.yml"
CONTRACT_REPORT = DATA / "contract_report.json"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


class Cli:
    def __init__(self, folder: Path):
        self.folder = folder
        self.db = folder / "reviews.db"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOG_LEVEL", "PORT"))}
        self.env |= {"DATABASE_URL": f"sqlite:///{self.db}", "PYTHONIOENCODING": "utf-8"}

    def __call__(self, *args: str | Path, stdin: str | None = None) -> Result:
        """`outsource-review ARGS` as `main(argv)` in this process; see `as_if_run` for what it sees."""
        out, err = io.StringIO(), io.StringIO()
        with as_if_run(self.folder, self.env, stdin or "", out, err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse's usage errors and --help
                code = exit_code(exc, err)
        return Result(code, out.getvalue(), err.getvalue())

    def process(self, *args: str | Path, stdin: str | None = None, timeout: float = 120) -> Result:
        """`python -m bot ARGS` as a real subprocess: the entry point, exit codes and pipes for real."""
        done = subprocess.run(
            [sys.executable, "-m", "bot", *map(str, args)],
            cwd=self.folder,
            env=self.env,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str | Path, stdin: str | None = None) -> Result:
        result = self(*args, stdin=stdin)
        assert result.code == 0, f"exit {result.code}\nstdout:\n{result.out}\nstderr:\n{result.err}"
        return result

    def rows(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table, sorted (empty when there is no database file)."""
        if not self.db.exists():
            return {}
        connection = sqlite3.connect(self.db)
        try:
            tables = [
                name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            return {
                t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
            }
        finally:
            connection.close()


def exit_code(exc: SystemExit, err: io.StringIO) -> int:
    """The exit status the interpreter gives a `SystemExit` (a message goes to stderr with status 1)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=err)
    return 1


@contextmanager
def as_if_run(
    folder: Path, env: dict[str, str], stdin: str, out: io.StringIO, err: io.StringIO
) -> Iterator[None]:
    """For the length of the block, this process looks to the CLI as a fresh `python -m bot` would: `env` as its
    whole environment, `folder` as its working directory, `stdin` piped in, stdout and stderr captured, and
    logging not yet configured. Everything is put back afterwards, so calls do not leak into each other."""
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    root, ours = logging.getLogger(), logging.getLogger("bot")
    saved_handlers, saved_levels = root.handlers[:], (root.level, ours.level)
    saved_stdin = sys.stdin
    os.environ.clear()
    os.environ.update(env)
    os.chdir(folder)
    root.handlers.clear()
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            yield
    finally:
        sys.stdin = saved_stdin
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_levels[0])
        ours.setLevel(saved_levels[1])
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def saved_id(result_err: str) -> str:
    match = re.search(r"Saved as review ([0-9a-f]{32})", result_err)
    assert match, result_err
    return match.group(1)


def decision(report: dict[str, Any]) -> dict[str, Any]:
    """A JSON report without what depends on who answered when (the ledger)."""
    return {k: v for k, v in report.items() if k not in ("ledger", "reconsidered")}


def without_directions(write: Callable[[str, str], Path]) -> Path:
    text = CONTRACT_EXAMPLE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("directions:")]
    assert len(lines) == len(text.splitlines()) - 1
    return write("no_directions.yml", "".join(lines))


def assert_rejected(cli: Cli, path: Path, names: list[str]) -> None:
    rows = cli.rows()
    assert rows["review"], "the database should hold a review already"
    result = cli("review", "--answers", path, "--format", "json")
    assert result.code == 2, result
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    assert line.startswith(str(path)), line
    for name in names:
        assert name in line, line
    assert cli.rows() == rows
