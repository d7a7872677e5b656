"""Hidden suite for safe-monkeypatch.

The targets live in the worker (see driver/driver.py): every driver call builds a fresh
module, class hierarchy and instances, runs a plan of patches against the submission's
`patched` and reports, at each step, which names each target holds in its OWN __dict__
and which object is there (by label). The expected states are computed here by MODEL,
which applies the rules of the prompt to plain dicts.
"""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

NAMES = ("helper", "DEFAULT", "LIMIT", "color", "cache", "greet", "make", "build", "size", "extra", "label", "fresh")
TARGETS = ("mod", "Base", "Child", "Leaf", "base_obj", "child_obj")
INSTANCES = ("base_obj", "child_obj")

INITIAL = {
    "mod": {"helper": "orig:mod.helper", "DEFAULT": "None", "LIMIT": "orig:mod.LIMIT"},
    "Base": {
        "color": "orig:Base.color",
        "cache": "None",
        "greet": "orig:Base.greet",
        "make": "orig:Base.make",
        "build": "orig:Base.build",
        "size": "orig:Base.size",
    },
    "Child": {"color": "orig:Child.color", "extra": "orig:Child.extra"},
    "Leaf": {},
    "base_obj": {"label": "orig:base_obj.label"},
    "child_obj": {"label": "orig:child_obj.label", "color": "orig:child_obj.color"},
}

PROBE = {
    "Base.make()": "make",
    "Leaf().make()": "make",
    "Leaf.build()": "build:Leaf",
    "Child().build()": "build:Child",
    "Leaf().size": "size:Leaf",
    "child_obj.size": "size:Child",
    "Leaf().greet()": "greet:Leaf",
    "child_obj.greet()": "greet:Child",
    "Leaf().extra()": "extra:Leaf",
    "mod.compute()": "compute:helper",
    "Leaf.color": "orig:Child.color",
    "Leaf().cache": "None",
    "child_obj.color": "orig:child_obj.color",
    "base_obj.color": "orig:Base.color",
    "base_obj.label": "orig:base_obj.label",
}

_ABSENT = object()


# ---------------------------------------------------------------- the model


def value_label(spec):
    return "None" if spec == "none" else "value:" + spec


class Model:
    """What the driver's trace must be, from the rules alone."""

    def __init__(self):
        self.state = copy.deepcopy(INITIAL)
        self.trace = []
        self.patchers = {}

    def record(self, path, step, **extra):
        entry = {"at": path, "step": step, "state": copy.deepcopy(self.state)}
        entry.update(extra)
        self.trace.append(entry)

    def act(self, action):
        if action[0] == "set":
            self.state[action[1]][action[2]] = value_label(action[3])
        else:
            self.state[action[1]].pop(action[2], None)

    def patch_of(self, node):
        key = node.get("patcher")
        spec = (node["target"], node["name"], node["value"])
        if key is None:
            return spec
        return self.patchers.setdefault(key, spec)

    def run(self, node, path):
        target, name, value = self.patch_of(node)
        use = node["use"]
        if use != "with":
            self.record(path, "decorated")
            for action in node.get("before_call", ()):
                self.act(action)
            if use == "async":
                self.record(path, "created")
        own = self.state[target]
        saved = own.get(name, _ABSENT)
        own[name] = value_label(value)
        if use == "with":
            self.record(path, "inside", **{"as": value_label(value)})
        else:
            self.record(path, "inside", args_ok=True)
        for index, child in enumerate(node.get("body", ())):
            self.run(child, f"{path}.{index}")
        for action in node.get("actions", ()):
            self.act(action)
        self.record(path, "end")
        if saved is _ABSENT:
            own.pop(name, None)
        else:
            own[name] = saved
        if node.get("raise"):
            self.record(path, "after", caught=node["raise"], same=True)
        elif use == "with":
            self.record(path, "after", caught=None)
        else:
            self.record(path, "after", caught=None, returned_ok=True)


