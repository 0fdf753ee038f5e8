"""Installed-base intelligence: features, segments, digital-twin positioning, propensity, leads."""
