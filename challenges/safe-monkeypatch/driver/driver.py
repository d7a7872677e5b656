"""Driver for safe-monkeypatch: builds a fresh little world per call, runs a plan of patches, reports states.

Why it exists: the targets (a module, classes, instances) and the functions that get
decorated must live in the worker, next to `patched`, and the checks rely on object
identity (is the staticmethod object in the class's __dict__ the very one that was
there?). So the objects live here and only labels cross to the tests.

The world (new objects on every call, so no test sees another's leftovers):
  mod        a fresh types.ModuleType with helper (function), DEFAULT (None), LIMIT, compute()
  Base       color, cache (None), greet (function), make (staticmethod), build (classmethod), size (property)
  Child      subclass of Base with its own color and extra (function)
  Leaf       subclass of Child with nothing of its own
  base_obj   a Base with its own label
  child_obj  a Child with its own label and its own color (shadowing Child.color)

A state is, for every target, the NAMES found in its own __dict__, each described by
`describe`: "None", the label of the world object that is there ("orig:Base.make"),
the label of a value a plan patched in ("value:token:v1"), or "other:<type name>"
for anything else (e.g. a bound method or a bare function put back in a descriptor's
place).

A plan is a list of nodes run in order; a node is a dict:
  target, name, value  what to patch; value is "none" (None) or "<kind>:<label>" with kind
                       token | function | staticmethod | classmethod | property; the same
                       spec always means the same object within one call
  use                  "with" (a with statement), "sync" (decorates a def), "async" (decorates an async def)
  patcher              optional key: nodes with the same key share ONE patched(...) object,
                       made by the first of them to run (the others' target/name/value are ignored)
  body                 child nodes, run inside the patch
  actions              optional, run inside after the children: ["set", target, name, value] or
                       ["del", target, name] (deletes from the target only when it is there)
  before_call          optional actions run after decorating and before calling (decorator uses)
  raise                optional "Boom" (an Exception) or "Abort" (a BaseException, not an Exception),
                       raised inside at the very end; it is caught just outside the node
Trace entries: {"at": path, "step": ..., "state": state, ...} with steps
  with:      inside (+ "as": what __enter__ returned), end, after
  decorator: decorated, [created for async: the coroutine exists, not awaited yet],
             inside (+ "args_ok"), end, after
  after carries "caught" (exception type name or None), and "same" (the very exception
  object) or "returned_ok" (the decorated function's own return value came back).
No expected value lives in this file: the hidden tests model the states themselves.
"""

import asyncio
import inspect
import threading
import types

import solution

NAMES = (
    "helper", "DEFAULT", "LIMIT", "color", "cache", "greet", "make",
    "build", "size", "extra", "label", "fresh",
)  # fmt: skip
TARGETS = ("mod", "Base", "Child", "Leaf", "base_obj", "child_obj")


class Token:
    def __init__(self, label):
        self.label = label

    def __repr__(self):
        return f"Token({self.label!r})"


class Boom(Exception):
    pass


class Abort(BaseException):
    pass


