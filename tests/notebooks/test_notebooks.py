"""The notebooks in ``notebooks/`` run end to end on the embedded default data.

Each is executed top to bottom in a fresh kernel (nbclient) from its own
folder, as a reader would run it; any cell raising fails the test. The
notebooks are stored without outputs; this checks that too.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = [
    "siting_explorer.ipynb",
    "dispatch_day.ipynb",
    "parts_policy.ipynb",
    "whatif_sweep.ipynb",
]

pytestmark = pytest.mark.filterwarnings(
    # jupyter_client warns about its own platformdirs migration on import
    "ignore::DeprecationWarning:jupyter_client.*",
    "ignore::DeprecationWarning:jupyter_core.*",
)


def test_all_notebooks_listed() -> None:
    """Every notebook in notebooks/ is run by this module."""
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs(name: str) -> None:
    """No outputs or execution counts are committed."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], name
            assert cell.execution_count is None, name


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name: str) -> None:
    """The notebook runs top to bottom without an error."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") == "error"
    ]
    assert errors == []
