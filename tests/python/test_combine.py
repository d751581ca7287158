# Cg.Future.all/any/first and then/catch/finally_ from Python.

import asyncio
import gc

import pytest
from gi.repository import Cg, Gio, GLib

from conftest import run_until


class Boom(Exception):
    pass


def made_on(worker, make):
    """Combined futures belong to a thread with a caller: make them there
    (in a list: a job that returns a future would complete as it)."""
    return worker.call_soon(lambda: [make()]).wait_sync(10)[0]


def failed(exc):
    future = Cg.Future()
    future.set_exception(exc)
    return future


def done(value):
    future = Cg.Future()
    future.set_result(value)
    return future


def test_all_waits_for_every_future_and_fails_with_the_first_exception(worker, main_caller):
    jobs = [Cg.Caller.to_thread(lambda i=i: i * i) for i in range(5)]
    combined = made_on(worker, lambda: Cg.Future.all(jobs))
    assert combined.wait_sync(10) is None
    assert [job.result() for job in jobs] == [0, 1, 4, 9, 16]

    boom = Boom('one failed')
    pending = Cg.Future()
    combined = made_on(worker, lambda: Cg.Future.all([done(1), failed(boom), pending]))
    with pytest.raises(Boom) as raised:
        combined.wait_sync(10)
    assert raised.value is boom
    assert not pending.done()  # left alone
    pending.set_result(None)


def test_any_and_first(worker, main_caller):
    boom = Boom('first to fail')
    inputs = [failed(boom), done('ok')]
    assert made_on(worker, lambda: Cg.Future.any(inputs)).wait_sync(10) == 'ok'
    with pytest.raises(Boom):
        made_on(worker, lambda: Cg.Future.first(inputs)).wait_sync(10)
    with pytest.raises(Cg.InvalidStateError):
        made_on(worker, lambda: Cg.Future.any([])).wait_sync(10)


def test_cancelling_the_result_cancels_the_inputs_unless_shielded(worker, main_caller):
    for shield in (False, True):
        pending = Cg.Future()
        combined = made_on(worker, lambda: Cg.Future.all([pending], shield=shield))
        combined.cancel('enough')
        with pytest.raises(Cg.FutureCancelledError):
            combined.wait_sync(10)
        assert pending.cancelled() is not shield
        pending.set_result(None)


def test_continuations_run_on_their_caller(worker, main_caller):
    threads = []

    def times_ten(future):
        threads.append(Cg.Caller.current_future() is not None and Cg.Caller().name)
        return future.result() * 10

    assert made_on(worker, lambda: done(4).then(times_ten)).wait_sync(10) == 40
    assert threads == ['test-worker']

    # catch: the exception is the input's; a success passes through
    boom = Boom('broken')
    caught = made_on(worker, lambda: failed(boom).catch(lambda f: f.exception() is boom))
    assert caught.wait_sync(10) is True
    assert made_on(worker, lambda: done(5).catch(lambda f: 0)).wait_sync(10) == 5

    # then after a failure does not run
    ran = []
    skipped = made_on(worker, lambda: failed(Boom('no')).then(ran.append))
    with pytest.raises(Boom):
        skipped.wait_sync(10)
    assert ran == []


def test_finally_keeps_the_outcome_unless_it_raises(worker, main_caller):
    cleaned = []
    kept = made_on(worker, lambda: done('value').finally_(lambda f: cleaned.append(f.result())))
    assert kept.wait_sync(10) == 'value'
    assert cleaned == ['value']

    def cleanup_fails(future):
        raise Boom('cleanup')
    with pytest.raises(Boom, match='cleanup'):
        made_on(worker, lambda: done(1).finally_(cleanup_fails)).wait_sync(10)


def test_a_coroutine_continuation_runs_as_a_coroutine_job(worker, main_caller):
    async def later(future):
        await Cg.sleep(0.01)
        return future.result() + 1

    assert made_on(worker, lambda: done(1).then(later)).wait_sync(10) == 2


def test_combinators_in_asyncio():
    async def main():
        jobs = [Cg.Caller.to_thread(lambda i=i: i) for i in range(3)]
        assert await Cg.Future.all(jobs) is None
        assert await Cg.Future.first(jobs) in (0, 1, 2)
        assert await jobs[2].then(lambda f: f.result() * 2) == 4

    asyncio.run(main())


def test_combinators_in_asyncio_take_asyncio_awaitables():
    async def main():
        job = Cg.Caller.to_thread(lambda: 'pooled')
        assert await Cg.Future.all([job, asyncio.sleep(0.01, 'slept')]) is None
        sleeper = asyncio.ensure_future(asyncio.sleep(30))
        assert await Cg.Future.first([sleeper, Cg.Caller.to_thread(lambda: 5)]) == 5
        assert not sleeper.done()  # left alone
        waiting = Cg.Future.all([sleeper])
        waiting.cancel('enough')
        with pytest.raises(Cg.FutureCancelledError):
            await waiting
        await asyncio.sleep(0)
        assert sleeper.cancelled()
        with pytest.raises(TypeError):
            Cg.Future.all([object()])

    asyncio.run(main())


