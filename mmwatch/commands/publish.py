"""`mmwatch publish` (not built yet)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser("publish", help="(not built yet)").set_defaults(run=lambda args: 2)
