"""The challenge's Django app: products, their order lines and their reviews."""
