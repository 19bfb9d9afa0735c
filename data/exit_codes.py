"""The exit codes of fwpulse's public contract, defined once (the CLI and the errors that carry a code use these)."""

OK = 0  # everything asked for was done
FAILED = 1  # some sources failed (the rest were stored), or the command failed
USAGE = 2  # an option, file or setting that cannot work: one line names it and the fix
BUSY = 75  # another refresh holds the lock, or the database stayed busy (EX_TEMPFAIL)
