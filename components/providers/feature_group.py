"""The FeatureGroup dynamic provider: feature groups that grow in place and keep their data.

pulumi-aws replaces a feature group when a feature is added, destroying its records. Here:
- appended features, the online store's TTL and the throughput mode change in place
  (UpdateFeatureGroup, one kind of change at a time, each waited for until Successful);
- removing or retyping a feature is impossible in SageMaker, and any change of an identity
  field (name, record identifier, event time, stores other than TTL, role, description) needs a
  new group: check refuses both, naming the fields and saying that the records would be lost,
  unless `allow_replace=True` (the documented opt-in that destroys the data);
- a group that ends CreateFailed is deleted before the error is raised (the core's create);
- read reports the live features (as `features`), so a feature added outside shows as drift,
  and the next `up` says it must be added to the program.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pydantic import Field

from components.core.errors import SageMakerOperationError
from components.core.lifecycle import Lifecycle
from components.core.provider import REGION_KEY, SageMakerProvider, StrictModel
from components.core.resource import SageMakerResource
from components.core.service_model import Violation
from components.core.tags import tag_violations
from components.core.waiter import WaitSpec, field_at
from components.rules.feature_group import applied, group_rules, replacing_changes, update_calls

KIND = "FeatureGroup"
IN_PLACE = ("features", "online_store", "throughput", "tags")
DATA_LOSS = "replacing a feature group deletes all of its records; set allow_replace=True to accept that"

UPDATED = WaitSpec(
    operation="DescribeFeatureGroup",
    status_field="LastUpdateStatus.Status",
    success=frozenset({"Successful"}),
    failure=frozenset({"Failed"}),
)
UPDATE_SETTLED = WaitSpec(
    operation="DescribeFeatureGroup",
    status_field="LastUpdateStatus.Status",
    success=frozenset({"Successful", "Failed"}),
)
"""No update in progress, whatever the last one's outcome."""
REASON = "LastUpdateStatus.FailureReason"


class FeatureGroupInputs(StrictModel):
    """What the FeatureGroup provider takes (API-shaped values under readable names)."""

    feature_group_name: str = ""
    record_identifier: str = ""
    event_time: str = ""
    features: list[dict[str, Any]] = Field(default_factory=list)
    online_store: dict[str, Any] | None = None
    offline_store: dict[str, Any] | None = None
    throughput: dict[str, Any] | None = None
    role_arn: str | None = None
    description: str | None = None
    request: dict[str, Any] = Field(default_factory=dict)
    """Other CreateFeatureGroup members, validated like the rest (an escape hatch)."""
    tags: dict[str, str] = Field(default_factory=dict)
    allow_replace: bool = False
    create_timeout_seconds: int = Field(default=1800, ge=60)
    """InMemory online stores take 10-15 minutes to create."""
    update_timeout_seconds: int = Field(default=900, ge=60)


def group_outputs(group: dict[str, Any]) -> dict[str, Any]:
    offline = group.get("OfflineStoreConfig") or {}
    catalog = offline.get("DataCatalogConfig") or {}
    return {
        "arn": group["FeatureGroupArn"],
        "status": group["FeatureGroupStatus"],
        "offline_store_status": (group.get("OfflineStoreStatus") or {}).get("Status"),
        "offline_store_resolved_s3_uri": (offline.get("S3StorageConfig") or {}).get("ResolvedOutputS3Uri"),
        "glue_table": f"{catalog['Database']}.{catalog['TableName']}" if catalog else None,
        "features": group.get("FeatureDefinitions") or [],
        "failure_reason": group.get("FailureReason"),
    }


