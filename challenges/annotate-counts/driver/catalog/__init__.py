"""The challenge's Django app: authors and their books."""
