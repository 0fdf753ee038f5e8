"""Offers: the catalogue's price models, quotes and their totals, bundles, price formulas, and the
recurring revenue they create (proration, indexation, MRR movements)."""
