"""The central office server.

Layers, outermost first: `web` (the kiosks' and office's JSON API, the office's pages) and
`cli` call `services` (use cases, one transaction each) and `queries` (read-only figures,
reports and lists); those use `models`, `context` (the database, clock and change feed) and
`states`. Central imports the shared `core` and the wire protocol in `sync`, never the kiosk.
"""