def expected(plan):
    """The trace and the final state the rules give for `plan`."""
    model = Model()
    for index, node in enumerate(plan):
        model.run(node, str(index))
    return model.trace, model.state


def check(driver, plan):
    observed = driver.run_plan(plan)
    assert observed["error"] is None, f"an exception escaped: {observed['error']}"
    assert observed["initial"] == INITIAL
    trace, final = expected(plan)
    for got, want in zip(observed["trace"], trace, strict=False):
        # What __enter__ returns is checked by its own test only.
        got = {key: value for key, value in got.items() if key != "as"}
        want = {key: value for key, value in want.items() if key != "as"}
        assert got == want, f"at step {want['step']!r} of node {want['at']}"
    assert len(observed["trace"]) == len(trace)
    assert observed["final"] == final, "after every patch has exited, each target must hold what it held before"
    assert observed["probe_before"] == PROBE
    if final == INITIAL:
        assert observed["probe_after"] == PROBE, "ordinary code sees a different world after the patches"
    return observed


def node(target, name, value="token:v1", use="with", body=(), raises=None, **extra):
    spec = {"target": target, "name": name, "value": value, "use": use, "body": list(body)}
    if raises is not None:
        spec["raise"] = raises
    spec.update(extra)
    return spec


def steps(observed, path):
    return {entry["step"]: entry for entry in observed["trace"] if entry["at"] == path}


# ---------------------------------------------------------------- context manager


@pytest.mark.weight(2)
def test_with_block_sets_the_attribute_and_restores_it(driver):
    observed = check(driver, [node("Base", "color", "token:v1")])
    inside = steps(observed, "0")["inside"]
    assert inside["state"]["Base"]["color"] == "value:token:v1"
    assert observed["final"]["Base"]["color"] == "orig:Base.color"


def test_enter_returns_the_patched_value(driver):
    observed = check(driver, [node("mod", "LIMIT", "token:v2"), node("Child", "fresh", "none")])
    assert steps(observed, "0")["inside"]["as"] == "value:token:v2"
    assert steps(observed, "1")["inside"]["as"] == "None"


@pytest.mark.weight(2)
def test_missing_attribute_is_deleted_again(driver):
    observed = check(driver, [node("mod", "fresh", "token:v1"), node("Base", "fresh", "function:f1")])
    assert steps(observed, "0")["inside"]["state"]["mod"]["fresh"] == "value:token:v1"
    assert "fresh" not in observed["final"]["mod"] and "fresh" not in observed["final"]["Base"]


@pytest.mark.weight(2)
def test_missing_attribute_patched_with_none_is_deleted_not_left_as_none(driver):
    observed = check(driver, [node("Leaf", "fresh", "none"), node("base_obj", "extra", "none")])
    assert "fresh" not in observed["final"]["Leaf"]
    assert "extra" not in observed["final"]["base_obj"]


@pytest.mark.weight(2)
def test_attribute_whose_value_is_none_is_kept(driver):
    observed = check(driver, [node("Base", "cache", "token:v1"), node("mod", "DEFAULT", "token:v2")])
    assert observed["final"]["Base"]["cache"] == "None"
    assert observed["final"]["mod"]["DEFAULT"] == "None"


@pytest.mark.weight(3)
def test_inherited_attribute_is_inherited_again_without_a_copy_on_the_subclass(driver):
    plan = [node("Leaf", "color", "token:v1"), node("Leaf", "make", "token:v2"), node("Child", "greet", "function:f1")]
    observed = check(driver, plan)
    assert steps(observed, "0")["inside"]["state"]["Child"]["color"] == "orig:Child.color"
    assert observed["final"]["Leaf"] == {}
    assert "greet" not in observed["final"]["Child"]
    assert observed["probe_after"]["Leaf.color"] == "orig:Child.color"


