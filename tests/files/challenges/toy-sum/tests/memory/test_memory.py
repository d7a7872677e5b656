"""A suite for the grader's own tests of `worker_memory`: `hold(mb)` keeps `mb` MB alive during the call."""


def test_memory_is_counted_outside_the_process(submission, worker_memory):
    with worker_memory() as small:
        submission.hold(1)
    with worker_memory() as big:
        submission.hold(120)
    assert small.growth_mb is not None and small.growth_mb < 40, small
    assert big.growth_mb is not None and big.growth_mb > 100, big
