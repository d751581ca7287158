// test-async.js: async locks, execution queues, as_completed and
// Caller.wait from JS.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import CgTest from 'gi://CgTest';
import System from 'system';

import {
    assert, assertEqual, assertError, assertRejects, assertThrows,
    mainCaller, run, sleep, test, waitUntil, withTimeout,
} from './harness.js';

const WAIT = 5; // seconds: the bound of every wait below

// Locks ------------------------------------------------------------------
//
// A CgAsyncLock is held by a Cg *context*, not by a thread or a JS async
// function. All the JS code of the main thread runs in one context (the
// continuations of `await` run from GJS's promise queue, outside of any
// job), so two async functions that both `await lock.acquire_async()` are
// the same holder to the lock: the second fails with NOT_REENTRANT instead
// of waiting. To serialise async functions, give each its own context and
// acquire and release inside it with Cg.Context.run().

/** Acquires @lock inside @context. */
function acquireIn(context, lock, cancellable = null) {
    return new Promise((resolve, reject) => {
        context.run(() => lock.acquire_async(cancellable, (source, result) => {
            try {
                resolve(source.acquire_finish(result));
            } catch (e) {
                reject(e);
            }
        }));
    });
}

/** Releases @lock inside @context; throws what release() throws. */
function releaseIn(context, lock) {
    // An exception thrown inside the callback of run() would only be logged.
    let error = null;
    context.run(() => {
        try {
            lock.release();
        } catch (e) {
            error = e;
        }
    });
    if (error)
        throw error;
}

/** Runs the async function @fn holding @lock, in a context of its own. */
async function withLock(lock, fn) {
    const context = Cg.Context.copy_current();
    await acquireIn(context, lock);
    try {
        return await fn();
    } finally {
        releaseIn(context, lock);
    }
}

test('an AsyncLock serialises async JS functions, in FIFO order', async () => {
    mainCaller();
    const lock = new Cg.AsyncLock();
    assertEqual(lock.get_reentrant(), false);
    const log = [];
    let inside = 0;
    const worker = name => withLock(lock, async () => {
        inside++;
        assertEqual(inside, 1, `${name} entered while another held the lock`);
        assert(lock.get_count() === 1, 'count while held');
        log.push(`${name}+`);
        await sleep(15);
        log.push(`${name}-`);
        inside--;
        return name;
    });
    const names = await withTimeout(Promise.all(['a', 'b', 'c', 'd'].map(worker)), WAIT,
        'the locked functions');
    assertEqual(names, ['a', 'b', 'c', 'd']);
    assertEqual(log, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-', 'd+', 'd-']);
    assertEqual(lock.get_count(), 0);
});

test('the promisified acquire_async() works for one holder at a time', async () => {
    mainCaller();
    const lock = new Cg.AsyncLock();
    assertEqual(await lock.acquire_async(null), true);
    assertEqual(lock.is_in_context(), true);
    assertEqual(lock.get_count(), 1);
    // The same (main) context again: an error, not a deadlock.
    const error = await assertRejects(lock.acquire_async(null),
        Cg.CallerError, Cg.CallerError.NOT_REENTRANT);
    assert(error.message.includes('not reentrant'), error.message);
    lock.release();
    assertEqual(lock.get_count(), 0);
    assertThrows(() => lock.release(), Cg.FutureError, Cg.FutureError.INVALID_STATE,
        'release of a free lock');
});

test('releasing from a context that does not hold the lock: INVALID_STATE', async () => {
    mainCaller();
    const lock = new Cg.AsyncLock();
    const holder = Cg.Context.new();
    await acquireIn(holder, lock);
    assertThrows(() => releaseIn(Cg.Context.new(), lock),
        Cg.FutureError, Cg.FutureError.INVALID_STATE);
    assertEqual(lock.get_count(), 1);
    releaseIn(holder, lock);
    assertEqual(lock.get_count(), 0);
});

test('a waiter cancelled while queued leaves the queue', async () => {
    mainCaller();
    const lock = new Cg.AsyncLock();
    const holder = Cg.Context.new();
    await acquireIn(holder, lock);

    const cancellable = new Gio.Cancellable();
    const cancelled = acquireIn(Cg.Context.new(), lock, cancellable);
    const next = Cg.Context.new();
    let nextGotIt = false;
    const nextAcquired = acquireIn(next, lock).then(() => {
        nextGotIt = true;
    });
    await sleep(20);
    cancellable.cancel();
    await assertRejects(cancelled, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
    assertEqual(nextGotIt, false, 'the lock passed on while held');

    releaseIn(holder, lock);
    await withTimeout(nextAcquired, WAIT, 'the next waiter');
    assertEqual(lock.get_count(), 1);
    releaseIn(next, lock);
});

test('a ReentrantAsyncLock lets its holder and the jobs it spawns in again', async () => {
    const main = mainCaller();
    const lock = new Cg.ReentrantAsyncLock();
    assertEqual(lock.get_reentrant(), true);
    const holder = Cg.Context.new();
    await acquireIn(holder, lock);
    await acquireIn(holder, lock);
    assertEqual(lock.get_count(), 2);

    // A job submitted from inside the holder's context copies it.
    let job = null;
    holder.run(() => {
        job = main.call_soon(future => {
            assertEqual(lock.is_in_context(), true, 'is_in_context() in the spawned job');
            future.return_boolean(true);
        });
    });
    await job.wait_async(WAIT, Cg.WaitFlags.NONE, null);

    // Another context waits until every acquisition is released.
    const other = Cg.Context.new();
    let otherGotIt = false;
    const otherAcquired = acquireIn(other, lock).then(() => {
        otherGotIt = true;
    });
    releaseIn(holder, lock);
    await sleep(20);
    assertEqual(otherGotIt, false, 'the lock passed on with one acquisition left');
    releaseIn(holder, lock);
    await withTimeout(otherAcquired, WAIT, 'the other context');
    releaseIn(other, lock);
    assertEqual(lock.get_count(), 0);
});

test('a lock held by a native thread makes JS wait', async () => {
    mainCaller();
    const lock = new Cg.AsyncLock();
    const [released, acquired] = CgTest.native_hold_lock(lock, 0.15);
    await acquired.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    assertEqual(lock.get_count(), 1);
    assertEqual(lock.is_in_context(), false, 'the main thread does not hold it');

    const context = Cg.Context.new();
    await withTimeout(acquireIn(context, lock), WAIT, 'acquiring after the native holder');
    assertEqual(released.is_done(), true, 'JS got the lock before the native thread released it');
    assertEqual(released.propagate_boolean(), true);
    releaseIn(context, lock);
});

// Execution queues -------------------------------------------------------

test('queue_call() runs JS functions from the loop, after queue_call() returns', async () => {
    const main = mainCaller();
    const order = [];
    for (let i = 0; i < 5; i++) {
        main.queue_call(future => {
            assert(CgTest.is_main_thread(), 'a queued call ran off the main thread');
            order.push(i);
            future.return_int(i);
        }, null, 0);
        assertEqual(order.length, 0, 'a queued call ran inside queue_call()');
    }
    await waitUntil(() => order.length === 5, WAIT, 'the queued calls');
    assertEqual(order, [0, 1, 2, 3, 4]);
});

test('queue_call_async() resolves once the call is queued', async () => {
    const main = mainCaller();
    let ran = false;
    assertEqual(await main.queue_call_async(() => {
        ran = true;
    }, null, 0, null), true);
    await waitUntil(() => ran, WAIT, 'the queued call');
});

test('a failing queued call is logged and the next ones run', async () => {
    const main = mainCaller();
    const order = [];
    const failing = future => {
        order.push('fail');
        future.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED,
            'a queued call failing on purpose; the library logs it'));
    };
    main.queue_call(failing, null, 0);
    main.queue_call(() => order.push('next'), null, 0);
    await waitUntil(() => order.length === 2, WAIT, 'the queued calls');
    assertEqual(order, ['fail', 'next']);
});

