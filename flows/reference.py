"""Published figures for step 2 (what peers outsource) and step 7 (metrics per task type).

Other people's surveys, always shown with source, year and sample size; never our own findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DATED_AFTER_YEARS = 5


@dataclass(frozen=True)
class PeerFigure:
    source: str
    year: int | None
    sample: str
    finding: str
    organisations: tuple[str, ...]  # organisation keys it speaks for

    def cite(self, this_year: int) -> str:
        year = str(self.year) if self.year else "year not stated"
        dated = self.year is not None and this_year - self.year > DATED_AFTER_YEARS
        mark = "; dated" if dated else ""
        return f"{self.finding} ({self.source}, {year}, {self.sample}{mark})."


ORGANISATIONS: dict[str, str] = {
    "small_business": "Small business",
    "nonprofit": "Nonprofit",
    "ecommerce": "Online shop (B2C product)",
    "b2c_services": "B2C services",
    "b2b_product": "B2B product",
    "b2b_services": "B2B services",
    "enterprise": "Large company (1,000+ staff)",
}

PEER_FIGURES: tuple[PeerFigure, ...] = (
    PeerFigure(
        "Constant Contact via MediaPost",
        2013,
        "1,305 small US firms",
        "Outsourced: TV/radio ads 40%, SEO 35%, banners 23%, website 22%, print 20%, email and social 3%; "
        "most wanted outsourced: SEO 50%",
        ("small_business", "nonprofit", "ecommerce"),
    ),
    PeerFigure(
        "SEMPO / Econsultancy",
        2011,
        "900 people",
        "Fewer do it all in-house: SEO 51% to 44%, paid search 47% to 38%, social 62% to 55%",
        ("ecommerce", "b2c_services", "b2b_product", "b2b_services", "enterprise"),
    ),
    PeerFigure(
        "Econsultancy / NetBooster",
        None,
        "500+ people",
        "Kept in-house: social 69%, SEO 52%, paid search 42%; paid search is the most fully outsourced, by 28%",
        ("ecommerce", "b2c_services", "b2b_product", "b2b_services", "enterprise"),
    ),
    PeerFigure(
        "Content Marketing Institute",
        2022,
        "B2B marketers",
        "About half outsource some content (75% at firms of 1,000+); the top difficulty is partners who know the "
        "topic, for 65%",
        ("b2b_product", "b2b_services", "enterprise"),
    ),
    PeerFigure(
        "Semrush",
        2021,
        "700+ people",
        "Writing: 51% keep it in-house, 37% mix, 12% outsource it all; about 1 in 10 who outsourced stopped",
        ("small_business", "ecommerce", "b2c_services", "b2b_product", "b2b_services", "enterprise"),
    ),
    PeerFigure(
        "The CMO Survey",
        None,
        "US marketing leaders",
        "Outsource some marketing: B2C services 88%, B2C product 80%, B2B product 75%, B2B services 66%",
        ("ecommerce", "b2c_services", "b2b_product", "b2b_services", "enterprise"),
    ),
    PeerFigure(
        "ANA",
        2018,
        "ANA members",
        "78% have an in-house agency (42% in 2008): creative and social work is moving in-house",
        ("enterprise", "b2c_services", "ecommerce"),
    ),
)


def peer_figures(organisation: str | None) -> list[PeerFigure]:
    """Figures that speak for this kind of organisation; all of them when it is not known."""
    if not organisation:
        return list(PEER_FIGURES)
    return [f for f in PEER_FIGURES if organisation in f.organisations]


@dataclass(frozen=True)
class MetricSuggestion:
    task_type: str
    metrics: tuple[str, ...]
    reference: str
    keywords: tuple[str, ...]


METRIC_SUGGESTIONS: tuple[MetricSuggestion, ...] = (
    MetricSuggestion(
        "paid search (PPC)",
        ("click-through rate", "cost per click", "conversion rate", "cost per lead", "return on ad spend"),
        "WordStream (2020, 20k accounts): average search CTR 3.52%; cost per lead from $26.84 (arts) to "
        "$131.63 (legal).",
        ("ppc", "paid search", "google ads", "adwords", "sem", "search ads", "paid ads", "bing ads"),
    ),
    MetricSuggestion(
        "email",
        ("open rate", "click rate", "bounce rate", "unsubscribe rate"),
        "Mailchimp benchmarks (Oct 2019): open 22.71%, click 2.91%, hard bounce 0.40%, unsubscribe 0.25%.",
        ("email", "newsletter", "mailing", "e-mail", "drip"),
    ),
    MetricSuggestion(
        "SEO",
        ("organic clicks", "impressions", "organic CTR", "average position", "organic conversions"),
        "Results lag by months: set the baseline over a quarter.",
        ("seo", "search engine", "organic", "keyword", "backlink", "link building"),
    ),
    MetricSuggestion(
        "web design and development",
        ("LCP at p75 (s)", "INP at p75 (ms)", "CLS at p75", "uptime %", "milestones on time %"),
        "web.dev Core Web Vitals thresholds: LCP ≤ 2.5 s, INP ≤ 200 ms, CLS ≤ 0.1 at the 75th percentile.",
        ("website", "web design", "web development", "landing page", "site", "shop theme", "wordpress"),
    ),
    MetricSuggestion(
        "social media and community",
        ("response rate %", "first-response time (h)"),
        "Sprout Social (2016): customers expect a reply in about 4 h; brands averaged about 10 h.",
        ("social", "community", "instagram", "facebook", "tiktok", "linkedin", "twitter", "influencer"),
    ),
    MetricSuggestion(
        "content, design, video",
        (
            "on-time delivery %",
            "brief-to-draft turnaround (days)",
            "revision rounds",
            "first-pass acceptance %",
        ),
        "Keep editorial metrics (delivery, quality) apart from business ones (leads, cost per lead).",
        ("blog", "content", "copy", "writing", "article", "design", "video", "photo", "graphic", "banner"),
    ),
)
VENDOR_RELATIONSHIP = MetricSuggestion(
    "the vendor relationship",
    ("response time by priority (h)", "reporting cadence met %", "approval time (days)"),
    "Agency SLA practice: agree remedies for missed SLAs.",
    (),
)


# One pattern per task type: a word of the name starting with any of its keywords.
_KEYWORDS = tuple(
    (re.compile("|".join(rf"\b{re.escape(keyword)}" for keyword in suggestion.keywords)), suggestion)
    for suggestion in METRIC_SUGGESTIONS
)


def suggest_metrics(process: str) -> MetricSuggestion:
    """The task type a process name most likely belongs to; the vendor relationship when none fits."""
    words = process.casefold()
    for pattern, suggestion in _KEYWORDS:
        if pattern.search(words):
            return suggestion
    return VENDOR_RELATIONSHIP
