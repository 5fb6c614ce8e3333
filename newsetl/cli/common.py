"""What the commands share: one-line usage errors, the --warehouse option, output formats."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from newsetl.settings import Settings


class Parser(argparse.ArgumentParser):
    """Usage errors in one line (``newsetl run: argument --batch-size: invalid int value``), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def add_warehouse(parser: argparse.ArgumentParser, defaults: Settings) -> None:
    parser.add_argument("--warehouse", default=defaults.warehouse_dir,
                        help="warehouse directory or s3://bucket/prefix (default: %(default)s)")


def settings_of(args: argparse.Namespace) -> Settings:
    """The command's settings: the environment's, with its --warehouse; built once, here,
    and passed to what the command calls."""
    from newsetl.cli.preflight import settings_for

    return settings_for({"warehouse_dir": args.warehouse})


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def cell_text(value: Any):
    """A value as rich prints it: as written, never as console markup (a ``[/x]`` in data
    would raise, a ``[link=…]`` would style), with control characters left out."""
    from rich.text import Text

    text = "" if value is None else str(value)
    # No terminal escape from the data reaches the screen (an ESC [ sequence can recolour,
    # move the cursor or retitle the terminal).
    return Text("".join(ch if ch.isprintable() or ch == "\n" else "\ufffd" for ch in text))


def print_table(columns: list[str], rows: list[tuple], out) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*(cell_text(v) for v in row))
    # Piped output has no terminal width to follow; keep rows whole rather than wrapped at 80.
    Console(file=out, width=None if out.isatty() else 200).print(table)


def emit(columns: list[str], rows: list[tuple], fmt: str) -> None:
    if fmt == "json":
        json.dump([{c: jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[jsonable(v) for v in row] for row in rows])
    else:
        print_table(columns, rows, sys.stdout)
