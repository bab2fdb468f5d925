"""The interview: which question comes next, what a reply does, and the one shared state machine.

A review's state is one of `Stage`; the questions inside a stage are derived from the answers so far, so
`back`, revisions and restarts need nothing but the saved `Review`.

- `flows.keys`: the question keys (`QuestionKey`), the one place that knows how a key is written;
- `sifting`: what the answers add up to (the decision's input, what is in play at a stage);
- `plans`: which questions each stage asks, in what order;
- `machine`: the one shared transitions machine, and `move`, the one way to fire it;
- `editing`, `commands`, `replies`, `outcome`: what a reply does;
- `progress` (data) and `wording` (answers and progress put in words).

This module re-exports the names the rest of the code imports.
"""

from flows.interview.editing import commit, go_back
from flows.interview.machine import MACHINE, cancel, move, reopen, transitions_table
from flows.interview.outcome import Outcome
from flows.interview.plans import PLANS, current_prompt, process_options
from flows.interview.progress import Progress, progress
from flows.interview.replies import MAX_PROCESSES, REOPENED_HINT, apply_reply
from flows.interview.sifting import (
    InPlay,
    accepted_merges,
    build_report,
    explicit_merges,
    in_play,
    listed_processes,
    merge_suggestions,
    picked,
    review_input,
)
from flows.interview.wording import answered_questions, describe
from flows.keys import (
    K_CANDIDATES,
    K_EXPLICIT_MERGES,
    K_MERGE,
    K_METRICS,
    K_ORGANISATION,
    K_PROCESSES,
    K_RATE,
    K_SERVICE_LEVEL,
    K_TITLE,
    K_WEIGHTS,
    QuestionKey,
    question_of,
    stage_of,
)

__all__ = [
    "K_CANDIDATES",
    "K_EXPLICIT_MERGES",
    "K_MERGE",
    "K_METRICS",
    "K_ORGANISATION",
    "K_PROCESSES",
    "K_RATE",
    "K_SERVICE_LEVEL",
    "K_TITLE",
    "K_WEIGHTS",
    "MACHINE",
    "MAX_PROCESSES",
    "PLANS",
    "REOPENED_HINT",
    "InPlay",
    "Outcome",
    "Progress",
    "QuestionKey",
    "accepted_merges",
    "answered_questions",
    "apply_reply",
    "build_report",
    "cancel",
    "commit",
    "current_prompt",
    "describe",
    "explicit_merges",
    "go_back",
    "in_play",
    "listed_processes",
    "merge_suggestions",
    "move",
    "picked",
    "process_options",
    "progress",
    "question_of",
    "reopen",
    "review_input",
    "stage_of",
    "transitions_table",
]
