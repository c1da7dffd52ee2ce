"""The kiosk's side of sync: the outbox pusher and the feed applier (they write kiosk tables)."""
