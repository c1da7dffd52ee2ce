"""A kiosk that cannot write its data folder refuses to start, and says why in both languages."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import run_kiosk

from tests.full_disk import fill, remount_read_only, tmpfs


def _config(tmp_path: Path, data: Path) -> Path:
    config = tmp_path / "moved.toml"
    config.write_text(
        f'[kiosk]\nid = "K07"\nstore = "测试村爱心超市"\ndata_dir = "{data}"\n'
        '[printer]\nbackend = "simulator"\n[camera]\nsource = "sim"\n',
        encoding="utf-8",
    )
    return config


def _refused(result: subprocess.CompletedProcess[str], data: Path, zh: str, en: str) -> None:
    assert result.returncode != 0, result.stdout
    assert str(data) in result.stderr
    assert zh in result.stderr and en in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "kiosk http://" not in result.stdout  # it never started serving


def _copy(data: Path, disk: Path) -> None:
    for path in data.iterdir():
        shutil.copy2(path, disk / path.name)


def test_kiosk_run_on_a_read_only_data_folder_refuses_to_start_naming_the_problem(store, tmp_path):
    _, data = store
    with tmpfs(tmp_path / "disk", "16m") as disk:
        _copy(data, disk)
        remount_read_only(disk)
        result = run_kiosk("run", "--config", str(_config(tmp_path, disk)), timeout=30)
    _refused(result, disk, "只读文件系统", "read-only file system")


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root may write any folder whatever its mode (see the test above)"
)
def test_kiosk_run_on_a_data_folder_it_may_not_write_refuses_to_start(store, tmp_path):
    _, data = store
    disk = tmp_path / "disk"
    shutil.copytree(data, disk)
    disk.chmod(0o555)
    try:
        result = run_kiosk("run", "--config", str(_config(tmp_path, disk)), timeout=30)
    finally:
        disk.chmod(0o700)
    _refused(result, disk, "没有写入权限", "no permission to write")


def test_kiosk_run_on_a_full_disk_refuses_to_start_naming_the_problem(store, tmp_path):
    _, data = store
    with tmpfs(tmp_path / "disk", "16m") as disk:
        _copy(data, disk)
        fill(disk)
        result = run_kiosk("run", "--config", str(_config(tmp_path, disk)), timeout=30)
    _refused(result, disk, "磁盘已满", "the disk is full")


def test_kiosk_demo_on_a_read_only_folder_refuses_to_start_naming_the_problem(tmp_path):
    with tmpfs(tmp_path / "disk", "4m", readonly=True) as disk:
        result = run_kiosk("demo", "--data", str(disk / "demo"), "--port", "0", timeout=30)
    _refused(result, disk / "demo", "只读文件系统", "read-only file system")
