"""`python -m fwpulse`: the same as the `fwpulse` command."""

from fwpulse.cli import main

main()
