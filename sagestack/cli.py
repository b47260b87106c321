"""The `sagestack` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

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


def _validate(args: argparse.Namespace) -> int:
    from sagestack.stacks import NoStackFiles, check_stack, close_event_loops, stack_files, stack_name

    started = time.monotonic()
    try:
        files = stack_files(Path(args.stacks_dir), args.stack)
    except NoStackFiles as error:
        print(f"sagestack validate: {error}", file=sys.stderr)
        return 2
    try:
        problems = [problem for path in files for problem in check_stack(path)]
    finally:
        close_event_loops()
    for problem in problems:
        print(problem.line())
    names = ", ".join(stack_name(path) for path in files)
    seconds = time.monotonic() - started
    if problems:
        bad = len({problem.file for problem in problems})
        print(f"{len(problems)} problem(s) in {bad} of {len(files)} stack file(s) ({names}), {seconds:.1f}s")
        return 1
    print(f"{len(files)} stack file(s) valid ({names}): schema, program, provider checks, {seconds:.1f}s")
    return 0


def _render(args: argparse.Namespace) -> int:
    from sagestack.render import StackInvalid, as_json, as_table, diff, render
    from sagestack.stacks import close_event_loops

    try:
        if args.diff:
            lines = diff(args.diff[0], args.diff[1], Path(args.stacks_dir))
            print("\n".join(lines) if lines else f"{args.diff[0]} and {args.diff[1]} render the same resources")
            return 0
        if not args.stack:
            print("sagestack render: give --stack S or --diff A B", file=sys.stderr)
            return 2
        resources = render(args.stack, Path(args.stacks_dir))
    except StackInvalid as error:
        for problem in error.problems:
            print(problem.line(), file=sys.stderr)
        print("sagestack render: the stack is invalid (above); `sagestack validate` checks them all", file=sys.stderr)
        return 1
    finally:
        close_event_loops()
    print(as_json(resources) if args.format == "json" else as_table(resources))
    return 0


def _promote(args: argparse.Namespace) -> int:
    import boto3

    from sagestack.stacks import PromotionRefused, promote

    try:
        done = promote(
            args.source,
            args.target,
            boto3.client("sagemaker"),
            package_arn=args.package_arn,
            stacks_dir=Path(args.stacks_dir),
        )
    except PromotionRefused as error:
        print(f"sagestack promote: refused: {error}", file=sys.stderr)
        return 1
    print(f"{done.target}: model_package_arn {done.old_value} -> {done.package_arn}")
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

    validate = commands.add_parser(
        "validate",
        help="check stack files as a preview would (schema, program, provider checks), offline",
        description=(
            "Check each stack file offline, without credentials: against the config schema, then by "
            "running the program under Pulumi mocks, then every dynamic resource through its provider's "
            "Check. One line per problem (file: key: reason); exit 1 on any, 2 if there is no stack file."
        ),
    )
    validate.add_argument("--stack", help="one stack (default: every Pulumi.*.yaml in --stacks-dir)")
    validate.add_argument("--stacks-dir", default="stacks", help="where the stack files are (default: ./stacks)")
    validate.set_defaults(run=_validate)

    render = commands.add_parser("render", help="print the resources a stack would have (Pulumi mocks, no cloud)")
    render.add_argument("--stack", help="the stack to render")
    render.add_argument("--format", choices=("table", "json"), default="table")
    render.add_argument("--diff", nargs=2, metavar=("A", "B"), help="what differs between two stacks")
    render.add_argument("--stacks-dir", default="stacks")
    render.set_defaults(run=_render)

    promote = commands.add_parser("promote", help="copy an Approved package version from one stack file to another")
    promote.add_argument("--from", dest="source", required=True, help="the stack whose served package is promoted")
    promote.add_argument("--to", dest="target", required=True, help="the stack file to rewrite")
    promote.add_argument("--package-arn", help="promote this package version instead")
    promote.add_argument("--stacks-dir", default="stacks")
    promote.set_defaults(run=_promote)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:
        # `sagestack render ... | head` closed the pipe: not an error worth a traceback. Point
        # stdout at /dev/null so the interpreter's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
