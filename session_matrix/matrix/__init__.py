"""The compatibility table, from one column to the published files: the ``matrix`` nox
session (``nox_columns``), the column runner, fingerprints, the merge into a ``Matrix`` and
its version ranges, the report and its renderers (``render/``), the drift check and the
benchmark.
"""
