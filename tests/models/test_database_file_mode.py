"""Issue 11, finding 14: the SQLite file (password and token hashes) was created 0644; it and its
-wal and -shm files are now created 0600, whatever the umask. An existing file keeps its mode and works."""
from __future__ import annotations

import os
import stat
from contextlib import contextmanager

from sqlalchemy import text

from lims.db import make_engine


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write_something(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:  # the WAL and shared-memory files exist while a connection is open
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() >= 1
        paths = [p for p in (f"{url[10:]}", f"{url[10:]}-wal", f"{url[10:]}-shm") if os.path.exists(p)]
        modes = {os.path.basename(p): mode(p) for p in paths}
    engine.dispose()
    return modes


def test_a_new_sqlite_database_and_its_wal_are_created_0600(tmp_path):
    """Finding 14: lims.sqlite3, -wal and -shm readable by the owner only."""
    db_file = tmp_path / "lims.sqlite3"
    with umask(0o002):  # a permissive umask: group and others could read a file created 0644/0664
        modes = write_something(f"sqlite:///{db_file}")
    assert set(modes) == {"lims.sqlite3", "lims.sqlite3-wal", "lims.sqlite3-shm"}
    assert set(modes.values()) == {0o600}, {k: oct(v) for k, v in modes.items()}


def test_an_existing_database_file_keeps_working_and_its_mode(tmp_path):
    """Finding 14: a database created before keeps its mode (its owner may have given a group access) and works."""
    db_file = tmp_path / "old.sqlite3"
    db_file.touch()
    os.chmod(db_file, 0o640)
    with umask(0o022):
        write_something(f"sqlite:///{db_file}")
        assert mode(db_file) == 0o640
        write_something(f"sqlite:///{db_file}")  # and again, with its data
