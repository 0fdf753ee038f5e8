"""Service work: work orders as live objects, the dispatch board, preventive-maintenance plans."""
