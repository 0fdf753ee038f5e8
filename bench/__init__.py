"""Benchmarks of servitize: ``make bench`` runs them, results land in bench/results/."""
