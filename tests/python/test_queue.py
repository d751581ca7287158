# Caller.queue_call(): a FIFO queue per function, run one at a time.

import gc
import sys
import threading
import time

import pytest
from gi.repository import Cg, GLib

from conftest import run_until


def test_queue_runs_in_order_one_at_a_time(main_caller):
    log = []

    async def record(i):
        log.append(('start', i))
        await Cg.sleep(0.002)
        log.append(('end', i))

    for i in range(5):
        assert main_caller.queue_call(record, i) is None
    assert log == []  # never inside queue_call itself
    assert main_caller.queue_exists(record)
    run_until(lambda: len(log) == 10)
    assert log == [(what, i) for i in range(5) for what in ('start', 'end')]


def test_queue_call_only_from_the_callers_thread(worker):
    with pytest.raises(GLib.Error) as info:
        worker.queue_call(print, 'x')
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.WRONG_THREAD)


def test_queue_call_from_a_job(worker):
    seen = []

    def item(i):
        seen.append((i, threading.get_ident()))

    def job():
        for i in range(3):
            Cg.Caller().queue_call(item, i)
        return list(seen)  # nothing ran yet

    assert worker.call_soon(job).wait_sync(5) == []
    worker_thread = worker.call_soon(threading.get_ident).wait_sync(5)
    deadline = time.monotonic() + 5
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert seen == [(i, worker_thread) for i in range(3)]


def test_queue_full_would_block_and_wait(main_caller):
    ran = []

    def item(i):
        ran.append(i)

    # Every call not yet started counts, the one handed to the loop too:
    # before the loop runs, a buffer of two takes exactly two calls.
    main_caller.queue_call(item, 0, max_buffer_size=2)
    main_caller.queue_call(item, 1)
    with pytest.raises(GLib.Error) as info:
        main_caller.queue_call(item, 2)
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.WOULD_BLOCK)

    async def producer():
        for i in range(2, 6):
            await main_caller.queue_call(item, i, wait=True)
        return 'all queued'

    future = main_caller.call_soon(producer)
    run_until(lambda: future.done() and len(ran) == 6)
    assert future.result() == 'all queued'
    assert ran == list(range(6))


def test_default_buffer_size_is_max_buffer_size(main_caller):
    Cg.Caller.MAX_BUFFER_SIZE = 1
    main_caller.queue_call(print, 'first')  # handed to the caller, not started
    with pytest.raises(GLib.Error):
        main_caller.queue_call(print, 'second')
    main_caller.queue_close(print)


@pytest.mark.parametrize('size', [None, 0, -5], ids=['none', '0', '-5'])
def test_no_buffer_size_zero_or_less_is_max_buffer_size(main_caller, size):
    Cg.Caller.MAX_BUFFER_SIZE = 2

    def item():
        pass

    main_caller.queue_call(item, max_buffer_size=size)  # handed to the caller
    main_caller.queue_call(item, max_buffer_size=size)  # waits
    with pytest.raises(GLib.Error) as info:
        main_caller.queue_call(item, max_buffer_size=size)
    assert info.value.matches(Cg.CallerError.quark(), Cg.CallerError.WOULD_BLOCK)
    main_caller.queue_close(item)


def _c_item(future, unused=None):
    pass


@pytest.mark.parametrize('size', [0, -5, 1, 3])
def test_buffer_size_means_the_same_as_in_c(main_caller, size):
    # The Python queues and the C ones (queue_call_named) take as many
    # calls for the same max_buffer_size.
    Cg.Caller.MAX_BUFFER_SIZE = 4

    def fill(queue_one):
        accepted = 0
        for _ in range(12):
            try:
                queue_one()
            except GLib.Error as error:
                assert error.matches(Cg.CallerError.quark(), Cg.CallerError.WOULD_BLOCK)
                break
            accepted += 1
        return accepted

    def item():
        pass

    in_python = fill(lambda: main_caller.queue_call(item, max_buffer_size=size))
    in_c = fill(lambda: Cg.Caller.queue_call_named(main_caller, 'parity', None, _c_item,
                                                    None, size))
    main_caller.queue_close(item)
    Cg.Caller.queue_close_named(main_caller, 'parity', None)
    assert in_python == in_c == (size if size > 0 else 4)


@pytest.fixture
def library_warnings(main_caller):
    """The warnings the library logs in the main caller's log domain."""
    seen = []
    handler = GLib.log_set_handler(main_caller.log, GLib.LogLevelFlags.LEVEL_WARNING,
                                   lambda domain, level, message, *unused: seen.append(message),
                                   None)
    yield seen
    GLib.log_remove_handler(main_caller.log, handler)


