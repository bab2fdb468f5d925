"""Pictures of a review, drawn with matplotlib's Agg renderer to PNG bytes.

matplotlib is imported inside the functions, so importing this module (and starting the CLI or the Slack app)
stays fast; the first chart pays the import. Figures are built with `matplotlib.figure.Figure`, never pyplot:
no global state, safe in the Slack app's worker threads.

- the priority chart: benefits median (y) against risk median (x), one labelled point per shortlisted task,
  point size by score; the excluded tasks are listed, faded, beside it with the step that took them out.
- the metrics chart: one metric of one task across check-in periods, with its baseline, target and
  early-warning lines.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flows.method import RATING_MAX, RATING_MIN
from flows.report import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 100
MAX_LABEL = 32  # characters of a task name on the chart
MAX_EXCLUDED_SHOWN = 18

RISK_AXIS = "Risk of outsourcing (median rating: 1 low, 5 high)"
BENEFITS_AXIS = "Benefits of outsourcing (median rating: 1 low, 5 high)"
EXCLUDED_TITLE = "Left off the shortlist"

STABLE_COLOUR = "#1f6fb4"
FRAGILE_COLOUR = "#e07b00"
FADED = "#8a8a8a"


def _short(name: str, limit: int = MAX_LABEL) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


# ---------------------------------------------------------------- priority chart

# Where a point's label may go (offset in points, horizontal alignment), tried in this order.
LABEL_OFFSETS = [(10, 6), (10, -14), (-10, 6), (-10, -14), (0, 14), (0, -22), (10, 20), (10, -28)]


def _spread_labels(figure: Figure, labels: list[Annotation]) -> None:
    """Move each label to the first place (see LABEL_OFFSETS) where it overlaps no label placed before it."""
    if not labels:
        return
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    placed: list[Bbox] = []
    for label in labels:
        for dx, dy in LABEL_OFFSETS:
            label.xyann = (dx, dy)
            label.set_horizontalalignment("right" if dx < 0 else "center" if dx == 0 else "left")
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
        else:
            label.xyann = LABEL_OFFSETS[0]
            label.set_horizontalalignment("left")
            box = label.get_window_extent(renderer)
        placed.append(box)


def marker_size(score: float) -> float:
    """Marker area in points²: 60 at a score of 0, 660 at 100."""
    return 60 + 6 * max(0.0, min(100.0, score))


def priority_figure(report: Report) -> Figure:
    """The priority chart as a matplotlib Figure (its texts name every task, for tests and alt text)."""
    figure = _figure(10, 6)
    grid = figure.add_gridspec(1, 2, width_ratios=(3, 1))
    ax = figure.add_subplot(grid[0, 0])
    side = figure.add_subplot(grid[0, 1])

    low, high = RATING_MIN - 0.5, RATING_MAX + 0.5
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xticks(range(RATING_MIN, RATING_MAX + 1))
    ax.set_yticks(range(RATING_MIN, RATING_MAX + 1))
    ax.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    middle = (RATING_MIN + RATING_MAX) / 2
    if report.directions.get("risk", "-") == "-" and report.directions.get("benefits", "+") == "+":
        # the corner the score favours (a facilitator may have turned either factor's direction around)
        ax.axvspan(low, middle, ymin=0.5, ymax=1, color="#2e9e44", alpha=0.07, linewidth=0)
        ax.text(
            low + 0.1,
            high - 0.1,
            "outsource first: low risk, high benefit",
            fontsize=8,
            color="#2e7d32",
            va="top",
        )
    ax.set_xlabel(RISK_AXIS)
    ax.set_ylabel(BENEFITS_AXIS)
    title = report.review or "Outsource review"
    ax.set_title(f"Priority: {_short(title, 60)}", loc="left", fontsize=12, fontweight="bold")

    fragile_shown = stable_shown = False
    labels: list[Annotation] = []
    for task in report.shortlist:
        x, y = task.factors["risk"], task.factors["benefits"]
        fragile = task.stability is not None and not task.stability.stable
        colour = FRAGILE_COLOUR if fragile else STABLE_COLOUR
        legend = None
        if fragile and not fragile_shown:
            legend, fragile_shown = "fragile rank (see the report)", True
        elif not fragile and not stable_shown:
            legend, stable_shown = "stable rank", True
        ax.scatter(
            [x],
            [y],
            s=marker_size(task.score),
            color=colour,
            alpha=0.75,
            edgecolors="white",
            linewidths=1.2,
            zorder=3,
            label=legend,
        )
        labels.append(
            ax.annotate(
                f"{task.rank}. {_short(task.process)} ({task.score:.0f})",
                (x, y),
                xytext=LABEL_OFFSETS[0],
                textcoords="offset points",
                fontsize=8.5,
                zorder=4,
            )
        )
    _spread_labels(figure, labels)
    if not report.shortlist:
        ax.text(middle, middle, "No process made the shortlist", ha="center", va="center", color=FADED)
    if report.shortlist:
        ax.legend(
            loc="lower right",
            fontsize=8,
            markerscale=0.5,
            framealpha=0.8,
            title="point size: score",
            title_fontsize=8,
        )

    side.axis("off")
    side.set_title(EXCLUDED_TITLE, loc="left", fontsize=10, color=FADED)
    excluded = report.excluded
    lines = [f"{_short(e.process, 28)} (step {e.step})" for e in excluded[:MAX_EXCLUDED_SHOWN]]
    if len(excluded) > MAX_EXCLUDED_SHOWN:
        lines.append(f"… and {len(excluded) - MAX_EXCLUDED_SHOWN} more")
    if not lines:
        lines = ["none"]
    step = min(0.055, 0.95 / max(1, len(lines)))
    for i, line in enumerate(lines):
        side.text(
            0, 0.97 - i * step, line, transform=side.transAxes, fontsize=8.5, color=FADED, alpha=0.7, va="top"
        )
    return figure


def priority_chart(report: Report) -> bytes:
    """The priority chart as PNG bytes."""
    return png_bytes(priority_figure(report))


def priority_alt_text(report: Report) -> str:
    """What the chart shows, in words (Slack's alt text)."""
    points = "; ".join(
        f"{t.rank}. {t.process}: risk {t.factors['risk']:g}, benefits {t.factors['benefits']:g}, "
        f"score {t.score:.0f}"
        for t in report.shortlist[:20]
    )
    return f"Benefits against risk for the shortlist. {points}"[:1000]


# ---------------------------------------------------------------- metrics chart


def lower_is_better(baseline: float | None, target: float | None) -> bool:
    return baseline is not None and target is not None and target < baseline


def metrics_figure(
    task_name: str,
    metric_name: str,
    baseline: float | None,
    target: float | None,
    warn_at: float | None,
    periods: Sequence[tuple[str, float]],
) -> Figure:
    """One metric across check-in periods, with its baseline, target and warning lines."""
    figure = _figure(8, 4.5)
    ax = figure.add_subplot()
    labels = [p for p, _ in periods]
    values = [v for _, v in periods]
    xs = list(range(len(periods)))
    if baseline is not None:
        ax.axhline(baseline, color=FADED, linestyle="--", linewidth=1.2, label=f"baseline {baseline:g}")
    if target is not None:
        ax.axhline(target, color="#2e9e44", linestyle="-", linewidth=1.5, label=f"target {target:g}")
    if warn_at is not None:
        ax.axhline(warn_at, color="#c62828", linestyle=":", linewidth=1.5, label=f"warn at {warn_at:g}")
    ax.plot(xs, values, color=STABLE_COLOUR, marker="o", linewidth=2, zorder=3, label="actual")
    if warn_at is not None:
        worse = [
            (x, v)
            for x, v in zip(xs, values, strict=True)
            if (v > warn_at if lower_is_better(baseline, target) else v < warn_at)
        ]
        if worse:
            ax.scatter(
                [x for x, _ in worse],
                [v for _, v in worse],
                s=120,
                facecolors="none",
                edgecolors="#c62828",
                linewidths=2,
                zorder=4,
                label="worse than the warning",
            )
    for x, v in zip(xs, values, strict=True):
        ax.annotate(f"{v:g}", (x, v), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(xs, labels)
    if len(xs) == 1:
        ax.set_xlim(-0.5, 0.5)
    ax.set_xlabel("Check-in period")
    ax.set_ylabel(_short(metric_name, 60))
    ax.set_title(
        f"{_short(task_name, 40)}: {_short(metric_name, 50)}", loc="left", fontsize=11, fontweight="bold"
    )
    ax.grid(True, axis="y", color="#dddddd")
    ax.legend(loc="best", fontsize=8)
    return figure


def metrics_chart(
    task_name: str,
    metric_name: str,
    baseline: float | None,
    target: float | None,
    warn_at: float | None,
    periods: list[tuple[str, float]],
) -> bytes:
    """A task's metric across check-in periods as PNG bytes (meant for two or more periods)."""
    return png_bytes(metrics_figure(task_name, metric_name, baseline, target, warn_at, periods))
