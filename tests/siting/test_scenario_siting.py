"""The scenario's siting stage passes the sites' options whole, checked through `planner run`.

Four towns on a line plus one partner standing at the far town: the plan must
list the partner, never open it as an own outlet, and price its tickets at the
partner's fee (an independent recomputation from the run folder's tables).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core.cost import CostCategory
from planner.scenario import build, spec_from_dict
from planner.scenario.stages import run_siting, siting_inputs
from planner.siting import SITING_MODELS, SitingPlan

FEE = 60.0


def _region(tmp: Path) -> tuple[Path, Path]:
    """Four towns, 0.3 / 2 / 4 degrees apart, and a partner at the last one."""
    towns = tmp / "towns.csv"
    towns.write_text(
        "id,name,lon,lat,population\n"
        "T0,Near,116.0,39.0,400000\n"
        "T1,Close,116.3,39.0,300000\n"
        "T2,Mid,118.0,39.0,200000\n"
        "T3,Far,120.0,39.0,20000\n"
    )
    partners = tmp / "partners.csv"
    partners.write_text(
        f"id,name,lon,lat,fee_per_ticket\nP0,Partner,120.0,39.0,{FEE}\n"
    )
    return towns, partners


def _scenario(tmp: Path, model: str) -> Path:
    towns, partners = _region(tmp)
    path = tmp / f"{model}.toml"
    path.write_text(
        f'name = "{model}"\nseed = 3\n'
        f'[region]\nkind = "file"\ndemand_file = "{towns}"\n'
        f'[outlets]\nexisting = ["T0"]\npartners_file = "{partners}"\n'
        f'[siting]\nmodel = "{model}"\np = 2\nradius_min = 120.0\n'
        '[run]\nstages = ["summary", "siting"]\n'
    )
    return path


@pytest.mark.parametrize("model", ["pmedian", "facility_location"])
def test_planner_run_lists_the_partner_and_never_opens_it(
    tmp_path: Path, model: str
) -> None:
    """`planner run` on four towns plus one partner: the partner serves the far town.

    The partner is in the plan's partner_idx and not among its open outlets,
    the far town's tickets are allocated to it, and the plan's outsourcing
    cost is the fee times those tickets, recomputed from the run folder.
    """
    out = tmp_path / "runs"
    result = CliRunner().invoke(
        app, ["run", str(_scenario(tmp_path, model)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    (folder,) = list((out / model).iterdir())
    plan = SitingPlan.load(folder / "siting")
    outlets = pd.read_parquet(folder / "siting_sites.parquet")
    assert "P0" not in set(outlets["id"].astype(str))  # not an own outlet
    partner = 4  # candidates: the four towns, then the partner file's row
    assert plan.partner_idx.tolist() == [partner]
    assert partner not in plan.open_idx.tolist()
    assert 0 in plan.open_idx.tolist()  # the existing outlet
    assert plan.assign_idx[3] == partner
    demand = pd.read_parquet(folder / "demand.parquet")
    far = float(demand["tickets_per_year"].to_numpy()[3])
    cost = plan.cost_breakdown()
    assert cost[CostCategory.OUTSOURCING] == pytest.approx(FEE * far)
    kpis = pd.read_parquet(folder / "kpis.parquet").set_index("kpi")["mean"]
    total = float(demand["tickets_per_year"].sum())
    assert kpis["siting_partner_share"] == pytest.approx(far / total)
    assert kpis["siting_open_outlets"] == len(plan.open_idx)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "siting" in manifest["stages_run"]


def test_stage_prices_fixed_and_closing_costs(tmp_path: Path) -> None:
    """The stage's options carry the outlets table's money to the plan.

    Facility location with a closing cost: the plan's facility cost is the
    fixed cost of its open own outlets plus the closing cost of the existing
    outlet if closed, computed here from the scenario's own numbers.
    """
    towns, partners = _region(tmp_path)
    spec = spec_from_dict(
        {
            "name": "money",
            "region": {"kind": "file", "demand_file": str(towns)},
            "outlets": {
                "existing": ["T0"],
                "partners_file": str(partners),
                "fixed_cost_per_year": 50_000.0,
                "closing_cost": 7_000.0,
            },
            "siting": {"model": "facility_location"},
        }
    )
    data = build(spec)
    x = siting_inputs(data)
    assert x.options.partners.tolist() == [4]
    assert x.options.closing_cost is not None
    plan = run_siting(data, x)
    kept = 0 in plan.open_idx.tolist()
    expect = 50_000.0 * len(plan.open_idx) + (0.0 if kept else 7_000.0)
    assert plan.cost_breakdown()[CostCategory.FACILITY] == pytest.approx(expect)
    # the model's objective is money: facility plus outsourcing plus travel cost
    served = plan.assign_idx >= 0
    travel = float(
        (
            x.weights
            * np.asarray(x.cost_per_ticket, float)[np.arange(4), plan.assign_idx]
        )[served].sum()
    )
    assert plan.objective == pytest.approx(
        plan.cost_breakdown().total + travel, rel=1e-5
    )


def test_schema_model_choices_come_from_the_registry() -> None:
    """Every registered model name is accepted by the schema; others are one-line errors."""
    from planner.core.errors import InputError

    for name in SITING_MODELS:
        spec = spec_from_dict({"name": "x", "siting": {"model": name}})
        assert spec.spec.siting.model == name
    with pytest.raises(InputError, match=r"siting\.model") as e:
        spec_from_dict({"name": "x", "siting": {"model": "p-median"}})
    assert "'pmedian'" in str(e.value)
    assert "\n" not in str(e.value)
