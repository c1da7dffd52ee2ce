"""WSGI entry point for production servers: `gunicorn sync.central.wsgi:app`.

The database comes from KIOSK_CENTRAL_DATABASE_URL (default sqlite:///central.db); a streaming
replica for the office's reads from KIOSK_CENTRAL_READ_DATABASE_URL (default none). Each worker
migrates as it imports this module; on PostgreSQL the migrations take an advisory lock, so
workers starting at once on a new database upgrade it once (tests/sync/test_wsgi_workers.py).
"""

from __future__ import annotations

import os

from sync.central.app import create_central_app
from sync.central.jobs import Jobs
from sync.central.server import open_central

central = open_central(
    os.environ.get("KIOSK_CENTRAL_DATABASE_URL", "sqlite:///central.db"),
    read_url=os.environ.get("KIOSK_CENTRAL_READ_DATABASE_URL", "").strip() or None,
)
app = create_central_app(central)
jobs = Jobs(central).start()  # points expiry under the programme's policy
