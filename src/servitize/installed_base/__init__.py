"""Installed base and account 360: accounts, contacts, sites, assets, service history."""
