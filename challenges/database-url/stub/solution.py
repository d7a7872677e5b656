"""database-url: see prompt.md for the rules the grader checks."""


def parse_database_url(url: str) -> dict:
    """A Django DATABASES entry (ENGINE NAME USER PASSWORD HOST PORT, and options from the query) for `url`."""
    raise NotImplementedError
