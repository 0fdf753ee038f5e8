"""Partners and dealers around an account, and competitors tracked by type."""
