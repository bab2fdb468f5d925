"""docs/answers-file.md documents the answers file: its full example is a valid answers file that runs through
`review --answers`, and every key the loader takes, and every key of the JSON report, is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from flows.answers import TOP_LEVEL_KEYS
from tests.support.cli import Cli

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "answers-file.md"


def section(title: str) -> str:
    """The text of the `## title` section of the doc."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"{DOC.name} has no section '## {title}'"
    return match.group(1)


def full_example() -> str:
    blocks = re.findall(r"^```yaml\n(.*?)^```", section("A full example"), re.S | re.M)
    assert len(blocks) == 1, "the full example is one fenced yaml block"
    return str(blocks[0])


def table_keys(text: str) -> set[str]:
    """The `key` in the first column of each row of the tables in `text`."""
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, re.M))


def test_the_full_example_runs_through_review_answers_and_its_report_is_documented(cli: Cli) -> None:
    path = cli.folder / "example.yml"
    path.write_text(full_example(), encoding="utf-8")
    result = cli.ok("review", "--answers", path, "--format", "json")
    assert "Saved as review" in result.err
    report = json.loads(result.out)
    assert report["review"] == "Q3 marketing review"
    assert [t["process"] for t in report["shortlist"]] == ["Blog writing", "SEO audits"]
    documented = table_keys(section("The report as JSON"))
    assert set(report) <= documented, f"not documented: {sorted(set(report) - documented)}"
    task_keys = {key for task in report["shortlist"] for key in task}
    assert task_keys <= documented, f"not documented: {sorted(task_keys - documented)}"


def test_the_full_example_uses_every_key_the_loader_takes() -> None:
    example = yaml.safe_load(full_example())
    assert set(example) == set(TOP_LEVEL_KEYS)


def test_every_key_the_loader_takes_is_documented() -> None:
    assert table_keys(section("The keys")) == set(TOP_LEVEL_KEYS)
