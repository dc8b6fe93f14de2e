"""Projection jobs: ``projections/<name>.yaml`` names an assumption set, the horizon and the
outputs. Paths in a job are relative to the job file. Outputs go to a folder beside the job
(``projections/<name>/``), which git ignores.

    name: example-city
    description: Baseline projection of both funds
    assumptions: ../assumptions/example-city
    years: 10
    outputs: [netcdf, csv]
    draws: 1000        # optional: Monte Carlo draws along a `draw` dimension
    seed: 20241122     # required with draws
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .dims import MAX_HORIZON
from .errors import JobError, read_yaml, validate_mapping
from .policy.scenarios import Scenario


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="job name; also the output file stem")
    description: str = ""
    assumptions: str = Field(description="assumption folder, relative to the job file")
    years: int = Field(10, ge=0, le=MAX_HORIZON, description="projection horizon after the base year")
    outputs: list[Literal["netcdf", "csv"]] = Field(default_factory=lambda: ["netcdf", "csv"])
    draws: int | None = Field(None, ge=1, le=1_000_000, description="Monte Carlo draws; omit for the best estimate only")
    seed: int | None = Field(None, ge=0, description="seed of the random streams (required with draws)")
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
        return self.path.parent / self.name if self.path else Path(self.name)


def load_job(path) -> Job:
    """Read and validate a job file; errors name the file and the field."""
    path = Path(path)
    job = validate_mapping(Job, read_yaml(path, JobError, "job file"), JobError, path,
                           ", ".join(k for k in Job.model_fields if k != "path"))
    if job.draws is not None and job.seed is None:
        raise JobError(f"{path}: field 'seed': a job with draws needs a seed, so that its numbers can be reproduced")
    job.path = path
    return job
