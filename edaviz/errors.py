"""Errors that end a command with a clear message instead of a traceback."""


class EdavizError(Exception):
    """A fatal problem the user can act on; the CLI prints it and exits.

    Attributes:
        exit_code: process exit status (1: the input is invalid or an operation
            failed, 2: the command was used wrongly, e.g. a missing file).
    """

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(EdavizError):
    """The command line asked for something impossible (missing file, bad flag)."""

    exit_code = 2
