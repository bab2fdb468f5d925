"""What the review service needs from storage, as a Protocol; `storage.repository` implements it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import uuid4

from flows.method import Stage
from flows.model import AnswerRecord, Review


class VersionConflict(Exception):
    """The review changed since it was loaded; reload it and apply the answer again."""


class DuplicateDelivery(Exception):
    """The receipt given with a save was claimed before: this delivery was applied already (a retry)."""


THREAD = "$thread"  # an Outgoing argument filled at delivery with the review's thread (its kickoff's ts)


@dataclass(frozen=True)
class Outgoing:
    """A message for the transport to deliver once the save that caused it is committed: written in the SAME
    transaction as the answer (an outbox row), so an answer and what it shows are saved together or not at all.

    `method` and `args` are the call to make (a Slack Web API method and its JSON arguments, or a job the
    deliverer knows, such as rendering a report file); flows only carries them. Rows of one `lane` (a review's
    id) are delivered one at a time, in the order written. `pace` names what the deliverer paces (a channel).
    `effect` is what a delivery records afterwards (e.g. the kickoff's ts becomes the review's thread). `key`
    is unique: the deliverer puts it in the message, so a delivery that reached Slack is never sent twice.
    `question` is the edition of the question the message asks, if it asks one: the save that writes the row
    marks that question as posted (`Review.posted_question`), since the outbox will deliver it.
    """

    method: str
    args: Mapping[str, Any]
    team_id: str
    lane: str
    review_id: str | None = None
    enterprise_id: str | None = None
    pace: str | None = None
    effect: str | None = None
    key: str = field(default_factory=lambda: uuid4().hex)
    question: str | None = None


class ReviewStore(Protocol):
    def create(self, review: Review, outbox: Sequence[Outgoing] = ()) -> Review:
        """Save a new review, and `outbox` in the same transaction; returns it with `id` set and `version` 1.
        An Outgoing whose `review_id` (or `lane`) is "" is written with the new review's id."""
        ...

    def get(self, review_id: str, team_id: str | None = None) -> Review | None:
        """The review, or None (also None when `team_id` is given and the review belongs to another team)."""
        ...

    def find_by_thread(self, team_id: str, channel_id: str, thread_ts: str) -> Review | None: ...

    def save(
        self,
        review: Review,
        records: Sequence[AnswerRecord] = (),
        receipt: str | None = None,
        *,
        since: Review | None = None,
        outbox: Sequence[Outgoing] = (),
    ) -> Review:
        """Write the review, its new answer records and `outbox` in one transaction.

        `since`, when given, is the review as it was loaded (same id and version), before the changes: a store
        may then write only the answers that changed. Answers are replaced, never changed in place.

        Only succeeds when the stored version still equals `review.version`; then the version goes up by one
        (returned in the result). Raises VersionConflict otherwise, saving nothing.

        `receipt` (a delivery's key, e.g. a Slack event id) is claimed for the review's team in the same
        transaction: the answer and its receipt are saved together or not at all. Raises DuplicateDelivery,
        saving nothing, when the receipt was claimed before.
        """
        ...

    def mark_posted(self, review: Review, question: str | None, posted_at: datetime | None = None) -> Review:
        """Set only `posted_question` (and `posted_at`), when the stored version still equals `review.version` (then it goes up
        by one, so a save that read the review before cannot write the old mark back). Returns `review`
        with the mark and the new version; raises VersionConflict otherwise, writing nothing."""
        ...

    def list_reviews(
        self, team_id: str | None = None, limit: int = 50, state: Stage | None = None
    ) -> list[Review]:
        """Newest first; only those in `state` when given."""
        ...

    def history(self, review_id: str) -> list[AnswerRecord]:
        """Every answer given to the review, oldest first."""
        ...

    def shortlist_counts(self, team_id: str) -> dict[str, int]:
        """Across the team's finished reviews: how often each process name was shortlisted (counts only)."""
        ...

    def enqueue(self, outbox: Sequence[Outgoing]) -> None:
        """Write `outbox` on its own (messages no save causes: a refusal, a help text, a report asked for)."""
        ...

    def claim_receipt(self, team_id: str, key: str, outbox: Sequence[Outgoing] = ()) -> bool:
        """True the first time `key` is seen for the team, False on every repeat (retries, double clicks).
        `outbox` is written in the same transaction, only when the key is claimed."""
        ...
