"""Pulumi's dynamic-provider host with botocore's retry delays scaled down, for fault tests.

    python -m sagestack.testing.compressed_backoff 0.01

runs `pulumi.dynamic` exactly as `python -m pulumi.dynamic` does, after scaling the delay that
botocore's standard and adaptive retry modes sleep between attempts. Every retry decision stays
botocore's own (which errors are retried, how many attempts, the retry quota); only the sleep
shrinks, so a burst of 10 throttles costs milliseconds instead of a minute. The adaptive mode's
client-side rate limiter is not scaled: run such tests with `AWS_RETRY_MODE=standard`.
"""

from __future__ import annotations

import runpy
import sys
from typing import Any

from botocore.retries.standard import ExponentialBackoff


def scale_retry_delays(scale: float) -> None:
    """Multiply every delay botocore's exponential backoff computes by `scale`."""
    compute = ExponentialBackoff.delay_amount

    def scaled(self: ExponentialBackoff, context: Any) -> float:
        return compute(self, context) * scale

    ExponentialBackoff.delay_amount = scaled


def main() -> None:
    scale_retry_delays(float(sys.argv[1]))
    del sys.argv[1:]
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
