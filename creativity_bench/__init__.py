"""creativity-bench: a benchmark for the creativity of sequence models.

The core (tasks, scoring, the command line) needs only numpy, networkx, typer and rich;
the model zoo imports torch lazily.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
