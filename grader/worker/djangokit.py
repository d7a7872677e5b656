"""Helpers for Django challenge drivers, run inside the worker (placeholder, being written)."""
