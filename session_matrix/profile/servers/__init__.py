"""The processes a profile run starts: gunicorn serving the project, wrk, private cache
servers, Django set up in a process."""

__all__: list[str] = []