class World:
    def __init__(self):
        self.labels = {}
        self.keep = []
        self.values = {}
        mod = types.ModuleType("patch_world")

        def helper():
            return "helper"

        def compute():
            return "compute:" + str(mod.helper())

        mod.helper = helper
        mod.DEFAULT = None
        mod.LIMIT = Token("mod.LIMIT")
        mod.compute = compute

        class Base:
            color = Token("Base.color")
            cache = None

            def greet(self):
                return "greet:" + type(self).__name__

            @staticmethod
            def make():
                return "make"

            @classmethod
            def build(cls):
                return "build:" + cls.__name__

            @property
            def size(self):
                return "size:" + type(self).__name__

        class Child(Base):
            color = Token("Child.color")

            def extra(self):
                return "extra:" + type(self).__name__

        class Leaf(Child):
            pass

        base_obj = Base()
        base_obj.label = Token("base_obj.label")
        child_obj = Child()
        child_obj.label = Token("child_obj.label")
        child_obj.color = Token("child_obj.color")
        self.targets = {
            "mod": mod, "Base": Base, "Child": Child, "Leaf": Leaf,
            "base_obj": base_obj, "child_obj": child_obj,
        }  # fmt: skip
        for target_name, target in self.targets.items():
            for name, raw in vars(target).items():
                if name in NAMES and raw is not None:
                    self.remember(raw, f"orig:{target_name}.{name}")

    def remember(self, raw, label):
        self.keep.append(raw)
        self.labels[id(raw)] = label
        return raw

    def describe(self, raw):
        if raw is None:
            return "None"
        label = self.labels.get(id(raw))
        if label is not None:
            return label
        return "other:" + type(raw).__name__

    def value(self, spec):
        if spec == "none":
            return None
        if spec not in self.values:
            kind, _, label = spec.partition(":")

            def function(*args):
                return "value:" + label

            function.__name__ = label
            made = {
                "token": lambda: Token(label),
                "function": lambda: function,
                "staticmethod": lambda: staticmethod(function),
                "classmethod": lambda: classmethod(function),
                "property": lambda: property(function),
            }[kind]()
            self.values[spec] = self.remember(made, "value:" + spec)
        return self.values[spec]

    def state(self):
        result = {}
        for target_name, target in self.targets.items():
            own = vars(target)
            result[target_name] = {name: self.describe(own[name]) for name in NAMES if name in own}
        return result

    def probe(self):
        """What ordinary code sees through the world (only meaningful when nothing is patched)."""
        targets = self.targets
        Base, Child, Leaf, mod = targets["Base"], targets["Child"], targets["Leaf"], targets["mod"]
        checks = {
            "Base.make()": lambda: Base.make(),
            "Leaf().make()": lambda: Leaf().make(),
            "Leaf.build()": lambda: Leaf.build(),
            "Child().build()": lambda: Child().build(),
            "Leaf().size": lambda: Leaf().size,
            "child_obj.size": lambda: targets["child_obj"].size,
            "Leaf().greet()": lambda: Leaf().greet(),
            "child_obj.greet()": lambda: targets["child_obj"].greet(),
            "Leaf().extra()": lambda: Leaf().extra(),
            "mod.compute()": lambda: mod.compute(),
            "Leaf.color": lambda: self.describe(Leaf.color),
            "Leaf().cache": lambda: self.describe(Leaf().cache),
            "child_obj.color": lambda: self.describe(targets["child_obj"].color),
            "base_obj.color": lambda: self.describe(targets["base_obj"].color),
            "base_obj.label": lambda: self.describe(targets["base_obj"].label),
        }
        result = {}
        for key, check in checks.items():
            try:
                result[key] = check()
            except Exception as exc:
                result[key] = "raised:" + type(exc).__name__
        return result

    def act(self, action):
        if action[0] == "set":
            setattr(self.targets[action[1]], action[2], self.value(action[3]))
        elif action[0] == "del":
            target = self.targets[action[1]]
            if action[2] in vars(target):
                delattr(target, action[2])
        else:
            raise LookupError(f"unknown action {action!r}")


