# Cg futures, locks and iterations inside asyncio.

import asyncio
import threading
import time

import pytest
from gi.repository import Cg


class Boom(Exception):
    pass


def run(coro, timeout=10):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(bounded())


def test_await_future_completed_on_a_worker():
    async def main():
        loop_thread = threading.get_ident()
        value = await Cg.Caller.to_thread(lambda: (time.sleep(0.02), threading.get_ident())[1])
        assert threading.get_ident() == loop_thread
        return value

    assert run(main()) != threading.get_ident()


def test_await_in_an_asyncio_loop_of_another_thread(worker):
    results = []

    def thread_main():
        async def main():
            return await worker.call_later(0.02, lambda: 'late value')
        results.append(run(main()))

    thread = threading.Thread(target=thread_main)
    thread.start()
    thread.join(10)
    assert results == ['late value']


def test_await_raises_the_same_exception():
    raised = []

    def job():
        error = Boom('from worker')
        raised.append(error)
        raise error

    async def main():
        with pytest.raises(Boom) as info:
            await Cg.Caller.to_thread(job)
        return info.value

    assert run(main()) is raised[0]


def test_await_cancelled_future():
    async def main():
        future = Cg.Caller.to_thread(time.sleep, 0.2)
        future.cancel('no longer needed')
        with pytest.raises(Cg.FutureCancelledError, match='no longer needed'):
            await future

    run(main())


def test_wait_timeout_and_shield():
    async def main():
        slow = Cg.Caller.to_thread(time.sleep, 0.5)
        with pytest.raises(TimeoutError):
            await slow.wait(timeout=0.02, shield=True)
        assert not slow.cancelled()
        with pytest.raises(TimeoutError):
            await slow.wait(timeout=0.02)
        assert slow.cancelled()
        fast = Cg.Caller.to_thread(lambda: 'fast')
        assert await fast.wait(timeout=5) == 'fast'
        failing = Cg.Caller.to_thread(lambda: 1 / 0)
        assert await failing.wait(result=False) is None

    run(main())


@pytest.mark.parametrize('timeout', [float('nan'), -1, -0.5], ids=['nan', '-1', '-0.5'])
def test_nan_or_negative_timeout_waits_without_limit(worker, timeout):
    # One rule in every face: no limit, as the C waits have it.
    async def in_asyncio():
        future = worker.call_later(0.05, lambda: 'late')
        # Bounded by the worker, not by an asyncio timer: a timer of the
        # loop that is due earlier would hide a NaN one.
        worker.call_later(10, future.cancel, 'the wait did not end')
        value = await future.wait(timeout=timeout)
        return value, future.cancelled()

    assert asyncio.run(in_asyncio()) == ('late', False)

    async def in_a_coroutine_job():
        future = Cg.Caller.to_thread(lambda: (time.sleep(0.05), 'late')[1])
        value = await future.wait(timeout=timeout)
        return value, future.cancelled()

    assert worker.call_soon(in_a_coroutine_job).wait_sync(5) == ('late', False)

    future = worker.call_later(0.05, lambda: 'late')
    assert future.wait_sync(timeout=timeout) == 'late'
    assert not future.cancelled()


def test_cancelling_the_asyncio_task_cancels_the_future(worker):
    async def main():
        future = worker.call_later(10, lambda: None)
        task = asyncio.ensure_future(future.wait())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return future

    assert run(main()).cancelled()


def test_cancelling_a_task_that_awaits_a_future_cancels_it(worker):
    # As with asyncio's own futures: the task's cancel message goes along.
    async def wait_for(future):
        return await future

    async def main():
        future = worker.call_later(10, lambda: None)
        task = asyncio.ensure_future(wait_for(future))
        await asyncio.sleep(0.01)
        task.cancel('no longer needed')
        with pytest.raises(asyncio.CancelledError):
            await task
        timed = worker.call_later(10, lambda: None)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(timed, 0.01)
        return future, timed

    future, timed = run(main())
    assert future.cancelled() and timed.cancelled()
    with pytest.raises(Cg.FutureCancelledError, match='no longer needed'):
        future.result()


