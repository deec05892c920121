"""`tflc opt` (xDSL's opt driver on tf/tfl IR text, with tflc's dialects, passes and named pipelines) and
`tflc passes` (what the pipelines can name)."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import out, report, wants_traceback

app = typer.Typer()


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True}, add_help_option=False
)
def opt(ctx: typer.Context) -> None:
    """Run passes on tf/tfl IR text, xdsl-opt style: tflc opt [FILE|-] -p 'pass1,pass2{opt=1}'
    [--split-input-file] [--verify-diagnostics] [--print-op-generic] (`tflc opt --help` for all flags)."""
    raise typer.Exit(run_opt(list(ctx.args)))


@app.command()
def passes() -> None:
    """List the registered passes and named pipelines."""
    from compiler.pipeline import DEFAULT_PIPELINE, PIPELINES, describe_passes

    t = Table(title="Passes", title_justify="left")
    t.add_column("pass")
    t.add_column("description")
    for name, doc in describe_passes():
        t.add_row(name, escape(doc))
    out.print(t)
    p = Table(title="Pipelines", title_justify="left")
    p.add_column("name")
    p.add_column("passes", overflow="fold")
    for name, spec in PIPELINES.items():
        p.add_row(name + (" (default)" if spec == DEFAULT_PIPELINE else ""), escape(spec))
    out.print(p)


def opt_main_class() -> type:
    """xDSL's `xDSLOptMain` with tflc's dialects, passes (ours win name clashes, e.g. `dce`), named pipelines,
    `-` for stdin, and `--print-constants` (print every constant in full, so dumps re-parse)."""
    from xdsl.xdsl_opt_main import xDSLOptMain

    from compiler.pipeline import available_passes, expand_pipeline
    from compiler.universe import TFLC_UNIVERSE

    class TflcOptMain(xDSLOptMain):
        version_format = "tflc opt, built on xDSL {xdsl_version}"

        def __init__(self, args: list[str] | None = None) -> None:
            super().__init__(description="tflc opt: run tflc passes on tf/tfl IR text", args=args)

        def register_all_dialects(self) -> None:
            super().register_all_dialects()
            known = set(self.ctx.registered_dialect_names)
            for name, factory in TFLC_UNIVERSE.all_dialects.items():
                if name not in known:
                    self.ctx.register_dialect(name, factory)

        def register_all_passes(self) -> None:
            super().register_all_passes()
            for name, factory in available_passes().items():
                self.register_pass(name, factory)

        def register_all_arguments(self, arg_parser: Any) -> None:
            super().register_all_arguments(arg_parser)
            arg_parser.add_argument(
                "--print-constants",
                default=False,
                action="store_true",
                help="Print every constant in full (no elision), so the output re-parses in a fresh process.",
            )

        def get_input_stream(self) -> Any:
            if self.args.input_file == "-":
                self.args.input_file = None
            return super().get_input_stream()

        def setup_pipeline(self) -> None:
            self.args.passes = expand_pipeline(self.args.passes)
            super().setup_pipeline()

        def output_resulting_program(self, prog: Any) -> str:
            if not self.args.print_constants:
                return super().output_resulting_program(prog)
            from dialects.elements import print_all_constants

            with print_all_constants():
                return super().output_resulting_program(prog)

    return TflcOptMain


def run_opt(argv: list[str]) -> int:
    """`tflc opt`: xDSL's opt driver with tflc's dialects, passes and named pipelines. Returns the exit code."""
    from xdsl.utils.exceptions import DiagnosticException, ParseError

    prog, sys.argv[0] = sys.argv[0], "tflc opt"  # argparse's usage line
    try:
        opt_main_class()(args=argv).run()
        return 0
    except SystemExit as e:  # argparse: --help / usage errors
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    except (Exception, KeyboardInterrupt) as e:
        if wants_traceback(e):
            raise
        # xDSL's driver reports bad IR and bad pass arguments as these; their messages are for the user.
        message, code = report(e, user_errors=(ParseError, DiagnosticException, ValueError))
        sys.stdout.flush()
        sys.stderr.write(f"tflc opt: error: {message}\n")
        return code
    finally:
        sys.argv[0] = prog
