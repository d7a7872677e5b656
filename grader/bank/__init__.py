"""Quality gates for the challenge bank: verify, mutation testing, scaffolding."""
