# Shared fixtures of the Python (PyGObject) tests of caller-glib.
#
# Run with `meson test -C build --suite python`, which sets GI_TYPELIB_PATH,
# LD_LIBRARY_PATH and PYTHONPATH (for gi/overrides/Cg.py) to the build tree.

import faulthandler
import sys
import time

import gi

gi.require_version('Cg', '1.0')
from gi.repository import Cg, GLib  # noqa: E402

import pytest  # noqa: E402

# A test that hangs dumps every thread's stack and ends the run, well before
# meson's own timeout.
TEST_GUARD_SECONDS = 60


@pytest.fixture(autouse=True)
def _guard_and_stop_callers():
    """Bounds every test and stops every caller it left behind."""
    faulthandler.dump_traceback_later(TEST_GUARD_SECONDS, exit=True, file=sys.stderr)
    saved = (Cg.Caller.MAX_BUFFER_SIZE, Cg.Caller.MAX_IDLE_POOL_INSTANCES,
             Cg.Caller.MAX_POOL_THREADS)
    try:
        yield
    finally:
        Cg.Caller.stop_all(force=True)
        (Cg.Caller.MAX_BUFFER_SIZE, Cg.Caller.MAX_IDLE_POOL_INSTANCES,
         Cg.Caller.MAX_POOL_THREADS) = saved
        # Let the main context drop what stopped callers left there.
        context = GLib.MainContext.default()
        while context.pending():
            context.iteration(False)
        faulthandler.cancel_dump_traceback_later()


def run_until(condition, timeout=5.0):
    """Iterates the default main context until condition() is true; fails
    after @timeout seconds. A tick source bounds each blocking iteration."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    tick = GLib.timeout_add(20, lambda: GLib.SOURCE_CONTINUE)
    try:
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError('the condition did not become true within %.1f s'
                                     % timeout)
            context.iteration(True)
    finally:
        GLib.source_remove(tick)


def run_future(future, timeout=5.0):
    """Runs the default main context until @future is done; its result."""
    run_until(future.done, timeout)
    return future.result()


@pytest.fixture
def main_caller():
    """The caller of the main thread (the default main context), started;
    tests run the context with run_until()."""
    caller = Cg.Caller(create=True)
    caller.start()
    return caller


@pytest.fixture
def worker():
    """A caller in a thread of its own."""
    return Cg.Caller.start_new(name='test-worker')
