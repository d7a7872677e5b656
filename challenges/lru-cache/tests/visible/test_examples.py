import pytest


def test_prompt_example(submission):
    cache = submission.LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") == -1
    assert len(cache) == 2


def test_capacity_below_one_is_rejected(submission):
    with pytest.raises(ValueError):
        submission.LRUCache(0)
