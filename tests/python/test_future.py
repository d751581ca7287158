# Cg.Future from Python: results, exceptions, cancellation, callbacks, waits.

import contextlib
import contextvars
import enum
import gc
import threading
import time
import traceback
import weakref

import pytest
from gi.repository import Cg, GLib

from conftest import run_until


class Boom(Exception):
    pass


def raise_boom():
    raise Boom('boom')


def test_any_python_value_is_a_result(main_caller):
    value = {'a': [1, 2], 'obj': object()}
    future = Cg.Future()
    future.set_result(value)
    assert future.done()
    assert not future.cancelled()
    assert future.result() is value
    assert future.exception() is None


def test_plain_results_keep_value_and_type(worker):
    # Exact bool, int, float and str results travel as the library's own
    # values; what those cannot hold exactly, and subclasses, stay objects.
    class Flag(enum.IntEnum):
        ON = 1

    class Name(str):
        pass

    values = [True, False, 0, -5, 2 ** 62, 2 ** 70, -2 ** 80, 1.5, float('inf'), '',
              'héllo', 'a\0b', 'x\udcff', Flag.ON, Name('n')]
    for value in values:
        # Completed by a job, and by set_result(); the job's future is
        # left to its job (setting it too would race with the job).
        plain = Cg.Future()
        plain.set_result(value)
        for future in (worker.call_soon(lambda v=value: v), plain):
            got = future.wait_sync(10)
            assert got == value and type(got) is type(value), (value, got)


def test_none_is_a_result(main_caller):
    future = Cg.Future()
    future.set_result(None)
    assert future.result() is None


def test_second_completion_is_invalid_state(main_caller):
    future = Cg.Future()
    future.set_result(1)
    with pytest.raises(Cg.InvalidStateError):
        future.set_result(2)
    with pytest.raises(Cg.InvalidStateError):
        future.set_exception(Boom())
    assert future.result() == 1
    assert issubclass(Cg.InvalidStateError, RuntimeError)


def test_result_of_pending_future_is_invalid_state(main_caller):
    future = Cg.Future()
    with pytest.raises(Cg.InvalidStateError):
        future.result()
    with pytest.raises(Cg.InvalidStateError):
        future.exception()


def test_set_exception_keeps_identity_and_traceback(main_caller):
    try:
        raise_boom()
    except Boom as e:
        exc = e
    future = Cg.Future()
    future.set_exception(exc)
    assert future.exception() is exc
    with pytest.raises(Boom) as info:
        future.result()
    assert info.value is exc
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert 'raise_boom' in frames


def test_set_exception_with_a_class(main_caller):
    future = Cg.Future()
    future.set_exception(Boom)
    assert isinstance(future.exception(), Boom)


def test_job_exception_keeps_identity(worker):
    raised = []

    def job():
        try:
            raise_boom()
        except Boom as e:
            raised.append(e)
            raise

    future = worker.call_soon(job)
    with pytest.raises(Boom) as info:
        future.wait_sync(5)
    assert info.value is raised[0]
    assert future.exception() is raised[0]
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert 'raise_boom' in frames and 'job' in frames


def test_c_side_sees_a_failure_with_the_message(worker):
    future = worker.call_soon(raise_boom)
    future.wait_sync(5, result=False)
    with pytest.raises(GLib.Error) as info:
        Cg.Future.check(future)  # the C API: a GError
    assert 'Boom: boom' in info.value.message


class Tracked(Exception):
    """An exception that tests follow with weak references."""


def raise_tracked():
    raise Tracked('tracked')


