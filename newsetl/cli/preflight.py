"""Checks of a run's arguments, paths and settings before anything starts.

``newsetl run`` calls ``check_run`` before it imports Prefect (whose temporary API server
takes 10-25 s to come up), so a missing raw directory or an unreadable URL list is one
line and exit code 2 within a second, not a failed flow run or a traceback. Only light
modules are imported here: no Prefect, deltalake, pandas or spaCy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from newsetl.land import location as storage
from newsetl.settings import Settings


class UsageError(Exception):
    """A bad argument, path or setting: the message is one line for people."""


# Settings fields that have a command-line option: an error names the option the user typed.
OPTIONS = {"raw_dir": "--raw", "warehouse_dir": "--warehouse", "batch_size": "--batch-size",
           "dask_address": "--dask-address", "dask_local": "--dask-local"}


def settings_for(overrides: Mapping[str, Any]) -> Settings:
    """The run's settings: the environment's, with the options given (None: not given)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise UsageError(describe_settings_error(exc, given)) from None


def describe_settings_error(exc: ValidationError, given: Iterable[str] = ()) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    where = OPTIONS[name] if name in given and name in OPTIONS else f"NEWSETL_{name.upper()}"
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
    return f"{where}: {error['msg']}{shown}"


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_raw_dir(raw: Path, created_by_fetch: bool = False) -> None:
    """The raw directory must be a readable directory. When the run fetches pages it may
    be missing (the fetch creates it), as long as it can be created there."""
    if raw.is_dir():
        if not os.access(raw, os.R_OK | os.X_OK):
            raise UsageError(f"--raw {raw}: cannot read this directory")
        return
    if raw.exists():
        raise UsageError(f"--raw {raw}: not a directory")
    if not created_by_fetch:
        raise UsageError(f"--raw {raw}: no such directory")
    ancestor = _existing_ancestor(raw)
    if not ancestor.is_dir():
        raise UsageError(f"--raw {raw}: cannot be created, {ancestor} is not a directory")


def check_warehouse(where: str, settings: Settings) -> None:
    """A directory (existing or to be created) or an object-store URI whose local
    directory can be one."""
    try:
        loc = storage.locate(where, settings)
    except ValueError as exc:
        raise UsageError(f"--warehouse {where}: {exc}") from None
    local = loc.local
    label = f"--warehouse {where}" if not loc.remote else f"--warehouse {where}: its local directory {local}"
    if local.exists() and not local.is_dir():
        raise UsageError(f"{label}: exists and is not a directory")
    ancestor = _existing_ancestor(local)
    if not ancestor.is_dir():
        raise UsageError(f"{label}: cannot be created, {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(f"{label}: {ancestor} is not writable")


def check_readable_file(path: Path, option: str) -> None:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except IsADirectoryError:
        raise UsageError(f"{option} {path}: a directory, not a file") from None
    except FileNotFoundError:
        raise UsageError(f"{option} {path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot read it ({exc.strerror or exc})") from None


def check_sources_file(path: Path) -> None:
    """The sources file parses, and the URL lists and WARCs it names are readable."""
    import yaml

    from newsetl.sources.sourcefile import load_sources

    check_readable_file(path, "--sources")
    try:
        sources = load_sources(path)
    except FileNotFoundError as exc:  # a url_lists entry
        raise UsageError(f"--sources {path}: url_lists entry {exc.filename}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--sources {path}: cannot read a file it names ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise UsageError(f"--sources {path}: not valid YAML{where}: {problem}") from None
    except ValueError as exc:
        raise UsageError(f"--sources {exc}") from None
    for warc in sources.warcs:
        check_readable_file(warc, f"--sources {path}: warcs entry")


def check_run(raw: Path, warehouse: str, settings: Settings, *, urls_file: Path | None = None, feeds: Iterable[str] = (),
              warcs: Iterable[Path] = (), sources_file: Path | None = None) -> None:
    """Every path a run needs, in the order of the command line; raises the first problem.
    With web sources the raw directory may be missing: their pages are stored there first."""
    warcs = list(warcs)
    check_raw_dir(raw, created_by_fetch=bool(urls_file or list(feeds) or warcs or sources_file))
    check_warehouse(warehouse, settings)
    if urls_file is not None:
        check_readable_file(urls_file, "--urls")
    for warc in warcs:
        check_readable_file(warc, "--warc")
    if sources_file is not None:
        check_sources_file(sources_file)