def _run_coroutine(coroutine):
    """Run to completion; from inside a running loop (a sync body under an async one) in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box = {}

    def run():
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


CALL_ARGS = (7,)
CALL_KWARGS = {"key": "k"}


class PlanRunner:
    def __init__(self):
        self.world = World()
        self.trace = []
        self.patchers = {}

    def record(self, path, step, **extra):
        entry = {"at": path, "step": step, "state": self.world.state()}
        entry.update(extra)
        self.trace.append(entry)

    def patcher(self, node):
        key = node.get("patcher")
        if key is not None and key in self.patchers:
            return self.patchers[key]
        made = solution.patched(self.world.targets[node["target"]], node["name"], self.world.value(node["value"]))
        if key is not None:
            self.patchers[key] = made
        return made

    def exception(self, node):
        kind = node.get("raise")
        if kind is None:
            return None
        return {"Boom": Boom, "Abort": Abort}[kind](kind)

    def finish_body(self, node, path, exc):
        for action in node.get("actions", ()):
            self.world.act(action)
        self.record(path, "end")
        if exc is not None:
            raise exc

    def run_sync(self, node, path):
        exc = self.exception(node)
        use = node["use"]
        try:
            if use == "with":
                with self.patcher(node) as got:
                    self.record(path, "inside", **{"as": self.world.describe(got)})
                    for index, child in enumerate(node.get("body", ())):
                        self.run_sync(child, f"{path}.{index}")
                    self.finish_body(node, path, exc)
                returned_ok = None
            else:
                result = Token("result")
                wrapped = self.decorate(node, path, exc, result, asynchronous=use == "async")
                for action in node.get("before_call", ()):
                    self.world.act(action)
                if use == "async":
                    coroutine = wrapped(*CALL_ARGS, **CALL_KWARGS)
                    self.record(path, "created")
                    returned = _run_coroutine(coroutine)
                else:
                    returned = wrapped(*CALL_ARGS, **CALL_KWARGS)
                returned_ok = returned is result
        except (Boom, Abort) as caught:
            self.record(path, "after", caught=type(caught).__name__, same=caught is exc)
        else:
            self.after_ok(node, path, returned_ok)

    async def run_async(self, node, path):
        exc = self.exception(node)
        use = node["use"]
        try:
            if use == "with":
                with self.patcher(node) as got:
                    self.record(path, "inside", **{"as": self.world.describe(got)})
                    for index, child in enumerate(node.get("body", ())):
                        await self.run_async(child, f"{path}.{index}")
                    self.finish_body(node, path, exc)
                returned_ok = None
            elif use == "sync":
                # A sync decorated function called from a coroutine: its body runs synchronously.
                self.run_sync(node, path)
                return
            else:
                result = Token("result")
                wrapped = self.decorate(node, path, exc, result, asynchronous=True)
                for action in node.get("before_call", ()):
                    self.world.act(action)
                coroutine = wrapped(*CALL_ARGS, **CALL_KWARGS)
                self.record(path, "created")
                returned = await coroutine
                returned_ok = returned is result
        except (Boom, Abort) as caught:
            self.record(path, "after", caught=type(caught).__name__, same=caught is exc)
        else:
            self.after_ok(node, path, returned_ok)

    def after_ok(self, node, path, returned_ok):
        if node["use"] == "with":
            self.record(path, "after", caught=None)
        else:
            self.record(path, "after", caught=None, returned_ok=returned_ok)

    def decorate(self, node, path, exc, result, asynchronous):
        runner = self
        children = list(enumerate(node.get("body", ())))

        if asynchronous:

            async def body(*args, **kwargs):
                runner.record(path, "inside", args_ok=args == CALL_ARGS and kwargs == CALL_KWARGS)
                for index, child in children:
                    await runner.run_async(child, f"{path}.{index}")
                runner.finish_body(node, path, exc)
                return result

        else:

            def body(*args, **kwargs):
                runner.record(path, "inside", args_ok=args == CALL_ARGS and kwargs == CALL_KWARGS)
                for index, child in children:
                    runner.run_sync(child, f"{path}.{index}")
                runner.finish_body(node, path, exc)
                return result

        wrapped = self.patcher(node)(body)
        self.record(path, "decorated")
        return wrapped


def run_plan(plan):
    """Run `plan` (a list of nodes) on a fresh world.

    Returns {"initial": state, "trace": [...], "final": state, "probe_before": {...},
    "probe_after": {...}, "error": None or {"type", "message"}} where error is an
    exception other than the plan's own Boom/Abort that escaped (the trace stops there).
    """
    runner = PlanRunner()
    world = runner.world
    initial = world.state()
    probe_before = world.probe()
    error = None
    try:
        for index, node in enumerate(plan):
            runner.run_sync(node, str(index))
    except Exception as exc:
        error = {"type": type(exc).__name__, "message": str(exc)}
    return {
        "initial": initial,
        "trace": runner.trace,
        "final": world.state(),
        "probe_before": probe_before,
        "probe_after": world.probe(),
        "error": error,
    }


def recursive_calls(target, name, value, depth, use="sync"):
    """Decorate a recursive function with ONE patched(...) object and call it with `depth`.

    Each call records the state on the way in and on the way out (after its recursive
    call returned). Returns {"initial", "trace": [{"depth", "step", "state"}], "final", "error"}.
    """
    world = World()
    trace = []
    patcher = solution.patched(world.targets[target], name, world.value(value))
    initial = world.state()

    if use == "async":

        @patcher
        async def descend(level):
            trace.append({"depth": level, "step": "in", "state": world.state()})
            if level > 0:
                await descend(level - 1)
            trace.append({"depth": level, "step": "out", "state": world.state()})

    else:

        @patcher
        def descend(level):
            trace.append({"depth": level, "step": "in", "state": world.state()})
            if level > 0:
                descend(level - 1)
            trace.append({"depth": level, "step": "out", "state": world.state()})

    error = None
    try:
        if use == "async":
            _run_coroutine(descend(depth))
        else:
            descend(depth)
    except Exception as exc:
        error = {"type": type(exc).__name__, "message": str(exc)}
    return {"initial": initial, "trace": trace, "final": world.state(), "error": error}


def decorator_metadata():
    """What the decorated wrappers look like from outside (functools.wraps, async-ness)."""
    world = World()

    def sample(a, b=2):
        """Sample docstring."""
        return a + b

    async def sample_async(a, b=2):
        """Async sample docstring."""
        return a + b

    sample.custom = "kept"
    sample_async.custom = "kept"
    result = {}
    for label, function in (("sync", sample), ("async", sample_async)):
        wrapped = solution.patched(world.targets["Base"], "color", world.value("token:v"))(function)
        result[label] = {
            "name": getattr(wrapped, "__name__", None),
            "qualname_matches": getattr(wrapped, "__qualname__", None) == function.__qualname__,
            "doc": getattr(wrapped, "__doc__", None),
            "wrapped_is_original": getattr(wrapped, "__wrapped__", None) is function,
            "custom": getattr(wrapped, "custom", None),
            "iscoroutinefunction": inspect.iscoroutinefunction(wrapped),
            "is_original": wrapped is function,
        }
    result["sync"]["call"] = result_or_error(lambda: sample_wrapped_call(world, sample))
    return result


def sample_wrapped_call(world, function):
    return solution.patched(world.targets["Base"], "color", world.value("token:v"))(function)(1, b=5)


def result_or_error(thunk):
    try:
        return {"value": thunk(), "raised": None}
    except Exception as exc:
        return {"value": None, "raised": type(exc).__name__, "message": str(exc)}


def validation(names):
    """For each name (any plain value): does patched(Base, name, token) raise at once, and what changed?

    A name that is accepted is then used once in a with block. Returns a list of
    {"name_repr", "raised" (type name or None), "changed_on_call" (the class's own
    names changed by the call itself), "inside" (getattr of the name inside, described),
    "restored" (the class's own names after the with block equal those before)}.
    """
    results = []
    for name in names:
        world = World()
        Base = world.targets["Base"]
        before = sorted(vars(Base))
        entry = {"name_repr": repr(name), "raised": None, "changed_on_call": False, "inside": None, "restored": None}
        try:
            patcher = solution.patched(Base, name, world.value("token:v"))
        except Exception as exc:
            entry["raised"] = type(exc).__name__
            entry["changed_on_call"] = sorted(vars(Base)) != before
            results.append(entry)
            continue
        entry["changed_on_call"] = sorted(vars(Base)) != before
        try:
            with patcher:
                entry["inside"] = world.describe(getattr(Base, name))
            entry["restored"] = sorted(vars(Base)) == before
        except Exception as exc:
            entry["inside"] = "raised:" + type(exc).__name__
        results.append(entry)
    return results
