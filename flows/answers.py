"""The answers file (docs/answers-file.md): parse, check and resolve names, or say exactly what is wrong."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from typing import Any

import yaml

from flows.decision import sift
from flows.method import (
    CRITERIA,
    FACTOR_IDS,
    KNOCKOUT_STAGES,
    RATING_MAX,
    RATING_MIN,
    Stage,
)
from flows.model import Merge, Metric, ReviewInput
from flows.prompts import metric_warning
from flows.reference import ORGANISATIONS
from flows.similarity import clean_name, dedupe, name_key

TOP_LEVEL_KEYS = (
    "title",
    "organisation",
    "processes",
    "merges",
    "candidates",
    *(s.value for s in KNOCKOUT_STAGES),
    "service_levels",
    "weights",
    "directions",
    "ratings",
    "metrics",
)


class AnswersError(ValueError):
    """Bad input: `str()` is one line naming the file, the place and the fix."""

    def __init__(self, source: str, place: str, problem: str, fix: str):
        self.source, self.place, self.problem, self.fix = source, place, problem, fix
        where = f"{source}: {place}: " if place else f"{source}: "
        super().__init__(f"{where}{problem}; {fix}")


# An answers file is a few levels deep (ratings › process › rater › factor) and at most some hundred thousand
# values. The limits refuse a "billion laughs" of YAML aliases (a few hundred bytes that expand to billions of
# values) and nesting that would exhaust Python's stack, before anything is built from them.
MAX_DEPTH = 50
MAX_VALUES = 2_000_000
TOO_DEEP = ("the data is nested too deeply", f"an answers file needs at most {MAX_DEPTH} levels")
TOO_BIG = (
    f"the data expands to more than {MAX_VALUES:,} values (through YAML anchors and aliases)",
    "write each value out, or use fewer aliases",
)


def load_answers(text: str, source: str = "answers") -> ReviewInput:
    """Parse JSON or YAML text into a checked ReviewInput.

    JSON is tried first: PyYAML reads YAML 1.1, which rejects valid JSON indented with tabs and reads
    exponent numbers such as `1e3` as strings.
    """
    try:
        try:
            data = json.loads(text)
        except ValueError:
            data = _load_yaml(text, source)
        return parse_answers(data, source)
    except RecursionError:
        raise AnswersError(source, "", *TOO_DEEP) from None


def _load_yaml(text: str, source: str) -> Any:
    """`yaml.safe_load`, refusing documents that nest too deeply or that aliases expand beyond MAX_VALUES."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, source)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "this is not valid YAML or JSON"
        raise AnswersError(source, place, str(problem), "check the quoting and indentation there") from None
    finally:
        loader.dispose()


