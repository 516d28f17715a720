"""django-session-matrix: which ways of editing a Django session in tests work on which engine.

The harness behind ``nox``: engine records (``records``) and the services they need
(``services``) make the columns; ``column`` runs one with the ``recorder`` plugin; ``merge``
turns raw results and the pattern ``catalogue`` into the matrix (``model``), which
``report`` publishes through the renderers in ``render``. ``suite`` runs a user's own tests
on every engine. The command line is ``session-matrix`` (``cli``).
"""

__version__ = "0.2.0"