test('queue_call() on the caller of another thread: WRONG_THREAD', () => {
    const worker = Cg.Caller.start_new('gjs-queue-worker', false, null);
    try {
        // Refused on the calling thread, so the JS function never leaves it.
        assertThrows(() => worker.queue_call(() => {}, null, 0),
            Cg.CallerError, Cg.CallerError.WRONG_THREAD);
    } finally {
        worker.stop(false);
    }
});

test('queue_call_named() serialises the async calls of one JS function',
    async () => {
        const main = mainCaller();
        const owner = new Gio.SimpleAction({name: 'queue-owner'});
        const log = [];
        const item = future => {
            const n = log.filter(e => e.startsWith('+')).length;
            log.push(`+${n}`);
            const inner = new Cg.Future();
            GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
                log.push(`-${n}`);
                inner.return_int(n);
                return GLib.SOURCE_REMOVE;
            });
            future.return_future(inner);
        };
        // A JS function reaches C as a new pointer on every call, so JS
        // names its queue.
        for (let i = 0; i < 3; i++)
            main.queue_call_named('items', owner, item, 0);
        assertEqual(main.queue_exists_named('items', owner), true, 'queue_exists_named()');
        await waitUntil(() => log.length === 6, WAIT, 'the queued calls');
        assertEqual(log, ['+0', '-0', '+1', '-1', '+2', '-2'], 'the async calls overlapped');
        assertEqual(main.queue_close_named('items', owner), true, 'queue_close_named()');
        assertEqual(main.queue_exists_named('items', owner), false, 'closed');
    });

// as_completed -------------------------------------------------------------

function later(main, seconds, value) {
    return main.call_later(seconds, future => future.return_int(value));
}

async function drain(iteration) {
    const out = [];
    for (;;) {
        // eslint-disable-next-line no-await-in-loop
        const future = await withTimeout(iteration.next_async(null), WAIT, 'next_async()');
        if (future === null)
            return out;
        out.push(future);
    }
}

test('as_completed() over a list gives futures in completion order', async () => {
    const main = mainCaller();
    const done = new Cg.Future();
    done.return_int(0);
    const futures = [later(main, 0.09, 3), later(main, 0.03, 1), done, later(main, 0.06, 2)];
    const out = await drain(Cg.AsCompleted.new(futures, false));
    assertEqual(out.map(f => f.propagate_int()), [0, 1, 2, 3]);
    assert(out.every(f => futures.includes(f)), 'as_completed() handed out other futures');
});

