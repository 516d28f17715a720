"""One configuration's measurement process (``python -m
session_matrix.profile.worker.commands``), its commands, and the coordinator's end of its
line protocol (``process``)."""

__all__: list[str] = []
