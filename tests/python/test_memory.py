# Memory of the Python override: what a loop of calls leaves behind.
#
# PyGObject before 3.44.2 (Debian 12 has 3.42) leaks about 110 bytes of
# libffi closure memory for every Python function it passes to C, and a
# signal handler that holds a future's wrapper keeps the future in a cycle
# the collector cannot see. The override passes its functions through its
# compiled part instead; these loops would grow by megabytes otherwise.

import asyncio
import gc

import pytest

from gi.repository import Cg, Gio

ROUNDS = 4000
# Bytes a round may leave behind on average: allocator noise, far below
# the 400 to 3000 bytes a round left when the functions went through
# PyGObject.
BYTES_PER_ROUND = 40


def resident_bytes():
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * 4096


def growth_per_round(run_round):
    """Average growth of the resident set per round, after a warm-up."""
    for _ in range(ROUNDS):
        run_round()
    gc.collect()
    before = resident_bytes()
    for _ in range(ROUNDS):
        run_round()
    gc.collect()
    return (resident_bytes() - before) / ROUNDS


@pytest.fixture
def worker():
    caller = Cg.Caller.start_new(name='memory-worker')
    yield caller
    caller.stop()


def test_callbacks_leave_nothing_behind(worker):
    lock = Cg.AsyncLock()

    async def coroutine_job(i):
        await worker.call_soon(int, i)
        async with lock:
            pass
        return i

    def run_round():
        future = Cg.Future(worker.thread)
        future.add_done_callback(lambda f: None)
        future.remove_done_callback(lambda f: None)
        worker.call_later(0, int, 1).wait_sync(5)
        worker.call_sync(int, 4)
        worker.call_soon(coroutine_job, 2).wait_sync(5)
        Cg.Caller.to_thread_full(int, 3, label='memory').wait_sync(5)
        future.cancel()

    assert growth_per_round(run_round) < BYTES_PER_ROUND


def test_asyncio_awaits_leave_nothing_behind(worker):
    async def task_job(i):
        await asyncio.sleep(0)
        return i

    action = Gio.SimpleAction(name='memory')

    async def main():
        async with Cg.Caller(create=True) as here:
            async def one_round():
                await worker.call_soon(int, 1)
                await worker.call_soon(int, 2).wait()
                await worker.call_soon(int, 3).then(lambda f: f.result())
                await here.call_soon(task_job, 4)
                async for _ in Cg.Caller.as_completed([worker.call_soon(int, 5)]):
                    pass
                async for _ in Cg.Caller.as_completed(iter([worker.call_soon(int, 6)])):
                    pass
                await Cg.Future.for_property(action, 'enabled', lambda enabled: enabled)

            for _ in range(ROUNDS // 4):
                await one_round()
            gc.collect()
            before = resident_bytes()
            for _ in range(ROUNDS // 4):
                await one_round()
            gc.collect()
            return (resident_bytes() - before) / (ROUNDS // 4)

    assert asyncio.run(main()) < BYTES_PER_ROUND
