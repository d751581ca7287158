# Cg.Caller from Python: life cycle, registry, calls, pool, contextvars.

import asyncio
import contextvars
import logging
import threading
import time

import pytest
from gi.repository import Cg, Gio, GLib

from conftest import run_future, run_until

request_id = contextvars.ContextVar('request_id', default='unset')


def test_no_caller_is_a_runtime_error():
    with pytest.raises(RuntimeError) as info:
        Cg.Caller()
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.NOT_FOUND)


def test_main_thread_caller_runs_jobs_queued_before_start():
    caller = Cg.Caller(create=True)
    assert caller.name == 'MainThread'
    assert Cg.Caller() == caller
    assert Cg.Caller.get_instance() == caller
    assert not caller.running and not caller.stopped

    order = []
    futures = [caller.call_soon(order.append, i) for i in range(5)]
    delayed = caller.call_later(0.01, order.append, 'later')
    assert order == []
    caller.start()
    assert caller.running
    run_until(lambda: all(f.done() for f in futures) and delayed.done())
    assert order == [0, 1, 2, 3, 4, 'later']


def test_caller_as_context_manager():
    with Cg.Caller(create=True) as caller:
        assert caller.running
        assert run_future(caller.call_soon(lambda: 42)) == 42
    assert caller.stopped


def test_start_new_and_properties():
    caller = Cg.Caller.start_new(name='props', protected=True)
    assert caller.name == 'props'
    assert caller.protected
    assert caller.running
    assert not caller.stopped
    assert isinstance(caller.thread, GLib.Thread)
    assert caller.thread != GLib.Thread.self()
    assert isinstance(caller.context, GLib.MainContext)
    assert caller.log == 'Cg'
    assert caller.call_soon(GLib.Thread.self).wait_sync(5) == caller.thread
    assert Cg.Caller.get_instance('props') == caller
    assert caller in Cg.Caller.all_callers()

    with pytest.raises(GLib.Error) as info:
        Cg.Caller.start_new(name='props')
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.EXISTS)

    caller.stop()  # protected: nothing
    assert caller.running
    caller.stop(force=True)
    assert caller.stopped and not caller.running
    assert caller not in Cg.Caller.all_callers(running_only=False)


def test_start_new_with_context():
    context = GLib.MainContext.new()
    caller = Cg.Caller.start_new(name='ctx', context=context)
    assert caller.context == context


def test_get_instance():
    with pytest.raises(GLib.Error) as info:
        Cg.Caller.get_instance('nobody')
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.NOT_FOUND)
    caller = Cg.Caller.get_instance('somebody', create=True)
    assert caller.running
    assert Cg.Caller.get_instance('somebody') == caller


def test_stop_all_leaves_protected_callers():
    plain = Cg.Caller.start_new(name='plain')
    guarded = Cg.Caller.start_new(name='guarded', protected=True)
    Cg.Caller.stop_all()
    assert plain.stopped
    assert guarded.running
    Cg.Caller.stop_all(_stop_protected=True)
    assert guarded.stopped


def test_stop_cancels_pending_jobs(worker):
    release = threading.Event()
    blocker = worker.call_soon(release.wait, 5)
    pending = [worker.call_soon(lambda: 'ran') for _ in range(3)]
    threading.Timer(0.05, release.set).start()
    worker.stop()
    assert worker.stopped
    with pytest.raises(Cg.FutureCancelledError):
        blocker.result()
    for future in pending:
        assert future.done()
        with pytest.raises(Cg.FutureCancelledError):
            future.result()
    with pytest.raises(GLib.Error) as info:
        worker.call_soon(print)
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.CLOSED)


def test_call_soon_arguments_and_order(worker):
    def add(a, b, *, scale=1):
        return (a + b) * scale

    assert worker.call_soon(add, 1, 2, scale=10).wait_sync(5) == 30
    seen = []
    futures = [worker.call_soon(seen.append, i) for i in range(100)]
    futures[-1].wait_sync(5)
    assert seen == list(range(100))


def test_call_later_waits(worker):
    start = time.monotonic()
    future = worker.call_later(0.1, time.monotonic)
    assert future.wait_sync(5) - start >= 0.099
    with pytest.raises(ValueError):
        worker.call_later(-1, print)


