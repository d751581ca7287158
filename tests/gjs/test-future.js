// test-future.js: CgFuture from JS, awaited through Gio._promisify.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';

import {
    assert, assertEqual, assertRejects, assertThrows, mainCaller, run, sleep, test,
} from './harness.js';

const WAIT = 5; // seconds: the bound of every wait below

/** Completes @future with @value from the main loop, @ms from now. */
function completeLater(future, ms, value) {
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        future.return_int(value);
        return GLib.SOURCE_REMOVE;
    });
}

test('a new future belongs to the current thread and its caller', () => {
    const main = mainCaller();
    const future = new Cg.Future();
    assert(future.get_caller() === main, 'get_caller()');
    assert(Cg.Future.new_for_thread(null).get_caller() === main, 'new_for_thread(null)');
    assert(future.thread instanceof GLib.Thread, 'the thread property');
    assertEqual(future.is_done(), false);
    assertEqual(future.is_cancelled(), false);
});

test('await wait_async() gives the result once the future is done', async () => {
    mainCaller();
    const future = new Cg.Future();
    completeLater(future, 20, 5);
    assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NONE, null), true);
    assertEqual(future.is_done(), true);
    assertEqual(future.propagate_int(), 5);

    // A done future: the wait ends at once, still asynchronously.
    assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NONE, null), true);
});

test('a timeout fails the wait with TIMED_OUT and cancels the future', async () => {
    mainCaller();
    const future = new Cg.Future();
    const start = GLib.get_monotonic_time();
    await assertRejects(future.wait_async(0.05, Cg.WaitFlags.NONE, null),
        Cg.CallerError, Cg.CallerError.TIMED_OUT);
    assert(GLib.get_monotonic_time() - start >= 50000, 'the wait ended before its timeout');
    assertEqual(future.is_cancelled(), true, 'a timed-out future is cancelled');
});

test('with SHIELD a timeout leaves the future alone', async () => {
    mainCaller();
    const future = new Cg.Future();
    await assertRejects(future.wait_async(0.05, Cg.WaitFlags.SHIELD, null),
        Cg.CallerError, Cg.CallerError.TIMED_OUT);
    assertEqual(future.is_cancelled(), false);
    completeLater(future, 10, 3);
    await future.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    assertEqual(future.propagate_int(), 3);
});

test('cancelling the waiter\'s GCancellable cancels the future unless SHIELD', async () => {
    mainCaller();
    for (const [flags, cancelsFuture] of [[Cg.WaitFlags.NONE, true], [Cg.WaitFlags.SHIELD, false]]) {
        const future = new Cg.Future();
        const cancellable = new Gio.Cancellable();
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
            cancellable.cancel();
            return GLib.SOURCE_REMOVE;
        });
        // eslint-disable-next-line no-await-in-loop
        await assertRejects(future.wait_async(WAIT, flags, cancellable),
            Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
        assertEqual(future.is_cancelled(), cancelsFuture, `flags ${flags}`);
    }
});

test('a failed future rejects the wait, unless NO_RESULT', async () => {
    mainCaller();
    const future = new Cg.Future();
    future.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.PERMISSION_DENIED, 'denied'));
    const error = await assertRejects(future.wait_async(WAIT, Cg.WaitFlags.NONE, null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.PERMISSION_DENIED);
    assertEqual(error.message, 'denied');
    assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NO_RESULT, null), true);
});

test('a cancelled future rejects with CANCELLED and the joined messages', async () => {
    mainCaller();
    const future = new Cg.Future();
    future.cancel('one');
    future.cancel('two');
    // Cancelled but not done until a value is set.
    assertEqual(future.is_done(), false);
    assertThrows(() => future.propagate_int(), Cg.FutureError, Cg.FutureError.CANCELLED);
    future.return_int(1);
    assertEqual(future.is_done(), true);
    const error = await assertRejects(future.wait_async(WAIT, Cg.WaitFlags.NONE, null),
        Cg.FutureError, Cg.FutureError.CANCELLED);
    assertEqual(error.message, 'one\ntwo');
    assertEqual(future.cancel('three'), true, 'cancel() of a done cancelled future');
    assertEqual(new Cg.Future().cancel(null), true);
});

