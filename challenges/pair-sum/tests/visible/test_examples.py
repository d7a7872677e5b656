def test_prompt_example(submission):
    assert submission.find_pairs_sum([3, 1, 4, 1, 5, 9, 2, 6, 5], 10) == [(1, 9), (4, 6), (5, 5)]


def test_a_value_pairs_with_itself_only_when_repeated(submission):
    assert submission.find_pairs_sum([5], 10) == []
    assert submission.find_pairs_sum([-2, 2, 0, 0, 7], 0) == [(-2, 2), (0, 0)]