@pytest.mark.weight(3)
def test_staticmethod_classmethod_and_property_come_back_as_the_same_descriptors(driver):
    plan = [
        node("Base", "make", "function:f1"),
        node("Base", "build", "token:v1"),
        node("Base", "size", "token:v2"),
        node("Base", "greet", "staticmethod:s1"),
    ]
    observed = check(driver, plan)
    final = observed["final"]["Base"]
    assert (final["make"], final["build"], final["size"]) == ("orig:Base.make", "orig:Base.build", "orig:Base.size")
    assert observed["probe_after"]["Leaf.build()"] == "build:Leaf"


@pytest.mark.weight(3)
def test_instance_attribute_shadowing_a_class_attribute_is_restored_on_the_instance_only(driver):
    observed = check(driver, [node("child_obj", "color", "token:v1")])
    inside = steps(observed, "0")["inside"]["state"]
    assert inside["child_obj"]["color"] == "value:token:v1"
    assert inside["Child"]["color"] == "orig:Child.color"
    assert observed["final"]["child_obj"]["color"] == "orig:child_obj.color"


@pytest.mark.weight(2)
def test_method_patched_on_an_instance_is_removed_from_the_instance(driver):
    observed = check(driver, [node("child_obj", "greet", "function:f1"), node("base_obj", "color", "token:v1")])
    assert "greet" not in observed["final"]["child_obj"]
    assert "color" not in observed["final"]["base_obj"]


def test_module_function_is_restored(driver):
    observed = check(driver, [node("mod", "helper", "function:f1")])
    assert observed["final"]["mod"]["helper"] == "orig:mod.helper"
    assert observed["probe_after"]["mod.compute()"] == "compute:helper"


@pytest.mark.weight(3)
def test_exception_escaping_a_with_block_restores_and_propagates(driver):
    plan = [
        node("Base", "make", "token:v1", raises="Boom"),
        node("Leaf", "color", "token:v1", raises="Boom"),
        node("mod", "fresh", "none", raises="Boom"),
    ]
    observed = check(driver, plan)
    assert steps(observed, "0")["after"]["caught"] == "Boom"


@pytest.mark.weight(2)
def test_base_exception_escaping_restores_and_propagates(driver):
    check(driver, [node("child_obj", "color", "token:v1", raises="Abort")])
    check(driver, [node("Leaf", "build", "function:f1", use="sync", raises="Abort")])


def test_changes_made_inside_the_block_are_undone(driver):
    plan = [
        node("Base", "color", "token:v1", actions=[["set", "Base", "color", "token:v3"]]),
        node("Base", "make", "token:v1", actions=[["del", "Base", "make"]]),
        node("Leaf", "color", "token:v1", actions=[["set", "Leaf", "color", "token:v2"]]),
    ]
    check(driver, plan)


def test_missing_attribute_deleted_inside_the_block_stays_missing(driver):
    check(driver, [node("mod", "fresh", "token:v1", actions=[["del", "mod", "fresh"]])])
    check(driver, [node("Leaf", "color", "token:v1", actions=[["del", "Leaf", "color"]])])


# ---------------------------------------------------------------- decorators


@pytest.mark.weight(3)
def test_sync_decorator_patches_during_each_call_only(driver):
    observed = check(driver, [node("Base", "make", "token:v1", use="sync"), node("Leaf", "color", use="sync")])
    assert steps(observed, "0")["decorated"]["state"] == INITIAL, "decorating must not patch anything"
    assert steps(observed, "0")["inside"]["state"]["Base"]["make"] == "value:token:v1"


@pytest.mark.weight(2)
def test_sync_decorator_passes_arguments_and_return_value(driver):
    observed = check(driver, [node("mod", "helper", "function:f1", use="sync")])
    assert steps(observed, "0")["inside"]["args_ok"] is True
    assert steps(observed, "0")["after"]["returned_ok"] is True


@pytest.mark.weight(3)
def test_decorator_saves_what_is_there_when_called_not_when_decorated(driver):
    changed = [["set", "Base", "color", "token:v3"]]
    observed = check(driver, [node("Base", "color", "token:v1", use="sync", before_call=changed)])
    assert observed["trace"][-1]["state"]["Base"]["color"] == "value:token:v3"
    check(driver, [node("Leaf", "make", "token:v1", use="async", before_call=[["set", "Leaf", "make", "token:v2"]])])
    check(driver, [node("mod", "LIMIT", "token:v1", use="sync", before_call=[["del", "mod", "LIMIT"]])])


