"""The options of ``session-matrix profile`` (``nox -s profile -- ...``): parsed, and refused
in one line when the run could not use them, before any environment is built."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from session_matrix.profile.measures import DEFAULTS

__all__ = ["InvalidOption", "parse"]


class InvalidOption(ValueError):
    """An option the run cannot use; the message says which, in one line."""


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The options, checked (``InvalidOption`` if the run could not use them)."""
    args = _parser().parse_args(list(argv))
    _check_bounds(args)
    return args


_LEAST = {"requests": 1, "warmup": 0, "rounds": 1, "seconds": 1, "throughput_rounds": 1}


def _check_bounds(args: argparse.Namespace) -> None:
    """``InvalidOption`` for a count or length the run cannot use: no rounds, no requests,
    a load-generator run shorter than wrk's second or not a whole number of them."""
    for option, least in _LEAST.items():
        value = getattr(args, option)
        if value is not None and value < least:
            msg = f"--{option.replace('_', '-')} must be at least {least}, not {value:g}"
            raise InvalidOption(msg)
    if args.seconds is not None and args.seconds != int(args.seconds):
        # wrk's -d counts whole seconds: 1.5 would run 2 s and be published as 1.5.
        msg = f"--seconds must be a whole number (wrk runs whole seconds), not {args.seconds:g}"
        raise InvalidOption(msg)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-matrix profile",
        description="Measure every configuration's cost per request, throughput and "
        "guarantees on the newest Django version (all with --all-versions) and write "
        "results/profile.json.",
    )
    parser.add_argument("--all-versions", action="store_true", help="every Django version")
    parser.add_argument(
        "--configurations", help="comma-separated record names (default: every record)"
    )
    parser.add_argument("--out", type=Path, help="write here instead of results/profile.json")
    parser.add_argument(
        "--requests",
        type=int,
        help=f"timed requests per kind and size (default {DEFAULTS['requests']})",
    )
    parser.add_argument(
        "--warmup", type=int, help=f"untimed requests first (default {DEFAULTS['warmup']})"
    )
    parser.add_argument(
        "--rounds", type=int, help=f"rounds the requests are split into ({DEFAULTS['rounds']})"
    )
    parser.add_argument(
        "--seconds", type=float, help=f"seconds per load-generator run ({DEFAULTS['seconds']:g})"
    )
    parser.add_argument(
        "--throughput-rounds",
        type=int,
        help=f"load-generator rounds ({DEFAULTS['throughput_rounds']})",
    )
    return parser


def __dir__() -> list[str]:
    return __all__
