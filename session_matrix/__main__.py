"""``python -m session_matrix``: the ``session-matrix`` command."""

import sys

from session_matrix.cli import main

sys.exit(main())
