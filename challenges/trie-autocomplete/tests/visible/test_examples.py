import pytest


def make(submission, words):
    trie = submission.Trie()
    for word in words:
        trie.insert(word)
    return trie


def test_prompt_example(submission):
    trie = make(submission, ["car", "cart", "care", "cat", "dog", "Car"])
    assert trie.search_prefix("car") == ["car", "care", "cart"]
    assert trie.search_prefix("ca", limit=2) == ["car", "care"]
    assert trie.search_prefix("")[:2] == ["Car", "car"]
    assert "ca" not in trie
    assert trie.delete("car") is True
    assert trie.search_prefix("car") == ["care", "cart"]
    assert trie.delete("car") is False
    assert len(trie) == 5


def test_negative_limit_is_rejected(submission):
    trie = make(submission, ["a"])
    with pytest.raises(ValueError):
        trie.search_prefix("x", limit=-1)


def test_the_empty_string_is_a_word(submission):
    trie = make(submission, ["", "a"])
    assert "" in trie
    assert trie.search_prefix("") == ["", "a"]
