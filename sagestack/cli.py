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
        from pydantic import ValidationError

        from sagestack.local.control import ControlState, Durations
        from sagestack.local.server import ExposureRefused, serve
    except ModuleNotFoundError as error:
        print(
            f"sagestack local needs the 'local' extra ({error.name} is missing): pip install -e '.[local]'",
            file=sys.stderr,
        )
        return 2
    try:
        base = Durations().merged(json.loads(os.environ.get(DURATIONS_ENV) or "{}"))
        durations = Durations.parse_assignments(args.duration, base)
    except ValueError as error:  # pydantic's ValidationError is one: each problem on its own line
        problems = (
            [
                f"{'.'.join(str(part) for part in item['loc'])}: "
                + ("no such kind or phase" if item["type"] == "extra_forbidden" else item["msg"])
                for item in error.errors()
            ]
            if isinstance(error, ValidationError)
            else [str(error)]
        )
        for problem in problems:
            print(f"sagestack local: bad durations: {problem}", file=sys.stderr)
        print(f"sagestack local: kinds and phases: {Durations.phases()}", file=sys.stderr)
        return 2
    try:
        serve(
            args.host,
            args.port,
            ControlState(durations=durations, default_durations=durations),
            args.verbose,
            unsafe_expose=args.unsafe_expose,
        )
    except ExposureRefused as error:
        print(f"sagestack local: {error}", file=sys.stderr)
        return 2
    return 0


def _validate(args: argparse.Namespace) -> int:
    from sagestack.stacks import BadStackName, NoStackFiles, check_stack, close_event_loops, stack_files, stack_name

    started = time.monotonic()
    try:
        files = stack_files(Path(args.stacks_dir), args.stack)
    except (NoStackFiles, BadStackName) as error:
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
    from sagestack.render import (
        StackInvalid,
        StackUnreadable,
        as_json,
        as_mermaid,
        as_table,
        diff,
        diff_json,
        diff_mermaid,
        diff_text,
        render,
    )
    from sagestack.stacks import BadStackName, close_event_loops, stack_file, stack_name

    stacks_dir = Path(args.stacks_dir)
    try:
        if args.diff:
            result = diff(args.diff[0], args.diff[1], stacks_dir)
            formats = {"table": diff_text, "json": diff_json, "mermaid": diff_mermaid}
            output = formats[args.format](result)
        else:
            resources = render(args.stack, stacks_dir)
            if args.format == "json":
                output = as_json(resources)
            elif args.format == "mermaid":
                output = as_mermaid(resources, stack_name(stack_file(args.stack, stacks_dir)))
            else:
                output = as_table(resources)
    except BadStackName as error:
        print(f"sagestack render: {error}", file=sys.stderr)
        return 2
    except StackInvalid as error:
        for problem in error.problems:
            print(problem.line(), file=sys.stderr)
        if not isinstance(error, StackUnreadable):  # a missing file's line says it all
            invalid = "sagestack render: the stack is invalid (above); `sagestack validate` checks them all"
            print(invalid, file=sys.stderr)
        return 1
    finally:
        close_event_loops()
    print(output)
    return 0


def _promote(args: argparse.Namespace) -> int:
    from sagestack.promote import (
        PromotionRefused,
        PromotionUsage,
        StackFileUnreadable,
        check_approved,
        plan_promotion,
        sagemaker_client,
        write,
    )
    from sagestack.stacks import BadStackName

    try:
        plan = plan_promotion(
            args.source,
            args.target,
            Path(args.stacks_dir),
            package_arn=args.package_arn,
            allow_foreign_package=args.allow_foreign_package,
        )
        if plan.unchanged:  # no AWS call, no write: nothing for a promotion pull request to carry
            print(f"{plan.target} already serves {plan.package_arn}; nothing to change")
            return 0
        check_approved(plan.package_arn, sagemaker_client(plan.region))
        done = write(plan)
    except (BadStackName, PromotionUsage) as error:
        print(f"sagestack promote: {error}", file=sys.stderr)
        return 2
    except StackFileUnreadable as error:
        print(error, file=sys.stderr)
        return 1
    except PromotionRefused as error:
        print(f"sagestack promote: refused: {error}", file=sys.stderr)
        return 1
    print(f"{done.target}: model_package_arn {done.old_value} -> {done.package_arn}")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sagemaker-pulumi")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sagestack", description="SageMaker on Pulumi: project tooling.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    local = commands.add_parser(
        "local",
        help="serve a local AWS (moto + our SageMaker layer) on 127.0.0.1 until killed",
        description=(
            "Serve S3, IAM, STS, KMS and SageMaker on one local port. Prints the endpoint URL. "
            f"Status durations: --duration KIND.PHASE=SECONDS (repeatable) or ${DURATIONS_ENV} as JSON, "
            'e.g. {"training_job": {"training": 30}}.'
        ),
    )
    local.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; loopback only without --unsafe-expose)",
    )
    local.add_argument(
        "--unsafe-expose",
        action="store_true",
        help="allow a non-loopback --host: anyone who reaches the port drives the local AWS and its control interface",
    )
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
    validate.add_argument(
        "--stack", help="one stack: a name (dev) or a stack file's path (default: every Pulumi.*.yaml in --stacks-dir)"
    )
    validate.add_argument("--stacks-dir", default="stacks", help="where the stack files are (default: ./stacks)")
    validate.set_defaults(run=_validate)

    render = commands.add_parser(
        "render",
        help="print the resources a stack would have, or how two stacks differ (Pulumi mocks, no cloud)",
        description=(
            "Run the program of a stack under Pulumi mocks, offline and without credentials, and print "
            "every resource it would have with every input in full, one line per value "
            '(request.HyperParameters.max_depth = "5"), in the same order on every run. --diff A B '
            "prints what differs between two stacks (names, or stack file paths: compare a pull "
            "request's stack file with its base). A stack that does not validate is refused (exit 1)."
        ),
    )
    target = render.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="the stack to render: a name (dev) or a stack file's path")
    target.add_argument(
        "--diff", nargs=2, metavar=("A", "B"), help="what differs from stack A to stack B (names or paths)"
    )
    render.add_argument(
        "--format",
        choices=("table", "json", "mermaid"),
        default="table",
        help="table (default), json, or mermaid: a flowchart GitHub draws in a ```mermaid block",
    )
    render.add_argument("--stacks-dir", default="stacks", help="where the stack files are (default: ./stacks)")
    render.set_defaults(run=_render)

    promote = commands.add_parser(
        "promote",
        help="copy an Approved package version from one stack file to another",
        description=(
            "Copy the model package version one stack serves (or --package-arn) into another stack "
            "file, rewriting only its model_package_arn line. Refused, and the file left untouched, "
            "unless the version is in the registry the stacks use (their sagemaker:registry group, "
            "in its account) and the registry says it is Approved (boto3: your credentials; the "
            "region is the stack file's aws:region, else AWS_REGION / AWS_DEFAULT_REGION)."
        ),
    )
    promote.add_argument("--from", dest="source", required=True, help="the stack whose served package is promoted")
    promote.add_argument("--to", dest="target", required=True, help="the stack whose file is rewritten")
    promote.add_argument("--package-arn", help="promote this package version instead of what --from serves")
    promote.add_argument(
        "--allow-foreign-package",
        action="store_true",
        help="promote a package from outside the stacks' registry (another group or account)",
    )
    promote.add_argument("--stacks-dir", default="stacks", help="where the stack files are (default: ./stacks)")
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
    except OSError as error:  # a file that cannot be read or written: the OS says which and why
        print(f"sagestack {args.command}: {error}", file=sys.stderr)
        return 1
