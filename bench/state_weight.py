"""State weight: what our dynamic resources put in the Pulumi checkpoint.

1. `__provider`: bytes of `pulumi.dynamic.dynamic.serialize_provider(provider)` (what the SDK
   stores under `__provider`, in the inputs and again in the outputs) for each of our providers.
   Target: <= 1 KB per resource.
2. One representative resource of each kind - built as our components build them, from the
   `dev` / `prod` stack configs - is deployed for real: `up` through Pulumi's own provider host
   against the local AWS. Its state (the checked inputs and the outputs the host returned) is
   written as the engine writes a checkpoint entry: urn, id, type, parent, provider reference,
   created/modified, propertyDependencies, numbers as the engine prints them, and `__provider`
   a secret (passphrase secrets provider: `v1:<nonce>:<AES-256-GCM ciphertext>`, base64). Sizes
   are of that entry as compact JSON and as the DIY backend writes it (Pulumi's encoding.JSON:
   4-space indentation, the entry at its depth in the file).
3. The checkpoint a platform of 50 of our resources would write, from those measured entries
   and an assumed mix (printed). Not included: the component and pulumi-aws resources around
   them (their state is the SDK's and pulumi-aws's, not ours), dependency URNs.

    python -m bench.state_weight
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

from bench.report import children_without_stderr, markdown_table, verdict
from components import Compute, InputData, OutputDataConfig, StoppingCondition
from components.feature_store import Feature, OfflineStore, OnlineStore, Ttl
from components.model_registry import ModelPackageArgs
from components.providers.endpoint import EndpointProvider
from components.providers.feature_group import FeatureGroupProvider
from components.providers.model_package import ModelPackageProvider
from components.providers.training_job import TrainingJobProvider
from components.serving import BlueGreen, TrafficShift
from components.training_job import TrainingJobArgs
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import PROVIDER_KEY, Deployment, ProviderHost, ResourceState

TARGET_PROVIDER_BYTES = 1024
MIX = {"FeatureGroup": 20, "TrainingJob": 12, "ModelPackage": 12, "Endpoint": 6}
"""50 of our resources: a dozen models, each trained and registered as a package, half of them
served, drawing on 20 feature groups."""
QUICK = {
    "training_job": {"starting": 0.1, "downloading": 0.1, "training": 0.2, "uploading": 0.1},
    "model_package": {"pending": 0.1, "in_progress": 0.1},
    "endpoint": {"creating": 0.2},
    "feature_group": {"creating": 0.2},
}
STACK, PROJECT = "dev", "sagemaker-platform"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecutionRole"
IMAGE = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1"
TAGS = {"environment": "dev", "team": "ml-platform"}
TIMESTAMP = "2025-01-01T00:00:00.000000000Z"
SECRET_SIGNATURE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES = 12, 16
INDENT = 4
ENTRY_DEPTH = 3
"""A resource sits at checkpoint -> latest -> resources[] in the file."""


@dataclass(frozen=True)
class Kind:
    name: str
    provider: ResourceProvider
    component_type: str

    @property
    def type_token(self) -> str:
        return f"pulumi-python:dynamic/sagemaker:{self.name}"


TRAINING_JOB = Kind("TrainingJob", TrainingJobProvider(), "sagemaker:training:TrainingJob")
MODEL_PACKAGE = Kind("ModelPackage", ModelPackageProvider(), "sagemaker:registry:ModelPackage")
ENDPOINT = Kind("Endpoint", EndpointProvider(), "sagemaker:serving:ModelEndpoint")
FEATURE_GROUP = Kind("FeatureGroup", FeatureGroupProvider(), "sagemaker:featurestore:FeatureGroup")
KINDS = (TRAINING_JOB, MODEL_PACKAGE, ENDPOINT, FEATURE_GROUP)


# --- representative inputs, built as the components build them ----------------------------------


def training_job_inputs() -> dict[str, Any]:
    args = TrainingJobArgs(
        image_uri=IMAGE,
        role_arn=ROLE,
        compute=Compute(instance_type="ml.m5.xlarge"),
        input_data=[
            InputData(channel_name="train", data_source="s3://acme-ml-dev/churn/train"),
            InputData(channel_name="validation", data_source="s3://acme-ml-dev/churn/validation"),
        ],
        output_data_config=OutputDataConfig(s3_output_path="s3://acme-ml-dev/churn/output"),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=7200),
        hyperparameters={"objective": "binary:logistic", "max_depth": "5", "num_round": "100"},
    )
    return {
        "name_prefix": "dev-train",
        "request": args.to_api(),
        "tags": TAGS,
        "retrain_token": "",
        "wait_for_completion": True,
        "wait_timeout_seconds": None,
        "training_job_name": None,
    }


def model_package_inputs(model_artifacts: str) -> dict[str, Any]:
    args = ModelPackageArgs(group_name="churn", image_uri=IMAGE, model_data_url=model_artifacts)
    return {
        "logical_name": "dev-model",
        "request": args.to_api(),
        "approval_status": "PendingManualApproval",
        "approval_description": None,
        "customer_metadata": {},
        "tags": {},
        "wait_timeout_seconds": 3600,
        "client_token": None,
    }


def endpoint_inputs(config_name: str) -> dict[str, Any]:
    canary = BlueGreen(
        traffic=TrafficShift(type="CANARY", canary_percent=10, wait_interval_in_seconds=600),
        rollback_alarms=["churn-prod-5xx", "churn-prod-latency-p99"],
    )
    return {
        "endpoint_name": "churn-dev",
        "endpoint_config_name": config_name,
        "deployment_config": canary.to_api(),
        "retry_failed_config": False,
        "tags": TAGS,
    }


def feature_group_inputs() -> dict[str, Any]:
    features = [
        Feature(name="customer_id", type="String"),
        Feature(name="event_time", type="Fractional"),
        Feature(name="tenure_months", type="Integral"),
        Feature(name="monthly_charges", type="Fractional"),
    ]
    return {
        "feature_group_name": "customers",
        "record_identifier": "customer_id",
        "event_time": "event_time",
        "features": [feature.to_api() for feature in features],
        "online_store": OnlineStore(ttl=Ttl(unit="Days", value=30)).to_api(),
        "offline_store": OfflineStore(s3_uri="s3://acme-ml-dev/feature-store").to_api(),
        "throughput": None,
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/customers-role-5f3e2a1",
        "description": None,
        "allow_replace": False,
        "request": {},
        "tags": TAGS,
    }


def deploy_one_of_each(aws: LocalAws) -> dict[str, ResourceState]:
    """`up` of one resource of each kind through Pulumi's provider host; the engine's state of each."""
    aws.set_durations(QUICK)
    sm = aws.client("sagemaker")
    # What pulumi-aws would have created before our resources: the group, the model and config.
    sm.create_model_package_group(ModelPackageGroupName="churn")
    with children_without_stderr():
        host = ProviderHost(env=aws.env())
    with host:
        host.configure({"aws:region": DEFAULT_REGION})
        states: dict[str, ResourceState] = {}
        job = Deployment(host, TRAINING_JOB.type_token).up(
            "dev-train-job", TRAINING_JOB.provider, training_job_inputs()
        )
        states[TRAINING_JOB.name] = job.state
        artifacts = job.state.outputs["model_artifacts"]
        package = Deployment(host, MODEL_PACKAGE.type_token).up(
            "dev-model-version", MODEL_PACKAGE.provider, model_package_inputs(artifacts)
        )
        states[MODEL_PACKAGE.name] = package.state
        sm.create_model(
            ModelName="churn-dev-model-1a2b3c4",
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"ModelPackageName": package.state.outputs["arn"]},
        )
        sm.create_endpoint_config(
            EndpointConfigName="churn-dev-config-5d6e7f8",
            ProductionVariants=[
                {
                    "VariantName": "primary",
                    "ModelName": "churn-dev-model-1a2b3c4",
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 1,
                    "InitialVariantWeight": 1.0,
                }
            ],
        )
        endpoint = Deployment(host, ENDPOINT.type_token).up(
            "churn-dev-endpoint", ENDPOINT.provider, endpoint_inputs("churn-dev-config-5d6e7f8")
        )
        states[ENDPOINT.name] = endpoint.state
        group = Deployment(host, FEATURE_GROUP.type_token).up(
            "customers-group", FEATURE_GROUP.provider, feature_group_inputs()
        )
        states[FEATURE_GROUP.name] = group.state
    return states


# --- the checkpoint entry the engine would write --------------------------------------------------


def as_engine_prints(value: Any) -> Any:
    """Property values as the engine stores them: numbers are float64 in Go, printed without a
    fraction when whole (the wire made every `2` a `2.0` on the way back here)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: as_engine_prints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_engine_prints(item) for item in value]
    return value


