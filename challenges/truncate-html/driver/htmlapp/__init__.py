"""An empty app: truncate-html needs Django's settings and template engine, not models."""
