// test-idioms.js: cg.js, the JavaScript idioms compiled into the library
// (resource:///org/gnome/CallerGlib/js/cg.js).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import CgTest from 'gi://CgTest';
import System from 'system';

import {
    assert, assertEqual, mainCaller, run, sleep, test,
} from './harness.js';

// The module is compiled into the library, which is loaded once a type of
// Cg is used: then the module can be imported.
function loadCgJS() {
    void Cg.Future.$gtype;
    return import('resource:///org/gnome/CallerGlib/js/cg.js');
}

test('an async function as a job completes its future when its promise settles', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    const future = CgJS.callSoon(main, async (a, b) => {
        await sleep(20);
        return a + b;
    }, 2, 3);
    assertEqual(await CgJS.wait(future, {timeout: 5}), 5);
    assertEqual(future.propagate_int(), 5);
});

test('a job that throws fails its future with G_IO_ERROR_FAILED and its message', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    const future = CgJS.callSoon(main, () => {
        throw new TypeError('bad input');
    });
    try {
        await CgJS.wait(future, {timeout: 5});
        assert(false, 'the wait did not reject');
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED), `${e}`);
        assertEqual(e.message, 'TypeError: bad input');
    }
});

test('an async job that rejects fails its future; a GLib.Error stays itself', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    const future = CgJS.callSoon(main, async () => {
        await sleep(5);
        throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'no such file');
    });
    try {
        await CgJS.wait(future, {timeout: 5});
        assert(false, 'the wait did not reject');
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND), `${e}`);
    }
});

test('wait() resolves to the typed value: strings, booleans, objects, native futures', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    assertEqual(await CgJS.wait(CgJS.callSoon(main, () => 'text'), {timeout: 5}), 'text');
    assertEqual(await CgJS.wait(CgJS.callSoon(main, () => true), {timeout: 5}), true);
    const object = new Gio.SimpleAction({name: 'x'});
    assertEqual(await CgJS.wait(CgJS.callSoon(main, () => object), {timeout: 5}), object);
    assertEqual(await CgJS.wait(CgTest.native_work_pooled(8, 0.01), {timeout: 5}), 16);
    assertEqual(await CgJS.wait(CgJS.callLater(main, 0.01, () => 7), {timeout: 5}), 7);
});

test('wait() with a timeout rejects with TIMED_OUT and cancels, unless shielded', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    const slow = main.call_later(10, () => {});
    try {
        await CgJS.wait(slow, {timeout: 0.02, shield: true});
        assert(false, 'no timeout');
    } catch (e) {
        assert(e.matches(Cg.CallerError, Cg.CallerError.TIMED_OUT), `${e}`);
    }
    assertEqual(slow.is_cancelled(), false);
    try {
        await CgJS.wait(slow, {timeout: 0.02});
        assert(false, 'no timeout');
    } catch (e) {
        assert(e.matches(Cg.CallerError, Cg.CallerError.TIMED_OUT), `${e}`);
    }
    assertEqual(slow.is_cancelled(), true);
});

test('withLock(): two async functions of the JS thread take the lock in turn', async () => {
    const CgJS = await loadCgJS();
    const lock = new Cg.AsyncLock();
    const trace = [];
    const user = name => CgJS.withLock(lock, async () => {
        trace.push(`${name}+`);
        await sleep(20);
        trace.push(`${name}-`);
        return name;
    });
    const results = await Promise.all([user('a'), user('b')]);
    assertEqual(results, ['a', 'b']);
    assertEqual(trace, ['a+', 'a-', 'b+', 'b-']);
    assertEqual(lock.get_count(), 0);
});

test('acquire(): a guard each, taken in turn, released in finally', async () => {
    const CgJS = await loadCgJS();
    const lock = new Cg.AsyncLock();
    const trace = [];
    const user = async name => {
        const guard = await CgJS.acquire(lock);
        try {
            trace.push(`${name}+`);
            await sleep(20);
            trace.push(`${name}-`);
        } finally {
            guard.release();
        }
    };
    await Promise.all([user('a'), user('b')]);
    assertEqual(trace, ['a+', 'a-', 'b+', 'b-']);
    assertEqual(lock.get_count(), 0);
});

test('onDone(): a done callback that throws or rejects is logged, not lost', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    const logged = [];
    const saved = globalThis.logError;
    globalThis.logError = (e, prefix) => logged.push(`${prefix}: ${e.message}`);
    try {
        const future = CgJS.callSoon(main, () => 1);
        let seen = null;
        CgJS.onDone(future, f => {
            seen = f.propagate_int();
            throw new Error('thrown in a callback');
        });
        CgJS.onDone(future, async () => {
            await sleep(1);
            throw new Error('rejected in a callback');
        });
        await CgJS.wait(future, {timeout: 5});
        for (let i = 0; i < 100 && logged.length < 2; i++)
            await sleep(10);
        assertEqual(seen, 1);
        assertEqual(logged.sort(), [
            'Cg: a done callback failed: rejected in a callback',
            'Cg: a done callback failed: thrown in a callback',
        ]);
    } finally {
        globalThis.logError = saved;
    }
});