def encrypted_secret(value: Any) -> dict[str, str]:
    """A secret as the passphrase secrets provider stores it: the JSON of the value, sealed with
    AES-256-GCM (ciphertext = plaintext + 16-byte tag), nonce and ciphertext in base64."""
    sealed = len(json.dumps(value)) + AES_GCM_TAG_BYTES
    nonce, ciphertext = bytes(AES_GCM_NONCE_BYTES), bytes(sealed)
    return {
        **SECRET_SIGNATURE,
        "ciphertext": f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(ciphertext).decode()}",
    }


def without_provider(properties: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in properties.items() if key != PROVIDER_KEY}


def checkpoint_entry(kind: Kind, state: ResourceState) -> dict[str, Any]:
    name = state.urn.rsplit("::", 1)[-1]
    component_name = name.rsplit("-", 1)[0]  # our components name their child `<name>-job`, `-version`...
    platform = f"urn:pulumi:{STACK}::{PROJECT}::sagemaker:platform:MLPlatform"

    def with_secret_provider(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            **as_engine_prints(without_provider(properties)),
            PROVIDER_KEY: encrypted_secret(properties[PROVIDER_KEY]),
        }

    return {
        "urn": f"{platform}${kind.component_type}${kind.type_token}::{name}",
        "custom": True,
        "id": state.id,
        "type": kind.type_token,
        "inputs": with_secret_provider(state.inputs),
        "outputs": with_secret_provider(state.outputs),
        "parent": f"{platform}${kind.component_type}::{component_name}",
        "provider": f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:pulumi-python::default::"
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "propertyDependencies": {key: [] for key in state.inputs},
        "created": TIMESTAMP,
        "modified": TIMESTAMP,
    }


