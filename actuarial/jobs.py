"""Projection jobs: ``projections/<name>.yaml`` names an assumption set, the horizon and the
outputs. Paths in a job are relative to the job file. Outputs go to a folder beside the job
(``projections/<name>/``), which git ignores.

    name: example-city
    description: Baseline projection of both funds
    assumptions: ../assumptions/example-city
    years: 10
    outputs: [netcdf, csv]   # any of netcdf, zarr, csv
    draws: 1000        # optional: Monte Carlo draws along a `draw` dimension
    seed: 20241122     # optional: without it a run with draws picks one, prints it and records it

Each run writes into its own folder: ``--out DIR``, or ``projections/<name>/<name>-<UTC time>/``
(see :meth:`Job.run_folder`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .dims import MAX_HORIZON
from .errors import JobError, read_yaml, validate_mapping
from .policy.scenarios import Scenario


MAX_SEED = 2**63 - 1
MAX_YEARS = MAX_HORIZON
MAX_DRAWS = 1_000_000


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$",
                      description="job name (letters, digits, _ . -; not starting with a dot); also the output file stem")
    description: str = ""
    assumptions: str = Field(description="assumption folder, relative to the job file")
    years: int = Field(10, ge=0, le=MAX_HORIZON, description="projection horizon after the base year")
    outputs: list[Literal["netcdf", "zarr", "csv"]] = Field(
        default_factory=lambda: ["netcdf", "csv"],
        description="files to write: netcdf (one .nc file), zarr (a chunked .zarr store, for large runs), csv (summary and alerts)")
    draws: int | None = Field(None, ge=1, le=MAX_DRAWS, description="Monte Carlo draws; omit for the best estimate only")
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="seed of the random streams (with draws; "
                             "when absent a run picks one, prints it and records it)")
    keep_population: bool = Field(True, description="keep the population by single age for every draw (false: totals by status and sex only)")
    alerts: str | None = Field(None, description="warning-rules file, relative to the job; default: the package's default lines")
    scenarios: dict[str, Scenario] | None = Field(None, description="policy scenarios compared with the baseline")

    path: Path | None = Field(None, exclude=True)

    @property
    def assumption_path(self) -> Path:
        return (self.path.parent / self.assumptions).resolve() if self.path else Path(self.assumptions)

    @property
    def alerts_path(self) -> Path | None:
        if self.alerts is None:
            return None
        return (self.path.parent / self.alerts).resolve() if self.path else Path(self.alerts)

    @property
    def default_output_dir(self) -> Path:
        """The folder that holds this job's runs: ``<job folder>/<name>/``."""
        return self.path.parent / self.name if self.path else Path(self.name)

    def run_folder(self, when=None) -> Path:
        """A new folder for one run: ``<job folder>/<name>/<name>-<YYYYmmddTHHMMSSZ>``
        (``-2``, ``-3``, ... when a run of the same second exists)."""
        from datetime import datetime, timezone

        when = when or datetime.now(timezone.utc)
        stem = f"{self.name}-{when.strftime('%Y%m%dT%H%M%SZ')}"
        folder = self.default_output_dir / stem
        k = 2
        while folder.exists():
            folder = self.default_output_dir / f"{stem}-{k}"
            k += 1
        return folder


def load_job(path) -> Job:
    """Read and validate a job file; errors name the file and the field."""
    path = Path(path)
    job = validate_mapping(Job, read_yaml(path, JobError, "job file"), JobError, path,
                           ", ".join(k for k in Job.model_fields if k != "path"))
    job.path = path
    return job
