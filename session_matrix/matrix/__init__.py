"""The compatibility table, from one column to the published files: the ``matrix`` nox
session (``nox_columns``), the column runner and its last run (``column``, ``last_run``),
fingerprints, the merge into a ``Matrix`` (which answers the renderers' questions itself) and
its version ranges, the report and its renderers (``render/``), the drift check and the
benchmark.
"""
