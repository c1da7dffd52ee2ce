"""Database plumbing both programs use: engines, the unit of work, locked migrations."""