test('timeouts as futures: new_timeout() and with_timeout()', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    try {
        await CgJS.wait(Cg.Future.new_timeout(0.01), {timeout: 5});
        throw new Error('no timeout');
    } catch (e) {
        assert(e.matches(Cg.CallerError, Cg.CallerError.TIMED_OUT), `${e}`);
    }
    assertEqual(await CgJS.wait(CgJS.callSoon(main, () => 3).with_timeout(30)), 3);
    const slow = new Cg.Future();
    try {
        await CgJS.wait(slow.with_timeout(0.01), {timeout: 5});
        throw new Error('no timeout');
    } catch (e) {
        assert(e.matches(Cg.CallerError, Cg.CallerError.TIMED_OUT), `${e}`);
    }
    assertEqual(slow.is_cancelled(), true);
    slow.return_int(1);
});

test('combining futures: all(), any(), first(), and_then(), catch(), finally()', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    const jobs = [1, 2, 3].map(i => CgJS.callSoon(main, () => i * 10));
    assertEqual(await CgJS.wait(Cg.Future.all(jobs, false), {timeout: 5}), null);
    assertEqual(jobs.map(job => job.propagate_int()).join(), '10,20,30');

    const broken = new Cg.Future();
    broken.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'broken'));
    const pending = new Cg.Future();
    try {
        await CgJS.wait(Cg.Future.all([broken, pending], false), {timeout: 5});
        throw new Error('all() did not fail');
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED), `${e}`);
    }
    assertEqual(pending.is_done(), false);
    assertEqual(await CgJS.wait(Cg.Future.any([broken, jobs[1]], false), {timeout: 5}), 20);
    try {
        await CgJS.wait(Cg.Future.first([broken, pending], false), {timeout: 5});
        throw new Error('first() did not fail');
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED), `${e}`);
    }

    // Continuations run on the JS thread's caller, with their input.
    const doubled = jobs[2].and_then(null, (future, input) => future.return_int(input.propagate_int() * 2));
    assertEqual(await CgJS.wait(doubled, {timeout: 5}), 60);
    const caught = broken.catch(null, (future, input) => {
        try {
            input.check();
        } catch (e) {
            future.return_string(e.message);
        }
    });
    assertEqual(await CgJS.wait(caught, {timeout: 5}), 'broken');
    let cleaned = false;
    const kept = jobs[0].finally(null, future => {
        cleaned = true;
        future.return_int(0);
    });
    assertEqual(await CgJS.wait(kept, {timeout: 5}), 10);
    assertEqual(cleaned, true);

    const waiting = Cg.Future.all([pending], false);
    waiting.cancel('enough');
    assertEqual(pending.is_cancelled(), true);
    pending.return_int(1);
});

test('futures of a signal and of a property', async () => {
    const CgJS = await loadCgJS();
    mainCaller();
    const action = new Gio.SimpleAction({name: 'go', parameter_type: new GLib.VariantType('i')});
    const activated = Cg.Future.new_for_signal(action, 'activate', null);
    const disabled = Cg.Future.new_for_property(action, 'enabled', (object, enabled) => !enabled, null);
    GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
        action.activate(new GLib.Variant('i', 42));
        action.set_enabled(false);
        return GLib.SOURCE_REMOVE;
    });
    assertEqual((await CgJS.wait(activated, {timeout: 5})).unpack(), 42);
    assertEqual(await CgJS.wait(disabled, {timeout: 5}), false);
    // several arguments: a GObject.ValueArray
    const store = new Gio.ListStore({item_type: Gio.SimpleAction});
    const changed = Cg.Future.new_for_signal(store, 'items-changed', null);
    store.append(action);
    const args = await CgJS.wait(changed, {timeout: 5});
    assertEqual([0, 1, 2].map(i => args.get_nth(i)).join(), '0,0,1');
    try {
        Cg.Future.new_for_signal(action, 'no-such-signal', null);
        throw new Error('no error');
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.INVALID_ARGUMENT), `${e}`);
    }
});

test('a task group ends with its members; the first failure cancels the rest', async () => {
    const CgJS = await loadCgJS();
    const main = mainCaller();
    const ok = Cg.TaskGroup.new(Cg.TaskGroupFlags.NONE, -1);
    const jobs = [1, 2].map(i => CgJS.callSoon(main, () => i));
    jobs.forEach(job => ok.add(job));
    ok.close();
    assertEqual(await CgJS.wait(ok.get_future(), {timeout: 5}), null);
    assertEqual(jobs[1].propagate_int(), 2);

    const group = Cg.TaskGroup.new(Cg.TaskGroupFlags.NONE, -1);
    const pending = new Cg.Future();
    const broken = new Cg.Future();
    group.add(pending);
    group.add(broken);
    broken.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'broken'));
    assertEqual(pending.is_cancelled(), true);
    pending.return_int(0);
    group.close();
    try {
        await CgJS.wait(group.get_future(), {timeout: 5});
        throw new Error('the group did not fail');
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED), `${e}`);
    }
});

test('a failure nobody read is reported once, to the handler set', async () => {
    mainCaller();  // thread-bound: the handler runs on this thread, from its loop
    const reports = [];
    Cg.set_unretrieved_failure_handler((error, label) => reports.push(error.message));
    try {
        (() => {
            const lost = new Cg.Future();
            lost.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'lost'));
            const read = new Cg.Future();
            read.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'read'));
            try {
                read.check();
            } catch (e) {}
        })();
        // GJS lets go of an object's wrapper on a later collection.
        for (let i = 0; i < 100 && reports.length === 0; i++) {
            System.gc();
            await sleep(10);
        }
        assertEqual(reports.join(), 'lost');
    } finally {
        // A JS handler must not outlive the test: a future dropped on another
        // thread would call it there.
        Cg.set_unretrieved_failure_handler(null);
    }
});

run();
