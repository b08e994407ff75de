"""``llm logs prune``: delete chosen responses and everything only they used, in one transaction.

Responses are chosen in every layout ``llm logs`` reads: the ``responses``
table, the original's message store (``turns``) and the pre-0.5 ``log`` /
``logs`` tables. What belongs to them goes too, found through the foreign
keys the tables declare rather than a fixed list: tool calls and results,
links to fragments, attachments and tools, extras, fallbacks, search rows.
Shared things go only once nothing left refers to them: attachments,
fragments (an alias keeps one), conversations and threads, ``llm batch``
runs, and the content-addressed messages of the message store (a message
stays while any remaining turn, thread or message builds on it).
Definitions that cost nothing to keep (tools, toolbox instances, schemas)
stay.

Every choice is first written to temporary tables, so a dry run counts
exactly what a real run would delete without changing the file.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from llm.sqlite import column_names, connection_of, write_transaction

from .db import LEGACY_TABLES, ensure_ready

# Tables whose rows stand on their own: never deleted just because a row they
# point at is (responses -> conversations), only as chosen roots or cleanup.
ENTITIES = frozenset(
    {
        "responses",
        "conversations",
        "turns",
        "threads",
        "messages",
        "attachments",
        "fragments",
        "tools",
        "tool_instances",
        "server_tools",
        "schemas",
        *LEGACY_TABLES,
    }
)
# Deleted once the rows being pruned were the last to refer to them.
SHARED = ("conversations", "threads", "batches", "attachments", "fragments")
_CONTENT_OPTION = re.compile(r"content\s*=\s*[\"'\[`]?([^\"'\]`,)\s]+)", re.IGNORECASE)


@dataclass(frozen=True)
class PruneCriteria:
    """Which responses to delete: those matching every criterion given.

    ``before`` is a UTC timestamp (see ``periods.parse_point``); ``keep``
    spares the N most recently active conversations.
    """

    before: str | None = None
    keep: int | None = None
    model: str | None = None
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        if self.keep is not None and self.keep < 0:
            raise ValueError("keep must be 0 or more")
        if (
            self.before is None
            and self.keep is None
            and not self.model
            and not self.conversation_id
        ):
            raise ValueError(
                "Say what to prune: a time (before), conversations to keep, "
                "a model or a conversation"
            )


@dataclass
class PrunePlan:
    """What a prune deletes (or deleted): rows per table, in the order they go."""

    rows: dict[str, int] = field(default_factory=dict)
    responses: int = 0  # responses, turns and pre-0.5 rows chosen
    conversations: int = 0  # conversations they belong to
    oldest: str | None = None
    newest: str | None = None

    @property
    def empty(self) -> bool:
        return self.responses == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "responses": self.responses,
            "conversations": self.conversations,
            "oldest": self.oldest,
            "newest": self.newest,
            "rows": dict(self.rows),
        }


def _temp(table: str) -> str:
    return f'temp."_prune_{table}"'


class _Pruner:
    """Marks rows to delete in temporary tables, counts them and deletes them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.tables = {
            row[0]
            for row in conn.execute(
                "select name from sqlite_master where type = 'table' "
                "and name not like 'sqlite_%'"
            )
        }
        # parent table -> [(child table, child column, parent column)]
        self.children: dict[str, list[tuple[str, str, str]]] = {}
        for table in sorted(self.tables):
            keys: dict[int, list[tuple[str, str, str | None]]] = {}
            for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
                keys.setdefault(row[0], []).append((row[2], row[3], row[4]))
            for parts in keys.values():
                if len(parts) != 1:
                    continue  # composite keys: none in any logs schema
                parent, column, target = parts[0]
                if parent in self.tables:
                    target = target or self._primary_key(parent)
                    self.children.setdefault(parent, []).append((table, column, target))
        self.marked: list[str] = []  # tables with a temp table, in marking order

    def _primary_key(self, table: str) -> str:
        for row in self.conn.execute(f'PRAGMA table_info("{table}")'):
            if row[5] == 1:
                return str(row[1])
        return "rowid"

    # --- marking ---------------------------------------------------------

    def _ensure(self, table: str) -> None:
        if table not in self.marked:
            self.conn.execute(
                f"create temp table if not exists {_temp(table)} "
                "(rid integer primary key)"
            )
            self.conn.execute(f"delete from {_temp(table)}")
            self.marked.append(table)

    def _mark(self, table: str, select_rowids: str, params: Any = ()) -> int:
        self._ensure(table)
        cursor = self.conn.execute(
            f"insert or ignore into {_temp(table)} (rid) {select_rowids}", params
        )
        return cursor.rowcount

    def _doomed(self, table: str) -> str:
        """SQL: the rowids of ``table`` marked so far (none when unmarked)."""
        if table in self.marked:
            return f"select rid from {_temp(table)}"
        return "select null where 0"

    def mark_roots(self, criteria: PruneCriteria) -> None:
        keep = self._recent_conversations(criteria.keep)
        if "responses" in self.tables:
            self._mark_root("responses", "conversation_id", criteria, keep)
        if {"turns", "threads", "messages"} <= self.tables:
            self._mark_root("turns", "thread_id", criteria, keep)
        self._mark_legacy(criteria, keep)

    def _mark_root(
        self, table: str, conversation: str, criteria: PruneCriteria, keep: bool
    ) -> None:
        """Mark the rows of ``responses`` or ``turns`` that match every criterion."""
        where: list[str] = []
        params: list[Any] = []
        if criteria.before is not None:
            where.append("r.datetime_utc < ?")
            params.append(criteria.before)
        if criteria.model:
            where.append("r.model = ?")
            params.append(criteria.model)
        if criteria.conversation_id:
            where.append(f"r.{conversation} = ?")
            params.append(criteria.conversation_id)
        if keep:
            where.append(
                f"coalesce(r.{conversation}, r.id) "
                "not in (select id from temp._prune_keep)"
            )
        sql = f'select r.rowid from "{table}" r'
        if where:
            sql += " where " + " and ".join(where)
        self._mark(table, sql, params)

    def _legacy(self) -> list[tuple[dict[str, Any], tuple[str, int]]]:
        from .legacy_log import legacy_records, legacy_row_ids

        places = legacy_row_ids(self.conn)
        return [(record, places[record["id"]]) for record in legacy_records(self.conn)]

    def _mark_legacy(self, criteria: PruneCriteria, keep: bool) -> None:
        kept: set[str] = set()
        if keep:
            kept = {
                row[0] for row in self.conn.execute("select id from temp._prune_keep")
            }
        for record, (table, rowid) in self._legacy():
            when = record.get("datetime_utc")
            if criteria.before is not None and not (when and when < criteria.before):
                continue
            if criteria.model and record["model"] != criteria.model:
                continue
            if (
                criteria.conversation_id
                and record["conversation_id"] != criteria.conversation_id
            ):
                continue
            if keep and record["conversation_id"] in kept:
                continue
            self._mark(table, "select ?", (rowid,))

    def _recent_conversations(self, keep: int | None) -> bool:
        """Fill temp._prune_keep with the ``keep`` most recently active conversations."""
        if keep is None:
            return False
        latest: dict[str, str] = {}
        sources = []
        if "responses" in self.tables:
            sources.append(
                "select coalesce(conversation_id, id), max(id) from responses group by 1"
            )
        if {"turns", "threads", "messages"} <= self.tables:
            sources.append("select thread_id, max(id) from turns group by 1")
        for sql in sources:
            for conversation_id, last in self.conn.execute(sql):
                if last > latest.get(conversation_id, ""):
                    latest[conversation_id] = last
        for record, _ in self._legacy():
            conversation_id = record["conversation_id"]
            if record["id"] > latest.get(conversation_id, ""):
                latest[conversation_id] = record["id"]
        newest = sorted(latest, key=lambda c: latest[c], reverse=True)[:keep]
        self.conn.execute(
            "create temp table if not exists _prune_keep (id text primary key)"
        )
        self.conn.execute("delete from temp._prune_keep")
        self.conn.executemany(
            "insert into temp._prune_keep values (?)", [(c,) for c in newest]
        )
        return True

    def cascade(self, parent: str) -> None:
        """Mark the rows that belong to marked rows of ``parent`` (links, details)."""
        if parent not in self.marked:
            return
        for child, column, target in self.children.get(parent, []):
            if child in ENTITIES or child == parent:
                continue
            added = self._mark(
                child,
                f'select c.rowid from "{child}" c where c."{column}" in '
                f'(select p."{target}" from "{parent}" p where p.rowid in '
                f"({self._doomed(parent)}))",
            )
            if added:
                self.cascade(child)

    def release(self, table: str) -> None:
        """Mark rows of a shared table that marked rows refer to and nothing else does."""
        if table not in self.tables:
            return
        references = self.children.get(table, [])
        for child, column, target in references:
            if child in self.marked:
                self._mark(
                    table,
                    f'select p.rowid from "{table}" p where p."{target}" in '
                    f'(select c."{column}" from "{child}" c where c.rowid in '
                    f"({self._doomed(child)}))",
                )
        if table not in self.marked:
            return
        for child, column, target in references:
            self.conn.execute(
                f"delete from {_temp(table)} where rid in "
                f'(select p.rowid from "{table}" p where p."{target}" in '
                f'(select c."{column}" from "{child}" c where c."{column}" is not null '
                f"and c.rowid not in ({self._doomed(child)})))"
            )

    def mark_messages(self) -> None:
        """Mark messages no remaining turn, thread or message builds on.

        Candidates are every ancestor of the marked turns' and threads'
        messages; of those, the ancestors of anything that stays are kept.
        """
        if not {"turns", "threads", "messages"} <= self.tables:
            return
        if "turns" not in self.marked:
            return
        self.conn.execute(
            "create temp table if not exists _prune_candidates (hash text primary key)"
        )
        self.conn.execute("delete from temp._prune_candidates")
        turns, threads = self._doomed("turns"), self._doomed("threads")
        self.conn.execute(
            f"""
            insert into temp._prune_candidates
            with recursive up(hash) as (
              select parent_message_hash from turns where rowid in ({turns})
              union select tip_message_hash from turns where rowid in ({turns})
              union select tip_message_hash from threads where rowid in ({threads})
              union select m.parent_hash from messages m join up on m.hash = up.hash
            )
            select hash from up where hash is not null
            """
        )
        candidates = "select hash from temp._prune_candidates"
        self._mark(
            "messages",
            f"""
            with recursive kept(hash) as (
              select parent_message_hash from turns
                where rowid not in ({turns}) and parent_message_hash in ({candidates})
              union select tip_message_hash from turns
                where rowid not in ({turns}) and tip_message_hash in ({candidates})
              union select tip_message_hash from threads
                where rowid not in ({threads}) and tip_message_hash in ({candidates})
              union select parent_hash from messages
                where hash not in ({candidates}) and parent_hash in ({candidates})
              union select m.parent_hash from messages m join kept on m.hash = kept.hash
            )
            select rowid from messages where hash in ({candidates})
              and hash not in (select hash from kept where hash is not null)
            """,
        )
        self.cascade("messages")

    # --- counting and deleting ---------------------------------------------

    def _count(self, table: str) -> int:
        return int(
            self.conn.execute(f"select count(*) from {_temp(table)}").fetchone()[0]
        )

    def _fts_tables(self) -> list[tuple[str, str, bool]]:
        """(FTS table, its content table, whether a delete trigger keeps it in step)."""
        found = []
        for name, sql in self.conn.execute(
            "select name, sql from sqlite_master where type = 'table' "
            "and sql like 'CREATE VIRTUAL TABLE%USING FTS%'"
        ):
            match = _CONTENT_OPTION.search(sql or "")
            if not match or not match.group(1):
                continue
            content = match.group(1)
            triggered = any(
                name in (trigger_sql or "") and "DELETE" in (trigger_sql or "").upper()
                for (trigger_sql,) in self.conn.execute(
                    "select sql from sqlite_master where type = 'trigger' "
                    "and tbl_name = ? and upper(sql) like '%AFTER DELETE%'",
                    (content,),
                )
            )
            found.append((name, content, triggered))
        return found

    def plan(self) -> PrunePlan:
        plan = PrunePlan()
        for table in self._deletion_order():
            count = self._count(table)
            if count:
                plan.rows[table] = count
        for fts, content, _ in self._fts_tables():
            if plan.rows.get(content):
                plan.rows[fts] = plan.rows[content]
        roots = [t for t in ("responses", "turns", *LEGACY_TABLES) if t in self.marked]
        plan.responses = sum(self._count(t) for t in roots)
        if "responses" in roots and "turns" in roots:
            # Rows the original wrote to both layouts are one response.
            plan.responses -= int(
                self.conn.execute(
                    f"select count(*) from responses where rowid in "
                    f"({self._doomed('responses')}) and id in (select id from turns)"
                ).fetchone()[0]
            )
        self._summarise(plan, roots)
        return plan

    def _summarise(self, plan: PrunePlan, roots: list[str]) -> None:
        conversations: set[str] = set()
        times: list[str] = []
        for table, column in (("responses", "conversation_id"), ("turns", "thread_id")):
            if table not in roots:
                continue
            for conversation_id, oldest, newest in self.conn.execute(
                f'select coalesce("{column}", id), min(datetime_utc), max(datetime_utc) '
                f'from "{table}" where rowid in ({self._doomed(table)}) group by 1'
            ):
                conversations.add(conversation_id)
                times.extend(t for t in (oldest, newest) if t)
        legacy = [t for t in LEGACY_TABLES if t in roots]
        if legacy:
            doomed = {
                (table, rowid)
                for table in legacy
                for (rowid,) in self.conn.execute(self._doomed(table))
            }
            for record, place in self._legacy():
                if place in doomed:
                    conversations.add(record["conversation_id"])
                    if record.get("datetime_utc"):
                        times.append(record["datetime_utc"])
        plan.conversations = len(conversations)
        if times:
            plan.oldest, plan.newest = min(times), max(times)

    def _deletion_order(self) -> list[str]:
        """Marked tables, each before the tables it refers to."""
        marked = set(self.marked)
        parents: dict[str, set[str]] = {table: set() for table in marked}
        for parent, children in self.children.items():
            for child, _, _ in children:
                if child in marked and parent in marked and child != parent:
                    parents[child].add(parent)
        order: list[str] = []
        remaining = list(self.marked)
        while remaining:
            for table in remaining:
                # A table goes once no other remaining table refers to it.
                if not any(
                    table in parents[other] for other in remaining if other != table
                ):
                    order.append(table)
                    remaining.remove(table)
                    break
            else:  # a cycle: keep marking order for what is left
                order.extend(remaining)
                break
        return order

    def delete(self) -> None:
        untriggered = [
            (f, c) for f, c, triggered in self._fts_tables() if not triggered
        ]
        for table in self._deletion_order():
            for fts, content in untriggered:
                if content == table:
                    self._delete_fts(fts, content)
            self.conn.execute(
                f'delete from "{table}" where rowid in ({self._doomed(table)})'
            )

    def _delete_fts(self, fts: str, content: str) -> None:
        """Remove rows from an external-content FTS index that no trigger maintains."""
        columns = [row[1] for row in self.conn.execute(f'PRAGMA table_info("{fts}")')]
        quoted = ", ".join(f'"{c}"' for c in columns)
        self.conn.execute(
            f'insert into "{fts}" ("{fts}", rowid, {quoted}) '
            f"select 'delete', rowid, {quoted} from \"{content}\" "
            f"where rowid in ({self._doomed(content)})"
        )

    def drop(self) -> None:
        for table in self.marked:
            self.conn.execute(f"drop table if exists {_temp(table)}")
        for name in ("_prune_keep", "_prune_candidates"):
            self.conn.execute(f"drop table if exists temp.{name}")

    def keep_unfinished_batches(self) -> None:
        """Keep a batch that may still be adding rows, even if none is left now."""
        if "batches" in self.marked and "status" in column_names(self.conn, "batches"):
            self.conn.execute(
                f"delete from {_temp('batches')} where rid in (select rowid "
                "from batches where status in ('running', 'submitting', 'submitted'))"
            )

    def keep_payload_references(self) -> None:
        """Keep what remaining message parts name inside their JSON payloads.

        Parts of the message store can point at fragments (``text_ref``) and
        attachments (by ID) in their payload rather than through link tables.
        """
        if "parts" not in self.tables:
            return
        remaining = (
            f"select payload from parts where rowid not in ({self._doomed('parts')}) "
            "and payload is not null"
        )
        if "fragments" in self.marked:
            self.conn.execute(
                f"""
                delete from {_temp("fragments")} where rid in (
                  select f.rowid from fragments f where f.id in (
                    select json_extract(ref.value, '$.fragment')
                    from ({remaining}) p, json_each(p.payload, '$.text_ref') ref
                    where json_valid(p.payload) and p.payload like '%text_ref%'
                  )
                )
                """
            )
        if "attachments" in self.marked:
            self.conn.execute(
                f"""
                delete from {_temp("attachments")} where rid in (
                  select a.rowid from attachments a
                  where a.rowid in ({self._doomed("attachments")})
                  and exists (select 1 from ({remaining}) p
                              where instr(p.payload, a.id) > 0)
                )
                """
            )

    def mark(self, criteria: PruneCriteria) -> None:
        self.mark_roots(criteria)
        for root in ("responses", "turns"):
            self.cascade(root)
        self.release("conversations")
        self.release("threads")
        self.release("batches")
        self.keep_unfinished_batches()
        self.mark_messages()
        self.release("attachments")
        self.release("fragments")
        self.keep_payload_references()


def plan_prune(db: Any, criteria: PruneCriteria) -> PrunePlan:
    """What ``prune_logs`` would delete, counted without changing the database.

    Works on a database opened without migrating it; the counting happens in
    a read transaction that is rolled back (only temporary tables are written).
    """
    conn = connection_of(db)
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    pruner = _Pruner(conn)
    try:
        pruner.mark(criteria)
        return pruner.plan()
    finally:
        pruner.drop()
        if own:
            conn.rollback()


def prune_logs(db: Any, criteria: PruneCriteria) -> PrunePlan:
    """Delete the chosen responses and what only they used, in one transaction."""
    conn = ensure_ready(db)
    with write_transaction(conn):
        pruner = _Pruner(conn)
        pruner.mark(criteria)
        plan = pruner.plan()
        if not plan.empty:
            pruner.delete()
        pruner.drop()
    return plan


def vacuum_logs(db: Any) -> None:
    """Give the space freed back to the file system (VACUUM, then empty the WAL)."""
    conn = connection_of(db)
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


__all__ = [
    "PruneCriteria",
    "PrunePlan",
    "plan_prune",
    "prune_logs",
    "vacuum_logs",
]
