"""Revisions in the terminal: the ledger in exports, a new version of a finished review, what changed."""

from __future__ import annotations

import json
import re

from tests.support.cli import CONTRACT_EXAMPLE, Cli, saved_id


def test_export_carries_the_ledger(cli: Cli) -> None:
    review_id = saved_id(cli.ok("review", "--answers", CONTRACT_EXAMPLE).err)
    report = json.loads(cli.ok("export", review_id, "--format", "json").out)
    ledger = {(e["process"], e["fate"], e["step"]) for e in report["ledger"]}
    assert ledger == {
        ("Brand strategy", "excluded", 3),
        ("Key account calls", "excluded", 4),
        ("Website relaunch", "excluded", 5),
        ("Writing blog posts", "merged", 1),
    }
    assert all(e["by"] and e["at"] for e in report["ledger"])
    assert "## Ledger: who decided what" in cli.ok("export", review_id).out


def test_rerun_change_and_diff(cli: Cli) -> None:
    first = saved_id(cli.ok("review", "--answers", CONTRACT_EXAMPLE).err)
    rerun = cli.ok("rerun", first[:8])
    match = re.search(r"Saved version 2 as review ([0-9a-f]{32})", rerun.err)
    assert match, rerun.err
    second = match.group(1)
    assert "Report ready" in cli.ok("list").out
    chat = cli.ok(
        "chat",
        "--resume",
        second,
        stdin="weights risk 4 importance +\nreconsider Brand strategy\n"
        + "no\n" * 12
        + "skip\n3 3 3 3 3 3\ndone\ndone\n",
    )
    assert "Weights changed." in chat.out and "is back in the review from step 3" in chat.out
    diff = cli.ok("export", second, "--diff").out
    assert diff.startswith("# What changed: Q3 marketing review → Q3 marketing review (v2)")
    assert "- Brand strategy is new on the shortlist at rank" in diff
    assert "(before: excluded at step 3: gives a competitive advantage)" in diff
    assert "Weights changed: risk 2 → 4." in diff
    assert cli.ok("export", second, "--diff", first).out == diff
    refused = cli("export", first, "--diff")
    assert refused.code == 2 and "first version" in refused.err
    again = cli("rerun", second)
    assert again.code == 0  # the new version is finished now, so it can be run again too