@contextlib.contextmanager
def no_automatic_collection():
    """Garbage is collected only by explicit gc.collect() calls.

    PyGObject can make two Python wrappers for one GObject when two threads
    wrap it at the same moment and a collection in one of them lets the
    other run in between; such an object, once it has Python attributes, is
    never freed. Here a job's thread and this one wrap the same future at
    about the same time, so the tests that count freed futures keep the
    collector from running on its own.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_until(condition, timeout=5.0):
    """Collects garbage until condition() is true; fails after @timeout
    seconds. Other threads may hold a future for a moment after its job."""
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError('the condition did not become true within %.1f s'
                                 % timeout)
        time.sleep(0.01)


async def coroutine_raise_tracked():
    raise_tracked()


async def coroutine_raise_tracked_later():
    await Cg.sleep(0.001)
    raise_tracked()


async def coroutine_await_failure():
    await Cg.Caller.to_thread(raise_tracked)


def submit_to(kind, worker):
    if kind == 'call_soon':
        return worker.call_soon(raise_tracked)
    if kind == 'to_thread':
        return Cg.Caller.to_thread(raise_tracked)
    if kind == 'coroutine':
        return worker.call_soon(coroutine_raise_tracked)
    if kind == 'coroutine-after-await':
        return worker.call_soon(coroutine_raise_tracked_later)
    if kind == 'coroutine-awaiting-a-failure':
        return worker.call_soon(coroutine_await_failure)
    if kind == 'job-returning-a-failing-future':
        return worker.call_soon(Cg.Caller.to_thread, raise_tracked)
    future = Cg.Future()
    future.set_exception(Tracked('set'))
    return future


@pytest.mark.parametrize('kind', ['call_soon', 'to_thread', 'coroutine', 'coroutine-after-await',
                                  'coroutine-awaiting-a-failure',
                                  'job-returning-a-failing-future', 'set_exception'])
def test_failed_futures_free_their_exceptions(worker, kind):
    # An exception, with its traceback, lives as long as the future that
    # failed with it and no longer: nothing piles up failure after failure.
    count = 30
    exceptions = []
    finalized = []
    with no_automatic_collection():
        for i in range(count):
            future = submit_to(kind, worker)
            with pytest.raises(Tracked) as info:
                future.wait_sync(5)
            exceptions.append(weakref.ref(info.value))
            future.weak_ref(finalized.append, i)
            del info, future
        collect_until(lambda: len(finalized) == count)
        assert sorted(finalized) == list(range(count))
        collect_until(lambda: all(ref() is None for ref in exceptions))


def test_failed_future_keeps_its_exception_while_it_lives(worker):
    # Only the future holds the exception: garbage collection leaves it.
    raised = []

    def job():
        error = Tracked('kept')
        raised.append(weakref.ref(error))
        raise error

    async def coroutine_job():
        job()

    with no_automatic_collection():
        plain = worker.call_soon(job)
        chained = worker.call_soon(coroutine_job)  # follows the coroutine's future
        for future in (plain, chained):
            assert future.wait_sync(5, result=False) is None
        # Once the worker let go of them, Python holds their only references.
        collect_until(lambda: plain.__grefcount__ == 1 and chained.__grefcount__ == 1)
        for index, future in enumerate((plain, chained)):
            with pytest.raises(Tracked, match='kept') as info:
                future.result()
            assert info.value is raised[index]()
            assert future.exception() is raised[index]()
            del info
        del plain, chained, future
        collect_until(lambda: all(ref() is None for ref in raised))


def test_set_exception_on_a_done_future_keeps_nothing(main_caller):
    future = Cg.Future()
    future.set_result('first')
    error = Tracked('too late')
    with pytest.raises(Cg.InvalidStateError):
        future.set_exception(error)
    ref = weakref.ref(error)
    del error
    collect_until(lambda: ref() is None)
    assert future.result() == 'first'


class UnshowableError(Exception):
    """An exception whose str() fails."""

    def __str__(self):
        raise RuntimeError('this exception cannot be shown')


@pytest.mark.parametrize('make_error', [
    UnshowableError,
    lambda: ValueError('not UTF-8: \udc80'),  # a lone surrogate
], ids=['str-fails', 'lone-surrogate'])
def test_job_failing_with_an_exception_that_cannot_be_shown(worker, make_error):
    raised = []

    def job():
        error = make_error()
        raised.append(error)
        raise error

    kind = type(make_error())
    for submit in (worker.call_soon, Cg.Caller.to_thread):
        future = submit(job)
        with pytest.raises(kind) as info:
            future.wait_sync(5)
        assert info.value is raised[-1]
        assert future.exception() is raised[-1]
        with pytest.raises(GLib.Error) as info:
            Cg.Future.check(future)  # the C API: a GError with a message
        assert kind.__name__ in info.value.message

    future = Cg.Future()
    error = make_error()
    future.set_exception(error)
    assert future.exception() is error


def test_cancel_joins_messages(main_caller):
    future = Cg.Future()
    assert future.cancel('first')
    assert future.cancel('second')
    assert future.cancelled()
    assert not future.done()  # done once a value is set or its job ends
    with pytest.raises(Cg.FutureCancelledError) as info:
        future.result()
    assert str(info.value) == 'first\nsecond'
    with pytest.raises(Cg.FutureCancelledError):
        future.exception()
    future.set_result(1)  # completes it, as cancelled
    assert future.done()
    with pytest.raises(Cg.FutureCancelledError) as info:
        future.result()
    assert str(info.value) == 'first\nsecond'


def test_cancel_done_future_does_nothing(main_caller):
    future = Cg.Future()
    future.set_result(3)
    assert not future.cancel('late')
    assert future.result() == 3


def test_cancel_job_before_it_runs(worker):
    release = threading.Event()
    ran = []
    blocker = worker.call_soon(release.wait, 5)
    future = worker.call_soon(ran.append, 1)
    assert future.cancel('not needed')
    assert not future.done()  # done once the caller reaches it
    release.set()
    with pytest.raises(Cg.FutureCancelledError, match='not needed'):
        future.wait_sync(5)
    assert future.done()
    assert blocker.wait_sync(5) is True
    assert ran == []


def test_cancel_running_job(worker):
    started = threading.Event()

    def job():
        cancellable = Cg.Caller.current_future().get_cancellable()
        started.set()
        for _ in range(500):
            if cancellable.is_cancelled():
                return 'saw it'
            threading.Event().wait(0.01)
        return 'never cancelled'

    future = worker.call_soon(job)
    assert started.wait(5)
    future.cancel('stop now')
    with pytest.raises(Cg.FutureCancelledError, match='stop now'):
        future.wait_sync(5)


def test_done_callbacks_run_in_reverse_order_on_owner_thread(main_caller):
    future = Cg.Future()
    calls = []
    main = threading.get_ident()
    future.add_done_callback(lambda f: calls.append(('a', f, threading.get_ident())))
    future.add_done_callback(lambda f: calls.append(('b', f, threading.get_ident())))
    done = threading.Event()
    threading.Thread(target=lambda: (future.set_result(1), done.set())).start()
    assert done.wait(5)
    run_until(lambda: len(calls) == 2)
    assert [c[0] for c in calls] == ['b', 'a']
    assert all(c[1] is future and c[2] == main for c in calls)


def test_done_callback_on_done_future_is_scheduled(main_caller):
    future = Cg.Future()
    future.set_result(1)
    calls = []
    future.add_done_callback(calls.append)
    assert calls == []  # never inline
    run_until(lambda: calls == [future])


def test_done_callback_on_owner_thread_runs_before_completion_returns(main_caller):
    future = Cg.Future()
    calls = []
    future.add_done_callback(calls.append)
    future.set_result(1)
    assert calls == [future]


def test_remove_done_callback_counts(main_caller):
    future = Cg.Future()
    calls = []

    def callback(f):
        calls.append('removed')

    future.add_done_callback(callback)
    future.add_done_callback(lambda f: calls.append('kept'))
    future.add_done_callback(callback)
    assert future.remove_done_callback(callback) == 2
    assert future.remove_done_callback(callback) == 0
    future.set_result(None)
    assert calls == ['kept']



class _Callback:
    def __init__(self, calls):
        self.calls = calls

    def __call__(self, future):
        self.calls.append(future)


def test_removed_done_callback_is_let_go_at_once(main_caller):
    # The library drops a removed registration (by its id) right away: the
    # pending future no longer holds the callback.
    future = Cg.Future()
    calls = []
    callback = _Callback(calls)
    gone = weakref.ref(callback)
    future.add_done_callback(callback)
    assert future.remove_done_callback(callback) == 1
    del callback
    gc.collect()
    assert gone() is None
    future.set_result(None)
    assert calls == []


def test_done_callback_scheduled_on_done_future_is_not_removed(main_caller):
    # As in asyncio: once the future is done its callbacks are scheduled.
    future = Cg.Future()
    future.set_result(1)
    calls = []
    future.add_done_callback(calls.append)
    assert future.remove_done_callback(calls.append) == 0
    run_until(lambda: calls == [future])

def test_done_callback_runs_in_context_of_registration(main_caller):
    var = contextvars.ContextVar('var', default='default')
    future = Cg.Future()
    token = var.set('registered')
    future.add_done_callback(lambda f: seen.append(var.get()))
    var.reset(token)
    seen = []
    future.set_result(None)
    assert seen == ['registered']


def test_wait_sync_timeout_cancels_unless_shield(worker):
    future = worker.call_later(10, lambda: None)
    with pytest.raises(TimeoutError):
        future.wait_sync(0.05, shield=True)
    assert not future.cancelled()
    with pytest.raises(TimeoutError):
        future.wait_sync(0.05)
    assert future.cancelled()


def test_wait_sync_without_result(worker):
    future = worker.call_soon(raise_boom)
    assert future.wait_sync(5, result=False) is None
    assert isinstance(future.exception(), Boom)


def test_wait_sync_on_own_thread_is_refused(main_caller):
    future = Cg.Future()
    with pytest.raises(GLib.Error) as info:
        future.wait_sync(0.1)
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.WRONG_THREAD)
    assert not future.cancelled()


def test_wait_sync_from_other_threads(main_caller):
    # A future of the main caller, waited for by several threads while the
    # main loop runs it.
    future = main_caller.call_later(0.05, lambda: 'value')
    results = []

    def waiter():
        results.append(future.wait_sync(5))

    threads = [threading.Thread(target=waiter) for _ in range(4)]
    for thread in threads:
        thread.start()
    run_until(lambda: len(results) == 4)
    for thread in threads:
        thread.join(5)
    assert results == ['value'] * 4


def test_thread_and_caller(worker):
    # A job that returns its own future completes it with itself, as in the
    # async_kernel Caller API (another future it would follow).
    future = worker.call_soon(Cg.Caller.current_future)
    assert future.wait_sync(5) is future
    future = worker.call_soon(lambda: Cg.Caller.current_future().thread)
    assert future.wait_sync(5) == worker.thread
    assert future.thread == worker.thread
    assert future.get_caller() == worker
    own = Cg.Future()
    assert own.thread == GLib.Thread.self()


def test_future_for_a_thread(worker):
    future = Cg.Future(worker.thread)
    assert future.thread == worker.thread
    assert future.get_caller() == worker
    seen = []
    future.add_done_callback(lambda f: seen.append(threading.current_thread().ident))
    future.set_result(1)  # from this thread: delivered through the worker
    owner_ident = worker.call_soon(threading.get_ident).wait_sync(5)
    assert worker.call_soon(lambda: list(seen)).wait_sync(5) == [owner_ident]


def test_error_domains():
    assert Cg.CallerError.quark() == Cg.caller_error_quark()
    assert Cg.FutureError.quark() == Cg.future_error_quark()
    caller = Cg.Caller.start_new(name='soon-stopped')
    caller.stop()
    with pytest.raises(GLib.Error) as info:
        caller.call_soon(print)
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.CLOSED)
    assert isinstance(info.value, RuntimeError)


def test_set_cancel_scope():
    from gi.repository import Gio
    future = Cg.Future()
    cancellable = Gio.Cancellable()
    future.set_cancel_scope(cancellable)
    with pytest.raises(Cg.InvalidStateError):
        future.set_cancel_scope(Gio.Cancellable())
    future.cancel()
    assert cancellable.is_cancelled()  # on the owner thread: at once
