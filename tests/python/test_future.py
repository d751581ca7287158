# Cg.Future from Python: results, exceptions, cancellation, callbacks, waits.

import contextvars
import threading
import traceback

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
    for future in (worker.call_soon(job), Cg.Caller.to_thread(job)):
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
    future = worker.call_soon(Cg.Caller.current_future)
    # A job that returns a future follows it; its own future it cannot.
    with pytest.raises(Cg.InvalidStateError):
        future.wait_sync(5)
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
