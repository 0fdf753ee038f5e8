"""Telemetry: status events and measurements in, consent, availability, availability contracts."""