test('as_completed() of an empty list ends at once', async () => {
    assertEqual(await drain(Cg.AsCompleted.new([], false)), []);
});

test('as_completed() draws a JS generator lazily, max_concurrent at a time', async () => {
    const main = mainCaller();
    const drawn = [];
    let outstanding = 0;
    let most = 0;
    const generator = () => {
        if (drawn.length === 8)
            return null;
        const n = drawn.length;
        drawn.push(n);
        outstanding++;
        most = Math.max(most, outstanding);
        const future = main.call_later(0.01 * (n % 3), f => f.return_int(n));
        future.add_done_callback(() => outstanding--);
        return future;
    };
    const iteration = Cg.AsCompleted.new_from_generator(generator, 3, false);
    assertEqual(drawn.length, 0, 'the generator was drawn before next_async()');
    const out = await drain(iteration);
    assertEqual(out.map(f => f.propagate_int()).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert(most <= 3, `${most} futures were outstanding at once`);
});

test('cancelling an iteration cancels the rest, unless shield', async () => {
    const main = mainCaller();
    for (const shield of [false, true]) {
        const fast = later(main, 0.01, 1);
        const slow = later(main, 30, 2);
        const iteration = Cg.AsCompleted.new([fast, slow], shield);
        // eslint-disable-next-line no-await-in-loop
        const first = await withTimeout(iteration.next_async(null), WAIT, 'next_async()');
        assert(first === fast, 'the fast future did not come first');
        iteration.cancel();
        assertEqual(slow.is_cancelled(), !shield, `shield ${shield}`);
        // eslint-disable-next-line no-await-in-loop
        assertEqual(await iteration.next_async(null), null, 'next_async() after cancel()');
        slow.cancel(null);
    }
});

test('cancelling a pending next_async() cancels the iteration', async () => {
    const main = mainCaller();
    const slow = later(main, 30, 1);
    const iteration = Cg.AsCompleted.new([slow], false);
    const cancellable = new Gio.Cancellable();
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    await assertRejects(iteration.next_async(cancellable), Gio.IOErrorEnum,
        Gio.IOErrorEnum.CANCELLED);
    assertEqual(slow.is_cancelled(), true);
});

// Caller.wait ----------------------------------------------------------------

test('Caller.wait_async() of an empty list ends at once', async () => {
    const [done, pending] = await withTimeout(
        Cg.Caller.wait_async([], WAIT, Cg.ReturnWhen.ALL_COMPLETED, null), WAIT, 'wait_async()');
    assertEqual(done.length, 0);
    assertEqual(pending.length, 0);
});

test('Caller.wait_async() fails with CANCELLED when its cancellable is', async () => {
    mainCaller();
    const future = new Cg.Future();
    const cancellable = new Gio.Cancellable();
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    await assertRejects(Cg.Caller.wait_async([future], WAIT, Cg.ReturnWhen.ALL_COMPLETED,
        cancellable), Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
    assertEqual(future.is_cancelled(), false, 'the wait cancelled a future');
});


test('Caller.wait_async(): FIRST_COMPLETED, ALL_COMPLETED, FIRST_EXCEPTION, timeout',
    async () => {
        const main = mainCaller();
        const wait = (futures, timeout, when) => withTimeout(
            Cg.Caller.wait_async(futures, timeout, when, null), WAIT, 'wait_async()');

        const fast = later(main, 0.01, 1);
        const slow = later(main, 0.2, 2);
        let [done, pending] = await wait([fast, slow], WAIT, Cg.ReturnWhen.FIRST_COMPLETED);
        assert(done.length === 1 && done[0] === fast, 'FIRST_COMPLETED: done');
        assert(pending.length === 1 && pending[0] === slow, 'FIRST_COMPLETED: pending');

        // A timeout is no error: the pending futures are reported.
        const never = new Cg.Future();
        [done, pending] = await wait([fast, never], 0.05, Cg.ReturnWhen.ALL_COMPLETED);
        assertEqual([done.length, pending.length], [1, 1], 'timeout');
        assertEqual(never.is_cancelled(), false, 'the wait cancelled a future');

        [done, pending] = await wait([fast, slow], WAIT, Cg.ReturnWhen.ALL_COMPLETED);
        assertEqual([done.length, pending.length], [2, 0], 'ALL_COMPLETED');
        assertEqual(done.map(f => f.propagate_int()), [1, 2]);

        const failing = main.call_later(0.02, f => f.return_error(
            new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'failed')));
        [done, pending] = await wait([never, failing], WAIT, Cg.ReturnWhen.FIRST_EXCEPTION);
        assert(done.length === 1 && done[0] === failing, 'FIRST_EXCEPTION: done');
        assertError(done[0].dup_exception(), Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED);

        // The futures handed back are still alive and usable.
        System.gc();
        assertEqual(fast.propagate_int(), 1);
        assertEqual(slow.propagate_int(), 2);
        never.cancel(null);
    });

run();
