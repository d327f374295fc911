"""Reading the appliance catalogue: categories, fault types and parts."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from planner.core.catalog import (
    ArrivalProfile,
    Catalog,
    FaultType,
    Part,
    ProductCategory,
)
from planner.core.errors import InputError

__all__ = ["Catalog", "read_catalog"]

_FAULT_KEYS = {
    "name",
    "share",
    "skill",
    "repair_min",
    "remote_fix_rate",
    "parts",
    "diagnosis_prob",
    "rework_prob",
}
_ARRIVAL_KEYS = {"hour_of_day", "weekend_hour_of_day", "day_of_week"}


def _arrivals(
    raw: object, src: str, where: str, base: ArrivalProfile | None = None
) -> ArrivalProfile:
    """An ``[arrivals]`` table (over ``base``: keys it omits are inherited)."""
    base = base or ArrivalProfile.flat()
    if raw is None:
        return base
    if not isinstance(raw, dict) or set(raw) - _ARRIVAL_KEYS:
        raise InputError(
            source=src,
            location=where,
            expected=f"a table with keys among {sorted(_ARRIVAL_KEYS)}",
            got=sorted(raw) if isinstance(raw, dict) else raw,
        )
    try:
        return ArrivalProfile(
            hour_of_day=raw.get("hour_of_day", base.hour_of_day),
            day_of_week=raw.get("day_of_week", base.day_of_week),
            weekend_hour_of_day=raw.get(
                "weekend_hour_of_day", base.weekend_hour_of_day
            ),
        )
    except InputError as e:
        raise _err(e, src, where) from None


_PART_KEYS = {"name", "unit_cost", "lead_time_days"}


def _read(source: str) -> tuple[dict[str, Any], str]:
    if source.startswith("builtin:"):
        name = source.removeprefix("builtin:")
        ref = resources.files("planner.data") / f"{name}.toml"
        if not ref.is_file():
            raise InputError(
                field="demand.catalog",
                expected='"builtin:appliances" or a file',
                got=source,
            )
        return tomllib.loads(ref.read_text(encoding="utf-8")), f"{name}.toml (built in)"
    p = Path(source)
    if not p.is_file():
        raise InputError(
            field="demand.catalog", expected="an existing catalogue file", got=source
        )
    try:
        return tomllib.loads(p.read_text(encoding="utf-8")), str(p)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"malformed TOML ({e})", source=str(p)) from None


def _err(e: InputError, src: str, where: str) -> InputError:
    return InputError(
        e.detail,
        source=src,
        location=f"{where} {e.location or ''}".strip(),
        field=e.field,
        expected=e.expected,
        got=e.got,
        hint=e.hint,
    )


def read_catalog(source: str = "builtin:appliances") -> Catalog:
    """Read a catalogue TOML (``builtin:appliances`` is the embedded one).

    >>> cat = read_catalog()
    >>> cat.category_names[0], len(cat.parts) > 10
    ('air_conditioner', True)
    """
    raw, src = _read(source)
    unknown = set(raw) - {"categories", "parts", "arrivals"}
    if unknown:
        raise InputError(
            source=src,
            expected="only [categories], [parts] and [arrivals] tables",
            got=sorted(unknown),
        )
    shared = _arrivals(raw.get("arrivals"), src, "arrivals")
    parts: list[Part] = []
    for pid, p in (raw.get("parts") or {}).items():
        if not isinstance(p, dict) or set(p) - _PART_KEYS:
            raise InputError(
                source=src,
                location=f"parts.{pid}",
                expected=f"a table with keys {sorted(_PART_KEYS)}",
                got=p,
            )
        try:
            parts.append(
                Part(
                    id=pid,
                    name=str(p.get("name", pid)),
                    unit_cost=p.get("unit_cost", -1),
                    lead_time_days=p.get("lead_time_days", 3.0),
                )
            )
        except InputError as e:
            raise _err(e, src, f"parts.{pid}") from None
    part_ids = {p.id for p in parts}
    cats: list[ProductCategory] = []
    for cname, c in (raw.get("categories") or {}).items():
        where = f"categories.{cname}"
        if not isinstance(c, dict) or set(c) - {
            "failure_rate_per_1000",
            "seasonal",
            "faults",
            "arrivals",
        }:
            raise InputError(
                source=src,
                location=where,
                expected="keys failure_rate_per_1000, seasonal, faults, arrivals",
                got=sorted(c) if isinstance(c, dict) else c,
            )
        faults: list[FaultType] = []
        for i, f in enumerate(c.get("faults") or []):
            if not isinstance(f, dict) or set(f) - _FAULT_KEYS:
                raise InputError(
                    source=src,
                    location=f"{where}.faults[{i}]",
                    expected=f"keys {sorted(_FAULT_KEYS)}",
                    got=f,
                )
            for pid in f.get("parts") or {}:
                if pid not in part_ids:
                    raise InputError(
                        source=src,
                        location=f"{where}.faults[{i}].parts",
                        expected="a part listed in [parts]",
                        got=pid,
                    )
            try:
                faults.append(
                    FaultType(
                        name=str(f.get("name", f"fault{i}")),
                        share=f.get("share", -1),
                        skill=str(f.get("skill", "")),
                        repair_min=f.get("repair_min", -1),
                        remote_fix_rate=f.get("remote_fix_rate", 0.0),
                        parts=f.get("parts") or {},
                        diagnosis_prob=f.get("diagnosis_prob", 1.0),
                        rework_prob=f.get("rework_prob", 0.0),
                    )
                )
            except InputError as e:
                raise _err(e, src, f"{where}.faults[{i}]") from None
        try:
            cats.append(
                ProductCategory(
                    name=cname,
                    failure_rate_per_1000=c.get("failure_rate_per_1000", -1),
                    seasonal=np.asarray(c.get("seasonal", np.ones(12)), dtype=float),
                    faults=tuple(faults),
                    arrivals=_arrivals(
                        c.get("arrivals"), src, f"{where}.arrivals", shared
                    ),
                )
            )
        except InputError as e:
            raise _err(e, src, where) from None
    if not cats:
        raise InputError(
            source=src, field="categories", expected="at least one category", got="none"
        )
    return Catalog(categories=tuple(cats), parts=tuple(parts))
