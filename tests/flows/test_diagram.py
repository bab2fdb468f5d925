"""docs/interview-flow.md is drawn from the one shared machine, and stays so."""

from __future__ import annotations

from pathlib import Path

from flows.diagram import document, mermaid
from flows.interview import MACHINE
from flows.method import Stage

DOC = Path(__file__).resolve().parents[2] / "docs" / "interview-flow.md"


def test_the_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == document(), (
        "run: python -m flows.diagram > docs/interview-flow.md"
    )


def test_the_diagram_shows_every_state_and_trigger_of_the_machine() -> None:
    drawn = mermaid()
    for stage in Stage:
        assert f'state "{stage.name}"' in drawn
    for trigger in MACHINE.events:
        assert f": {trigger}" in drawn