def _check_size(root: yaml.Node, source: str) -> None:
    """Count the values `root` stands for once its aliases are expanded; each node is counted once (an alias
    is the node it names), so the count takes time in the size of the text, not of the expansion."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise AnswersError(source, "", *TOO_DEEP)
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        if total > MAX_VALUES:
            raise AnswersError(source, "", *TOO_BIG)
        sizes[id(node)] = total
        return total

    size(root, 0)


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.names: dict[str, str] = {}  # name key -> canonical name (after merges)

    def fail(self, place: str, problem: str, fix: str) -> AnswersError:
        return AnswersError(self.source, place, problem, fix)

    def mapping(self, value: Any, place: str, what: str) -> Mapping[Any, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(place, f"expected {what}, found {_kind(value)}", f"write it as `{what}`")
        return value

    def string_list(self, value: Any, place: str) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            raise self.fail(
                place, f"expected a list of names, found {_kind(value)}", "write `[Name, Other name]`"
            )
        return [_yaml_word(v) for v in value]

    def process(self, name: Any, place: str) -> str:
        key = name_key(str(name))
        if key not in self.names:
            raise self.fail(
                place,
                f"unknown process {str(name)!r}",
                "use a name from `processes` (letter case and surrounding spaces do not matter)",
            )
        return self.names[key]


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _number(check: _Checker, value: Any, place: str, fix: str) -> float:
    # A finite float: not NaN, not infinite, not an integer too large to become a float.
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= sys.float_info.max:
        raise check.fail(place, f"{value!r} is not a number", fix)
    return value


def parse_answers(data: Any, source: str = "answers") -> ReviewInput:
    check = _Checker(source)
    if not isinstance(data, Mapping):
        raise check.fail("", f"expected a mapping at the top, found {_kind(data)}", "start with `processes:`")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise check.fail(str(key), "unknown key", f"use one of: {', '.join(TOP_LEVEL_KEYS)}")

    listed = dedupe(check.string_list(data.get("processes") or [], "processes"))
    if not listed:
        raise check.fail(
            "processes", "the process list is empty", "list at least one process under `processes:`"
        )
    check.names = {name_key(p): p for p in listed}

    merges = _merges(check, data.get("merges"))
    for merge in merges:
        for src in merge.sources:
            check.names[name_key(src)] = merge.into

    candidates = None
    if data.get("candidates") is not None:
        candidates = dedupe(
            [check.process(c, "candidates") for c in check.string_list(data["candidates"], "candidates")]
        )

    knockouts: dict[Stage, dict[str, list[str]]] = {}
    for stage in KNOCKOUT_STAGES:
        valid = [c.id for c in CRITERIA if c.stage is stage]
        held: dict[str, list[str]] = {}
        for name, criteria in check.mapping(
            data.get(stage.value), stage.value, "process: [criteria]"
        ).items():
            process = check.process(name, f"{stage.value} › {name}")
            for criterion in check.string_list(criteria, f"{stage.value} › {name}"):
                if criterion not in valid:
                    raise check.fail(
                        f"{stage.value} › {name}",
                        f"unknown criterion {criterion!r}",
                        f"use one of: {', '.join(valid)}",
                    )
                if criterion not in held.setdefault(process, []):
                    held[process].append(criterion)
        # reasons in the method's order, as the interview records them
        knockouts[stage] = {p: sorted(reasons, key=valid.index) for p, reasons in held.items()}

    service_levels = {
        check.process(name, f"service_levels › {name}"): clean_name(str(level))
        for name, level in check.mapping(
            data.get("service_levels"), "service_levels", "process: text"
        ).items()
        if level is not None and str(level).strip()
    }
    weights = _weights(check, data.get("weights"))
    directions = _directions(check, data.get("directions"))
    metrics = _metrics(check, data.get("metrics"))

    result = ReviewInput(
        processes=listed,
        title=clean_name(str(data.get("title") or "")),
        organisation=_organisation(check, data.get("organisation")),
        merges=merges,
        candidates=candidates,
        knockouts=knockouts,
        service_levels=service_levels,
        weights=weights,
        directions=directions,
        weights_source="answers file" if weights else "default",
        metrics=metrics,
    )
    _, _, ranked = sift(result)
    result.ratings = _ratings(check, data.get("ratings"), ranked)
    return result


def _merges(check: _Checker, value: Any) -> list[Merge]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise check.fail("merges", f"expected a list, found {_kind(value)}", "write `- {into: A, from: [B]}`")
    by_target: dict[str, list[str]] = {}
    for i, item in enumerate(value, start=1):
        place = f"merges › item {i}"
        if not isinstance(item, Mapping) or "into" not in item or "from" not in item:
            raise check.fail(place, "a merge needs `into` and `from`", "write `{into: A, from: [B, C]}`")
        into = str(item["into"])
        if name_key(into) not in check.names:
            raise check.fail(
                place, f"cannot merge into {into!r}: it is not listed", "add it to `processes` first"
            )
        target = check.process(into, place)
        for src in check.string_list(item["from"], place):
            source = check.process(src, place)
            if source == target:
                continue
            if any(source in group for group in by_target.values()):
                raise check.fail(
                    place, f"{source!r} is merged twice", "merge each process into one other only"
                )
            by_target.setdefault(target, []).append(source)
    sources = {s for group in by_target.values() for s in group}
    for target in by_target:
        if target in sources:
            raise check.fail(
                "merges", f"{target!r} is merged away and merged into", "merge straight into one name"
            )
    return [Merge(into, tuple(srcs)) for into, srcs in by_target.items()]


def _weights(check: _Checker, value: Any) -> dict[str, float]:
    weights: dict[str, float] = {}
    for factor, weight in check.mapping(value, "weights", "factor: number").items():
        place = f"weights › {factor}"
        if factor not in FACTOR_IDS:
            raise check.fail(place, f"unknown factor {factor!r}", f"use one of: {', '.join(FACTOR_IDS)}")
        number = _number(check, weight, place, "use a number of 0 or more")
        if number < 0 or math.isinf(number):
            raise check.fail(place, f"weight {weight!r} is not allowed", "use a number of 0 or more")
        weights[factor] = float(number)
    if weights and sum(weights.get(f, 1.0) for f in FACTOR_IDS) == 0:
        raise check.fail("weights", "all weights are zero", "give at least one factor a weight above 0")
    return weights


def _directions(check: _Checker, value: Any) -> dict[str, str]:
    directions: dict[str, str] = {}
    for factor, direction in check.mapping(value, "directions", 'factor: "+" or "-"').items():
        place = f"directions › {factor}"
        if factor not in FACTOR_IDS:
            raise check.fail(place, f"unknown factor {factor!r}", f"use one of: {', '.join(FACTOR_IDS)}")
        text = str(direction).strip().replace("−", "-")
        if text not in ("+", "-"):
            raise check.fail(place, f"direction {direction!r} is not allowed", 'use "+" or "-" (in quotes)')
        directions[factor] = text
    return directions


def _metrics(check: _Checker, value: Any) -> dict[str, list[Metric]]:
    metrics: dict[str, list[Metric]] = {}
    for name, items in check.mapping(value, "metrics", "process: [metrics]").items():
        process = check.process(name, f"metrics › {name}")
        if not isinstance(items, list):
            raise check.fail(
                f"metrics › {name}", f"expected a list, found {_kind(items)}", "write `- {name: ...}`"
            )
        for i, item in enumerate(items, start=1):
            place = f"metrics › {name} › item {i}"
            if not isinstance(item, Mapping) or not str(item.get("name") or "").strip():
                raise check.fail(
                    place, "a metric needs a `name`", "write `{name: ..., baseline: ..., target: ...}`"
                )
            unknown = set(item) - {"name", "baseline", "target", "warn_at"}
            if unknown:
                raise check.fail(
                    place, f"unknown key {sorted(unknown)[0]!r}", "use name, baseline, target, warn_at"
                )
            numbers = {
                key: None
                if item.get(key) is None
                else _number(check, item[key], f"{place} › {key}", "use a number, or leave it out")
                for key in ("baseline", "target", "warn_at")
            }
            if numbers["baseline"] is None or numbers["target"] is None:
                raise check.fail(
                    place,
                    "a metric needs a baseline and a target",
                    "write `{name: ..., baseline: ..., target: ...}` (warn_at is optional)",
                )
            if numbers["warn_at"] is None:
                numbers["warn_at"] = metric_warning(numbers["baseline"], numbers["target"])
            metrics.setdefault(process, []).append(Metric(clean_name(str(item["name"])), **numbers))
    return metrics


def _organisation(check: _Checker, value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = str(value).strip()
    if key not in ORGANISATIONS:
        raise check.fail(
            "organisation", f"unknown organisation {key!r}", f"use one of: {', '.join(ORGANISATIONS)}"
        )
    return key


def _ratings(check: _Checker, value: Any, ranked: list[str]) -> dict[str, dict[str, dict[str, int]]]:
    ranked_keys = {name_key(p) for p in ranked}
    ratings: dict[str, dict[str, dict[str, int]]] = {}
    for name, raters in check.mapping(value, "ratings", "process: {rater: {factor: 1..5}}").items():
        process = check.process(name, f"ratings › {name}")
        if name_key(process) not in ranked_keys:
            continue  # ratings of an excluded process are ignored
        for rater, values in check.mapping(raters, f"ratings › {name}", "rater: {factor: 1..5}").items():
            place = f"ratings › {name} › {rater}"
            given = check.mapping(values, place, "factor: 1..5")
            for factor in given:
                if factor not in FACTOR_IDS:
                    raise check.fail(place, f"unknown factor {factor!r}", f"use: {', '.join(FACTOR_IDS)}")
            row: dict[str, int] = {}
            for factor in FACTOR_IDS:
                if factor not in given:
                    raise check.fail(place, f"{factor} is missing", "rate all six factors from 1 to 5")
                v = given[factor]
                if isinstance(v, bool) or not isinstance(v, int) or not RATING_MIN <= v <= RATING_MAX:
                    raise check.fail(
                        f"{place} › {factor}", f"{v!r} is not allowed", "use a whole number from 1 to 5"
                    )
                row[factor] = v
            ratings.setdefault(process, {})[str(rater)] = row
    for process in ranked:
        if process not in ratings:
            raise check.fail(
                f"ratings › {process}",
                f"{process!r} is a ranked candidate without ratings",
                "rate it, or exclude it at step 2-5",
            )
    return ratings


def _yaml_word(value: Any) -> str:
    """YAML reads an unquoted Yes/No as true/false; give such a name back as the team wrote it."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
