"""The question keys: the one place that knows how a key is written.

Answers are stored under these strings, so their format never changes:

- a plain question: `intake.title`, `simplify.processes`, `candidates`, `prioritise.weights`, ...
- a question about one process: `prioritise.rate:Blog writing` (the name as typed, whatever it holds);
- a knock-out question: `keep_inhouse:competitive_advantage` (a stage and one of its criteria);
- a yes/no follow-up to a pick question, for a process that came into play later: `candidates@Blog writing`,
  `keep_inhouse:competitive_advantage@Blog writing`;
- an edition of a pick question as shown (its options numbered one way): `candidates#1a2b3c4d5e`.

Pick keys (`candidates`, knock-outs) never hold an `@` or a `#` of their own, so a follow-up's process and an
edition's digest are unambiguous; a process name may hold anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.method import CRITERIA, KNOCKOUT_STAGES, Stage

TITLE = "intake.title"
ORGANISATION = "intake.organisation"
PROCESSES = "simplify.processes"
MERGE = "simplify.merge"
EXPLICIT_MERGES = "simplify.merges"
CANDIDATES = "candidates"
WEIGHTS = "prioritise.weights"
SERVICE_LEVEL = "prioritise.service_level"
RATE = "prioritise.rate"
METRICS = "metrics"
CHECKIN = "checkin"  # kept beside the interview's answers: a process's check-ins
REPORT_LINKS = "meta.report_links"  # how many times the facilitator has withdrawn the report's web links

_STAGES = {
    "intake": Stage.INTAKE,
    "simplify": Stage.SIMPLIFY,
    "candidates": Stage.CANDIDATES,
    "prioritise": Stage.PRIORITISE,
    "metrics": Stage.METRICS,
    **{s.value: s for s in KNOCKOUT_STAGES},
}
_CRITERIA = {(c.stage.value, c.id) for c in CRITERIA}
_KNOCKOUTS = frozenset(s.value for s in KNOCKOUT_STAGES)


@dataclass(frozen=True)
class QuestionKey:
    """A question key taken apart: `name[:subject][@process][#digest]`.

    `subject` is a process (`prioritise.rate:Blog`) or a criterion (`keep_inhouse:low_benefit`); `process`
    names the process a follow-up asks about; `digest` the numbering of an edition. None means absent
    (an empty string is kept as written, so every key reads back unchanged)."""

    name: str
    subject: str | None = None
    process: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> QuestionKey:
        if _starts_pick(text, CANDIDATES):  # `candidates`, `candidates@...`, `candidates#...`
            return cls._pick(CANDIDATES, None, text)
        head, colon, rest = text.partition(":")
        if colon and head in _KNOCKOUTS:  # `keep_inhouse:criterion`, with `@...` or `#...`
            cut = min((i for i in (rest.find("@"), rest.find("#")) if i >= 0), default=len(rest))
            return cls._pick(head, rest[:cut], rest)
        return cls(head, rest) if colon else cls(text)

    @classmethod
    def _pick(cls, name: str, subject: str | None, text: str) -> QuestionKey:
        """A pick key (`name`, or `name:subject` when there is a subject) with what follows it in `text`."""
        own = subject if subject is not None else name
        tail = text[len(own) :]
        if tail.startswith("@"):
            return cls(name, subject, process=tail[1:])
        if tail.startswith("#"):
            return cls(name, subject, digest=tail[1:])
        return cls(name, subject)

    @classmethod
    def follow_up_of(cls, text: str) -> QuestionKey | None:
        """`text` parsed when it is a follow-up's key, else None (quick for the many keys that are not)."""
        if "@" not in text:
            return None
        parsed = cls.parse(text)
        return parsed if parsed.process is not None else None

    @staticmethod
    def subject_of(text: str, name: str) -> str | None:
        """The process of a per-process question `name` (`prioritise.rate`) that `text` keys, else None."""
        head = name + ":"
        return text[len(head) :] if text.startswith(head) else None

    def __str__(self) -> str:
        text = self.name
        if self.subject is not None:
            text += ":" + self.subject
        if self.process is not None:
            text += "@" + self.process
        if self.digest is not None:
            text += "#" + self.digest
        return text

    @property
    def question(self) -> QuestionKey:
        """The question itself: a pick question's edition without its digest (anything else as it is)."""
        return self.asked if self.digest is not None and self.asked.is_pick else self

    @property
    def asked(self) -> QuestionKey:
        """The pick question a follow-up follows up (itself when it is no follow-up)."""
        return QuestionKey(self.name, self.subject)

    @property
    def stage(self) -> Stage | None:
        """The stage whose question this is; None for keys kept beside the interview's (check-ins)."""
        return _STAGES.get(self.name.split(".", 1)[0])

    @property
    def is_pick(self) -> bool:
        """A question numbering the processes in play: step 2's and the knock-outs'."""
        return self.process is None and (
            (self.name == CANDIDATES and self.subject is None) or (self.name, self.subject) in _CRITERIA
        )

    @property
    def is_follow_up(self) -> bool:
        return self.process is not None


def _starts_pick(text: str, name: str) -> bool:
    return text == name or text.startswith((name + "@", name + "#"))


def key_for(name: str, subject: str | None = None, process: str | None = None) -> str:
    """The stored key of a question."""
    if process is None:  # most keys (a stage's walk makes two a process): `str` of a QuestionKey, written out
        return name if subject is None else f"{name}:{subject}"
    return str(QuestionKey(name, subject, process))


def prefix(name: str) -> str:
    """What every key of a per-process question starts with (`prioritise.rate:`)."""
    return key_for(name, "")


def knockout(stage: Stage, criterion: str) -> str:
    return key_for(stage.value, criterion)


def follow_up(pick_key: str, process: str) -> str:
    """The yes/no follow-up to the pick question `pick_key` about `process`."""
    asked = QuestionKey.parse(pick_key)
    return str(QuestionKey(asked.name, asked.subject, process=process))


def edition(pick_key: str, digest: str) -> str:
    parsed = QuestionKey.parse(pick_key)
    return str(QuestionKey(parsed.name, parsed.subject, digest=digest))


def is_edition_of(ref: str, key: str) -> bool:
    """Whether `ref` is an edition of the question `key` (its key and a digest)."""
    parsed = QuestionKey.parse(ref)
    return parsed.digest is not None and str(parsed.question) == key


def question_of(ref: str) -> str:
    """The key of the question `ref` names: a key, or a `Prompt.edition` (a pick's key and a digest)."""
    return str(QuestionKey.parse(ref).question)


def stage_of(text: str) -> Stage:
    """The stage of an interview question's key (KeyError for a key that is none)."""
    stage = QuestionKey.parse(text).stage
    if stage is None:
        raise KeyError(text)
    return stage


K_TITLE = TITLE
K_ORGANISATION = ORGANISATION
K_PROCESSES = PROCESSES
K_MERGE = prefix(MERGE)
K_EXPLICIT_MERGES = EXPLICIT_MERGES
K_CANDIDATES = CANDIDATES
K_WEIGHTS = WEIGHTS
K_SERVICE_LEVEL = prefix(SERVICE_LEVEL)
K_RATE = prefix(RATE)
K_METRICS = prefix(METRICS)
K_CHECKIN = prefix(CHECKIN)
K_REPORT_LINKS = REPORT_LINKS
