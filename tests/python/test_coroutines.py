# Coroutine functions as jobs: run on the caller's thread by the Cg runner.

import asyncio
import contextvars
import threading
import time

import pytest
from gi.repository import Cg

from conftest import run_future, run_until

trace_id = contextvars.ContextVar('trace_id', default=None)


class Boom(Exception):
    pass


def test_coroutine_job_awaits_cg_futures_and_sleep(worker):
    async def job(x):
        thread = threading.get_ident()
        start = time.monotonic()
        await Cg.sleep(0.05)
        slept = time.monotonic() - start
        doubled = await Cg.Caller.to_thread(lambda: x * 2)
        assert threading.get_ident() == thread  # resumed on the caller's thread
        return doubled, slept, thread

    doubled, slept, thread = worker.call_soon(job, 21).wait_sync(5)
    assert doubled == 42
    assert slept >= 0.049
    assert thread == worker.call_soon(threading.get_ident).wait_sync(5)


def test_coroutine_in_to_thread_and_call_later(worker):
    async def job(value):
        await Cg.sleep(0.01)
        return value

    assert Cg.Caller.to_thread(job, 'pooled').wait_sync(5) == 'pooled'
    assert worker.call_later(0.01, job, 'later').wait_sync(5) == 'later'


def test_coroutine_on_main_thread_caller(main_caller):
    async def job():
        value = await Cg.Caller.to_thread(lambda: 'from worker')
        await Cg.sleep(0.01)
        return value

    assert run_future(main_caller.call_soon(job)) == 'from worker'


def test_coroutine_exception_keeps_identity(worker):
    raised = []

    async def job():
        await Cg.sleep(0)
        error = Boom('late')
        raised.append(error)
        raise error

    future = worker.call_soon(job)
    with pytest.raises(Boom) as info:
        future.wait_sync(5)
    assert info.value is raised[0]
    assert future.exception() is raised[0]


def test_exception_of_awaited_future_keeps_identity(worker):
    raised = []

    def failing():
        error = Boom('inner')
        raised.append(error)
        raise error

    async def job():
        try:
            await Cg.Caller.to_thread(failing)
        except Boom as e:
            return e

    assert worker.call_soon(job).wait_sync(5) is raised[0]


def test_cancelling_a_suspended_coroutine_throws_into_it(worker):
    events = []
    started = threading.Event()

    async def job():
        started.set()
        try:
            await Cg.sleep(10)
        except Cg.FutureCancelledError as e:
            events.append(('cancelled', str(e)))
            raise
        events.append('slept')

    future = worker.call_soon(job)
    assert started.wait(5)
    future.cancel('enough')
    with pytest.raises(Cg.FutureCancelledError, match='enough'):
        future.wait_sync(5)
    assert events == [('cancelled', 'enough')]


def test_wait_with_timeout_in_coroutine(worker):
    async def job():
        slow = Cg.Caller.to_thread(time.sleep, 0.5)
        try:
            await slow.wait(timeout=0.05, shield=True)
        except TimeoutError:
            shielded = not slow.cancelled()
        try:
            await slow.wait(timeout=0.05)
        except TimeoutError:
            cancelled = slow.cancelled()
        fast = Cg.Caller.to_thread(lambda: 'fast')
        return shielded, cancelled, await fast.wait(), await fast.wait(result=False)

    assert worker.call_soon(job).wait_sync(5) == (True, True, 'fast', None)


def test_current_future_and_contextvars_across_awaits(worker):
    async def job():
        trace_id.set('inside')
        before = Cg.Caller.current_future()
        await Cg.sleep(0.01)
        await Cg.Caller.to_thread(lambda: None)
        return before, Cg.Caller.current_future(), trace_id.get()

    token = trace_id.set('submitter')
    try:
        future = worker.call_soon(job)
    finally:
        trace_id.reset(token)
    before, after, value = future.wait_sync(5)
    assert before is future and after is future
    assert value == 'inside'


def test_contextvars_reach_coroutine_job(worker):
    async def job():
        await Cg.sleep(0)
        return trace_id.get()

    token = trace_id.set('carried')
    try:
        future = Cg.Caller.to_thread(job)
    finally:
        trace_id.reset(token)
    assert future.wait_sync(5) == 'carried'


def test_asyncio_objects_cannot_be_awaited_in_cg_runner(worker):
    loop = asyncio.new_event_loop()

    async def job():
        await loop.create_future()

    try:
        with pytest.raises(RuntimeError, match='cannot be awaited'):
            worker.call_soon(job).wait_sync(5)
    finally:
        loop.close()

    async def sleeper():
        await asyncio.sleep(0.01)  # asyncio itself refuses: no running loop

    with pytest.raises(RuntimeError):
        worker.call_soon(sleeper).wait_sync(5)


def test_bare_yield_resumes_soon(worker):
    import types

    @types.coroutine
    def yield_once():
        yield

    async def job():
        for _ in range(3):
            await yield_once()
        return 'resumed'

    assert worker.call_soon(job).wait_sync(5) == 'resumed'


def test_call_direct_with_coroutine(worker):
    done = threading.Event()

    async def job():
        await Cg.sleep(0.01)
        done.set()

    worker.call_direct(job)
    assert done.wait(5)


def test_stopping_caller_cancels_coroutine_job():
    caller = Cg.Caller.start_new(name='stopping')
    started = threading.Event()

    async def job():
        started.set()
        await Cg.sleep(30)

    future = caller.call_soon(job)
    assert started.wait(5)
    caller.stop()
    assert future.cancelled()


def test_stopping_a_main_loop_caller_interrupts_a_coroutine_holding_a_lock(main_caller):
    """On a caller whose context the program's own loop runs (the main
    thread's, here), stop() cancels a running coroutine job: its finally runs
    and the lock it holds is free again."""
    lock = Cg.AsyncLock()
    events = []

    async def holder():
        async with lock:
            events.append('locked')
            try:
                await Cg.sleep(30)
            finally:
                events.append('finally')

    future = main_caller.call_soon(holder)
    run_until(lambda: events == ['locked'])
    main_caller.stop(force=True)
    run_until(lambda: future.done() and lock.count == 0)
    assert events == ['locked', 'finally']
    assert future.cancelled()