@pytest.mark.weight(2)
def test_sync_decorator_restores_when_the_function_raises(driver):
    observed = check(driver, [node("Base", "build", "token:v1", use="sync", raises="Boom")])
    assert steps(observed, "0")["after"]["same"] is True


@pytest.mark.weight(3)
def test_async_decorator_patches_while_the_coroutine_runs(driver):
    observed = check(driver, [node("Base", "size", "token:v1", use="async")])
    assert steps(observed, "0")["created"]["state"] == INITIAL, "the patch starts when the coroutine starts running"
    assert steps(observed, "0")["inside"]["state"]["Base"]["size"] == "value:token:v1"
    assert steps(observed, "0")["end"]["state"]["Base"]["size"] == "value:token:v1"
    assert steps(observed, "0")["after"]["returned_ok"] is True


@pytest.mark.weight(2)
def test_async_decorator_restores_when_the_coroutine_raises(driver):
    check(driver, [node("Leaf", "color", "token:v1", use="async", raises="Boom")])
    check(driver, [node("base_obj", "label", "none", use="async", raises="Abort")])


@pytest.mark.weight(2)
def test_nested_async_patches_in_one_event_loop(driver):
    inner = node("Base", "color", "token:v2", use="async", body=[node("Base", "color", "token:v3")])
    check(driver, [node("Base", "color", "token:v1", use="async", body=[inner, node("Leaf", "color", use="sync")])])


@pytest.mark.weight(2)
def test_decorated_functions_keep_their_metadata(driver):
    meta = driver.decorator_metadata()
    for label in ("sync", "async"):
        got = meta[label]
        assert got["name"] == ("sample" if label == "sync" else "sample_async"), label
        assert got["qualname_matches"] and got["wrapped_is_original"] and got["custom"] == "kept", label
        assert got["doc"] and "docstring" in got["doc"], label
    assert meta["sync"]["call"] == {"value": 6, "raised": None}


@pytest.mark.weight(2)
def test_async_wrapper_is_a_coroutine_function_and_sync_wrapper_is_not(driver):
    meta = driver.decorator_metadata()
    assert meta["async"]["iscoroutinefunction"] is True
    assert meta["sync"]["iscoroutinefunction"] is False


# ---------------------------------------------------------------- nesting and reuse


@pytest.mark.weight(3)
def test_nested_patches_of_one_attribute_each_restore_their_own_entry_state(driver):
    plan = [
        node(
            "Base", "color", "token:v1", body=[node("Base", "color", "token:v2", body=[node("Base", "color", "none")])]
        )
    ]
    observed = check(driver, plan)
    assert steps(observed, "0.0")["after"]["state"]["Base"]["color"] == "value:token:v1"
    plan = [node("mod", "fresh", "token:v1", body=[node("mod", "fresh", "token:v2", use="sync")])]
    observed = check(driver, plan)
    assert steps(observed, "0.0")["after"]["state"]["mod"]["fresh"] == "value:token:v1"


@pytest.mark.weight(2)
def test_nested_patches_on_a_class_its_subclass_and_an_instance(driver):
    plan = [
        node(
            "Child",
            "color",
            "token:v1",
            body=[node("Leaf", "color", "token:v2", body=[node("child_obj", "color", "token:v3")])],
        ),
        node("Base", "make", "staticmethod:s1", body=[node("Leaf", "make", "token:v1", use="sync")]),
    ]
    check(driver, plan)


@pytest.mark.weight(2)
def test_same_patcher_reused_one_after_the_other(driver):
    first = node("Base", "color", "token:v1", patcher="P")
    later = node("Base", "color", "token:v1", patcher="P", before_call=[["set", "Base", "color", "token:v2"]])
    check(driver, [first, dict(later, use="sync"), dict(first, use="async")])


