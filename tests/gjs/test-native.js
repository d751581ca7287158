// test-native.js: futures completed on native worker threads, awaited from
// JS. The native side is libcgtest (tests/gjs/native), since JS functions
// run on the main thread only.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import CgTest from 'gi://CgTest';

import {
    assert, assertEqual, assertRejects, mainCaller, run, test, waitUntil, withTimeout,
} from './harness.js';

const WAIT = 5; // seconds: the bound of every wait below

test('await a future that a native thread completes', async () => {
    const main = mainCaller();
    const future = CgTest.native_work(21, 0.02);
    assert(future.get_caller() === main, 'the future does not belong to the main thread');
    assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NONE, null), true);
    assertEqual(future.propagate_int(), 42);
});

test('done callbacks of such a future run on the main thread', async () => {
    mainCaller();
    const future = CgTest.native_work(1, 0.02);
    let onMain = null;
    future.add_done_callback(f => {
        onMain = CgTest.is_main_thread();
        assertEqual(f.propagate_int(), 2);
    });
    await waitUntil(() => onMain !== null, WAIT, 'the done callback');
    assertEqual(onMain, true, 'the done callback ran off the main thread');
});

test('many native futures awaited together', async () => {
    mainCaller();
    const futures = [];
    for (let i = 0; i < 50; i++)
        futures.push(CgTest.native_work(i, 0.001 * (i % 5)));
    await withTimeout(Promise.all(futures.map(f => f.wait_async(WAIT, Cg.WaitFlags.NONE, null))),
        WAIT, 'the native futures');
    assertEqual(futures.map(f => f.propagate_int()), futures.map((_, i) => 2 * i));
});

test('a native failure rejects the wait with its GError', async () => {
    mainCaller();
    const error = await assertRejects(
        CgTest.native_fail('failed in C', 0.01).wait_async(WAIT, Cg.WaitFlags.NONE, null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED);
    assertEqual(error.message, 'failed in C');
});

test('a GValue set on a native thread is read in JS', async () => {
    mainCaller();
    const future = CgTest.native_echo_string('héllo', 0.01);
    await future.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    assertEqual(future.propagate_value(), [true, 'héllo']);
});

test('a future of a worker thread (to_thread()) is awaited with wait_async()', async () => {
    const main = mainCaller();
    const future = CgTest.native_work_pooled(5, 0.02);
    assert(future.get_caller() !== main, 'the job future belongs to the main thread');
    assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NONE, null), true);
    assertEqual(future.propagate_int(), 10);
});

test('a native job on a caller that JS started', async () => {
    mainCaller();
    const worker = Cg.Caller.start_new('gjs-native-worker', false, null);
    try {
        const futures = [1, 2, 3].map(v => CgTest.native_work_on(worker, v, 0.01));
        for (const f of futures)
            // eslint-disable-next-line no-await-in-loop
            await f.wait_async(WAIT, Cg.WaitFlags.NONE, null);
        assertEqual(futures.map(f => f.propagate_int()), [2, 4, 6]);
        assert(futures.every(f => f.get_caller() === worker), 'the futures\' caller');
    } finally {
        worker.stop(false);
    }
});

test('a timed-out wait cancels the native work, which stops early', async () => {
    mainCaller();
    for (const make of [CgTest.native_work, CgTest.native_work_pooled]) {
        const before = CgTest.get_cancelled_count();
        const future = make(1, 30);
        // eslint-disable-next-line no-await-in-loop
        await assertRejects(future.wait_async(0.05, Cg.WaitFlags.NONE, null),
            Cg.CallerError, Cg.CallerError.TIMED_OUT);
        assertEqual(future.is_cancelled(), true);
        // eslint-disable-next-line no-await-in-loop
        await waitUntil(() => CgTest.get_cancelled_count() > before, WAIT,
            'the native work seeing its cancellation');
        // eslint-disable-next-line no-await-in-loop
        await assertRejects(future.wait_async(WAIT, Cg.WaitFlags.NONE, null),
            Cg.FutureError, Cg.FutureError.CANCELLED);
    }
});

test('as_completed() over native futures', async () => {
    mainCaller();
    const futures = [CgTest.native_work(3, 0.4), CgTest.native_work(1, 0.01),
        CgTest.native_work(2, 0.2)];
    const iteration = Cg.AsCompleted.new(futures, false);
    const out = [];
    for (;;) {
        // eslint-disable-next-line no-await-in-loop
        const future = await withTimeout(iteration.next_async(null), WAIT, 'next_async()');
        if (future === null)
            break;
        out.push(future.propagate_int());
    }
    assertEqual(out, [2, 4, 6]);
});

test('as_completed() drawing native work from a JS generator', async () => {
    mainCaller();
    let n = 0;
    const iteration = Cg.AsCompleted.new_from_generator(
        () => (n < 10 ? CgTest.native_work_pooled(n++, 0.005) : null), 4, false);
    const out = [];
    for (;;) {
        // eslint-disable-next-line no-await-in-loop
        const future = await withTimeout(iteration.next_async(null), WAIT, 'next_async()');
        if (future === null)
            break;
        out.push(future.propagate_int());
    }
    assertEqual(out.sort((a, b) => a - b), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
});

run();
