"""The seven-step method as data: steps, knock-out criteria and rating factors.

Ids are part of the public contract (docs/answers-file.md); the wording may improve freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """States of the interview's state machine (one per method step, plus bookends)."""

    INTAKE = "intake"
    SIMPLIFY = "simplify"
    CANDIDATES = "candidates"
    KEEP_INHOUSE = "keep_inhouse"
    CANNOT_OUTSOURCE = "cannot_outsource"
    NOT_SHORT_TERM = "not_short_term"
    PRIORITISE = "prioritise"
    METRICS = "metrics"
    REPORT = "report"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def step_number(self) -> int | None:
        """1..7 for the method's steps, None for intake and the end states."""
        return STEP_NUMBERS.get(self)


METHOD_STAGES: tuple[Stage, ...] = (
    Stage.SIMPLIFY,
    Stage.CANDIDATES,
    Stage.KEEP_INHOUSE,
    Stage.CANNOT_OUTSOURCE,
    Stage.NOT_SHORT_TERM,
    Stage.PRIORITISE,
    Stage.METRICS,
)
STEP_NUMBERS: dict[Stage, int] = {stage: i for i, stage in enumerate(METHOD_STAGES, start=1)}
# The linear path the interview walks; `back` walks it the other way.
INTERVIEW_PATH: tuple[Stage, ...] = (Stage.INTAKE, *METHOD_STAGES, Stage.REPORT)
ACTIVE_STAGES: frozenset[Stage] = frozenset(INTERVIEW_PATH)


@dataclass(frozen=True)
class StepInfo:
    stage: Stage
    title: str
    summary: str


STEPS: dict[Stage, StepInfo] = {
    Stage.SIMPLIFY: StepInfo(
        Stage.SIMPLIFY,
        "List and simplify",
        "List every marketing process you run, then simplify and merge duplicates first.",
    ),
    Stage.CANDIDATES: StepInfo(
        Stage.CANDIDATES,
        "Mark the candidates",
        "Mark which processes could be outsourced; compare with what similar organisations outsource.",
    ),
    Stage.KEEP_INHOUSE: StepInfo(
        Stage.KEEP_INHOUSE,
        "Keep in-house",
        "Cross out what should stay in-house.",
    ),
    Stage.CANNOT_OUTSOURCE: StepInfo(
        Stage.CANNOT_OUTSOURCE,
        "Cannot be outsourced",
        "Remove what cannot be outsourced at all.",
    ),
    Stage.NOT_SHORT_TERM: StepInfo(
        Stage.NOT_SHORT_TERM,
        "Not now",
        "Remove what is unfit for short-term outsourcing (revisit these later).",
    ),
    Stage.PRIORITISE: StepInfo(
        Stage.PRIORITISE,
        "Prioritise",
        "Record the service level you have today, rate each remaining candidate, and rank them.",
    ),
    Stage.METRICS: StepInfo(
        Stage.METRICS,
        "Metrics",
        "For each shortlisted task: metrics with a baseline, an SLA target and an early-warning threshold.",
    ),
}


@dataclass(frozen=True)
class Criterion:
    id: str
    stage: Stage
    label: str
    question: str
    help: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "competitive_advantage",
        Stage.KEEP_INHOUSE,
        "gives a competitive advantage",
        "Which of these give you a competitive advantage?",
        "Work that sets you apart from competitors is part of what customers buy from you. "
        "Handing it to a vendor who also serves your rivals gives that edge away.",
    ),
    Criterion(
        "no_equal_performance",
        Stage.KEEP_INHOUSE,
        "no outsider can match it",
        "Which of these could no outside party perform as well as you do?",
        "If no agency or freelancer could do it with equal quality, outsourcing would make it worse.",
    ),
    Criterion(
        "low_benefit",
        Stage.KEEP_INHOUSE,
        "too little benefit",
        "Which of these are too small to be worth outsourcing?",
        "Finding, briefing and managing a vendor costs time. Tiny or rare tasks bring very few benefits.",
    ),
    Criterion(
        "solid_authorization",
        Stage.CANNOT_OUTSOURCE,
        "needs solid authorisation",
        "Which of these need solid authorisation, such as legal or regulatory sign-off?",
        "Decisions that need legal, regulatory or executive sign-off cannot be delegated to an outsider.",
    ),
    Criterion(
        "internal_politics",
        Stage.CANNOT_OUTSOURCE,
        "tied up with internal politics",
        "Which of these are tied up with internal politics and emotions?",
        "Work that depends on navigating people, history and feelings inside the company needs an insider.",
    ),
    Criterion(
        "ensures_fulfillment",
        Stage.CANNOT_OUTSOURCE,
        "ensures fulfilment",
        "Which of these are what makes sure you deliver to customers (fulfilment)?",
        "If the process is what guarantees that orders and promises are fulfilled, you must keep control of it.",
    ),
    Criterion(
        "face_to_face",
        Stage.CANNOT_OUTSOURCE,
        "regular face-to-face customer contact",
        "Which of these need regular face-to-face or on-site contact with customers?",
        "Customers expect to meet your own people for this; a vendor in between would hurt the relationship.",
    ),
    Criterion(
        "in_progress",
        Stage.NOT_SHORT_TERM,
        "still in progress",
        "Which of these are in the middle of a change or project right now?",
        "Handing over something that is half-way through a change loses knowledge. Finish it, then revisit.",
    ),
    Criterion(
        "undecided_roadmap",
        Stage.NOT_SHORT_TERM,
        "undecided roadmap",
        "Which of these have a roadmap that is not decided yet?",
        "A vendor needs a clear brief. If you do not know where the work is going, decide that first.",
    ),
    Criterion(
        "high_jeopardy",
        Stage.NOT_SHORT_TERM,
        "in high jeopardy",
        "Which of these are in high jeopardy (a failure now would hurt badly)?",
        "When the stakes are very high right now, a hand-over adds risk at the worst time.",
    ),
    Criterion(
        "specific_expertise",
        Stage.NOT_SHORT_TERM,
        "needs extremely specific expertise",
        "Which of these need extremely specific technical or business-domain expertise?",
        "Vendors with very niche know-how are hard to find quickly; plan a longer search instead.",
    ),
    Criterion(
        "contractual_duties",
        Stage.NOT_SHORT_TERM,
        "contractual duties",
        "Which of these are bound by contractual duties (to customers, partners or staff)?",
        "Existing contracts may forbid or complicate a hand-over until they end or are renegotiated.",
    ),
)
CRITERIA_BY_ID: dict[str, Criterion] = {c.id: c for c in CRITERIA}
KNOCKOUT_STAGES: tuple[Stage, ...] = (Stage.KEEP_INHOUSE, Stage.CANNOT_OUTSOURCE, Stage.NOT_SHORT_TERM)


