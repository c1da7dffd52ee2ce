"""Central's web: the JSON API under /api/v1 and the office's pages."""
