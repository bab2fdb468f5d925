"""The pictures (issue 5, item 8): PNG files that open, with every task and axis labelled."""

from __future__ import annotations

import struct
import subprocess
import sys
from importlib import resources

import pytest

from bot import charts
from flows.answers import load_answers
from flows.decision import decide
from flows.report import Report


@pytest.fixture(scope="module")
def demo() -> Report:
    text = resources.files("bot").joinpath("data", "demo.yml").read_text(encoding="utf-8")
    return decide(load_answers(text, "demo.yml"))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG header; fails unless `data` starts like a PNG file."""
    assert data[:8] == charts.PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    assert data.endswith(b"IEND\xaeB`\x82")  # the closing chunk: the file is complete
    return int(width), int(height)


def figure_texts(figure) -> list[str]:  # type: ignore[no-untyped-def]
    found = [t.get_text() for t in figure.texts]
    for ax in figure.axes:
        found += [t.get_text() for t in ax.texts]  # annotations are texts too
        found += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title(), ax.get_title("left")]
        legend = ax.get_legend()
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()]
            found.append(legend.get_title().get_text())
    return found


def test_the_priority_chart_is_a_png_of_the_expected_size(demo: Report) -> None:
    data = charts.priority_chart(demo)
    assert png_size(data) == (10 * charts.DPI, 6 * charts.DPI)
    assert len(data) > 20_000  # points, labels and lines, not a blank canvas


def test_the_priority_chart_labels_every_task_and_both_axes(demo: Report) -> None:
    figure = charts.priority_figure(demo)
    texts = figure_texts(figure)
    joined = "\n".join(texts)
    for task in demo.shortlist:
        assert any(t.startswith(f"{task.rank}. {task.process} (") for t in texts), task.process
    assert charts.RISK_AXIS in texts and charts.BENEFITS_AXIS in texts
    assert f"Priority: {demo.review}" in texts
    # excluded tasks are there, faded, with their step
    assert charts.EXCLUDED_TITLE in texts
    for e in demo.excluded:
        shown = next(t for t in figure.axes[1].texts if t.get_text().startswith(e.process))
        assert shown.get_text() == f"{e.process} (step {e.step})"
        assert (shown.get_alpha() or 1) < 1
    assert "fragile rank (see the report)" in joined and "stable rank" in joined


def test_points_sit_at_the_medians_and_grow_with_the_score(demo: Report) -> None:
    figure = charts.priority_figure(demo)
    ax = figure.axes[0]
    points = [(tuple(c.get_offsets()[0]), c.get_sizes()[0]) for c in ax.collections]
    assert len(points) == len(demo.shortlist)
    for (xy, size), task in zip(points, demo.shortlist, strict=True):
        assert xy == (task.factors["risk"], task.factors["benefits"])
        assert size == charts.marker_size(task.score)
    sizes = [size for _, size in points]
    assert sizes == sorted(sizes, reverse=True)  # ranked by score, so sizes shrink down the list


def test_labels_on_the_same_spot_do_not_overlap(demo: Report) -> None:
    from dataclasses import replace

    crowded = replace(
        demo,
        shortlist=[replace(t, factors={**t.factors, "risk": 2.0, "benefits": 4.0}) for t in demo.shortlist],
    )
    figure = charts.priority_figure(crowded)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [t.get_window_extent(renderer) for t in figure.axes[0].texts if t.get_text()[:2][0].isdigit()]
    assert len(boxes) == len(demo.shortlist)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_an_empty_shortlist_still_draws(demo: Report) -> None:
    from dataclasses import replace

    empty = replace(demo, shortlist=[], sensitivity=[])
    figure = charts.priority_figure(empty)
    assert "No process made the shortlist" in figure_texts(figure)
    assert png_size(charts.png_bytes(figure))[0] == 1000


def test_many_excluded_tasks_are_summarised(demo: Report) -> None:
    from dataclasses import replace

    from flows.report import Exclusion

    many = replace(demo, excluded=[Exclusion(f"Task {i}", 3, ("low_benefit",)) for i in range(40)])
    texts = figure_texts(charts.priority_figure(many))
    assert f"… and {40 - charts.MAX_EXCLUDED_SHOWN} more" in texts


def test_the_metrics_chart_shows_the_lines_and_the_values() -> None:
    periods = [("2025-01", 8300.0), ("2025-02", 7700.0), ("2025-03", 9100.0)]
    args = ("SEO audits", "organic sessions per month", 8400.0, 10000.0, 7800.0, periods)
    data = charts.metrics_chart(*args)
    assert png_size(data) == (8 * charts.DPI, int(4.5 * charts.DPI))
    figure = charts.metrics_figure(*args)
    texts = figure_texts(figure)
    assert "SEO audits: organic sessions per month" in texts
    assert {"baseline 8400", "target 10000", "warn at 7800", "actual", "worse than the warning"} <= set(texts)
    assert {"8300", "7700", "9100"} <= set(texts)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-01", "2025-02", "2025-03"]
    assert ax.get_xlabel() == "Check-in period" and ax.get_ylabel() == "organic sessions per month"
    # the one period worse than the warning is circled
    (circled,) = [c for c in ax.collections if c.get_label() == "worse than the warning"]
    assert [tuple(p) for p in circled.get_offsets()] == [(1.0, 7700.0)]


def test_a_lower_is_better_metric_warns_above_the_threshold() -> None:
    periods = [("Jan", 14.0), ("Feb", 16.5), ("Mar", 12.5)]
    figure = charts.metrics_figure("Paid search ads", "cost per order (EUR)", 14.5, 12.0, 16.0, periods)
    (circled,) = [c for c in figure.axes[0].collections if c.get_label() == "worse than the warning"]
    assert [tuple(p) for p in circled.get_offsets()] == [(1.0, 16.5)]
    # no warning line, no circles; missing baseline and target are simply left out
    figure = charts.metrics_figure("T", "m", None, None, None, [("a", 1.0), ("b", 2.0)])
    assert set(figure_texts(figure)) >= {"actual", "T: m"}


def test_importing_the_cli_does_not_import_matplotlib() -> None:
    code = "import sys, bot.cli, bot.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_outsource_first_corner_follows_the_directions(demo: Report) -> None:
    from dataclasses import replace

    hint = "outsource first: low risk, high benefit"
    assert hint in figure_texts(charts.priority_figure(demo))
    turned = replace(demo, directions={**demo.directions, "risk": "+"})
    assert hint not in figure_texts(charts.priority_figure(turned))
