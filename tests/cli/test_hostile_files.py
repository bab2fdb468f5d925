"""Answers files built to exhaust the machine: a YAML alias bomb, deep nesting. Each is bad input (exit 2, one
line naming the file and the problem, nothing saved), refused before it is expanded: the bomb in `title` used
to run 23 s and end in a MemoryError (exit 1), deep nesting in a bare RecursionError (exit 1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import CONTRACT_EXAMPLE, Cli, assert_rejected

pytestmark = pytest.mark.slow

# Nine levels of nine aliases each: about 400 bytes that stand for 9**9 (387 million) strings.
BOMB_ANCHORS = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
)


@pytest.mark.parametrize(
    "field", ["title", "organisation", "service_levels", "weights", "processes", "ratings"]
)
def test_an_alias_bomb_is_refused(filled: Cli, write: Callable[[str, str | bytes], Path], field: str) -> None:
    text = "\n".join([BOMB_ANCHORS, f"title: {'*a8' if field == 'title' else 'Bomb'}"])
    if field != "title":
        value = "{SEO audits: *a8}" if field in ("service_levels", "weights", "ratings") else "*a8"
        text += f"\nprocesses: [SEO audits]\n{field}: {value}\n"
    path = write(f"bomb-{field}.yml", text)
    assert len(path.read_bytes()) < 700
    assert_rejected(filled, path, ["expands to more than", "aliases"])


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yml", "title: " + "[" * 20_000 + "]" * 20_000 + "\n"),
        ("deep-block.yml", "".join(f"{'  ' * i}k{i}:\n" for i in range(3000)) + "  " * 3000 + "x: 1\n"),
        ("deep.json", '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("cycle.yml", "title: &t [*t]\n"),
    ],
)
def test_deep_nesting_is_refused(
    filled: Cli, write: Callable[[str, str | bytes], Path], name: str, text: str
) -> None:
    assert_rejected(filled, write(name, text), ["nested too deeply"])


def test_a_few_aliases_still_work(cli: Cli, write: Callable[[str, str | bytes], Path]) -> None:
    """Anchors and aliases are YAML: one rating written once and used twice is fine."""
    text = CONTRACT_EXAMPLE.read_text(encoding="utf-8").replace(
        "    alice: {risk: 2,",
        "    bob: &same {risk: 2, consequences: 3, tech_complexity: 2, importance: 2, benefits: 4, vendor_expertise: 2}\n    alice: {risk: 2,",
    )
    text = text.replace("    alice: {risk: 1,", "    bob: *same\n    alice: {risk: 1,")
    assert "&same" in text and "*same" in text
    result = cli("review", "--answers", write("aliases.yml", text), "--format", "json")
    assert result.code == 0, result.err
    assert '"bob"' in result.out
