"""The one exception type that reaches users as a one-line message."""


class CBenchError(Exception):
    """A problem with the user's input: printed as one line, exit code 2, no traceback."""