def test_call_direct(worker, caplog):
    done = threading.Event()
    worker.call_direct(done.set)
    assert done.wait(5)

    def fail():
        raise ValueError('direct failure')

    with caplog.at_level(logging.ERROR, logger='Cg'):
        worker.call_direct(fail)
        worker.call_soon(lambda: None).wait_sync(5)  # after the direct call
    assert any('direct failure' in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_call_sync_returns_what_the_function_returned_on_the_callers_thread(worker):
    assert worker.call_sync(lambda a, b=0: (threading.current_thread().name, a + b), 1, b=2) == (
        worker.name, 3)

    def fail():
        raise ValueError('sync failure')

    with pytest.raises(ValueError, match='sync failure'):
        worker.call_sync(fail)
    # On the caller's own thread it runs at once: a blocking wait there
    # could never end.
    assert worker.call_soon(lambda: worker.call_sync(lambda: 'inline')).wait_sync(5) == 'inline'
    with pytest.raises(TypeError):
        worker.call_sync(asyncio.sleep, 0)


def test_call_sync_cancelled_before_it_started_never_runs(worker):
    release = threading.Event()
    ran = []
    busy = worker.call_soon(release.wait, 5)
    cancellable = Gio.Cancellable()
    timer = threading.Timer(0.05, cancellable.cancel)
    timer.start()
    try:
        with pytest.raises(GLib.Error) as info:
            worker.call_sync(ran.append, 'ran', cancellable=cancellable)
        assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    finally:
        release.set()
        timer.join(5)
    busy.wait_sync(5)
    worker.call_sync(lambda: None)  # the caller is past the abandoned call
    assert ran == []


def test_call_sync_to_a_stopped_caller_fails():
    caller = Cg.Caller.start_new(name='sync-stopped')
    caller.stop()
    with pytest.raises(GLib.Error, match='stopped'):
        caller.call_sync(lambda: None)


def test_current_future(worker):
    assert Cg.Caller.current_future() is None
    seen = []
    future = worker.call_soon(lambda: seen.append(Cg.Caller.current_future()))
    future.wait_sync(5)
    assert seen == [future]


def test_to_thread_runs_in_a_pool_worker():
    main = threading.get_ident()
    future = Cg.Caller.to_thread(threading.get_ident)
    ident = future.wait_sync(5)
    assert ident != main
    assert future.get_caller().name.startswith('pool-')


def test_to_thread_by_name():
    first = Cg.Caller.to_thread_by_name('named-pool', threading.get_ident).wait_sync(5)
    second = Cg.Caller.to_thread_by_name('named-pool', threading.get_ident).wait_sync(5)
    assert first == second
    assert Cg.Caller.get_instance('named-pool').running
    assert Cg.Caller.to_thread_by_name(None, lambda: 5).wait_sync(5) == 5


def test_settings_are_class_attributes():
    assert Cg.Caller.MAX_BUFFER_SIZE == 1000
    assert Cg.Caller.MAX_IDLE_POOL_INSTANCES == 10
    Cg.Caller.MAX_BUFFER_SIZE = 5
    Cg.Caller.MAX_IDLE_POOL_INSTANCES = 3
    assert Cg.Caller.get_max_buffer_size() == 5
    assert Cg.Caller.get_max_idle_pool_instances() == 3
    caller = Cg.Caller.start_new(name='settings')
    assert caller.MAX_BUFFER_SIZE == 5
    assert caller.MAX_IDLE_POOL_INSTANCES == 3
    with pytest.raises(ValueError):
        Cg.Caller.MAX_BUFFER_SIZE = 0


def test_the_pool_cap_is_a_class_attribute_and_bounds_a_burst():
    default = Cg.Caller.get_default_max_pool_threads()
    assert Cg.Caller.MAX_POOL_THREADS == default
    Cg.Caller.MAX_POOL_THREADS = 2
    assert Cg.Caller.get_max_pool_threads() == 2
    lock = threading.Lock()
    running = [0, 0]  # now, most

    def job():
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1

    futures = [Cg.Caller.to_thread(job) for _ in range(40)]
    for future in futures:
        future.wait_sync(10)
    assert running[1] <= 2
    stats = Cg.Caller.get_pool_stats()
    assert stats.max_threads == 2
    Cg.Caller.MAX_POOL_THREADS = 0  # back to the default
    assert Cg.Caller.MAX_POOL_THREADS == default


def test_contextvars_are_carried_into_jobs(worker):
    token = request_id.set('r-42')
    try:
        future = worker.call_soon(request_id.get)
        later = worker.call_later(0.01, request_id.get)
        pooled = Cg.Caller.to_thread(request_id.get)
    finally:
        request_id.reset(token)
    assert future.wait_sync(5) == 'r-42'
    assert later.wait_sync(5) == 'r-42'
    assert pooled.wait_sync(5) == 'r-42'

    def set_in_job():
        request_id.set('from job')
        return request_id.get()

    assert worker.call_soon(set_in_job).wait_sync(5) == 'from job'
    assert request_id.get() == 'unset'  # the job changed its copy only
    assert worker.call_soon(request_id.get).wait_sync(5) == 'unset'


def test_call_direct_copies_no_context(worker):
    token = request_id.set('submitter')
    seen = []
    done = threading.Event()
    try:
        worker.call_direct(lambda: (seen.append(request_id.get()), done.set()))
    finally:
        request_id.reset(token)
    assert done.wait(5)
    assert seen == ['unset']


def test_job_returning_a_future_follows_it(worker):
    inner = Cg.Caller.to_thread(lambda: 'inner')
    assert worker.call_soon(lambda: inner).wait_sync(5) == 'inner'


def test_caller_of_a_given_thread(worker):
    assert Cg.Caller(thread=worker.thread) == worker
    assert Cg.Caller(thread=threading.current_thread(), create=True).name == 'MainThread'
    with pytest.raises(ValueError):
        Cg.Caller(thread=threading.Thread(target=print))


def test_wait_sync_releases_the_gil(worker):
    # The job needs the GIL for a while; the waiting thread must not hold it.
    def compute():
        return sum(i * i for i in range(200000))

    assert worker.call_soon(compute).wait_sync(10) == sum(i * i for i in range(200000))


def test_stop_from_another_thread_waits_for_a_python_job(worker):
    started = threading.Event()

    def busy():
        cancellable = Cg.Caller.current_future().get_cancellable()
        started.set()
        total = 0
        deadline = time.monotonic() + 10
        while not cancellable.is_cancelled() and time.monotonic() < deadline:
            total += sum(range(1000))  # pure Python: needs the GIL
        return total

    future = worker.call_soon(busy)
    assert started.wait(5)
    worker.stop()  # joins the thread, which needs the GIL to finish
    assert future.done() and future.cancelled()


def test_to_thread_full_gives_label_priority_and_cancellable_at_submission():
    Cg.Caller.MAX_POOL_THREADS = 1
    gate = threading.Event()
    order = []
    blocker = Cg.Caller.to_thread(gate.wait, 5)
    cancellable = Gio.Cancellable()
    low = Cg.Caller.to_thread_full(order.append, 'low', priority=GLib.PRIORITY_LOW)
    urgent = Cg.Caller.to_thread_full(order.append, 'urgent', label='urgent one',
                                      priority=GLib.PRIORITY_HIGH)
    seen = Cg.Caller.to_thread_full(
        lambda: Cg.Caller.current_future().get_cancellable() is cancellable,
        cancellable=cancellable)
    gate.set()
    for future in (blocker, low, urgent):
        future.wait_sync(5)
    assert seen.wait_sync(5) is True
    assert order == ['urgent', 'low']


def test_library_threads_are_named_python_threads():
    """The threads of start_new() callers and of the pool are threading.Threads
    named as their callers, not Dummy-N."""
    import threading

    caller = Cg.Caller.start_new(name='named-in-python')
    thread = caller.call_soon(threading.current_thread).wait_sync(5)
    assert thread.name == 'named-in-python'
    assert not isinstance(thread, threading._DummyThread)
    assert thread in threading.enumerate()
    pool_thread = Cg.Caller.to_thread(threading.current_thread).wait_sync(5)
    assert pool_thread.name.startswith('pool-')
    assert not isinstance(pool_thread, threading._DummyThread)
    caller.stop()
    thread.join(5)
    assert not thread.is_alive()
