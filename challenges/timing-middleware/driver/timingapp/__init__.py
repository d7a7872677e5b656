"""The challenge's Django app: two views (sync and async) whose behaviour the driver stages per request."""
