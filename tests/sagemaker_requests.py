"""Small valid SageMaker requests for the local-AWS tests."""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/xgboost:1.7-1"


def training_job(name: str = "train-1", **overrides: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://data/train"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://data/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {"max_depth": "5"},
        **overrides,
    }


def model(name: str = "model-1") -> dict[str, Any]:
    return {
        "ModelName": name,
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": "s3://data/output/train-1/output/model.tar.gz"},
    }


def endpoint_config(name: str = "config-1", model_name: str = "model-1", count: int = 1) -> dict[str, Any]:
    return {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {
                "VariantName": "primary",
                "ModelName": model_name,
                "InitialInstanceCount": count,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": 1.0,
            }
        ],
    }


def feature_group(name: str = "customers", offline: bool = True, online: bool = False) -> dict[str, Any]:
    request: dict[str, Any] = {
        "FeatureGroupName": name,
        "RecordIdentifierFeatureName": "customer_id",
        "EventTimeFeatureName": "event_time",
        "FeatureDefinitions": [
            {"FeatureName": "customer_id", "FeatureType": "String"},
            {"FeatureName": "event_time", "FeatureType": "Fractional"},
            {"FeatureName": "age", "FeatureType": "Integral"},
        ],
        "RoleArn": ROLE,
    }
    if offline:
        request["OfflineStoreConfig"] = {"S3StorageConfig": {"S3Uri": "s3://data/feature-store"}}
    if online:
        request["OnlineStoreConfig"] = {"EnableOnlineStore": True, "TtlDuration": {"Unit": "Days", "Value": 30}}
    return request


def model_package(group: str = "churn", **overrides: Any) -> dict[str, Any]:
    return {
        "ModelPackageGroupName": group,
        "InferenceSpecification": {
            "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://data/output/train-1/output/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        **overrides,
    }
