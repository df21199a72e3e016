"""The exceptions that reach users as one line, and the exit codes they map to."""

from __future__ import annotations

import signal

# The conventional status of a process stopped by signal N is 128 + N (SIGINT 130, SIGTERM 143).
SIGNAL_EXIT_BASE = 128


class CBenchError(Exception):
    """A problem with the user's input: printed as one line, exit code 2 (``exit_code``), no traceback."""

    exit_code = 2


class Stopped(BaseException):
    """The process was asked to stop by a signal (SIGTERM from a scheduler, ``timeout`` or ``kill``).

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way swallows it;
    the command line prints one line and exits with 128 + the signal number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return SIGNAL_EXIT_BASE + self.signum


def raise_stopped(signum: int, frame) -> None:
    """A signal handler: turn the signal into ``Stopped`` where the program is."""
    raise Stopped(signum)
