"""``planner schema NAME``: the JSON Schema of each command's ``--json`` output.

Every ``--json`` document carries ``"schema": "planner.<name>/<version>"``;
the version changes only when a key is removed or changes meaning (new keys
may appear). Numbers that are not finite (a KPI with no value) are ``null``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from planner.cli.common import handle_errors
from planner.core.errors import InputError

__all__ = ["SCHEMAS", "register"]

_NUM = {"type": ["number", "null"]}
_STR_OR_NULL = {"type": ["string", "null"]}


def _doc(name: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"planner.{name}/1",
        "title": f"planner {name} --json",
        "type": "object",
        "properties": {"schema": {"const": f"planner.{name}/1"}, **props},
        "required": ["schema", *required],
    }


_KPI_ROW = {
    "type": "object",
    "properties": {
        "kpi": {"type": "string"},
        "mean": _NUM,
        "ci_low": _NUM,
        "ci_high": _NUM,
        "n_reps": {"type": ["integer", "null"], "minimum": 0},
        "unit": _STR_OR_NULL,
    },
    "required": ["kpi", "mean", "ci_low", "ci_high", "n_reps", "unit"],
}

_DIFF_ROW: dict[str, Any] = {
    "type": "object",
    "properties": {
        "kpi": {"type": "string"},
        "unit": _STR_OR_NULL,
        "a": _NUM,
        "b": _NUM,
        "diff": _NUM,
        "rel_diff": _NUM,
        "ci_low": _NUM,
        "ci_high": _NUM,
        "significant": {"type": "boolean"},
        "exact": {"type": "boolean"},
    },
    "required": ["kpi", "unit", "a", "b", "diff", "ci_low", "ci_high", "significant"],
}

#: name -> JSON Schema (draft 2020-12) of ``planner NAME --json``.
SCHEMAS: dict[str, dict[str, Any]] = {
    "runs": _doc(
        "runs",
        {
            "store": {"type": "string", "description": "the index file"},
            "runs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "run_id": {"type": "string"},
                        "kind": {"enum": ["run", "variant"]},
                        "scenario": {"type": "string"},
                        "sweep_id": _STR_OR_NULL,
                        "variant": _STR_OR_NULL,
                        "folder": {"type": "string"},
                        "started_utc": _STR_OR_NULL,
                        "seed": {"type": ["integer", "null"]},
                        "scenario_sha256": _STR_OR_NULL,
                        "params": {"type": "object"},
                    },
                    "required": [
                        "run_id",
                        "kind",
                        "scenario",
                        "sweep_id",
                        "variant",
                        "folder",
                        "started_utc",
                        "seed",
                    ],
                },
            },
        },
        ["store", "runs"],
    ),
    "compare": _doc(
        "compare",
        {
            "baseline": {"type": "string", "description": "run id of A"},
            "runs": {
                "type": "array",
                "items": {"type": "string"},
                "description": "run ids compared with the baseline (B, or each "
                "variant of --sweep)",
            },
            "sweep_id": _STR_OR_NULL,
            "rows": {
                "type": "array",
                "items": {
                    **_DIFF_ROW,
                    "properties": {
                        **_DIFF_ROW["properties"],
                        "run_id": {"type": "string"},
                        "variant": _STR_OR_NULL,
                    },
                    "required": [*_DIFF_ROW["required"], "run_id"],
                },
            },
        },
        ["baseline", "runs", "sweep_id", "rows"],
    ),
    "validate": _doc(
        "validate",
        {
            "scenario": {"type": "string"},
            "ok": {"type": "boolean"},
            "error": _STR_OR_NULL,
            "stages": {"type": "array", "items": {"type": "string"}},
            "n_variants": {"type": "integer", "minimum": 0},
            "summary": {"type": ["object", "null"]},
        },
        ["scenario", "ok", "error", "stages", "n_variants", "summary"],
    ),
    "dispatch": _doc(
        "dispatch",
        {
            "out": {"type": "string", "description": "the plan folder written"},
            "date": {"type": "string", "format": "date"},
            "seed": {"type": "integer"},
            "status": {"type": "string"},
            "objective": _NUM,
            "all_urgent_served": {"type": "boolean"},
            "n_jobs": {"type": "integer", "minimum": 0},
            "n_served": {"type": "integer", "minimum": 0},
            "kpis": {"type": "object", "additionalProperties": _NUM},
            "cost": {"type": "object", "additionalProperties": _NUM},
            "unassigned_by_reason": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
            "solver": {"type": "object"},
        },
        [
            "out",
            "date",
            "seed",
            "status",
            "objective",
            "all_urgent_served",
            "n_jobs",
            "n_served",
            "kpis",
            "cost",
            "unassigned_by_reason",
        ],
    ),
    "simulate": _doc(
        "simulate",
        {
            "scenario": {"type": "string"},
            "run_id": {"type": "string"},
            "folder": {"type": "string"},
            "report": {"type": "string"},
            "seed": {"type": "integer"},
            "stages": {"type": "array", "items": {"type": "string"}},
            "kpis": {"type": "array", "items": _KPI_ROW},
        },
        ["scenario", "run_id", "folder", "report", "seed", "stages", "kpis"],
    ),
}


@handle_errors
def schema(
    name: Annotated[
        str,
        typer.Argument(help=f"One of {', '.join(SCHEMAS)}.", show_default=False),
    ],
) -> None:
    """Print the JSON Schema of `planner NAME --json` (draft 2020-12)."""
    if name not in SCHEMAS:
        raise InputError(field="NAME", expected=f"one of {list(SCHEMAS)}", got=name)
    print(json.dumps(SCHEMAS[name], indent=2))


def register(app: typer.Typer) -> None:
    """Add ``schema`` to ``app``."""
    app.command("schema")(schema)
