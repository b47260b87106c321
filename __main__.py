"""The Pulumi program: the platform of this stack, built from its `sagemaker:` config
(see `components.platform.program` and `components/platform_config.py`)."""

import sys

from pulumi.runtime.settings import get_monitor

from components.platform import program

if get_monitor() is None:  # run as `python __main__.py`: there is no engine, and no stack config
    sys.exit(
        "__main__.py is a Pulumi program: run it with `pulumi up --stack local` (`make up` does), or "
        "see what a stack would create without the CLI or AWS: `sagestack render --stack dev`."
    )
program()
