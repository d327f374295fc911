"""Reading scenario files: TOML, ``extends``, paths, validation.

``extends = "other.toml"`` bases a scenario on another: tables are merged key
by key (the extending file wins), lists and values are replaced whole. Paths
are resolved relative to the file that names them, before merging, so a
what-if in another folder can extend the default and keep its data paths.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.core.errors import InputError
from planner.scenario.schema import PATH_KEYS, ScenarioSpec

__all__ = ["Scenario", "load_scenario", "spec_from_dict"]

BUILTIN = "builtin:"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario: its spec, where it came from, and its merged inputs.

    Attributes
    ----------
    spec
        The validated scenario.
    path
        The file it was read from (``None`` if built in memory).
    resolved
        The merged TOML content after ``extends``, paths made absolute.
    chain
        The files read, the scenario's own first, then what it extends.
    """

    spec: ScenarioSpec
    path: Path | None
    resolved: dict[str, Any]
    chain: tuple[Path, ...] = ()

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def digest(self) -> str:
        """SHA-256 of the resolved inputs (stable across key order)."""
        blob = json.dumps(self.resolved, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new scenario with dotted-key ``overrides`` applied, validated again.

        >>> s = spec_from_dict({"name": "x"})
        >>> s.with_overrides({"siting.p": 12}).spec.siting.p
        12
        """
        merged = copy.deepcopy(self.resolved)
        for dotted, value in overrides.items():
            keys = dotted.split(".")
            node = merged
            for k in keys[:-1]:
                node = node.setdefault(k, {})
                if not isinstance(node, dict):
                    raise InputError(
                        field=dotted,
                        expected="a key inside a table",
                        got=type(node).__name__,
                    )
            node[keys[-1]] = value
        spec = _validate(merged, str(self.path) if self.path else "scenario")
        return Scenario(spec=spec, path=self.path, resolved=merged, chain=self.chain)


def _read_toml(path: Path, *, named_by: str | None) -> dict[str, Any]:
    where = f"{named_by}" if named_by else None
    if not path.exists():
        raise InputError(
            source=where,
            field="extends" if named_by else None,
            expected="an existing scenario file",
            got=str(path),
        )
    if path.is_dir():
        raise InputError(
            source=str(path), expected="a TOML file, not a folder", got="a folder"
        )
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"malformed TOML ({e})", source=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", source=str(path)) from None


def _resolve_paths(raw: dict[str, Any], base: Path, source: str) -> None:
    for keys in PATH_KEYS:
        node: Any = raw
        for k in keys[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if not isinstance(node, dict) or keys[-1] not in node:
            continue
        v = node[keys[-1]]
        if not isinstance(v, str):
            continue  # the schema reports the type
        if v.startswith(BUILTIN) or v == "":
            continue
        node[keys[-1]] = str((base / v).resolve())


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _load_chain(
    path: Path, seen: tuple[Path, ...], named_by: str | None
) -> tuple[dict[str, Any], tuple[Path, ...]]:
    path = path.resolve()
    if path in seen:
        cycle = " -> ".join(p.name for p in (*seen, path))
        raise InputError(
            source=str(seen[-1]),
            field="extends",
            expected="a chain of files without a cycle",
            got=cycle,
        )
    raw = _read_toml(path, named_by=named_by)
    _resolve_paths(raw, path.parent, str(path))
    chain = (*seen, path)
    parent = raw.get("extends")
    if parent is None:
        return raw, chain
    if not isinstance(parent, str) or not parent:
        raise InputError(
            source=str(path), field="extends", expected="a file name", got=parent
        )
    base_raw, full_chain = _load_chain((path.parent / parent), chain, str(path))
    merged = _merge(base_raw, raw)
    return merged, full_chain


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += (
            f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        )
    return out


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    model: Any = ScenarioSpec
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return []
        ann = fields[part].annotation
        model = ann
        if getattr(model, "__origin__", None) is dict:
            model = model.__args__[1]
            # the next part is a dict key, skip it
        if not hasattr(model, "model_fields"):
            return []
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields else []


def _validate(raw: dict[str, Any], source: str) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(raw)
    except ValidationError as e:
        err = e.errors(include_url=False)[0]
        loc = tuple(err["loc"])
        where = _format_loc(loc) or "scenario"
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc)
            raise InputError(
                source=source,
                location=where,
                expected=f"one of {allowed}" if allowed else "a known key",
                got=f"unknown key {loc[-1]!r}",
            ) from None
        if err["type"] == "missing":
            raise InputError(
                source=source,
                location=where,
                expected="a value",
                got="nothing (required key missing)",
            ) from None
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        got = err.get("input")
        got_s = "" if isinstance(got, dict) or "; got " in msg else f"; got {got!r}"
        raise InputError(f"{msg}{got_s}", source=source, location=where) from None


def spec_from_dict(raw: dict[str, Any], *, source: str = "scenario") -> Scenario:
    """Validate a scenario given as a dict (paths relative to the working folder)."""
    raw = copy.deepcopy(raw)
    _resolve_paths(raw, Path.cwd(), source)
    return Scenario(spec=_validate(raw, source), path=None, resolved=raw)


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises
    ------
    InputError
        Naming the file and the dotted key at fault.
    """
    p = Path(path)
    raw, chain = _load_chain(p, (), None)
    raw.pop("extends", None)
    spec = _validate(raw, str(p))
    return Scenario(spec=spec, path=p.resolve(), resolved=raw, chain=chain)
