"""Benchmarks: the cost of isolation, graded three ways in one run (`grader bench`)."""
