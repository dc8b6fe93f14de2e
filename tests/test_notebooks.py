"""Every notebook runs top to bottom in a Jupyter kernel that imports this checkout's package
(figures on the Agg backend, as in CI).

One kernel, started as Jupyter starts one, runs the notebooks one after another (they share an
xdist group, so one test process runs them all while the others take the rest of the suite);
before each notebook the kernel's namespace is emptied (``%reset -f``) and its
figures are closed, so a notebook that leans on a name it does not define itself fails as it
would in a fresh kernel. Starting a kernel and importing the scientific stack in it cost about
three seconds of CPU a notebook, most of the notebooks' share of the suite.

A notebook whose run has a size (draws, seed, years) keeps it in one code cell tagged
``parameters`` (the papermill convention). The test inserts a cell right after it that sets
smaller values (``SMALLER``), so the notebook runs every cell as a reader would, on fewer
draws; the committed notebook keeps its full sizes and its outputs."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# the values injected after each notebook's parameters cell
SMALLER = {
    "02-stochastic-projection.ipynb": {"DRAWS": 200},
    "03-early-warning.ipynb": {"DRAWS": 200},
    "04-contribution-rate-stress-test.ipynb": {"DRAWS": 100},   # solves, scenarios, safe shares: each runs the draws again
    "05-annual-budget.ipynb": {"DRAWS": 200},
    "06-province.ipynb": {"DRAWS": 100},
}


def inject(nb: nbformat.NotebookNode, values: dict) -> int:
    """Insert a cell setting ``values`` after the cell tagged ``parameters``; return its index.
    The parameters cell must exist once and assign every name given."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"expected one cell tagged 'parameters', found {len(tagged)}"
    source = nb.cells[tagged[0]].source
    missing = [name for name in values if name not in source]
    assert not missing, f"the parameters cell does not set {missing}"
    cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in values.items()),
                                     metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(tagged[0] + 1, cell)
    return tagged[0] + 1


# run first in the shared kernel before each notebook (a cell of its own, put before the notebook's);
# what is still alive after the reset (the modules the earlier notebooks imported, the kernel's
# own objects) is then frozen out of the garbage collector's sight (gc.freeze): every full
# collection during the next notebook walked all of it again, about a quarter of the kernel's CPU
RESET = ('get_ipython().run_line_magic("reset", "-f")\n'
         'import gc, sys\n'
         'if "matplotlib.pyplot" in sys.modules:\n'
         '    sys.modules["matplotlib.pyplot"].close("all")\n'
         'gc.collect()\n'
         'gc.freeze()\n'
         'del gc, sys')


def start_kernel():
    """A python3 kernel started as Jupyter starts one, in the notebooks' folder: it imports this
    checkout's package; figures go to the Agg backend as in CI (.ci/run sets MPLBACKEND=Agg):
    built and laid out, but not rendered to PNG outputs nobody reads here."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient.util import run_sync

    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    km = AsyncKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(env=env, cwd=str(NOTEBOOKS[0].parent))
    return km


@pytest.fixture(scope="module")
def kernel():
    """The kernel the notebooks run in (see the module docstring)."""
    from nbclient.util import run_sync

    holder = {"km": start_kernel()}
    yield holder
    run_sync(holder["km"].shutdown_kernel)(now=True)


def run(path: Path, values: dict, kernel: dict) -> nbformat.NotebookNode:
    """``path`` executed top to bottom after the reset cell, with ``values`` injected; a kernel
    that died in an earlier notebook is replaced first."""
    from nbclient.util import run_sync

    nb = nbformat.read(path, as_version=4)
    if values:
        inject(nb, values)
    nb.cells.insert(0, nbformat.v4.new_code_cell(RESET, metadata={"tags": ["injected-reset"]}))
    if not run_sync(kernel["km"].is_alive)():
        kernel["km"] = start_kernel()
    client = NotebookClient(nb, km=kernel["km"], timeout=600, kernel_name="python3")
    try:
        client.execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
    return nb


@pytest.mark.xdist_group("notebooks")   # one kernel for them all (see the module docstring)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, kernel):
    nb = run(path, SMALLER.get(path.name, {}), kernel)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip())


def test_the_smaller_sizes_go_right_after_the_parameters_cell():
    """The injected cell follows the parameters cell (so its values win); a notebook whose
    parameters cell lacks a name given is refused rather than silently run at full size."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy"),
        nbformat.v4.new_code_cell("DRAWS, SEED = 2000, 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(DRAWS * 2, SEED)")])
    assert inject(nb, {"DRAWS": 7}) == 2
    assert [c.source for c in nb.cells][1:3] == ["DRAWS, SEED = 2000, 1", "DRAWS = 7"]
    with pytest.raises(AssertionError, match=r"does not set \['YEARS'\]"):
        inject(nb, {"YEARS": 3})
    assert set(SMALLER) <= {p.name for p in NOTEBOOKS}


@pytest.mark.xdist_group("notebooks")
def test_a_notebook_sees_nothing_an_earlier_notebook_defined(kernel, tmp_path):
    """The reset before each notebook empties the shared kernel's namespace: a name the first
    notebook defined (and an import it made) is unknown to the next, as in a fresh kernel."""
    from nbclient.exceptions import CellExecutionError

    first, second = tmp_path / "first.ipynb", tmp_path / "second.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np\nLEFT = 1")]), first)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(LEFT)")]), second)
    run(first, {}, kernel)
    with pytest.raises(CellExecutionError, match="NameError"):
        run(second, {}, kernel)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("np.zeros(1)")]), second)
    with pytest.raises(CellExecutionError, match="NameError"):
        run(second, {}, kernel)
