"""The sample manufacturer: a coherent, deterministic installed base to try servitize on."""
