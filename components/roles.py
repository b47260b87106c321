"""Execution roles the components create when the user gives none."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

SAGEMAKER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def sagemaker_role(name: str, policy: pulumi.Input[str], opts: pulumi.ResourceOptions) -> aws.iam.Role:
    """`<name>-role`, assumable by SageMaker, with `policy` inline as `<name>-role-policy`."""
    role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps(SAGEMAKER_TRUST), opts=opts)
    aws.iam.RolePolicy(f"{name}-role-policy", role=role.id, policy=policy, opts=pulumi.ResourceOptions(parent=role))
    return role
