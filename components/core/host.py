"""Room in Pulumi's provider host for every resource of a stack to wait at the same time.

Pulumi's Python dynamic-provider host (`python -m pulumi.dynamic`, one process per program for all
of its dynamic resources) serves the engine's calls from a `ThreadPoolExecutor` of 4 workers. Our
creates and updates block while SageMaker works (a training job for hours, an InMemory feature
group for 10-15 minutes), so without more workers only four resources progress at a time and every
other call (the Check, Diff or Read of the rest of the stack) queues behind them.

When our provider is configured inside the host, that happens on one of the pool's own workers,
so the pool is the executor that runs the current thread. We raise its limit. A
`ThreadPoolExecutor` starts a thread only when a call arrives and no worker is idle, so a wider
limit costs nothing until the stack has that many calls in flight, and the threads only sleep
while they wait. Nothing a user writes or stores changes: the state, the provider and its
serialized form stay as they were.

The pool is found through the standard library's worker function (its first argument is a weak
reference to the executor), not through Pulumi's code; if a Python or Pulumi version serves calls
some other way, nothing is found, nothing changes, and `tests/test_host_concurrency.py` says so.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

WORKERS = 512
"""Calls the host serves at once: more resources waiting than any stack has."""
WORKERS_VARIABLE = "SAGESTACK_PROVIDER_HOST_WORKERS"
"""Overrides WORKERS (4 reproduces Pulumi's own pool, e.g. to measure the difference)."""


def serving_pool() -> ThreadPoolExecutor | None:
    """The executor whose worker is running this code, if any."""
    thread = threading.current_thread()
    for argument in getattr(thread, "_args", ()):
        if isinstance(argument, weakref.ReferenceType):
            executor = argument()
            if isinstance(executor, ThreadPoolExecutor):
                return executor
    return None


def widen_serving_pool() -> int | None:
    """Raise the limit of the pool serving this call to WORKERS (never lower it); returns the
    limit now in force, or None when this code does not run on a pool's worker."""
    pool = serving_pool()
    if pool is None:
        return None
    wanted = int(os.environ.get(WORKERS_VARIABLE) or WORKERS)
    current: int = pool._max_workers  # pyright: ignore[reportAttributeAccessIssue]
    if wanted > current:
        pool._max_workers = wanted  # pyright: ignore[reportAttributeAccessIssue]
    return max(wanted, current)


def engine_gone() -> bool:
    """Whether the engine stopped listening for the call this code serves (a killed `pulumi up`).

    Pulumi's host runs each call with the gRPC context as an argument of the servicer method up
    the stack; when the CLI dies its connection closes and the context turns inactive. Nothing
    else would tell a provider: its host keeps running, and a wait would poll SageMaker for hours.
    Outside a host (tests, benchmarks) there is no such context, and this is False.
    """
    frame = sys._getframe(1)
    while frame is not None:
        context = frame.f_locals.get("context")
        is_active = getattr(context, "is_active", None)
        if callable(is_active):
            return not is_active()
        frame = frame.f_back
    return False
