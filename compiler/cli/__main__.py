"""`python -m compiler.cli`: the same as the `tflc` script."""

from compiler.cli import main

main()