@pytest.mark.weight(2)
def test_same_patcher_nested_inside_itself(driver):
    inner = node("Leaf", "color", "token:v1", patcher="P", actions=[["set", "Leaf", "color", "token:v2"]])
    check(driver, [node("Leaf", "color", "token:v1", patcher="P", body=[inner])])
    check(driver, [node("mod", "fresh", "none", patcher="Q", use="sync", body=[node("mod", "fresh", patcher="Q")])])


@pytest.mark.weight(2)
@pytest.mark.parametrize("use", ["sync", "async"])
def test_recursive_decorated_function(driver, use):
    observed = driver.recursive_calls("Base", "make", "token:v1", 3, use)
    assert observed["error"] is None, observed["error"]
    assert observed["initial"] == INITIAL and observed["final"] == INITIAL
    assert len(observed["trace"]) == 8
    for entry in observed["trace"]:
        assert entry["state"]["Base"]["make"] == "value:token:v1", f"depth {entry['depth']} {entry['step']}"
    observed = driver.recursive_calls("Leaf", "fresh", "none", 2, use)
    assert observed["error"] is None and observed["final"] == INITIAL


# ---------------------------------------------------------------- names


@pytest.mark.weight(2)
def test_name_that_is_not_an_identifier_raises_value_error_at_once(driver):
    bad = ["", "1x", "a.b", "has space", "x-y", "name\n", "a:b"]
    for entry in driver.validation(bad):
        assert entry["raised"] == "ValueError", entry
        assert entry["changed_on_call"] is False, entry


def test_name_that_is_not_a_string_raises_value_error(driver):
    for entry in driver.validation([3, None, b"color", 2.5]):
        assert entry["raised"] == "ValueError", entry
        assert entry["changed_on_call"] is False, entry


def test_identifiers_including_keywords_and_non_ascii_are_accepted(driver):
    for entry in driver.validation(["color", "_private", "café", "class", "x1"]):
        assert entry["raised"] is None, entry
        assert entry["inside"] == "value:token:v" and entry["restored"] is True, entry


# ---------------------------------------------------------------- properties

# No property values: a property put on a class would turn setattr on its instances into an error.
VALUES = st.sampled_from(
    ["token:v1", "token:v2", "token:v3", "none", "function:f1", "staticmethod:s1", "classmethod:c1"]
)


def names_for(target):
    return [name for name in NAMES if not (target in INSTANCES and name == "size")]


@st.composite
def plans(draw, max_nodes=9, uses=("with", "with", "sync", "async")):
    focus_targets = draw(st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3, unique=True))
    focus_names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    budget = [draw(st.integers(1, max_nodes))]
    keys = {}

    def pick_patch():
        target = draw(st.sampled_from(focus_targets if draw(st.integers(0, 3)) else TARGETS))
        names = [n for n in focus_names if n in names_for(target)]
        if not names or not draw(st.integers(0, 3)):
            names = names_for(target)
        return target, draw(st.sampled_from(names)), draw(VALUES)

    def action(active):
        # No deletes of an attribute an enclosing patch is holding: that case has its own example test.
        target, name, value = pick_patch()
        if (target, name) not in active and draw(st.booleans()):
            return ["del", target, name]
        return ["set", target, name, value]

    def make(depth, active, held=()):
        budget[0] -= 1
        # A patcher re-entered inside itself has its own example tests; random plans reuse a
        # patcher only one entry after another, so that one rule does not weigh on every plan.
        key = draw(st.sampled_from([None, None, None, "P0", "P1"]))
        if key in held:
            key = None
        if key is not None and key in keys:
            target, name, value = keys[key]
        else:
            target, name, value = pick_patch()
            if key is not None:
                keys[key] = (target, name, value)
        spec = {"target": target, "name": name, "value": value, "use": draw(st.sampled_from(uses)), "body": []}
        if key is not None:
            spec["patcher"] = key
        inside = [*active, (target, name)]
        while depth < 3 and budget[0] > 0 and draw(st.booleans()):
            spec["body"].append(make(depth + 1, inside, (*held, key)))
        if not draw(st.integers(0, 3)):
            spec["actions"] = [action(inside) for _ in range(draw(st.integers(1, 2)))]
        if spec["use"] != "with" and not draw(st.integers(0, 4)):
            spec["before_call"] = [action(active)]
        raised = draw(st.sampled_from([None, None, None, None, "Boom", "Abort"]))
        if raised:
            spec["raise"] = raised
        return spec

    plan = [make(0, [])]
    while budget[0] > 0:
        plan.append(make(0, []))
    return plan


