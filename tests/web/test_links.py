"""Report links: signed, expiring, withdrawable; made only where the bot has a public address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.web.links import link_key, make_token, read_token, report_link, still_valid
from flows.model import Review, utcnow
from flows.service import NotPermitted, Permission, ReviewService
from tests.support.report_pages import FACILITATOR, PUBLIC_URL, link_settings


def token_of(link: str | None) -> str:
    assert link is not None and link.startswith(PUBLIC_URL + "/report/")
    return link.rsplit("/", 1)[1]


def key() -> bytes:
    found = link_key(link_settings())
    assert found is not None
    return found


def test_a_link_names_its_review_until_it_expires(demo: Review) -> None:
    now = utcnow()
    claim = read_token(key(), token_of(report_link(link_settings(), demo, now)), now)
    assert claim is not None and claim.review_id == demo.id and still_valid(claim, demo)
    assert claim.expires == int((now + timedelta(days=30)).timestamp())
    assert read_token(
        key(), token_of(report_link(link_settings(), demo, now)), now + timedelta(days=29, hours=23)
    )
    assert (
        read_token(key(), token_of(report_link(link_settings(), demo, now)), now + timedelta(days=30)) is None
    )


def test_report_link_days_sets_the_lifetime(demo: Review) -> None:
    now = utcnow()
    token = token_of(report_link(link_settings(report_link_days=2), demo, now))
    assert read_token(key(), token, now + timedelta(days=1))
    assert read_token(key(), token, now + timedelta(days=2, seconds=1)) is None


def test_every_changed_character_breaks_the_signature(demo: Review) -> None:
    token = token_of(report_link(link_settings(), demo))
    for i, char in enumerate(token):
        for other in {"A", "_", "-", "."} - {char}:
            assert read_token(key(), token[:i] + other + token[i + 1 :]) is None, (i, other)
    assert read_token(key(), token + "A") is None
    assert read_token(key(), token[:-1]) is None
    assert read_token(key(), token.replace(".", "")) is None
    assert read_token(key(), "") is None and read_token(key(), "é.é") is None


def test_a_token_cannot_be_moved_to_another_review(demo: Review, hostile: Review) -> None:
    """The payload is signed: naming another review in it voids the signature; and a claim holds only for
    the review it names."""
    token = token_of(report_link(link_settings(), demo))
    _payload, signature = token.split(".")
    assert demo.id and hostile.id
    forged = make_token(b"another key", hostile.id, 0, 2**40).split(".")[0] + "." + signature
    assert read_token(key(), forged) is None
    claim = read_token(key(), token)
    assert claim is not None and not still_valid(claim, hostile)


def test_a_link_signed_with_another_secret_does_not_open(demo: Review) -> None:
    token = token_of(report_link(link_settings(slack_signing_secret="another secret"), demo))
    assert read_token(key(), token) is None


def test_report_link_secret_signs_instead_of_the_signing_secret(demo: Review) -> None:
    settings = link_settings(report_link_secret="links only")
    token = token_of(report_link(settings, demo))
    assert read_token(key(), token) is None
    own = link_key(settings)
    assert own is not None and read_token(own, token) is not None
    assert own != b"links only" and own != key()


def test_withdrawing_voids_the_links_made_before_and_only_those(service: ReviewService, demo: Review) -> None:
    assert demo.id
    before = token_of(report_link(link_settings(), demo))
    withdrawn = service.withdraw_report_links(demo.id, FACILITATOR)
    claim = read_token(key(), before)
    assert claim is not None and not still_valid(claim, service.load(demo.id))
    after = read_token(key(), token_of(report_link(link_settings(), withdrawn)))
    assert after is not None and still_valid(after, service.load(demo.id))
    assert service.full_report(service.load(demo.id)).shortlist  # the review itself is untouched


def test_only_the_facilitator_or_an_admin_withdraws(service: ReviewService, demo: Review) -> None:
    assert demo.id
    with pytest.raises(NotPermitted):
        service.withdraw_report_links(demo.id, "tom")
    service.withdraw_report_links(demo.id, "tom", permission=Permission.ADMIN)


@pytest.mark.parametrize(
    "changes",
    [{"public_url": None}, {"slack_signing_secret": None}, {"public_url": "  "}],
    ids=["no public url", "no secret", "blank public url"],
)
def test_no_link_without_a_public_url_and_a_secret(demo: Review, changes: dict[str, object]) -> None:
    assert report_link(link_settings(**changes), demo) is None


def test_public_url_is_an_https_address() -> None:
    assert link_settings(public_url="https://bot.example.com/").public_url == "https://bot.example.com"
    assert link_settings(public_url="http://127.0.0.1:3000").public_url == "http://127.0.0.1:3000"
    for bad in ("http://bot.example.com", "bot.example.com", "https://", "https://bot.example.com/?x=1"):
        with pytest.raises(ValueError, match=r"like https://bot\.example\.com"):
            link_settings(public_url=bad)
