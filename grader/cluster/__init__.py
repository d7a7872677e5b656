"""Grading on many machines: a coordinator sends gradings through a Celery broker (Redis) to
grading hosts, which grade each in their own sandbox and send the result back."""
