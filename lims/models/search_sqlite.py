"""SQLite's index of the search text: an FTS5 table with the trigram tokenizer per searched table.

``<table>_fts`` holds the ``search_text`` of ``<table>`` (external content: the text is stored once,
in the table) and triggers keep it in step with every insert, update of ``search_text`` and delete.
A word of three letters or more is looked up in it (``MATCH``, a substring match); shorter words
are matched by scanning (:mod:`lims.services.listing`).
"""
from __future__ import annotations

from sqlalchemy.engine import Connection

__all__ = ["create_fts", "drop_all_fts", "drop_fts", "fts_name", "is_fts_table"]


def fts_name(table: str) -> str:
    return f"{table}_fts"


def is_fts_table(name: str) -> bool:
    """Whether ``name`` is one of these tables or an FTS5 shadow table of one (not in the models)."""
    return "_fts" in name


def create_fts(conn: Connection, table: str) -> None:
    fts = fts_name(table)
    conn.exec_driver_sql(f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', "
                         f"content_rowid='id', tokenize='trigram')")
    conn.exec_driver_sql(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
                         f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END")
    conn.exec_driver_sql(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
                         f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
                         f"END")
    conn.exec_driver_sql(f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
                         f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
                         f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END")
    conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def drop_fts(conn: Connection, table: str) -> None:
    fts = fts_name(table)
    for suffix in ("ai", "ad", "au"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {fts}")


def drop_all_fts(conn: Connection) -> None:
    """Drop every search index of the database (their triggers and shadow tables with them)."""
    names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE "
                                 "'CREATE VIRTUAL TABLE%USING fts5%'").scalars().all()
    for name in names:
        if name.endswith("_fts"):
            drop_fts(conn, name.removesuffix("_fts"))