def criteria_for(stage: Stage) -> tuple[Criterion, ...]:
    return tuple(c for c in CRITERIA if c.stage is stage)


NOT_CANDIDATE = "not_candidate"
REASON_LABELS: dict[str, str] = {c.id: c.label for c in CRITERIA} | {NOT_CANDIDATE: "not a candidate"}


@dataclass(frozen=True)
class Factor:
    """A rating factor. `id` is what files, JSON and commands use; `label` is its one name wherever people read
    (questions, Slack, reports, CSV headers), and commands take it too."""

    id: str
    label: str
    question: str
    direction: str  # "+" raises priority, "-" lowers it
    help: str
    low: str  # a low rating, in words: "low risk"
    high: str  # a high rating, in words: "high risk"
    why: str  # why the default direction: "keep what matters most close"


FACTORS: tuple[Factor, ...] = (
    Factor(
        "risk",
        "risk",
        "How risky is handing it over? (1 low, 5 high)",
        "-",
        "Data access, brand damage, lock-in, a vendor failing.",
        "low risk",
        "high risk",
        "a risky hand-over can wait",
    ),
    Factor(
        "consequences",
        "cost of not outsourcing",
        "What happens if you do NOT outsource it? (1 nothing, 5 serious)",
        "+",
        "Missed growth, overloaded staff, slow delivery.",
        "low cost of not outsourcing",
        "high cost of not outsourcing",
        "keeping it costs you",
    ),
    Factor(
        "tech_complexity",
        "technical complexity",
        "How complicated is the technology? (1 simple, 5 very)",
        "-",
        "Integrations, access to systems, tooling a vendor must learn.",
        "low technical complexity",
        "high technical complexity",
        "a vendor has more to learn",
    ),
    Factor(
        "importance",
        "importance",
        "How important is it to operations, competitiveness and strategy? (1 low, 5 critical)",
        "-",
        "To operations, competitiveness and strategy. Critical work is riskier to hand over.",
        "low importance",
        "high importance",
        "keep what matters most close",
    ),
    Factor(
        "benefits",
        "benefits",
        "How much would outsourcing it help? (1 little, 5 a lot)",
        "+",
        "Cost, speed, quality, access to skills, freed-up time.",
        "small benefits",
        "big benefits",
        "outsourcing pays off",
    ),
    Factor(
        "vendor_expertise",
        "vendor domain expertise needed",
        "How much knowledge of your market must a vendor bring? (1 none, 5 deep)",
        "-",
        "How well a vendor must know your market. Rare expertise is harder to buy.",
        "little vendor domain expertise needed",
        "much vendor domain expertise needed",
        "rare expertise is hard to buy",
    ),
)
FACTOR_IDS: tuple[str, ...] = tuple(f.id for f in FACTORS)
FACTORS_BY_ID: dict[str, Factor] = {f.id: f for f in FACTORS}
DEFAULT_WEIGHTS: dict[str, float] = dict.fromkeys(FACTOR_IDS, 1.0)
DEFAULT_DIRECTIONS: dict[str, str] = {f.id: f.direction for f in FACTORS}
RATING_MIN, RATING_MAX = 1, 5


def counts(factor: str, direction: str) -> str:
    """Which way a factor counts, in words: 'counts against outsourcing: keep what matters most close', or,
    for a direction turned around in this review, 'counts for outsourcing (turned around for this review)'."""
    way = "for" if direction == "+" else "against"
    known = FACTORS_BY_ID[factor]
    if direction == known.direction:
        return f"counts {way} outsourcing: {known.why}"
    return f"counts {way} outsourcing (turned around for this review)"


def factor_names(text: str) -> str:
    """`text` (case-folded) with every factor's name turned into its id, so commands take either:
    'weights cost of not outsourcing 2' reads as 'weights consequences 2'."""
    text = text.casefold()
    for factor in sorted(FACTORS, key=lambda f: -len(f.label)):
        if factor.label != factor.id:
            text = text.replace(factor.label, factor.id)
    return text
