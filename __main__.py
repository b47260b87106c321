"""The Pulumi program: the platform of this stack, built from its `sagemaker:` config
(see `components.platform.program` and `components/platform_config.py`)."""

from components.platform import program

program()
