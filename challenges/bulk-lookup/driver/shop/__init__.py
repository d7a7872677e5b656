"""The challenge's Django app: customers and their orders."""
