# A caller hosted by asyncio: made inside a running asyncio loop, it is run
# by that loop (through Cg.HostedContext), as in the async_kernel Caller API.

import asyncio
import threading
import time

import pytest
from gi.repository import Cg, Gio, GLib


def run(coro, timeout=10):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(bounded())


def test_jobs_from_other_threads_run_in_the_loop_thread():
    async def main():
        async with Cg.Caller(create=True) as caller:
            assert Cg.Caller() is caller
            assert caller.name == 'MainThread'
            assert Cg.Caller.get_instance('MainThread') is caller

            def from_another_thread():
                return caller.call_soon(threading.get_ident).wait_sync(5)

            ran_in = await asyncio.to_thread(from_another_thread)
            assert ran_in == threading.get_ident()
            assert await caller.call_soon(lambda: 'here') == 'here'

    run(main())


def test_coroutine_jobs_are_tasks_that_await_asyncio_objects():
    async def job(x):
        loop = asyncio.get_running_loop()
        pending = loop.create_future()
        loop.call_later(0.01, pending.set_result, x * 2)
        await asyncio.sleep(0.01)
        assert asyncio.current_task() is not None
        assert Cg.Caller.current_future() is not None
        return await pending

    async def main():
        async with Cg.Caller(create=True) as caller:
            future = caller.call_soon(job, 21)
            assert await future == 42
            # The same from another thread, waiting in C.
            other = await asyncio.to_thread(lambda: caller.call_soon(job, 4).wait_sync(5))
            assert other == 8

    run(main())


def test_call_later_runs_after_its_delay():
    async def main():
        loop = asyncio.get_running_loop()
        async with Cg.Caller(create=True) as caller:
            start = loop.time()
            ran_at = await caller.call_later(0.05, loop.time)
            assert ran_at - start >= 0.045

    run(main())


def test_leaving_the_block_stops_the_caller_and_interrupts_coroutines():
    lock = Cg.AsyncLock()
    events = []

    async def holder():
        async with lock:
            events.append('locked')
            try:
                await asyncio.sleep(30)
            finally:
                events.append('finally')

    async def main():
        async with Cg.Caller(create=True) as caller:
            running = caller.call_soon(holder)
            while not events:
                await asyncio.sleep(0.005)
            queued = caller.call_later(30, lambda: 'never')
        # The block waited for the coroutine's finally.
        assert events == ['locked', 'finally']
        assert caller.stopped
        assert running.cancelled() and queued.cancelled()
        assert lock.count == 0
        # The lock is free for others.
        async with lock:
            return 'free'

    assert run(main()) == 'free'


def test_stop_from_another_thread_interrupts_a_coroutine_holding_a_lock():
    lock = Cg.AsyncLock()
    events = []

    async def holder():
        async with lock:
            events.append('locked')
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                events.append('cancelled')
                raise

    async def main():
        caller = Cg.Caller(create=True)
        caller.start()
        running = caller.call_soon(holder)
        while not events:
            await asyncio.sleep(0.005)
        await asyncio.to_thread(caller.stop)
        with pytest.raises(Cg.FutureCancelledError):
            await running
        while lock.count:
            await asyncio.sleep(0.005)
        return events

    assert run(main()) == ['locked', 'cancelled']


def test_cancelling_the_future_cancels_the_task():
    async def job():
        await asyncio.sleep(30)

    async def main():
        async with Cg.Caller(create=True) as caller:
            future = caller.call_soon(job)
            await asyncio.sleep(0.01)
            assert future.cancel('enough')
            with pytest.raises(Cg.FutureCancelledError) as info:
                await future
            assert 'enough' in str(info.value)

    run(main())


def test_a_failing_coroutine_job_keeps_its_exception():
    class Boom(Exception):
        pass

    raised = []

    async def job():
        await asyncio.sleep(0)
        raised.append(Boom('in a task'))
        raise raised[0]

    async def main():
        async with Cg.Caller(create=True) as caller:
            with pytest.raises(Boom) as info:
                await caller.call_soon(job)
            assert info.value is raised[0]

    run(main())


def test_queue_call_and_call_direct_run_in_the_loop():
    async def main():
        seen = []
        done = asyncio.Event()
        async with Cg.Caller(create=True) as caller:
            caller.queue_call(seen.append, 1)
            caller.queue_call(seen.append, 2)

            async def direct():
                await asyncio.sleep(0)
                seen.append(3)
                done.set()
            caller.call_direct(direct)
            await asyncio.wait_for(done.wait(), 5)
        return seen

    assert run(main()) == [1, 2, 3]