@pytest.mark.weight(6)
@settings(max_examples=150)
@given(plan=plans())
def test_random_nested_plans_match_the_model(driver, plan):
    check(driver, plan)


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(plan=plans(max_nodes=6, uses=("sync", "async")))
def test_random_nested_decorator_plans_match_the_model(driver, plan):
    check(driver, plan)


@pytest.mark.weight(2)
@settings(max_examples=30)
@given(plan=plans(max_nodes=5, uses=("with",)))
def test_random_with_blocks_give_the_patched_value(driver, plan):
    observed = check(driver, plan)
    trace, _ = expected(plan)
    got = [(entry["at"], entry["as"]) for entry in observed["trace"] if entry["step"] == "inside"]
    want = [(entry["at"], entry["as"]) for entry in trace if entry["step"] == "inside"]
    assert got == want, "__enter__ must return the value the patch sets"


@st.composite
def recursions(draw):
    target = draw(st.sampled_from(TARGETS))
    return target, draw(st.sampled_from(names_for(target))), draw(VALUES), draw(st.integers(1, 4))


@pytest.mark.weight(2)
@settings(max_examples=30)
@given(case=recursions(), use=st.sampled_from(["sync", "async"]))
def test_random_recursive_decorated_calls_restore_the_entry_state(driver, case, use):
    target, name, value, depth = case
    observed = driver.recursive_calls(target, name, value, depth, use)
    assert observed["error"] is None, observed["error"]
    assert observed["initial"] == INITIAL
    inside = copy.deepcopy(INITIAL)
    inside[target][name] = value_label(value)
    assert len(observed["trace"]) == 2 * (depth + 1)
    for entry in observed["trace"]:
        assert entry["state"] == inside, f"depth {entry['depth']} {entry['step']}"
    assert observed["final"] == INITIAL, "after the outermost call returns, each target must hold what it held before"


NOT_IDENTIFIERS = st.one_of(
    st.text(max_size=8).filter(lambda text: not text.isidentifier()),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.binary(max_size=8),
)


@pytest.mark.weight(2)
@settings(max_examples=30)
@given(names=st.lists(NOT_IDENTIFIERS, min_size=1, max_size=4))
def test_random_names_that_are_not_identifiers_raise_value_error_at_once(driver, names):
    for entry in driver.validation(names):
        assert entry["raised"] == "ValueError", entry
        assert entry["changed_on_call"] is False, entry


def uses_in(plan):
    found = set()
    for spec in plan:
        found.add(spec["use"])
        found |= uses_in(spec.get("body", ()))
    return found


@pytest.mark.weight(2)
@settings(max_examples=20)
@given(plan=plans(max_nodes=4, uses=("sync", "async")))
def test_random_decorator_plans_use_wrappers_that_keep_the_metadata(driver, plan):
    check(driver, plan)
    meta = driver.decorator_metadata()
    # The driver decorates its own sample functions to report what a wrapper looks like.
    for label in sorted(uses_in(plan)):
        got = meta[label]
        assert got["name"] == ("sample" if label == "sync" else "sample_async"), label
        assert got["qualname_matches"] and got["wrapped_is_original"] and got["custom"] == "kept", label
        assert got["doc"] and "docstring" in got["doc"], label
        assert got["iscoroutinefunction"] is (label == "async"), label
