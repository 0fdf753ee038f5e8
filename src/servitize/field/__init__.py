"""Technicians sell: lead routing, the technician's day, sign-up sheets, recognition."""
