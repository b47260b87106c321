"""The base of our dynamic resources: their provider, their declared outputs, and a guard.

The guard works around a leak in Pulumi's Python SDK: `pulumi.dynamic.serialize_provider` wraps
`pickle._Pickler._batch_setitems` (to sort dicts) on every call and never unwraps it, so each
dynamic resource nests one wrapper deeper, and the 487th in one program fails with
RecursionError (pulumi/pulumi#17803). Putting the original back before each registration keeps
the nesting at one level; the serialized provider is the same bytes.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue]


class SageMakerResource(pulumi.dynamic.Resource):
    """A dynamic resource served by `provider_class`, with `output_names` filled in by the provider."""

    provider_class: ClassVar[type[pulumi.dynamic.ResourceProvider]]
    output_names: ClassVar[tuple[str, ...]]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        pickle._Pickler._batch_setitems = _BATCH_SETITEMS  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue]
        super().__init__(self.provider_class(), name, {**props, **dict.fromkeys(self.output_names)}, opts)
