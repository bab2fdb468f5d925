"""Every bad answers file: exit status 2, one line naming the file and the place, nothing saved."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cli import CONTRACT_EXAMPLE, Cli, assert_rejected


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CONTRACT_EXAMPLE.read_text(encoding="utf-8"))
    return data


def changed(change: Callable[[dict[str, Any]], None]) -> str:
    data = example()
    change(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def rate(process: str, factor: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["ratings"][process]["alice"][factor] = value

    return change


def unknown_factor(data: dict[str, Any]) -> None:
    data["ratings"]["SEO audits"]["alice"]["fun"] = 3


# name, file content, what the message must name (the place and the problem)
CASES: list[tuple[str, str | bytes, list[str]]] = [
    ("invalid.yml", "title: Q3\nprocesses: [Blog writing, SEO audits\n", ["line 3", "column"]),
    ("invalid.json", '{"title": "Q3",\n "processes": ["Blog writing" "SEO audits"]}', ["line 2", "column"]),
    (
        "unknown_process.yml",
        changed(lambda d: d["candidates"].append("Podcast")),
        ["candidates", "unknown process 'Podcast'"],
    ),
    (
        "unknown_criterion.yml",
        changed(lambda d: d["keep_inhouse"].update({"SEO audits": ["too_expensive"]})),
        ["keep_inhouse › SEO audits", "unknown criterion 'too_expensive'"],
    ),
    ("unknown_factor.yml", changed(unknown_factor), ["ratings › SEO audits › alice", "unknown factor 'fun'"]),
    ("rating_6.yml", changed(rate("SEO audits", "risk", 6)), ["ratings › SEO audits › alice › risk", "6"]),
    (
        "rating_2_5.yml",
        changed(rate("Blog writing", "benefits", 2.5)),
        ["ratings › Blog writing › alice › benefits", "2.5", "whole number"],
    ),
    (
        "unrated.yml",
        changed(lambda d: d["ratings"].pop("Blog writing")),
        ["ratings › Blog writing", "without ratings"],
    ),
    (
        "merge_unlisted.yml",
        changed(lambda d: d["merges"].append({"into": "Podcast", "from": ["SEO audits"]})),
        ["merges › item 2", "'Podcast'", "not listed"],
    ),
    ("empty.yml", changed(lambda d: d.update(processes=[])), ["processes", "empty"]),
    ("not_utf8.yml", b"title: Q3\nprocesses: [Caf\xe9 blog]\n", ["UTF-8"]),
    (
        "metric_without_target.yml",
        changed(lambda d: d["metrics"]["SEO audits"].append({"name": "cost per audit", "baseline": 900})),
        ["metrics › SEO audits › item 2", "a metric needs a baseline and a target", "warn_at is optional"],
    ),
    (
        "unknown_organisation.yml",
        changed(lambda d: d.update(organisation="retail")),
        ["organisation", "unknown organisation 'retail'", "ecommerce"],
    ),
]


@pytest.mark.parametrize(("name", "content", "names"), CASES, ids=[c[0] for c in CASES])
def test_bad_answers_file(
    filled: Cli,
    write: Callable[[str, str | bytes], Path],
    name: str,
    content: str | bytes,
    names: list[str],
) -> None:
    assert_rejected(filled, write(name, content), names)


def test_missing_file(filled: Cli, tmp_path: Path) -> None:
    assert_rejected(filled, tmp_path / "nowhere.yml", ["does not exist"])


def test_folder_instead_of_a_file(filled: Cli, tmp_path: Path) -> None:
    (tmp_path / "answers").mkdir()
    assert_rejected(filled, tmp_path / "answers", ["folder"])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(filled: Cli, write: Callable[[str, str | bytes], Path]) -> None:
    path = write("secret.yml", CONTRACT_EXAMPLE.read_text(encoding="utf-8"))
    path.chmod(0)
    assert_rejected(filled, path, ["permission"])


@pytest.mark.slow
def test_nothing_is_created_for_a_bad_file_on_a_fresh_database(
    cli: Cli, write: Callable[[str, str | bytes], Path]
) -> None:
    result = cli.process("review", "--answers", write("empty.yml", "processes: []\n"))  # exit 2, for real
    assert result.code == 2
    assert not cli.db.exists()


def test_bad_out_folder_saves_nothing(filled: Cli, tmp_path: Path) -> None:
    rows = filled.rows()
    result = filled("review", "--answers", CONTRACT_EXAMPLE, "--out", tmp_path / "no" / "such" / "r.md")
    assert result.code == 2 and len(result.err_lines) == 1 and "--out" in result.err
    assert filled.rows() == rows
