"""grader: a tamper-proof automated grader for coding challenges."""

__version__ = "0.1.0"
