# Cg.AsyncLock and Cg.ReentrantAsyncLock with `async with`, in coroutine jobs.

import threading

import pytest
from gi.repository import Cg, GLib


def test_mutex_contention_between_worker_threads():
    lock = Cg.AsyncLock()
    active = []
    peak = []
    threads = set()
    mutex = threading.Lock()

    async def job(i):
        async with lock:
            with mutex:
                active.append(i)
                peak.append(len(active))
                threads.add(threading.get_ident())
            await Cg.sleep(0.002)
            with mutex:
                active.remove(i)
        return i

    futures = [Cg.Caller.to_thread(job, i) for i in range(12)]
    assert sorted(f.wait_sync(10) for f in futures) == list(range(12))
    assert len(peak) == 12
    assert max(peak) == 1
    assert len(threads) > 1  # the lock was handed between threads
    assert lock.count == 0


def test_mutex_fifo_in_one_caller(worker):
    lock = Cg.AsyncLock()
    order = []

    async def job(i):
        async with lock:
            order.append(i)
            await Cg.sleep(0.001)

    futures = [worker.call_soon(job, i) for i in range(8)]
    for future in futures:
        future.wait_sync(5)
    assert order == list(range(8))


def test_mutex_refuses_reacquire(worker):
    lock = Cg.AsyncLock()

    async def job():
        async with lock:
            assert lock.is_in_context()
            assert lock.count == 1
            try:
                async with lock:
                    return 'entered twice'
            except RuntimeError as e:
                return e

    error = worker.call_soon(job).wait_sync(5)
    assert isinstance(error, GLib.Error)
    assert error.matches(Cg.CallerError.quark(), Cg.CallerError.NOT_REENTRANT)
    assert lock.count == 0


def test_reentrant_lock_is_shared_with_children(worker):
    lock = Cg.ReentrantAsyncLock()
    assert lock.reentrant and not Cg.AsyncLock().reentrant

    async def child():
        inside = lock.is_in_context()
        async with lock:
            return inside, lock.count, threading.get_ident()

    async def parent():
        async with lock:
            async with lock:
                nested = lock.count
            pooled = await Cg.Caller.to_thread(child)
            soon = await Cg.Caller().call_soon(child)
            return nested, pooled, soon, lock.count, threading.get_ident()

    nested, pooled, soon, count, parent_thread = worker.call_soon(parent).wait_sync(5)
    assert nested == 2
    assert pooled[:2] == (True, 2) and pooled[2] != parent_thread
    assert soon[:2] == (True, 2) and soon[2] == parent_thread
    assert count == 1
    assert lock.count == 0


def test_reentrant_lock_excludes_other_contexts(worker):
    lock = Cg.ReentrantAsyncLock()
    events = []

    async def holder():
        async with lock:
            events.append('holder in')
            await Cg.sleep(0.05)
            events.append('holder out')

    async def other():
        await Cg.sleep(0.01)
        async with lock:
            events.append('other in')

    first = worker.call_soon(holder)
    second = Cg.Caller.to_thread(other)
    first.wait_sync(5)
    second.wait_sync(5)
    assert events == ['holder in', 'holder out', 'other in']


def test_release_without_holding_is_invalid_state():
    lock = Cg.AsyncLock()
    with pytest.raises(Cg.InvalidStateError):
        lock.release()
    assert not lock.is_in_context()


def test_acquire_and_await_release(worker):
    lock = Cg.AsyncLock()

    async def job():
        assert await lock.acquire() is lock
        counted = lock.count
        await lock.release()
        return counted, lock.count

    assert worker.call_soon(job).wait_sync(5) == (1, 0)


def test_cancelled_waiter_leaves_the_queue(worker):
    lock = Cg.AsyncLock()
    holding = threading.Event()

    async def holder():
        async with lock:
            holding.set()
            await Cg.sleep(0.2)
        return 'released'

    async def waiter():
        async with lock:
            return 'got it'

    first = worker.call_soon(holder)
    assert holding.wait(5)
    second = Cg.Caller.to_thread(waiter)
    Cg.Caller.to_thread(lambda: None).wait_sync(5)
    second.cancel('gave up')
    with pytest.raises(Cg.FutureCancelledError):
        second.wait_sync(5)
    assert first.wait_sync(5) == 'released'
    assert lock.count == 0
