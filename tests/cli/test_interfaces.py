"""The interfaces users script against: the CLI's help and the Prefect deployment file."""

from __future__ import annotations

import importlib
import subprocess
import sys

import yaml

from support.paths import REPO


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsetl.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_help_names_every_command_and_option():
    top = _cli("--help")
    assert top.returncode == 0 and "run" in top.stdout and "sql" in top.stdout
    run = _cli("run", "--help")
    assert all(opt in run.stdout for opt in ("--raw", "--warehouse", "--batch-size"))
    sql = _cli("sql", "--help")
    assert all(opt in sql.stdout.lower() for opt in ("--format", "--warehouse", "read-only"))


def test_sql_without_a_warehouse_says_so(tmp_path):
    out = _cli("sql", "--warehouse", str(tmp_path / "none"), "SELECT 1")
    assert out.returncode == 2 and "newsetl run" in out.stderr


def test_prefect_yaml_deploys_the_ingest_flow_daily():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    [deployment] = [d for d in spec["deployments"] if d["name"] == "daily-ingest"]
    assert deployment["schedules"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day
    assert deployment["work_pool"]["name"]
    path, _, name = deployment["entrypoint"].partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, name)
    assert flow.name == "ingest"
    assert set(deployment["parameters"]) <= set(flow.parameters.properties)


def test_data_dictionary_is_up_to_date():
    from newsetl.cli.docs import render

    committed = (REPO / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/tables.md is stale: run `newsetl docs`"
    assert "## `articles`" in committed and "primary key `article_id`" in committed


def test_prefect_yaml_deploys_the_maintain_flow_weekly():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    [deployment] = [d for d in spec["deployments"] if d["name"] == "weekly-maintain"]
    minute, hour, day, month, weekday = deployment["schedules"][0]["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit()  # once a week
    path, _, name = deployment["entrypoint"].partition(":")
    flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
    assert flow.name == "maintain"
    assert set(deployment["parameters"]) <= set(flow.parameters.properties)
