"""Views of the timing-middleware challenge.

What the next view call does is staged by the driver in `STAGE` (how far the fake
clock moves while the view "works", and how the view ends), so a test can say
"this request takes 0.5 s and then raises" without any real waiting.
"""

from django.http import Http404, HttpResponse


class ViewFailure(Exception):
    """What a staged view raises when the stage says so."""


class Stage:
    def __init__(self):
        self.clock = None  # the driver's fake clock, or None (the view then takes no time)
        self.advance = 0.0  # seconds the clock moves while the view runs
        self.outcome = "ok"  # "ok" | "raise" | "404"
        self.status = 200
        self.calls = 0


STAGE = Stage()


def _perform(kind):
    STAGE.calls += 1
    if STAGE.clock is not None:
        STAGE.clock.advance(STAGE.advance)
    if STAGE.outcome == "raise":
        raise ViewFailure(f"{kind} view failed on purpose")
    if STAGE.outcome == "404":
        raise Http404("staged 404")
    return HttpResponse(f"{kind} view ok", status=STAGE.status)


def sync_view(request, rest=""):
    return _perform("sync")


async def async_view(request, rest=""):
    return _perform("async")
