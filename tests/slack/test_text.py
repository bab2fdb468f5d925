"""File names made from what people typed (report files, metric charts)."""

from bot.slack.text import slug


def test_a_slug_keeps_letters_and_digits_and_dashes_the_rest() -> None:
    assert slug("Q3 Review: Blog & SEO!", 40, "review") == "q3-review--blog---seo"
    assert slug("Ünïcode Tëam", 40, "review") == "ünïcode-tëam"


def test_a_slug_is_cut_to_its_limit_and_falls_back_when_nothing_is_left() -> None:
    assert slug("a" * 100, 40, "review") == "a" * 40
    assert slug("  ***  ", 40, "review") == "review"
    assert slug("", 60, "metric") == "metric"