def test_waits_and_locks_in_asyncio_need_no_other_thread():
    async def main():
        before = set(threading.enumerate())
        lock = Cg.AsyncLock()
        async with lock:
            future = Cg.Future()
            asyncio.get_running_loop().call_later(0.01, future.set_result, 'set')
            assert await future.wait(timeout=5) == 'set'
        done, pending = await Cg.Caller.wait([future])
        assert done == {future} and not pending
        return set(threading.enumerate()) - before

    assert run(main()) == set()


def test_a_loop_in_another_thread_hosts_its_own_caller():
    results = []

    def thread_main():
        async def main():
            async with Cg.Caller(create=True) as caller:
                results.append(await caller.call_soon(threading.get_ident))
        run(main())
        results.append(threading.get_ident())

    thread = threading.Thread(target=thread_main)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert len(results) == 2 and results[0] == results[1]


def test_hosted_context_in_c_terms():
    context = GLib.MainContext.new_with_flags(GLib.MainContextFlags.OWNERLESS_POLLING)
    hosted = Cg.HostedContext.new(context)
    assert hosted.get_context() == context
    assert hosted.get_fd() >= 0
    assert hosted.iterate() == -1  # nothing attached: no limit
    fired = []
    source = GLib.timeout_source_new(20)
    source.set_callback(lambda *unused: fired.append(time.monotonic()) or GLib.SOURCE_REMOVE)
    source.attach(context)
    timeout = hosted.iterate()
    assert 0 <= timeout <= 20
    time.sleep(0.03)
    hosted.iterate()
    assert len(fired) == 1
    # Another thread cannot run it meanwhile, and can once it is closed.
    assert not acquire_elsewhere(context)
    hosted.close()
    assert hosted.get_fd() == -1 and hosted.iterate() == -1
    assert acquire_elsewhere(context)


def acquire_elsewhere(context):
    got = []

    def acquire():
        got.append(context.acquire())
        if got[0]:
            context.release()

    thread = threading.Thread(target=acquire)
    thread.start()
    thread.join(10)
    return got[0]


def test_a_context_run_elsewhere_cannot_be_hosted():
    context = GLib.MainContext.new()
    started, stop = threading.Event(), threading.Event()

    def owner():
        context.acquire()
        started.set()
        stop.wait(10)
        context.release()

    thread = threading.Thread(target=owner)
    thread.start()
    try:
        assert started.wait(5)
        with pytest.raises(GLib.Error) as info:
            Cg.HostedContext.new(context)
        assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.BUSY)
    finally:
        stop.set()
        thread.join(10)



def test_a_caller_left_running_is_hosted_by_the_next_loop():
    async def first():
        caller = Cg.Caller(create=True)
        caller.start()
        assert await caller.call_soon(lambda: 1) == 1
        return caller

    caller = run(first())
    assert not caller.stopped  # its loop ended without stopping it

    async def second():
        async with Cg.Caller(create=True) as again:
            assert again is caller
            return await again.call_soon(lambda: 2)

    assert run(second()) == 2


def test_a_future_made_in_asyncio_is_completed_from_a_pool_thread():
    async def main():
        future = Cg.Future()
        Cg.Caller.to_thread(future.set_result, 'from the pool')
        return await future.wait(timeout=5)

    assert run(main()) == 'from the pool'


def test_each_asyncio_run_leaves_nothing_open():
    """The GLib context a loop runs is closed when the loop shuts down: no
    descriptor or loop is left behind by one asyncio.run() after another."""
    import gc
    import os

    import gi.overrides.Cg as override

    async def main():
        assert await Cg.Caller.to_thread(lambda: 1) == 1

    run(main())
    gc.collect()
    before, hosts_before = len(os.listdir('/proc/self/fd')), len(override._hosts)
    for _ in range(30):
        run(main())
    gc.collect()
    # A pool worker started meanwhile has a descriptor of its own; a leak
    # of one a run would be 30.
    assert len(os.listdir('/proc/self/fd')) <= before + 3
    assert len(override._hosts) <= hosts_before + 1


def test_timeouts_as_futures():
    async def main():
        async with Cg.Caller(create=True):
            with pytest.raises(TimeoutError):
                await Cg.timeout(0.01)
            assert await Cg.Caller.to_thread(lambda: 'fast').with_timeout(30) == 'fast'
            slow = Cg.Future()
            with pytest.raises(TimeoutError):
                await slow.with_timeout(0.01)
            while not slow.cancelled():
                await asyncio.sleep(0.005)
            slow.set_result('late')  # its owner completes it: as cancelled
            assert slow.cancelled()

    run(main())


def test_a_timeout_needs_a_caller():
    result = []

    def no_caller():
        try:
            Cg.timeout(1)
        except GLib.Error as e:
            result.append(e.code)

    thread = threading.Thread(target=no_caller)
    thread.start()
    thread.join(10)
    assert result == [int(Cg.CallerError.NOT_FOUND)]
