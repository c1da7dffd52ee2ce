"""Fixtures for driving the `kiosk` command as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import demo
from kiosk.bootstrap import bootstrap
from kiosk.config import load
from printer.simulator import SimulatedPrinter


@pytest.fixture
def store(tmp_path: Path):
    """Return (config path, data dir) of a seeded kiosk on disk."""
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nid = "K07"\nstore = "测试村爱心超市"\ndata_dir = "{data}"\n'
        '[printer]\nbackend = "simulator"\n',
        encoding="utf-8",
    )
    runtime = bootstrap(load(config), printer=SimulatedPrinter())
    demo.seed(runtime.kiosk, data)
    runtime.close()
    return config, data
