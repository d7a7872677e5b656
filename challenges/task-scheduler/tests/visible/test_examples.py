def test_prompt_example(submission):
    s = submission.TaskScheduler()
    s.add_task(2, "email", {"to": "a@example.com"})
    s.add_task(1, "resize", None)
    s.add_task(2, "report")
    assert s.peek() == (1, "resize", None)
    s.add_task(2, "email", {"to": "b@example.com"})
    assert s.cancel("resize") is True
    assert s.cancel("resize") is False
    assert len(s) == 2
    assert s.get_next_task() == (2, "report", None)
    assert s.get_next_task() == (2, "email", {"to": "b@example.com"})
    assert s.get_next_task() is None


def test_lower_priority_runs_first(submission):
    s = submission.TaskScheduler()
    s.add_task(5, "late")
    s.add_task(-1, "early")
    assert s.get_next_task() == (-1, "early", None)
    assert s.get_next_task() == (5, "late", None)