class FeatureGroupProvider(SageMakerProvider):
    """Creates, grows in place, refreshes and deletes SageMaker feature groups."""

    kind = KIND
    inputs_model = FeatureGroupInputs
    request_operation = "CreateFeatureGroup"
    request_set_by_provider: ClassVar[dict[str, Any]] = {"Tags": []}
    inputs_as_members: ClassVar[dict[str, str]] = {
        "feature_group_name": "FeatureGroupName",
        "record_identifier": "RecordIdentifierFeatureName",
        "event_time": "EventTimeFeatureName",
        "features": "FeatureDefinitions",
        "online_store": "OnlineStoreConfig",
        "offline_store": "OfflineStoreConfig",
        "throughput": "ThroughputConfig",
        "role_arn": "RoleArn",
        "description": "Description",
    }
    lifecycle = Lifecycle(
        describe="DescribeFeatureGroup",
        key="FeatureGroupName",
        status="FeatureGroupStatus",
        ready=frozenset({"Created"}),
        failed=frozenset({"CreateFailed"}),
        changing=frozenset({"Creating"}),
        delete_failed=frozenset({"DeleteFailed"}),
        create="CreateFeatureGroup",
        delete="DeleteFeatureGroup",
    )
    update_on = IN_PLACE

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        result = super().check(olds, news)
        if olds and not news.get("allow_replace"):
            for field, reason in replacing_changes(olds, result.inputs).items():
                result.failures.append(pulumi.dynamic.CheckFailure(field, f"{reason}; {DATA_LOSS}"))
        return result

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        return group_rules(inputs) + tag_violations(inputs.get("tags") or {})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(id_, olds, news)
        replaces = list(replacing_changes(olds, news)) if news.get("allow_replace") else []
        if moved := self.moved_region(olds):
            if not news.get("allow_replace"):
                raise SageMakerOperationError(
                    KIND,
                    id_,
                    "diff",
                    f"the group lives in another region than the stack now targets ({moved}); "
                    f"moving it means a new group there: {DATA_LOSS}",
                    hint="Or set the stack's aws:region back to where the group lives.",
                )
            replaces.append(REGION_KEY)
        same_name = olds.get("feature_group_name") == news.get("feature_group_name")
        return pulumi.dynamic.DiffResult(
            changes=result.changes, replaces=replaces, delete_before_replace=bool(replaces) and same_name
        )

    def outputs(self, described: dict[str, Any]) -> dict[str, Any]:
        return group_outputs(described)

    def apply(self, id_: str, olds: dict[str, Any], news: dict[str, Any], live: dict[str, Any]) -> None:
        live = self._settled(id_, news["update_timeout_seconds"], live)
        changes = update_calls(id_, olds, news, live)
        timeout = float(news["update_timeout_seconds"])
        for change in changes:  # SageMaker takes one kind of change per call
            sent = self.change(
                id_,
                "UpdateFeatureGroup",
                lambda change=change: self.sagemaker.update_feature_group(FeatureGroupName=id_, **change),
                applied=lambda live, change=change: applied(change, live),
                settle=lambda: self._settled(id_, timeout),
            )
            if sent:
                what = f"{next(iter(change))} failed"
                self.wait_until(id_, UPDATED, timeout, "UpdateFeatureGroup", ended=what, reason_at=REASON)

    def _settled(self, name: str, timeout: float, group: dict[str, Any] | None = None) -> dict[str, Any]:
        """The group once no update is in progress (an earlier `up`'s, or ours whose answer was lost)."""
        group = group or self.live(name)
        if group is not None and field_at(group, "LastUpdateStatus.Status") == "InProgress":
            group = self.wait_until(name, UPDATE_SETTLED, timeout, "UpdateFeatureGroup")
        if group is None:
            raise self.gone(name, "update")
        return group


class FeatureGroupResource(SageMakerResource, module="sagemaker", name="FeatureGroup"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:FeatureGroup`); use `components.FeatureGroup`."""

    provider_class = FeatureGroupProvider

    arn: pulumi.Output[str]
    feature_group_name: pulumi.Output[str]
    status: pulumi.Output[str]
    offline_store_status: pulumi.Output[str | None]
    offline_store_resolved_s3_uri: pulumi.Output[str | None]
    glue_table: pulumi.Output[str | None]
