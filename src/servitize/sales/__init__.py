"""Solution sales: opportunities through five phases, the blueprint, gates, teams, win/loss."""
