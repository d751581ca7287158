// example.js: caller-glib from JavaScript (GJS).
//
// Run it with `gjs -m example.js` (GI_TYPELIB_PATH must find Cg-1.0). JS
// runs on the main thread only: JS functions go to the caller of the main
// thread; work for other threads is native code that returns futures
// (docs/gjs.md shows how to write such a helper).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import System from 'system';

// The caller of the main thread; the GLib main loop below runs its jobs.
const main = Cg.Caller.get(null, true, false);
main.thread_bound = true; // JS functions run and are freed on this thread only
main.start();

async function example() {
    // cg.js, compiled into the library: JS idioms over its calls. The
    // library is loaded once a Cg type is used; then the module can be
    // imported. (Not with a top-level await: the main loop below must not
    // start inside a promise job.)
    void Cg.Future.$gtype;
    const CgJS = await import('resource:///org/gnome/CallerGlib/js/cg.js');

    // A job; wait() resolves to its value (at most 5 s).
    const answer = CgJS.callSoon(main, () => 6 * 7);
    print(`callSoon: ${await CgJS.wait(answer, {timeout: 5})}`);

    // An async function as a job: its future completes when it settles.
    const later = CgJS.callSoon(main, async () => {
        await new Promise(resolve => setTimeout(resolve, 10));
        return 'settled';
    });
    print(`async job: ${await CgJS.wait(later)}`);

    // Delayed jobs, taken in the order they complete.
    Gio._promisify(Cg.AsCompleted.prototype, 'next_async', 'next_finish');
    const jobs = [0.06, 0.02, 0.04].map(delay =>
        CgJS.callLater(main, delay, () => `${delay * 1000} ms`));
    const iteration = Cg.AsCompleted.new(jobs, false);
    for (let f = await iteration.next_async(null); f; f = await iteration.next_async(null))
        print(`as_completed: ${await CgJS.wait(f)}`);

    // A wait with a timeout rejects, and cancels the future.
    const never = new Cg.Future();
    try {
        await CgJS.wait(never, {timeout: 0.05});
    } catch (e) {
        if (!e.matches(Cg.CallerError, Cg.CallerError.TIMED_OUT))
            throw e;
        print(`timeout: ${e.message} (cancelled: ${never.is_cancelled()})`);
    }

    // An async lock: each guard is an owner of its own, so two async
    // functions take turns.
    const lock = new Cg.AsyncLock();
    const takeTurn = async (name, ms) => {
        const guard = await CgJS.acquire(lock);
        try {
            print(`lock: ${name} holds it`);
            await new Promise(resolve => setTimeout(resolve, ms));
        } finally {
            guard.release();
        }
    };
    await Promise.all([takeTurn('first', 30), takeTurn('second', 10)]);

    // A job that throws fails its future; wait() rejects with the error.
    const failing = CgJS.callSoon(main, () => {
        throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'no such file');
    });
    try {
        await CgJS.wait(failing);
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
