"""`tflc opt` (xDSL's opt driver on tf/tfl IR text, with tflc's dialects, passes and named pipelines) and
`tflc passes` (what the pipelines can name)."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import HelpCommand, out, report, wants_traceback

app = typer.Typer(rich_markup_mode=None)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
    short_help="Run passes on tf/tfl IR text (xdsl-opt style; `tflc opt --help`).",
)
def opt(ctx: typer.Context) -> None:
    """Run passes on tf/tfl IR text, xdsl-opt style: tflc opt [FILE|-] -p 'pass1,pass2{opt=1}'
    [--split-input-file] [--verify-diagnostics] [--print-op-generic] (`tflc opt --help` for all flags)."""
    raise typer.Exit(run_opt(list(ctx.args)))


@app.command(cls=HelpCommand)
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
            _tflc_passes_first(arg_parser, list(available_passes()), list(self.available_passes))
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


def _tflc_passes_first(arg_parser: Any, ours: list[str], every: list[str]) -> None:
    """`tflc opt --help` names tflc's passes and pipelines (one line each, in an epilog that fits the terminal);
    xDSL's own passes, which also run, are listed by `--all-passes`."""
    import argparse
    import textwrap

    from compiler.pipeline import PIPELINES, describe_passes

    theirs = [name for name in every if name not in ours]
    for action in arg_parser._actions:
        if "--passes" in action.option_strings:
            action.help = "Comma-separated passes or named pipelines (below); options as name{opt=value}."

    class ListAll(argparse.Action):
        def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
            for title, names in (
                (f"tflc passes ({len(ours)})", ours),
                (f"xDSL passes ({len(theirs)})", theirs),
            ):
                print(textwrap.fill(f"{title}: {', '.join(names)}", width=_width(), break_on_hyphens=False))
            parser.exit()

    arg_parser.add_argument(
        "--all-passes", nargs=0, action=ListAll, help="List every pass, xDSL's included, and exit."
    )
    width = _width()
    docs = dict(describe_passes())
    name_w = max(map(len, [*ours, *PIPELINES])) + 2
    lines = ["tflc passes:"]
    for name in ours:
        lines += textwrap.wrap(
            docs.get(name, ""),
            width,
            initial_indent=f"  {name:<{name_w}}",
            subsequent_indent=" " * (name_w + 2),
        ) or [f"  {name}"]
    lines.append("pipelines (a name expands to its passes):")
    for name, spec in PIPELINES.items():
        lines += textwrap.wrap(
            spec.replace(",", ", "),
            width,
            initial_indent=f"  {name:<{name_w}}",
            subsequent_indent=" " * (name_w + 2),
            break_on_hyphens=False,
        )
    lines.append(f"xDSL's {len(theirs)} passes run too: `tflc opt --all-passes` lists them.")
    arg_parser.description = f"{arg_parser.description}\n\n" + "\n".join(lines)
    arg_parser.formatter_class = argparse.RawDescriptionHelpFormatter


def _width() -> int:
    import shutil

    return min(shutil.get_terminal_size((80, 24)).columns, 100) - 2


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