test('INVALID_STATE: completing twice, reading a result too early', () => {
    const future = new Cg.Future();
    assertThrows(() => future.propagate_int(), Cg.FutureError, Cg.FutureError.INVALID_STATE);
    assertThrows(() => future.dup_exception(), Cg.FutureError, Cg.FutureError.INVALID_STATE);
    future.return_boolean(false);
    assertThrows(() => future.return_int(1), Cg.FutureError, Cg.FutureError.INVALID_STATE);
    assertEqual(future.propagate_boolean(), false);
});

test('wait_sync() on the future\'s own thread fails with WRONG_THREAD at once', () => {
    const future = new Cg.Future();
    const start = GLib.get_monotonic_time();
    assertThrows(() => future.wait_sync(1, Cg.WaitFlags.NONE, null),
        Cg.CallerError, Cg.CallerError.WRONG_THREAD);
    assert(GLib.get_monotonic_time() - start < 500000, 'wait_sync() blocked');
});

test('set_cancellable(): cancelled along with the future, only once', () => {
    const future = new Cg.Future();
    const cancellable = new Gio.Cancellable();
    future.set_cancellable(cancellable);
    assert(future.get_cancellable() === cancellable, 'get_cancellable()');
    assertThrows(() => future.set_cancellable(new Gio.Cancellable()),
        Cg.FutureError, Cg.FutureError.INVALID_STATE);
    future.cancel('go');
    assertEqual(cancellable.is_cancelled(), true);
    const cancelled = new Cg.Future();
    cancelled.cancel(null);
    assertThrows(() => cancelled.set_cancellable(new Gio.Cancellable()),
        Cg.FutureError, Cg.FutureError.INVALID_STATE, 'a cancelled future');
});

test('a future completes a GTask', async () => {
    mainCaller();
    const future = new Cg.Future();
    const result = new Promise((resolve, reject) => {
        const task = Gio.Task.new(null, null, (_source, res) => {
            try {
                resolve(res.propagate_int());
            } catch (e) {
                reject(e);
            }
        });
        future.return_to_task(task);
    });
    future.return_int(9);
    assertEqual(await result, 9);
});

test('a GIO operation wrapped into a future by hand', async () => {
    // cg_future_new_from_async() is out of reach of JS (its begin function
    // gets a callback as an argument, which GJS does not support); a
    // future completed from the _finish callback does the same.
    mainCaller();
    const loadContents = file => {
        const future = new Cg.Future();
        file.load_contents_async(future.get_cancellable(), (source, res) => {
            try {
                const [, contents] = source.load_contents_finish(res);
                future.return_value(new TextDecoder().decode(contents));
            } catch (e) {
                future.return_error(e);
            }
        });
        return future;
    };
    const path = GLib.build_filenamev([GLib.get_tmp_dir(), `cg-gjs-${GLib.uuid_string_random()}`]);
    GLib.file_set_contents(path, 'contents');
    try {
        const future = loadContents(Gio.File.new_for_path(path));
        await future.wait_async(WAIT, Cg.WaitFlags.NONE, null);
        assertEqual(future.propagate_value(), [true, 'contents']);
    } finally {
        GLib.unlink(path);
    }
    const missing = loadContents(Gio.File.new_for_path(`${path}-missing`));
    await assertRejects(missing.wait_async(WAIT, Cg.WaitFlags.NONE, null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
});

test('completion hooks and done callbacks see a done future', async () => {
    mainCaller();
    const future = new Cg.Future();
    const seen = [];
    future.add_completion_hook(f => seen.push(`hook:${f.is_done()}`));
    future.add_done_callback(f => seen.push(`done:${f.propagate_int()}`));
    future.return_int(4);
    await sleep(20);
    assert(seen.includes('hook:true') && seen.includes('done:4'), `seen ${seen}`);
});

run();
