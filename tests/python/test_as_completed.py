# Caller.as_completed() and Caller.wait() in coroutine jobs.

import asyncio
import threading
import time

from gi.repository import Cg


def test_surge_of_forty_jobs_on_two_workers(worker):
    """The surge of async_kernel's examples: 40 to_thread jobs drawn from a generator with
    max_concurrent=2 run on exactly 2 pool threads, 2 at a time at most."""
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

    async def surge():
        jobs = (Cg.Caller.to_thread(job, i) for i in range(40))
        results = []
        async for future in Cg.Caller.as_completed(jobs, max_concurrent=2):
            results.append(future.result())
        return results

    results = worker.call_soon(surge).wait_sync(30)
    assert sorted(results) == list(range(40))
    assert max(peak) <= 2
    assert len(threads) == 2


def test_as_completed_list_in_completion_order(worker):
    async def main():
        futures = [Cg.Caller.to_thread(lambda d=d: (time.sleep(d), d)[1])
                   for d in (0.15, 0.05, 0.1)]
        return [f.result() async for f in Cg.Caller.as_completed(futures)]

    assert worker.call_soon(main).wait_sync(10) == [0.05, 0.1, 0.15]


def test_as_completed_empty_list_ends_at_once(worker):
    async def main():
        return [f async for f in Cg.Caller.as_completed([])]

    assert worker.call_soon(main).wait_sync(5) == []


def test_as_completed_skips_the_current_job(worker):
    async def main():
        other = Cg.Caller.to_thread(lambda: 'other')
        own = Cg.Caller.current_future()
        return [f.result() async for f in Cg.Caller.as_completed([own, other])]

    assert worker.call_soon(main).wait_sync(5) == ['other']


def test_as_completed_default_limit_is_max_idle_pool_instances(worker):
    Cg.Caller.MAX_IDLE_POOL_INSTANCES = 3
    mutex = threading.Lock()
    running = []
    peak = []

    def job():
        with mutex:
            running.append(1)
            peak.append(len(running))
        time.sleep(0.01)
        with mutex:
            running.pop()

    async def main():
        jobs = (Cg.Caller.to_thread(job) for _ in range(12))
        return len([f async for f in Cg.Caller.as_completed(jobs)])

    assert worker.call_soon(main).wait_sync(10) == 12
    assert max(peak) <= 3


def test_as_completed_failed_futures_come_out(worker):
    async def main():
        futures = [Cg.Caller.to_thread(lambda: 1 / 0), Cg.Caller.to_thread(lambda: 'ok')]
        outcomes = []
        async for future in Cg.Caller.as_completed(futures):
            exc = future.exception()
            outcomes.append(type(exc).__name__ if exc else future.result())
        return sorted(outcomes)

    assert worker.call_soon(main).wait_sync(5) == ['ZeroDivisionError', 'ok']


def test_wait_return_when(worker):
    async def main():
        fast = Cg.Caller.to_thread(lambda: 'fast')
        failing = Cg.Caller.to_thread(lambda: (time.sleep(0.02), 1 / 0))
        slow = Cg.Caller.to_thread(time.sleep, 0.3)
        done, pending = await Cg.Caller.wait([fast, slow], return_when='FIRST_COMPLETED')
        first = (done == {fast}, pending == {slow})
        done, pending = await Cg.Caller.wait([failing, slow], return_when='FIRST_EXCEPTION')
        exception = (done == {failing}, pending == {slow})
        done, pending = await Cg.Caller.wait([fast, slow], timeout=0.01)
        timed_out = (done == {fast}, pending == {slow})
        done, pending = await Cg.Caller.wait([fast, failing, slow])
        return first, exception, timed_out, (done == {fast, failing, slow}, pending == set())

    assert worker.call_soon(main).wait_sync(10) == ((True, True),) * 4


def _sleeper(i):
    time.sleep(0.002 * (i % 3))
    return i


def test_as_completed_takes_an_async_generator_with_a_limit(worker):
    mutex = threading.Lock()
    outstanding, peak = set(), []

    async def jobs():
        for i in range(20):
            await Cg.sleep(0)  # really asynchronous
            future = Cg.Caller.to_thread(_sleeper, i)
            with mutex:
                outstanding.add(future)
                peak.append(sum(not f.done() for f in outstanding))
            yield future

    async def main():
        return [f.result() async for f in Cg.Caller.as_completed(jobs(), max_concurrent=3)]

    assert sorted(worker.call_soon(main).wait_sync(30)) == list(range(20))
    assert 1 <= max(peak) <= 3


def test_as_completed_takes_an_async_generator_in_asyncio():
    import asyncio

    async def jobs():
        for i in range(10):
            await asyncio.sleep(0)
            yield Cg.Caller.to_thread(_sleeper, i)

    async def main():
        return [f.result() async for f in Cg.Caller.as_completed(jobs(), max_concurrent=2)]

    assert sorted(asyncio.run(asyncio.wait_for(main(), 30))) == list(range(10))


def test_leaving_an_async_generator_early_cancels_the_rest(worker):
    release = threading.Event()
    drawn = []

    async def jobs():
        for i in range(5):
            drawn.append(Cg.Caller.to_thread(release.wait, 10) if i else Cg.Caller.to_thread(int))
            yield drawn[-1]

    async def main():
        async for future in Cg.Caller.as_completed(jobs(), max_concurrent=3):
            return future.result()

    try:
        assert worker.call_soon(main).wait_sync(10) == 0
        assert len(drawn) == 3
        assert all(f.cancelled() for f in drawn[1:])
    finally:
        release.set()


def _counted_jobs(drawn):
    """A generator of 50 pool jobs that records in *drawn* what it drew."""
    for i in range(50):
        drawn.append(i)
        yield Cg.Caller.to_thread(lambda i=i: i)


def test_as_completed_draws_nothing_once_its_job_is_cancelled(worker):
    """Futures that are done come out without an await, but cancelling the
    job that iterates stops the drawing at the next step, as an await
    would."""
    drawn = []
    jobs = _counted_jobs(drawn)

    async def consume():
        seen = []
        async for future in Cg.Caller.as_completed(jobs, max_concurrent=2):
            seen.append(future.result())
            if len(seen) == 3:
                Cg.Caller.current_future().cancel('enough')
        return seen

    job = worker.call_soon(consume)
    try:
        job.wait_sync(10)
    except Cg.FutureCancelledError as e:
        assert 'enough' in str(e)
    else:
        raise AssertionError('the job was not cancelled')
    assert len(drawn) <= 3 + 2, drawn


def test_as_completed_in_asyncio_draws_nothing_once_its_task_is_cancelled():
    drawn = []
    jobs = _counted_jobs(drawn)

    async def consume():
        seen = 0
        async for future in Cg.Caller.as_completed(jobs, max_concurrent=2):
            future.result()
            seen += 1
            if seen == 3:
                asyncio.current_task().cancel()

    async def main():
        task = asyncio.ensure_future(consume())
        try:
            await task
        except asyncio.CancelledError:
            pass
        assert task.cancelled()

    asyncio.run(main())
    assert len(drawn) <= 3 + 2, drawn
