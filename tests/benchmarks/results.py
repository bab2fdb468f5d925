"""Figures the benchmarks record: one table per figure, with its target and whether it was met."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, *row: Any) -> None:
        self.rows.append(list(row))

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.target:
            verdict = {True: "met", False: "**not met**", None: "not judged"}[self.met]
            lines += [f"Target: {self.target} — {verdict}.", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)


TABLES: list[Table] = []


def table(title: str, columns: list[str], target: str = "") -> Table:
    found = Table(title, columns, target=target)
    TABLES.append(found)
    return found


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return (
            f"{value:.3g}" if abs(value) < 10 else f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"
        )
    return str(value)


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "commit": commit,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def markdown() -> str:
    info = machine()
    head = (
        f"Run {info['date']} on {info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, "
        f"{info['platform']}, commit {info['commit']}, load average {info['load']}."
    )
    return "\n\n".join([head, *(t.markdown() for t in TABLES)])


def write_json(path: Path) -> None:
    data = {"machine": machine(), "tables": [asdict(t) for t in TABLES]}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
