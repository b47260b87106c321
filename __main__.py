"""The Pulumi program: for now the platform's artifact bucket; later issues build the whole
platform from the typed stack config."""

import pulumi
import pulumi_aws as aws

stack = pulumi.get_stack()
artifacts = aws.s3.Bucket(
    "artifacts",
    force_destroy=stack == "local",
    tags={"project": pulumi.get_project(), "stack": stack},
)

pulumi.export("artifact_bucket", artifacts.bucket)
pulumi.export("region", pulumi.Config("aws").require("region"))
