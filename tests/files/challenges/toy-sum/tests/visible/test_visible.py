def test_add_example(submission):
    assert submission.add(1, 1) == 2
