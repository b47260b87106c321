"""Our dynamic resources under Pulumi's mocks: many in one program, each with the same provider."""

from __future__ import annotations

import json

from components.providers.training_job import TrainingJobResource
from sagestack.testing.mocks import run_program

TRAINING_JOB_TYPE = "pulumi-python:dynamic/sagemaker:TrainingJob"


def test_a_program_with_a_thousand_dynamic_resources_registers_them_all() -> None:
    """Pulumi's serialize_provider nests one more pickler wrapper per call (pulumi/pulumi#17803);
    unguarded, the 487th dynamic resource of a program dies with RecursionError."""
    count = 1000
    run = run_program(
        lambda: [TrainingJobResource(f"job-{i}", {"name_prefix": f"job-{i}", "request": {}}) for i in range(count)]
    )
    jobs = [r for r in run.resources if r.type == TRAINING_JOB_TYPE]
    assert len(jobs) == count
    assert len({json.dumps(job.inputs["__provider"], sort_keys=True) for job in jobs}) == 1  # the same bytes each time
