// test-caller.js: the caller of the main thread, driven from JS.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import CgTest from 'gi://CgTest';

import {
    assert, assertEqual, assertError, assertRejects, assertThrows, mainCaller,
    run, sleep, test,
} from './harness.js';

const WAIT = 5; // seconds: the bound of every wait below

test('jobs submitted before start() run once the caller is started', async () => {
    const main = Cg.Caller.get(null, true, false);
    assertEqual(main.name, Cg.CALLER_MAIN_THREAD, 'name');
    assertEqual(main.running, false, 'running before start()');
    assertEqual(main.stopped, false, 'stopped');
    assertEqual(main.protected, false, 'protected');

    let ran = false;
    const future = main.call_soon(() => {
        ran = true;
    });
    await sleep(50);
    assertEqual(ran, false, 'a job ran before start()');
    assertEqual(future.is_done(), false, 'done before start()');

    let notified = false;
    const id = main.connect('notify::running', () => {
        notified = true;
    });
    main.start();
    main.disconnect(id);
    assertEqual(main.running, true, 'running after start()');
    assert(notified, 'notify::running was not emitted');

    assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NONE, null), true);
    assertEqual(ran, true, 'the job ran after start()');
});

test('one caller per thread: get(), get_current(), get_instance()', async () => {
    const main = mainCaller();
    assert(Cg.Caller.get(null, false, false) === main, 'get() gave another caller');
    assert(Cg.Caller.get(null, true, true) === main, 'get(create) gave another caller');
    assert(Cg.Caller.get_current() === main, 'get_current() gave another caller');
    assert(Cg.Caller.get_instance(Cg.CALLER_MAIN_THREAD, false) === main,
        'get_instance("MainThread") gave another caller');
    assert(Cg.Caller.get_instance(null, false) === main,
        'get_instance(null) gave another caller');
    assert(Cg.Caller.all_callers(true).includes(main), 'all_callers() misses it');

    // Its context is the default one, which the test's loop runs.
    let fired = false;
    const source = GLib.idle_source_new();
    source.set_callback(() => {
        fired = true;
        return GLib.SOURCE_REMOVE;
    });
    source.attach(main.get_context());
    await sleep(50);
    assert(fired, 'a source of the caller\'s context did not run in the default loop');
});

test('call_soon() runs JS functions on the main thread, in order', async () => {
    const main = mainCaller();
    const order = [];
    const futures = [];
    for (let i = 0; i < 20; i++) {
        futures.push(main.call_soon(future => {
            assert(CgTest.is_main_thread(), 'a job ran off the main thread');
            assert(Cg.Caller.current_future() === future,
                'current_future() is not the job\'s future');
            order.push(i);
            future.return_int(i * i);
        }));
    }
    assertEqual(order, [], 'a job ran inside call_soon()');
    assertEqual(Cg.Caller.current_future(), null, 'current_future() outside a job');

    for (const [i, future] of futures.entries()) {
        // eslint-disable-next-line no-await-in-loop
        assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NONE, null), true);
        assertEqual(future.propagate_int(), i * i, `result of job ${i}`);
    }
    assertEqual(order, [...Array(20).keys()], 'order of the jobs');
});

test('call_later() waits at least its delay; due jobs run by deadline', async () => {
    const main = mainCaller();
    const start = GLib.get_monotonic_time();
    const order = [];
    const job = name => future => {
        order.push(name);
        future.return_int(GLib.get_monotonic_time() - start);
    };
    const late = main.call_later(0.12, job('late'));
    const early = main.call_later(0.04, job('early'));
    const soon = main.call_soon(job('soon'));

    await late.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    await early.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    await soon.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    assertEqual(order, ['soon', 'early', 'late'], 'order');
    assert(early.propagate_int() >= 40000, `early ran after ${early.propagate_int()} µs`);
    assert(late.propagate_int() >= 120000, `late ran after ${late.propagate_int()} µs`);
});

test('call_direct() runs later, with no future', async () => {
    const main = mainCaller();
    let ran = false;
    assertEqual(main.call_direct(() => {
        assert(CgTest.is_main_thread(), 'call_direct() ran off the main thread');
        ran = true;
    }), true);
    assertEqual(ran, false, 'call_direct() ran inline');
    await sleep(50);
    assertEqual(ran, true, 'call_direct() did not run');
});

