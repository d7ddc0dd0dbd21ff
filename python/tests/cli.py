"""Calling shardlab's Node CLI from the tests (`node bin/shardlab.mjs ...` at the repo root)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class CliError(AssertionError):
    """A shardlab command that exited non-zero; the message carries its stderr."""


def shardlab(*args: str) -> str:
    proc = subprocess.run(["node", "bin/shardlab.mjs", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise CliError(f"shardlab {' '.join(args)} exited {proc.returncode}:\n{proc.stderr.strip()}")
    return proc.stdout


def shardlab_json(*args: str) -> Any:
    out = shardlab(*args)
    try:
        return json.loads(out)
    except json.JSONDecodeError as e:
        raise CliError(f"shardlab {' '.join(args)} printed no JSON ({e}):\n{out[:500]}") from e


class Running:
    """A shardlab command started in the background (so it runs while JAX compiles)."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc = subprocess.Popen(["node", "bin/shardlab.mjs", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def json(self) -> Any:
        out, err = self.proc.communicate(timeout=300)
        if self.proc.returncode != 0:
            raise CliError(f"shardlab {' '.join(self.args)} exited {self.proc.returncode}:\n{err.strip()}")
        try:
            return json.loads(out)
        except json.JSONDecodeError as e:
            raise CliError(f"shardlab {' '.join(self.args)} printed no JSON ({e}):\n{out[:500]}") from e
