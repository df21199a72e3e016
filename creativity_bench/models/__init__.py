"""The model zoo: one Transformer backbone, objectives as plugins, Lightning training.

Importing this package imports torch; the task and scoring packages never do.
"""
