// foreign-thread.js: hands a JS function to another thread, in the way the
// environment variable CG_SCENARIO names, and prints what happened as one
// line of JSON. test-threads.js runs it in a subprocess, since GJS cannot
// run JS on another thread and a crash must not take the test run along.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import CgTest from 'gi://CgTest';

Gio._promisify(Cg.Future.prototype, 'wait_async', 'wait_finish');

const WAIT = 5; // seconds

const scenarios = {
    // call_soon() of a JS function on a caller with a thread of its own.
    call_soon(state) {
        const worker = Cg.Caller.start_new('gjs-foreign', false, null);
        return worker.call_soon(() => {
            state.ran = CgTest.is_main_thread() ? 'main' : 'worker';
        });
    },
    // call_direct() of a JS function on such a caller; no future of its
    // own, so a call_soon() behind it tells when the worker is past it.
    call_direct(state) {
        const worker = Cg.Caller.start_new('gjs-foreign', false, null);
        worker.call_direct(() => {
            state.ran = CgTest.is_main_thread() ? 'main' : 'worker';
        });
        return CgTest.native_work_on(worker, 1, 0);
    },
    // to_thread() of a JS function.
    to_thread(state) {
        return Cg.Caller.to_thread(() => {
            state.ran = CgTest.is_main_thread() ? 'main' : 'worker';
        });
    },
    // A JS job on a worker, cancelled before it runs: it never runs, but
    // the worker drops it.
    cancelled(state) {
        const worker = Cg.Caller.start_new('gjs-foreign', false, null);
        const future = worker.call_later(0.05, () => {
            state.ran = CgTest.is_main_thread() ? 'main' : 'worker';
        });
        future.cancel('cancelled by the test');
        return future;
    },
    // A JS done callback on a future of a worker thread.
    done_callback(state) {
        const future = CgTest.native_work_pooled(1, 0.02);
        future.add_done_callback(() => {
            state.ran = CgTest.is_main_thread() ? 'main' : 'worker';
        });
        return future;
    },
};

const loop = new GLib.MainLoop(null, false);
const state = {
    scenario: GLib.getenv('CG_SCENARIO'), ran: null, completed: false, error: null,
};

async function main() {
    const main = Cg.Caller.get(null, true, false);
    main.thread_bound = true;
    main.start();
    const future = scenarios[state.scenario](state);
    try {
        await future.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    } catch (e) {
        state.error = {
            domain: GLib.quark_to_string(e.domain), code: e.code, message: e.message,
        };
    }
    state.completed = future.is_done();
    // Give late callbacks and destroy notifies time to run.
    await new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, 100, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

main().catch(e => {
    state.error = {message: `${e}`};
}).finally(() => loop.quit());
loop.run();
Cg.Caller.stop_all(true);
print(JSON.stringify(state));
