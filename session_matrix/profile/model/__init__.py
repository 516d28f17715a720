"""The profile's model, typed, and its files (read and written in ``files`` only):

- ``plan``: what a run is told (``Options``, ``Plan``) and what a worker measures
  (``Sample``);
- ``published`` (``Profile``, ``Configuration``, the machine and the method), ``figures``
  (``CostFigure``, ``KindFigure``, ``LoadFigure``, ``Throughput``) and ``guarantees``
  (``Found``): ``profile.json`` as classes, which the run writes and the views read;
  ``shape``: how they meet JSON;
- ``files``: ``profile.json`` and a run's part, checked against the schema.

Standard library and the harness's ``schemas`` only: the report imports it without Django.
"""

from session_matrix.profile.model.files import (
    dumps,
    load,
    profile_text,
    read_part,
    read_profile,
    write_part,
)
from session_matrix.profile.model.guarantees import Found
from session_matrix.profile.model.plan import Options, Plan, PlannedConfiguration, Sample
from session_matrix.profile.model.published import Configuration, Profile

__all__ = [
    "Configuration",
    "Found",
    "Options",
    "Plan",
    "PlannedConfiguration",
    "Profile",
    "Sample",
    "dumps",
    "load",
    "profile_text",
    "read_part",
    "read_profile",
    "write_part",
]
