"""Shared foundations: settings, database, errors, money, time."""
