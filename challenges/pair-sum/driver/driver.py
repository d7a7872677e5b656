"""Runs next to the submission: calls find_pairs_sum on a list the worker owns and
reports what that list holds afterwards (the harness compares it to its own copy)."""

import solution


def input_after_call(numbers, target):
    solution.find_pairs_sum(numbers, target)
    return list(numbers)
