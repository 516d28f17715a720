"""A profile run: the options and the plan, the coordinator and its phases (cost,
throughput, guarantees), and the part of ``profile.json`` it writes."""

__all__: list[str] = []
