"""Installed base and account 360 (C1): accounts, contacts, sites, assets, service history."""
