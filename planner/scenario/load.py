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
    given
        The path as the user wrote it (for messages).
    """

    spec: ScenarioSpec
    path: Path | None
    resolved: dict[str, Any]
    chain: tuple[Path, ...] = ()
    given: str | None = None

    @property
    def source(self) -> str:
        """How messages name the scenario: its path as the user gave it."""
        if self.given:
            return self.given
        return str(self.path) if self.path else "scenario"

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
        spec = _validate(merged, self.source)
        return Scenario(
            spec=spec,
            path=self.path,
            resolved=merged,
            chain=self.chain,
            given=self.given,
        )


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


class _Toml:
    """A value shown as it is written in TOML (``true``, ``"x"``, ``[1, 2]``)."""

    def __init__(self, v: Any) -> None:
        self.v = v

    def __str__(self) -> str:
        return _toml_text(self.v)


def _toml_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_text(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_text(x)}" for k, x in v.items()) + "}"
    return str(v)


def _expected(err: Any) -> str | None:
    """What a pydantic error type expected, in the words of the messages."""
    t, ctx = err["type"], err.get("ctx") or {}
    bounds = {
        "greater_than_equal": ">= {ge}",
        "greater_than": "> {gt}",
        "less_than_equal": "<= {le}",
        "less_than": "< {lt}",
    }
    if t in bounds:
        bound = next(iter(ctx.values()), None)
        whole = isinstance(bound, int) and not isinstance(bound, bool)
        return ("an integer " if whole else "a number ") + bounds[t].format(**ctx)
    simple = {
        "finite_number": "a finite number",
        "int_type": "an integer",
        "int_parsing": "an integer",
        "int_from_float": "an integer",
        "float_type": "a number",
        "float_parsing": "a number",
        "bool_type": "true or false",
        "string_type": "a string in quotes",
        "list_type": "a list [...]",
        "dict_type": "a table",
        "model_type": "a table",
        "model_attributes_type": "a table",
    }
    if t in simple:
        return simple[t]
    if t == "literal_error":
        return f"one of {ctx.get('expected', '')}"
    if t == "string_too_short":
        return f"at least {ctx.get('min_length')} character(s)"
    if t == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if t == "too_short":
        return f"at least {ctx.get('min_length')} item(s)"
    return None


def _plain(v: Any) -> Any:
    """numpy scalars and tuples from Python callers as the plain values TOML gives."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    item = getattr(v, "item", None)
    if item is not None and type(v).__module__ == "numpy":
        return item()
    return v


def _validate(raw: dict[str, Any], source: str) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(_plain(raw))
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
        got = err.get("input")
        expected = _expected(err)
        if expected is not None:
            hint = None
            if err["type"] == "string_type" and not isinstance(got, dict | list):
                hint = f'write it in quotes: "{got}"'
            raise InputError(
                source=source,
                field=where,
                expected=expected,
                got=_Toml(got),
                hint=hint,
            ) from None
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if msg.startswith("must "):
            raise InputError(f"{where} {msg}", source=source) from None
        got_s = (
            ""
            if isinstance(got, dict) or "; got " in msg
            else f"; got {_toml_text(got)}"
        )
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
    return Scenario(
        spec=spec, path=p.resolve(), resolved=raw, chain=chain, given=str(p)
    )
