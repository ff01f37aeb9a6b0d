"""Composition root: arguments -> paths -> (GUI | command)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from app.cli import parse_args, run_command

    args = parse_args(argv)
    if args.command is not None:
        return run_command(args)

    from app.paths import resolve_paths
    from ui.application import run_gui

    return run_gui(resolve_paths(args.data_dir, args.db), verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
