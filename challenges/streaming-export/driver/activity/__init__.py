"""The challenge's Django app: an activity log of events."""
