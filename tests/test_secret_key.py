"""The survey-link secret created on first use: one key for every process that starts together, kept
private, and never read half-written."""

from __future__ import annotations

import multiprocessing
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from plans.config import Settings


def _key(data_dir: str) -> bytes:
    return Settings(data_dir=Path(data_dir), secret_key=None).resolved_secret_key()


def test_processes_starting_together_share_one_private_key(tmp_path: Path) -> None:
    # spawned, not forked: the suite's process has Prefect's threads, which forking copies mid-lock
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        keys = set(pool.map(_key, [str(tmp_path)] * 32))
    assert len(keys) == 1 and len(keys.pop()) >= 48
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_a_configured_key_wins_and_writes_nothing(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, secret_key="configured").resolved_secret_key() == b"configured"
    assert list(tmp_path.iterdir()) == []
