"""``python -m session_matrix.suite``: the same as ``session-matrix suite``."""

import sys

from session_matrix.suite import main

sys.exit(main())