def test_failing_item_is_logged_and_queue_goes_on(main_caller, library_warnings):
    # The queue is the library's: it logs the failure (its message, in the
    # caller's log domain) with the Python exception's type and text.
    ran = []

    def item(i):
        if i == 1:
            raise ValueError('bad item')
        ran.append(i)

    for i in range(3):
        main_caller.queue_call(item, i)
    run_until(lambda: len(ran) == 2 and library_warnings)
    assert ran == [0, 2]
    assert len(library_warnings) == 1
    assert 'ValueError: bad item' in library_warnings[0]


def test_queue_close(main_caller):
    ran = []
    for i in range(3):
        main_caller.queue_call(ran.append, i)
    assert main_caller.queue_exists(ran.append)
    closed = []
    # Closed from another thread before the main context runs any of them.
    thread = threading.Thread(target=lambda: closed.append(main_caller.queue_close(ran.append)))
    thread.start()
    thread.join(5)
    assert closed == [True]
    assert not main_caller.queue_exists(ran.append)
    assert not main_caller.queue_close(ran.append)
    run_until(lambda: main_caller.call_soon(lambda: None).done() or True)
    assert ran in ([], [0])  # at most the call already handed to the caller


class Sink:
    def __init__(self):
        self.items = []

    def put(self, item):
        self.items.append(item)


def test_bound_methods_queue_per_instance_and_close_with_it(main_caller):
    a, b = Sink(), Sink()
    main_caller.queue_call(a.put, 1)
    main_caller.queue_call(b.put, 2)
    assert main_caller.queue_exists(a.put) and main_caller.queue_exists(b.put)
    run_until(lambda: a.items == [1] and b.items == [2])
    main_caller.queue_close(b.put)
    assert not main_caller.queue_exists(b.put)
    assert main_caller.queue_exists(a.put)

    going = Sink()  # its queue closes when it is garbage collected
    main_caller.queue_call(going.put, 3)
    run_until(lambda: going.items == [3])
    name, instance, unused = _override()._queue_id(going.put)
    assert instance is None
    assert Cg.Caller.queue_exists_named(main_caller, name, None)
    del going, unused
    gc.collect()
    run_until(lambda: not Cg.Caller.queue_exists_named(main_caller, name, None))
    assert main_caller.queue_exists(a.put)


def _override():
    return sys.modules['gi.overrides.Cg']


def test_python_queues_are_the_librarys_named_queues(main_caller):
    ran = []

    def item(i):
        ran.append(i)

    main_caller.queue_call(item, 0)
    name, instance, unused = _override()._queue_id(item)
    assert Cg.Caller.queue_exists_named(main_caller, name, instance)
    # Closed from C: Python sees it closed, and the next call makes it anew.
    assert Cg.Caller.queue_close_named(main_caller, name, instance)
    assert not main_caller.queue_exists(item)
    main_caller.queue_call(item, 1)
    assert Cg.Caller.queue_exists_named(main_caller, name, instance)
    run_until(lambda: 1 in ran)
    assert main_caller.queue_close(item)
    assert not Cg.Caller.queue_exists_named(main_caller, name, instance)


def test_gobject_methods_queue_per_instance_in_the_library(main_caller):
    from gi.repository import Gio

    class Owner(Gio.SimpleAction):
        def put(self, item):
            self.items.append(item)

    one, two = Owner(name='one'), Owner(name='two')
    one.items, two.items = [], []
    main_caller.queue_call(one.put, 1)
    main_caller.queue_call(two.put, 2)
    name, instance, unused = _override()._queue_id(one.put)
    assert instance is one
    assert Cg.Caller.queue_exists_named(main_caller, name, one)
    assert Cg.Caller.queue_exists_named(main_caller, name, two)
    run_until(lambda: one.items == [1] and two.items == [2])
    assert main_caller.queue_close(one.put)
    assert not Cg.Caller.queue_exists_named(main_caller, name, one)
    assert main_caller.queue_exists(two.put)
    main_caller.queue_close(two.put)


def test_stop_closes_queues(worker):
    def job():
        Cg.Caller().queue_call(print, 'never', max_buffer_size=5)
        return Cg.Caller().queue_exists(print)

    assert worker.call_soon(job).wait_sync(5)
    worker.stop()
    assert not worker.queue_exists(print)


def test_a_stopped_caller_lets_its_queue_anchors_go(worker):
    # However the caller stops (here by the C function itself), the objects
    # its Python queues were tied to are let go, as the queues are closed.
    class Unreferable:
        __slots__ = ('items',)  # no weak references: kept while its queue lives

        def __init__(self):
            self.items = []

        def put(self, item):
            self.items.append(item)

    sink = Unreferable()

    def job():
        Cg.Caller().queue_call(sink.put, 1)

    worker.call_soon(job).wait_sync(5)
    assert sys.getrefcount(sink) > 2  # held by the anchor
    _override().Cg.Caller.stop(worker, False)
    assert not worker.queue_exists(sink.put)
    assert sys.getrefcount(sink) == 2
