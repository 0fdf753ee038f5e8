"""Trust: users and roles, passwords and API tokens, the audit trail."""
