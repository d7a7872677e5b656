"""Visible examples for safe-monkeypatch (the hidden suite runs many more plans through the same driver).

See driver/driver.py for the world (mod, Base, Child, Leaf, base_obj, child_obj) and the plan format.
"""


def test_class_attribute_patched_and_restored(driver):
    observed = driver.run_plan([{"target": "Base", "name": "color", "value": "token:v1", "use": "with", "body": []}])
    assert observed["error"] is None
    inside, _end, after = observed["trace"]
    assert inside["as"] == "value:token:v1"
    assert inside["state"]["Base"]["color"] == "value:token:v1"
    assert after["state"]["Base"]["color"] == "orig:Base.color"


def test_inherited_attribute_leaves_no_copy_on_the_subclass(driver):
    observed = driver.run_plan([{"target": "Leaf", "name": "make", "value": "token:v1", "use": "with", "body": []}])
    assert observed["trace"][0]["state"]["Leaf"] == {"make": "value:token:v1"}
    assert observed["final"]["Leaf"] == {}
    assert observed["probe_after"]["Leaf().make()"] == "make"


def test_staticmethod_comes_back_as_the_same_object(driver):
    observed = driver.run_plan([{"target": "Base", "name": "make", "value": "none", "use": "sync", "body": []}])
    assert observed["final"]["Base"]["make"] == "orig:Base.make"


def test_exception_escapes_and_the_patch_is_undone(driver):
    plan = [{"target": "mod", "name": "fresh", "value": "token:v1", "use": "async", "body": [], "raise": "Boom"}]
    observed = driver.run_plan(plan)
    after = observed["trace"][-1]
    assert after["caught"] == "Boom" and after["same"] is True
    assert "fresh" not in after["state"]["mod"]


def test_invalid_name(driver):
    [entry] = driver.validation(["not-an-identifier"])
    assert entry["raised"] == "ValueError"
