"""What every feature shares: the records and results (``model``), the status words
(``vocabulary``), configuration records and the settings overlay, the service providers,
the pattern catalogue, environments and interpreters, the JSON Schemas, paths, the
project's settings, and the one way to run a configuration's tests under pytest inside its
services (``runner``, its errors in ``errors``; the patterns' arguments in ``pytest_run``;
the ``recorder`` plugin).

Features (``matrix``, ``profile``, ``suite``, ``lint``) import from here and never from each
other's modules; nothing here imports a feature (tests/test_layers.py).
"""
