// example.js: caller-glib from JavaScript (GJS).
//
// Run it with `gjs -m example.js` (GI_TYPELIB_PATH must find Cg-1.0). JS
// runs on the main thread only: JS functions go to the caller of the main
// thread; work for other threads is native code that returns futures.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import System from 'system';

// Make the _async/_finish pairs return promises.
Gio._promisify(Cg.Future.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Cg.AsCompleted.prototype, 'next_async', 'next_finish');

// The caller of the main thread; the GLib main loop below runs its jobs.
const main = Cg.Caller.get(null, true, false);
main.thread_bound = true; // JS functions run and are freed on this thread only
main.start();

async function example() {
    // A job, run from the main loop; its future carries the result.
    const answer = main.call_soon(future => future.return_int(6 * 7));
    await answer.wait_async(5, Cg.WaitFlags.NONE, null); // at most 5 s
    print(`call_soon: ${answer.propagate_int()}`);

    // Delayed jobs, taken in the order they complete.
    const jobs = [0.06, 0.02, 0.04].map(delay =>
        main.call_later(delay, future => future.return_value(`${delay * 1000} ms`)));
    const iteration = Cg.AsCompleted.new(jobs, false);
    for (let f = await iteration.next_async(null); f; f = await iteration.next_async(null))
        print(`as_completed: ${f.propagate_value()[1]}`);

    // A wait with a timeout: the future is cancelled when time is up.
    const never = new Cg.Future();
    try {
        await never.wait_async(0.05, Cg.WaitFlags.NONE, null);
    } catch (e) {
        if (!e.matches(Cg.CallerError, Cg.CallerError.TIMED_OUT))
            throw e;
        print(`timeout: ${e.message} (cancelled: ${never.is_cancelled()})`);
    }

    // An async lock is held by a Cg context, and all JS code shares one:
    // give each holder a context of its own, and acquire and release in it.
    const lock = new Cg.AsyncLock();
    const withLock = async (name, ms) => {
        const context = Cg.Context.new();
        await new Promise((resolve, reject) => context.run(() =>
            lock.acquire_async(null, (_, res) => {
                try {
                    resolve(lock.acquire_finish(res));
                } catch (e) {
                    reject(e);
                }
            })));
        print(`lock: ${name} holds it`);
        await new Promise(resolve => setTimeout(resolve, ms));
        context.run(() => lock.release());
    };
    await Promise.all([withLock('first', 30), withLock('second', 10)]);

    // A failure travels as a GLib.Error.
    const failing = main.call_soon(future => future.return_error(
        new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'no such file')));
    try {
        await failing.wait_async(5, Cg.WaitFlags.NONE, null);
    } catch (e) {
        print(`error: ${e.message}`);
    }
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
example().catch(e => {
    logError(e);
    status = 1;
}).finally(() => loop.quit());
loop.run();

Cg.Caller.stop_all(true);
System.exit(status);
