"""Visible examples for versioned-cache."""

import pytest


class Body:
    """Stands for a decorated function's body: counts calls (the driver forwards them here)."""

    def __init__(self):
        self.calls = []

    def __call__(self, name, *args):
        self.calls.append(args)
        return f"{name}#{len(self.calls)}"


def test_prompt_example(submission):
    cache = submission.VersionedCache()
    cache.set("user:1", {"name": "Ada"})
    cache.set("settings", {"theme": "dark"})
    cache.incr_version("user")
    assert cache.get("user:1") is None
    assert cache.get("settings") == {"theme": "dark"}
    assert cache.get_or_set("user:1", lambda: {"name": "Ada L."}) == {"name": "Ada L."}
    assert cache.get("user:1") == {"name": "Ada L."}


def test_ttl_with_a_fake_clock(submission):
    now = [0.0]
    cache = submission.VersionedCache(None, lambda: now[0])
    cache.set("k", "v", ttl=10)
    now[0] = 9.5
    assert cache.get("k") == "v"
    now[0] = 10.0
    assert cache.get("k", "miss") == "miss"
    with pytest.raises(ValueError):
        cache.set("k", "v", ttl=0)


def test_cached_shares_entries_between_equivalent_calls(driver):
    cache = driver.make_cache()
    body = Body()
    price = driver.decorate(cache, "prices", "price", body)  # def price(item, qty=1, *, currency="EUR")
    assert price("apple") == "price#1"
    assert price("apple", 1) == "price#1"
    assert price(item="apple", qty=1) == "price#1"
    cache.incr_version("prices")
    assert price("apple") == "price#2"
