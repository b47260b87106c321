"""The `sagestack` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys

DURATIONS_ENV = "SAGESTACK_LOCAL_DURATIONS"


def _local(args: argparse.Namespace) -> int:
    try:
        from sagestack.local.control import ControlState, Durations
        from sagestack.local.server import serve
    except ModuleNotFoundError as error:
        print(
            f"sagestack local needs the 'local' extra ({error.name} is missing): pip install -e '.[local]'",
            file=sys.stderr,
        )
        return 2
    try:
        base = Durations().merged(json.loads(os.environ.get(DURATIONS_ENV) or "{}"))
        durations = Durations.parse_assignments(args.duration, base)
    except ValueError as error:
        print(f"sagestack local: bad durations: {error}", file=sys.stderr)
        return 2
    serve(args.host, args.port, ControlState(durations=durations, default_durations=durations), args.verbose)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sagestack", description="SageMaker on Pulumi: project tooling.")
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser(
        "local",
        help="serve a local AWS (moto + our SageMaker layer) on 127.0.0.1 until killed",
        description=(
            "Serve S3, IAM, STS, KMS and SageMaker on one local port. Prints the endpoint URL. "
            f"Status durations: --duration KIND.PHASE=SECONDS (repeatable) or ${DURATIONS_ENV} as JSON, "
            'e.g. {"training_job": {"training": 30}}.'
        ),
    )
    local.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    local.add_argument("--port", type=int, default=4750, help="port to listen on; 0 picks a free one (default 4750)")
    local.add_argument(
        "--duration",
        action="append",
        default=[],
        metavar="KIND.PHASE=SECONDS",
        help="seconds a status lasts, e.g. training_job.training=30 or endpoint.creating=5",
    )
    local.add_argument("--verbose", action="store_true", help="log every request")
    local.set_defaults(run=_local)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))
