"""Runs in the worker next to the submission.

A `slice` object is not a plain value, so the channel would pass it by
reference and `query[remote_slice]` could not work; the slice is built here,
on the submission's side, from plain ints. The result is returned untouched:
the hidden tests check on the harness side that it is a plain list.
"""


def take_slice(query, start, stop, step):
    return query[start:stop:step]
