"""What every feature shares: the records and results (``model``), the status words
(``vocabulary``), configuration records and the settings overlay, the service providers,
the pattern catalogue, environments and interpreters, the JSON Schemas, paths, the
project's settings, and running a configuration's tests under pytest with the recorder
(``pytest_run``, ``recorder``).

Features (``matrix``, ``profile``, ``suite``, ``lint``) import from here and never from each
other's modules; nothing here imports a feature (tests/test_layers.py).
"""