def test_awaitables_need_asyncio(worker, main_caller):
    coroutine = asyncio.sleep(0)
    try:
        with pytest.raises(TypeError):
            made_on(worker, lambda: Cg.Future.all([coroutine]))
    finally:
        coroutine.close()


def test_futures_of_signals_and_properties(main_caller):
    action = Gio.SimpleAction.new('go', GLib.VariantType.new('i'))
    activated = Cg.Future.for_signal(action, 'activate')
    disabled = Cg.Future.for_property(action, 'enabled', lambda enabled: not enabled)
    enabled = Cg.Future.for_property(action, 'enabled', lambda enabled: enabled)
    assert enabled.done() and enabled.result() is True  # the value it has now

    action.activate(GLib.Variant('i', 42))
    assert activated.done() and activated.result().unpack() == 42
    assert not disabled.done()
    action.set_enabled(False)
    assert disabled.result() is False

    with pytest.raises(GLib.Error):
        Cg.Future.for_signal(action, 'no-such-signal')
    cancellable = Gio.Cancellable()
    waiting = Cg.Future.for_signal(action, 'change-state', cancellable)
    cancellable.cancel()
    run_until(waiting.done)
    assert waiting.cancelled()


def test_awaiting_a_signal_in_asyncio():
    async def main():
        action = Gio.SimpleAction.new('go', None)
        activated = Cg.Future.for_signal(action, 'activate')
        asyncio.get_running_loop().call_later(0.01, action.activate, None)
        assert await asyncio.wait_for(activated, 5) is None

    asyncio.run(main())


def test_failures_nobody_read_are_reported():
    reports = []
    Cg.set_unretrieved_failure_handler(lambda error, label, *rest: reports.append(error.message))
    try:
        lost = Cg.Future()
        lost.set_exception(ValueError('lost'))
        read = Cg.Future()
        read.set_exception(ValueError('read'))
        assert isinstance(read.exception(), ValueError)
        cancelled = Cg.Future()
        cancelled.cancel()
        del lost, read, cancelled
        gc.collect()
        assert reports == ['ValueError: lost']
    finally:
        Cg.set_unretrieved_failure_handler(Cg.log_unretrieved_failure)


def test_task_group_in_asyncio():
    async def main():
        async with Cg.TaskGroup() as group:
            jobs = [group.to_thread(lambda i=i: i * 2) for i in range(4)]
        assert [job.result() for job in jobs] == [0, 2, 4, 6]

        # the first failure cancels the rest and comes out of the block
        boom = Boom('first')
        started = asyncio.Event()

        async def slow():
            started.set()
            await asyncio.sleep(30)

        with pytest.raises(Boom) as raised:
            async with Cg.TaskGroup() as group:
                sleeper = group.add(slow())
                await started.wait()
                group.to_thread(lambda: (_ for _ in ()).throw(boom))
        assert raised.value is boom
        assert sleeper.cancelled()

        # keep_going: the others finish
        with pytest.raises(Boom):
            async with Cg.TaskGroup(keep_going=True) as group:
                done_later = group.add(asyncio.sleep(0.02, 'finished'))
                group.to_thread(lambda: (_ for _ in ()).throw(Boom('again')))
        assert done_later.result() == 'finished'

        # a timeout cancels every member
        with pytest.raises(TimeoutError):
            async with Cg.TaskGroup(timeout=0.02) as group:
                never = group.add(asyncio.sleep(30))
        assert never.cancelled()

        # an exception in the block cancels the group and goes on
        with pytest.raises(KeyError):
            async with Cg.TaskGroup() as group:
                waiting = group.add(asyncio.sleep(30))
                raise KeyError('block')
        assert waiting.cancelled()

    asyncio.run(main())


def test_task_group_in_a_coroutine_job(worker):
    async def job():
        async with Cg.TaskGroup() as group:
            futures = [group.call_soon(Cg.Caller(), lambda i=i: i) for i in range(3)]
        return [f.result() for f in futures]

    assert worker.call_soon(job).wait_sync(10) == [0, 1, 2]


def test_a_signal_with_several_arguments_gives_them_all(main_caller):
    store = Gio.ListStore.new(Gio.SimpleAction)
    changed = Cg.Future.for_signal(store, 'items-changed')
    store.append(Gio.SimpleAction.new('one', None))
    assert changed.result() == [0, 0, 1]  # position, removed, added