test('call_sync() on the main thread runs at once', () => {
    const main = mainCaller();
    let ran = 0;
    assertEqual(main.call_sync(() => {
        assert(CgTest.is_main_thread(), 'call_sync() ran off the main thread');
        ran++;
    }, null), true);
    assertEqual(ran, 1, 'call_sync() returned before its function ran');
    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    assertThrows(() => main.call_sync(() => ran++, cancellable), Gio.IOErrorEnum,
        Gio.IOErrorEnum.CANCELLED);
    assertEqual(ran, 1, 'a cancelled call_sync() ran');
});

test('the typed results of a job reach JS', async () => {
    const main = mainCaller();
    const cases = [
        [f => f.return_int(-42), f => f.propagate_int(), -42],
        [f => f.return_boolean(true), f => f.propagate_boolean(), true],
        [f => f.return_value('text'), f => f.propagate_value(), [true, 'text']],
        [f => f.return_value(3.5), f => f.propagate_value(), [true, 3.5]],
        [f => f.return_object(new Gio.SimpleAction({name: 'act'})),
            f => f.propagate_object().name, 'act'],
        [() => {}, f => f.propagate_pointer(), null],
    ];
    for (const [set, get, expected] of cases) {
        const future = main.call_soon(set);
        // eslint-disable-next-line no-await-in-loop
        await future.wait_async(WAIT, Cg.WaitFlags.NONE, null);
        assertEqual(get(future), expected);
        assertEqual(future.dup_exception(), null, 'dup_exception() of a success');
    }
});

