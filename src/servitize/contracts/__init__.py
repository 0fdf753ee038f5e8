"""Availability contracts: the promise, its monthly evaluation and settlement, the operation report."""
