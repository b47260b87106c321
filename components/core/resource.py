"""The base of our dynamic resources: their provider, their declared outputs, and a guard.

The guard works around a leak in Pulumi's Python SDK: `pulumi.dynamic.serialize_provider` wraps
`pickle._Pickler._batch_setitems` (to sort dicts) on every call and never unwraps it, so each
dynamic resource nests one wrapper deeper, and the 487th in one program fails with
RecursionError (pulumi/pulumi#17803). Putting the original back before each registration keeps
the nesting at one level; the serialized provider is the same bytes.
"""

from __future__ import annotations

import inspect
import pickle
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pulumi.runtime import settings

_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue]


_WAITING: list[int] = [0, 0]
"""[the program run (its stack resource's id), our resources registered in it so far]."""


def _count_waiting_resource() -> None:
    """Warn once per run when the program has more of our resources than the engine runs at once.

    Each create or update waits for SageMaker, and the engine runs `--parallel` operations at a
    time (4 x CPUs by default): past that, resources wait their turn, and an `up` of 32 training
    jobs on a 2-core runner takes four times as long as one. Only the user can raise it.
    """
    parallel = getattr(settings.SETTINGS, "parallel", None)
    if not isinstance(parallel, int) or parallel <= 0:
        return  # under mocks, or no limit known
    run = id(settings.get_root_resource())
    _WAITING[:] = [run, _WAITING[1] + 1 if _WAITING[0] == run else 1]
    if _WAITING[1] == parallel + 1:
        pulumi.log.warn(
            f"this program has more than {parallel} SageMaker resources that wait for AWS, and the engine runs "
            f"{parallel} operations at once (--parallel; 4 x CPUs by default): the rest wait their turn. "
            "Set PULUMI_PARALLEL (or pass --parallel) to at least their number to let them all wait together."
        )


class SageMakerResource(pulumi.dynamic.Resource):
    """A dynamic resource served by `provider_class`.

    Its outputs are declared once, as `pulumi.Output[...]` annotations of the subclass:
    `output_names` is derived from them, the resource registers each one the program did not
    give as an input (so the provider's value comes back), and components expose them from it.
    """

    provider_class: ClassVar[type[pulumi.dynamic.ResourceProvider]]
    output_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared: dict[str, object] = {}
        for klass in reversed(cls.__mro__):  # a subclass of a resource keeps its outputs
            if issubclass(klass, SageMakerResource):
                declared.update(inspect.get_annotations(klass))
        cls.output_names = tuple(name for name, annotation in declared.items() if "Output[" in str(annotation))

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        pickle._Pickler._batch_setitems = _BATCH_SETITEMS  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue]
        _count_waiting_resource()
        super().__init__(self.provider_class(), name, {**dict.fromkeys(self.output_names), **props}, opts)