test('a GLib.Error reported by a JS job comes back intact', async () => {
    const main = mainCaller();
    const future = main.call_soon(f => {
        f.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'no such thing'));
    });
    const error = await assertRejects(future.wait_async(WAIT, Cg.WaitFlags.NONE, null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
    assertEqual(error.message, 'no such thing');
    assertError(future.dup_exception(), Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
    assertThrows(() => future.propagate_int(), Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
    assertThrows(() => future.check(), Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
});

test('a JS exception in a job is logged; the job completes with no value', async () => {
    // GJS catches the exception at the C boundary and logs it ("JS ERROR");
    // the library never sees it. Report failures with return_error().
    const main = mainCaller();
    const future = main.call_soon(() => {
        throw new Error('thrown on purpose by the test; GJS logs it');
    });
    assertEqual(await future.wait_async(WAIT, Cg.WaitFlags.NONE, null), true);
    assertEqual(future.propagate_pointer(), null);
});

test('a job that returns a future completes when that future does', async () => {
    const main = mainCaller();
    const inner = new Cg.Future();
    const outer = main.call_soon(f => f.return_future(inner));
    await sleep(30);
    assertEqual(outer.is_done(), false, 'done before the inner future');
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        inner.return_int(7);
        return GLib.SOURCE_REMOVE;
    });
    await outer.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    assertEqual(outer.propagate_int(), 7);
});

test('a job cancelled before it starts never runs', async () => {
    const main = mainCaller();
    let ran = false;
    const future = main.call_soon(() => {
        ran = true;
    });
    assertEqual(future.cancel('first'), true);
    assertEqual(future.cancel('second'), true);
    assertEqual(future.is_cancelled(), true);
    const error = await assertRejects(future.wait_async(WAIT, Cg.WaitFlags.NONE, null),
        Cg.FutureError, Cg.FutureError.CANCELLED);
    assertEqual(error.message, 'first\nsecond', 'the joined cancel messages');
    await sleep(30);
    assertEqual(ran, false, 'the cancelled job ran');
});

test('a running job sees its cancellable; a later result still reports cancelled', async () => {
    const main = mainCaller();
    const future = main.call_soon(f => {
        const cancellable = f.get_cancellable();
        assertEqual(cancellable.is_cancelled(), false);
        f.cancel('stop');
        assertEqual(cancellable.is_cancelled(), true, 'cancellable after cancel()');
        f.return_int(1);
    });
    const error = await assertRejects(future.wait_async(WAIT, Cg.WaitFlags.NONE, null),
        Cg.FutureError, Cg.FutureError.CANCELLED);
    assertEqual(error.message, 'stop');
});

test('done callbacks run on the main thread, newest first', async () => {
    const future = new Cg.Future();
    const order = [];
    for (const name of ['a', 'b', 'c']) {
        future.add_done_callback(f => {
            assert(f === future, 'the callback got another future');
            assert(CgTest.is_main_thread(), 'a done callback ran off the main thread');
            order.push(name);
        });
    }
    future.return_int(1);
    assertEqual(order, ['c', 'b', 'a'], 'completion on the owner thread runs them inline');

    let late = false;
    future.add_done_callback(() => {
        late = true;
    });
    assertEqual(late, false, 'a callback on a done future ran inline');
    await sleep(50);
    assertEqual(late, true, 'a callback on a done future did not run');
});

test('context variables are carried into JS jobs', async () => {
    const main = mainCaller();
    const request = Cg.ContextVar.new('gjs-request', 'none');
    assertEqual(request.get_name(), 'gjs-request');
    assertEqual(request.get(), [true, 'none']);
    const token = request.set('first');
    const seen = [];
    const first = main.call_soon(() => seen.push(request.get()[1]));
    request.set('second');
    const second = main.call_soon(() => {
        seen.push(request.get()[1]);
        request.set('inside'); // stays in the job's copy
    });
    request.reset(token);
    assertEqual(request.get(), [true, 'none'], 'after reset()');
    await first.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    await second.wait_async(WAIT, Cg.WaitFlags.NONE, null);
    assertEqual(seen, ['first', 'second'], 'the values the jobs saw');
    assertEqual(request.get(), [true, 'none'], 'a job\'s set() leaked out');

    const context = Cg.Context.new();
    context.run(() => request.set('in context'));
    assertEqual(context.lookup(request), [true, 'in context']);
    assertEqual(request.get(), [true, 'none']);
});

test('errors: NOT_FOUND, EXISTS, CLOSED, protected callers', () => {
    assertThrows(() => Cg.Caller.get_instance('gjs-no-such-caller', false),
        Cg.CallerError, Cg.CallerError.NOT_FOUND);

    const worker = Cg.Caller.start_new('gjs-worker', false, null);
    assertEqual(worker.name, 'gjs-worker');
    assertEqual(worker.running, true);
    assert(Cg.Caller.get_instance('gjs-worker', false) === worker, 'get_instance() by name');
    assertThrows(() => Cg.Caller.start_new('gjs-worker', false, null),
        Cg.CallerError, Cg.CallerError.EXISTS);

    worker.stop(false);
    assertEqual(worker.stopped, true);
    assertEqual(worker.running, false);
    // Refused on the calling (main) thread: the JS function is dropped here.
    assertThrows(() => worker.call_soon(() => {}), Cg.CallerError, Cg.CallerError.CLOSED);
    assertThrows(() => worker.call_direct(() => {}), Cg.CallerError, Cg.CallerError.CLOSED);
    assertThrows(() => worker.call_sync(() => {}, null), Cg.CallerError, Cg.CallerError.CLOSED);
    assert(!Cg.Caller.all_callers(false).includes(worker), 'a stopped caller is listed');

    const guarded = Cg.Caller.start_new('gjs-protected', true, null);
    assertEqual(guarded.protected, true);
    guarded.stop(false);
    assertEqual(guarded.running, true, 'stop() without force stopped a protected caller');
    Cg.Caller.stop_all(false);
    assertEqual(guarded.running, true, 'stop_all(false) stopped a protected caller');
    guarded.stop(true);
    assertEqual(guarded.stopped, true, 'stop(true) left a protected caller running');
});

test('process-wide settings are readable and settable', () => {
    const buffer = Cg.Caller.get_max_buffer_size();
    const idle = Cg.Caller.get_max_idle_pool_instances();
    assertEqual(buffer, Cg.DEFAULT_MAX_BUFFER_SIZE);
    assertEqual(idle, Cg.DEFAULT_MAX_IDLE_POOL_INSTANCES);
    Cg.Caller.set_max_buffer_size(7);
    Cg.Caller.set_max_idle_pool_instances(3);
    assertEqual(Cg.Caller.get_max_buffer_size(), 7);
    assertEqual(Cg.Caller.get_max_idle_pool_instances(), 3);
    Cg.Caller.set_max_buffer_size(buffer);
    Cg.Caller.set_max_idle_pool_instances(idle);
});

run();
