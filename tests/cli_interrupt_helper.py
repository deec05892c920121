"""Run `tflc` with one step made slow, to interrupt it there: `python cli_interrupt_helper.py POINT tflc-args...`.

POINT is where the process prints READY (on stderr) and then sleeps until it is signalled:
  convert    inside the conversion (the converter's convert())
  write      while the temporary output file is being written (its fsync)
  summary    after the output is in place, while the summary is printed
  committed  after the command committed its output (a Ctrl-C now must not undo it)
"""

from __future__ import annotations

import os
import sys
import time


def _ready_then_sleep() -> None:
    os.write(2, b"READY\n")
    time.sleep(60)


def main() -> None:
    point, argv = sys.argv[1], sys.argv[2:]
    import compiler.cli.common as common
    import compiler.cli.convert as convert_cli

    if point == "convert":
        from compiler.converter import TFLiteConverter

        real = TFLiteConverter.convert

        def slow_convert(self: TFLiteConverter) -> bytes:
            data = real(self)
            _ready_then_sleep()
            return data

        TFLiteConverter.convert = slow_convert  # type: ignore[method-assign]
    elif point == "write":
        real_fsync = os.fsync

        def slow_fsync(fd: int) -> None:
            real_fsync(fd)
            _ready_then_sleep()

        os.fsync = slow_fsync
    elif point == "summary":
        real_summary = convert_cli._summary

        def slow_summary(*args: object) -> None:
            real_summary(*args)
            _ready_then_sleep()

        convert_cli._summary = slow_summary
    elif point == "committed":
        real_commit = common.commit

        def slow_commit() -> None:
            real_commit()
            os.write(2, b"READY\n")
            time.sleep(2)  # the Ctrl-C lands here and is ignored: the command then ends normally

        convert_cli.commit = slow_commit
    else:
        raise SystemExit(f"unknown point {point!r}")
    sys.argv = ["tflc", *argv]
    from compiler.cli import main as tflc_main

    tflc_main()


if __name__ == "__main__":
    main()
