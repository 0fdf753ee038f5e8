"""Telemetry (C2): status events and measurements in, consent, availability, availability contracts."""
