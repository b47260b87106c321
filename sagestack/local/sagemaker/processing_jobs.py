"""Processing jobs: InProgress -> Completed (or Failed, or Stopping -> Stopped), in time.

The API gives processing jobs no secondary status, so the whole run is one timed step
(durations `processing_job.processing`); an injected failure (FailureFault, kind
"processing_job") ends it halfway through.
"""

from __future__ import annotations

from .jobs import COMPLETED, FAILED, IN_PROGRESS, STOPPED, STOPPING, JobKind, Step, register

PROCESSING_JOB = register(
    JobKind(
        noun="ProcessingJob",
        kind="processing_job",
        label="processing job",
        arn_resource="processing-job",
        run=(Step(IN_PROGRESS, duration="processing"), Step(COMPLETED)),
        fails_during="processing",
        failed=Step(FAILED),
        stop=(Step(STOPPING, duration="stopping"), Step(STOPPED)),
        started_at=IN_PROGRESS,
        start_member="ProcessingStartTime",
        end_member="ProcessingEndTime",
    )
)
