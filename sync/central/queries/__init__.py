"""Central's read side: figures, reports, the feed and the office's lists, read only."""
