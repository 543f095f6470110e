"""Errors meant for people: the command line prints them as one line, never as a traceback."""


def first_line(error: BaseException) -> str:
    """An exception as one line for people: its message's first line, or its type when it says nothing."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class NhtzError(Exception):
    """A problem the user can act on. `exit_code` is what the command line exits with."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class RefusedFile(NhtzError):
    """A submission that cannot be read at all: nothing from it lands."""

    exit_code = 2


class GateFailed(NhtzError):
    """The publication gate failed: the serving copy stays as it was."""

    exit_code = 1
