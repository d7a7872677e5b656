"""The challenge's Django app: authors, tags and books."""
