"""Scenario files: extends, paths, overrides, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.core.errors import InputError
from planner.scenario import load_scenario, spec_from_dict

REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_default_scenario_validates() -> None:
    """The shipped default scenario is valid and names the gazetteer region."""
    s = load_scenario(REPO / "scenarios" / "default.toml")
    assert s.spec.name == "default"
    assert s.spec.region.kind == "gazetteer"
    assert s.spec.region.country == "CN"


def test_extends_overrides_only_what_it_names(tmp_path: Path) -> None:
    """A what-if of a few lines keeps everything else from its base."""
    _write(
        tmp_path / "base.toml",
        """
name = "base"
seed = 7
[travel]
speed_kmh = 45
circuity = 1.25
[siting]
p = 30
""",
    )
    child = _write(
        tmp_path / "sub" / "child.toml",
        """
extends = "../base.toml"
name = "child"
[travel]
speed_kmh = 60
""",
    )
    s = load_scenario(child)
    assert s.spec.name == "child"
    assert s.spec.seed == 7
    assert s.spec.travel.speed_kmh == 60
    assert s.spec.travel.circuity == 1.25
    assert s.spec.siting.p == 30
    assert [p.name for p in s.chain] == ["child.toml", "base.toml"]


def test_paths_resolve_relative_to_the_file_naming_them(tmp_path: Path) -> None:
    """A path in the base stays relative to the base, even when extended from elsewhere."""
    _write(tmp_path / "data" / "towns.csv", "id,lon,lat,population\nA,1,2,3\n")
    _write(
        tmp_path / "base.toml",
        """
name = "base"
[region]
kind = "file"
demand_file = "data/towns.csv"
""",
    )
    child = _write(
        tmp_path / "other" / "deep" / "child.toml",
        'extends = "../../base.toml"\nname = "child"\n',
    )
    s = load_scenario(child)
    assert s.spec.region.demand_file == str((tmp_path / "data" / "towns.csv").resolve())


def test_with_overrides_revalidates() -> None:
    """Dotted overrides are validated again, not copied blindly."""
    s = spec_from_dict({"name": "x"})
    assert s.with_overrides({"travel.speed_kmh": 70}).spec.travel.speed_kmh == 70
    with pytest.raises(InputError, match=r"travel\.speed_kmh"):
        s.with_overrides({"travel.speed_kmh": -1})


def test_digest_is_stable_and_sensitive() -> None:
    """Same inputs give the same hash; a changed value changes it."""
    a = spec_from_dict({"name": "x", "seed": 1})
    b = spec_from_dict({"seed": 1, "name": "x"})
    c = spec_from_dict({"name": "x", "seed": 2})
    assert a.digest == b.digest
    assert a.digest != c.digest


def test_unknown_key_lists_allowed_keys(tmp_path: Path) -> None:
    """A typo names the allowed keys of its table."""
    bad = _write(tmp_path / "bad.toml", 'name = "x"\n[travel]\nsped_kmh = 3\n')
    with pytest.raises(InputError) as e:
        load_scenario(bad)
    msg = str(e.value)
    assert "bad.toml" in msg
    assert "travel.sped_kmh" in msg
    assert "speed_kmh" in msg
    assert "circuity" in msg
