"""Central's use cases: each function is one transaction on the central database."""