def compact_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def written_size(entries: list[dict[str, Any]]) -> int:
    """Bytes these entries add to a checkpoint file written with 4-space indentation."""

    def file_with(resources: list[dict[str, Any]]) -> int:
        checkpoint = {"version": 3, "checkpoint": {"latest": {"resources": resources}}}
        return len(json.dumps(checkpoint, indent=INDENT).encode())

    return file_with(entries) - file_with([])


@dataclass(frozen=True)
class Weight:
    provider: int
    inputs: int
    outputs: int
    compact: int
    written: int
    entry: dict[str, Any]


def weigh(kind: Kind, state: ResourceState) -> Weight:
    entry = checkpoint_entry(kind, state)
    return Weight(
        provider=len(serialize_provider(kind.provider).encode()),
        inputs=compact_size(as_engine_prints(without_provider(state.inputs))),
        outputs=compact_size(as_engine_prints(without_provider(state.outputs))),
        compact=compact_size(entry),
        written=written_size([entry]),
        entry=entry,
    )


def kilobytes(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def main() -> None:
    aws = LocalAws.start(port=0)
    try:
        states = deploy_one_of_each(aws)
    finally:
        aws.stop()
    weights = {kind.name: weigh(kind, states[kind.name]) for kind in KINDS}
    largest_provider = max(weight.provider for weight in weights.values())
    print(
        markdown_table(
            [
                "resource",
                "`__provider`",
                "inputs (JSON, without it)",
                "outputs (JSON, without it)",
                "checkpoint entry: compact",
                "as written (indented)",
            ],
            [
                [
                    kind.name,
                    f"{weights[kind.name].provider} B",
                    f"{weights[kind.name].inputs} B",
                    f"{weights[kind.name].outputs} B",
                    f"{weights[kind.name].compact} B",
                    f"{weights[kind.name].written} B",
                ]
                for kind in KINDS
            ],
        )
    )
    print(
        f"\nTarget: `__provider` <= {TARGET_PROVIDER_BYTES} B per resource: "
        f"{verdict(largest_provider <= TARGET_PROVIDER_BYTES)} (largest {largest_provider} B)."
    )
    print(
        "Each entry holds `__provider` twice (inputs and outputs), each time as a secret of "
        f"{compact_size(encrypted_secret(serialize_provider(TRAINING_JOB.provider)))} B."
    )

    entries = [weights[name].entry for name, count in MIX.items() for _ in range(count)]
    provider_share = sum(
        2 * compact_size(encrypted_secret(serialize_provider(kind.provider))) * MIX[kind.name] for kind in KINDS
    )
    compact_total = sum(compact_size(entry) for entry in entries)
    print()
    print(
        markdown_table(
            ["checkpoint of 50 of our resources", "compact", "as written (indented)", "of which `__provider`"],
            [
                [
                    ", ".join(f"{count} {name}" for name, count in MIX.items()),
                    kilobytes(compact_total),
                    kilobytes(written_size(entries)),
                    f"{kilobytes(provider_share)} ({provider_share / compact_total:.0%})",
                ]
            ],
        )
    )
    print(
        "\nMeasured entries of one deployed resource per kind, repeated per the mix (a dozen models trained, "
        "registered and half of them served, on 20 feature groups);"
    )
    print("the components and pulumi-aws resources around them, and dependency URNs, are not counted.")


if __name__ == "__main__":
    main()
