"""PostgreSQL connections are pinged on checkout only after lying idle; a dead one is replaced."""

from __future__ import annotations

from sqlalchemy import text

from core.db import engine as engines
from tests.pg import PG_URL, new_database, pg_admin


def backend(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def test_a_connection_used_moments_ago_is_not_pinged_and_an_idle_dead_one_is_replaced(
    monkeypatch,
):
    admin = pg_admin()
    with new_database() as name:
        engine = engines.make_engine(PG_URL.format(name=name))
        pings: list[bool] = []
        ping = engine.dialect.do_ping

        def counted(dbapi_conn) -> bool:
            pings.append(True)
            return ping(dbapi_conn)

        monkeypatch.setattr(engine.dialect, "do_ping", counted)
        try:
            first = backend(engine)
            assert backend(engine) == first  # the same connection, handed out again
            assert pings == []  # a new connection, then one used moments ago: no round trip
            # Idle past the limit and killed by the server meanwhile: pinged, found dead, replaced.
            monkeypatch.setattr(engines, "PING_AFTER_IDLE", 0.0)
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
            assert backend(engine) != first
            assert pings
        finally:
            engine.dispose()
            admin.close()
