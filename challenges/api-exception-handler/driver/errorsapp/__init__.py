"""The challenge's Django app: DRF views that fail in every way the hidden tests need."""
