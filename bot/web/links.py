"""Signed, expiring, withdrawable links to a review's full report page.

A token is `<payload>.<signature>`, both base64url: the payload names the review, the review's link generation
(`flows.service.link_generation`; withdrawing the links moves it on, so every link made before stops working)
and the second it expires; the signature is an HMAC-SHA256 over the payload. Nothing is stored per link.

The key is REPORT_LINK_SECRET when set, else derived from SLACK_SIGNING_SECRET: a key of its own (never the
signing secret itself), so a report link cannot be turned into anything Slack would accept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from flows.model import Review, utcnow
from flows.service import link_generation

REPORT_PATH = "/report/"
_PURPOSE = b"outsource-review report link v1"


@dataclass(frozen=True)
class LinkClaim:
    """What a genuine, unexpired token says; the caller still checks the generation against the review."""

    review_id: str
    generation: int
    expires: int  # seconds since the epoch


def link_key(settings: Settings) -> bytes | None:
    """The key that signs report links, or None when neither secret is set (then no links are made)."""
    secret = settings.report_link_secret or settings.slack_signing_secret
    if not secret or not secret.strip():
        return None
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def make_token(key: bytes, review_id: str, generation: int, expires: int) -> str:
    payload = f"{review_id}:{generation}:{expires}".encode()
    return f"{_b64(payload)}.{_b64(_sign(key, payload))}"


def read_token(key: bytes, token: str, now: datetime | None = None) -> LinkClaim | None:
    """The claim of a token signed with `key` that has not expired at `now`; None for anything else."""
    payload_part, dot, signature_part = token.partition(".")
    if not dot:
        return None
    try:
        payload, signature = _unb64(payload_part), _unb64(signature_part)
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _sign(key, payload)):
        return None
    try:
        review_id, generation, expires = payload.decode("ascii").split(":")
        claim = LinkClaim(review_id, int(generation), int(expires))
    except ValueError:
        return None
    return claim if (now or utcnow()).timestamp() < claim.expires else None


def report_link(settings: Settings, review: Review, now: datetime | None = None) -> str | None:
    """The address of `review`'s report page, working for REPORT_LINK_DAYS from `now`; None without a
    PUBLIC_URL or a secret to sign with (callers then attach the Markdown report instead)."""
    key = link_key(settings)
    if not settings.public_url or key is None or not review.id:
        return None
    expires = (now or utcnow()) + timedelta(days=settings.report_link_days)
    token = make_token(key, review.id, link_generation(review), int(expires.timestamp()))
    return f"{settings.public_url}{REPORT_PATH}{token}"


def still_valid(claim: LinkClaim, review: Review) -> bool:
    """Whether a claim still holds for the review it names: the same review, its links not withdrawn since."""
    return claim.review_id == review.id and claim.generation == link_generation(review)


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """The bytes of exactly one encoding: a token with a character added, changed or dropped is refused (the
    decoder alone skips stray characters and ignores a last character's spare bits)."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(text) from exc
    if _b64(data) != text:
        raise ValueError(text)
    return data