def test_cg_sleep_in_asyncio():
    async def main():
        start = time.monotonic()
        assert await Cg.sleep(0.02, 'slept') == 'slept'
        return time.monotonic() - start

    assert run(main()) >= 0.019


def test_caller_wait_in_asyncio():
    async def main():
        fast = Cg.Caller.to_thread(lambda: 'fast')
        slow = Cg.Caller.to_thread(time.sleep, 0.3)
        done, pending = await Cg.Caller.wait([fast, slow], return_when='FIRST_COMPLETED')
        assert done == {fast} and pending == {slow}
        done, pending = await Cg.Caller.wait([fast, slow], timeout=0.01)
        assert done == {fast} and pending == {slow}  # a timeout is no error
        done, pending = await Cg.Caller.wait([fast, slow])
        assert done == {fast, slow} and pending == set()

    run(main())


def test_as_completed_in_asyncio():
    async def main():
        futures = [Cg.Caller.to_thread(lambda d=d: (time.sleep(d), d)[1]) for d in (0.15, 0.05, 0.1)]
        order = [f.result() async for f in Cg.Caller.as_completed(futures)]
        assert order == [0.05, 0.1, 0.15]

    run(main())


def test_as_completed_leaving_early_cancels_the_rest_unless_shield():
    async def leave_early(shield):
        futures = [Cg.Caller.to_thread(lambda: 'fast')] + \
                  [Cg.Caller.to_thread(time.sleep, 0.3) for _ in range(2)]
        iteration = Cg.Caller.as_completed(futures, shield=shield)
        async for future in iteration:
            assert future.result() == 'fast'
            break
        await iteration.aclose()
        rest = futures[1:]
        cancelled = [f.cancelled() for f in rest]
        # Let every job end before the callers stop (see the report on
        # cg_caller_stop() racing a pool worker that is still starting).
        await Cg.Caller.wait(futures, timeout=5)
        return cancelled

    assert all(run(leave_early(False)))
    assert not any(run(leave_early(True)))


def test_asyncio_lock_contention_in_one_thread():
    async def main():
        lock = Cg.AsyncLock()
        active = []
        peak = []

        async def worker(i):
            async with lock:
                active.append(i)
                peak.append(len(active))
                await asyncio.sleep(0.005)
                active.remove(i)

        await asyncio.gather(*(worker(i) for i in range(10)))
        assert max(peak) == 1 and len(peak) == 10
        assert lock.count == 0

    run(main())


def test_cg_sleep_needs_a_loop_or_caller():
    with pytest.raises(RuntimeError):
        Cg.sleep(0.01)


def test_cancelled_lock_waiter_in_asyncio():
    async def main():
        lock = Cg.AsyncLock()
        release = asyncio.Event()

        async def holder():
            async with lock:
                await release.wait()

        holding = asyncio.ensure_future(holder())
        while lock.count == 0:
            await asyncio.sleep(0.001)
        # Tasks copy the context: this one is not the holder's.
        waiter = asyncio.ensure_future(lock.acquire())
        await asyncio.sleep(0.02)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        release.set()
        await holding
        # The cancellation reaches the lock asynchronously: if the lock was
        # handed to the waiter first, that acquisition is given back.
        for _ in range(500):
            if lock.count == 0:
                break
            await asyncio.sleep(0.002)
        assert lock.count == 0

        async def other_task():
            async with lock:
                return lock.count

        assert await asyncio.ensure_future(other_task()) == 1

    run(main())


def test_awaiting_done_future_returns_at_once(worker):
    future = worker.call_soon(lambda: 'ready')
    future.wait_sync(5)

    async def main():
        return await future

    assert run(main()) == 'ready'


def test_surge_in_asyncio():
    mutex = threading.Lock()
    running = []
    peak = []
    threads = set()

    def job(i):
        with mutex:
            running.append(i)
            peak.append(len(running))
            threads.add(threading.get_ident())
        time.sleep(0.002)
        with mutex:
            running.remove(i)
        return i

    async def main():
        jobs = (Cg.Caller.to_thread(job, i) for i in range(40))
        return [f.result() async for f in Cg.Caller.as_completed(jobs, max_concurrent=2)]

    assert sorted(run(main(), timeout=30)) == list(range(40))
    assert max(peak) <= 2
    assert len(threads) == 2
