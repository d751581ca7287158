// test-threads.js: JS functions and other threads.
//
// JS runs on the main thread only. The main caller of a GJS program is
// thread-bound (Cg.Caller.set_thread_bound()): what the JS thread hands to
// other threads is freed back on the JS thread, and a JS done callback of
// another thread's future runs on the JS thread. Each case runs isolated/foreign-thread.js in a subprocess, so
// a crash is reported as a failure instead of killing this test program.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Cg from 'gi://Cg';
import CgTest from 'gi://CgTest';

import {
    assert, assertEqual, mainCaller, runIsolated, run, test, testFile, waitUntil,
} from './harness.js';

test('the supported way: JS jobs stay on the main thread, native work on workers', async () => {
    // A JS job on the main caller hands the work to a native worker and
    // completes when the worker's future does; JS sees only the main thread.
    const main = mainCaller();
    const threads = [];
    const job = main.call_soon(future => {
        threads.push(CgTest.is_main_thread());
        future.return_future(CgTest.native_work_pooled(8, 0.02));
    });
    job.add_done_callback(() => threads.push(CgTest.is_main_thread()));
    assertEqual(await job.wait_async(5, Cg.WaitFlags.NONE, null), true);
    assertEqual(job.propagate_int(), 16);
    // The job's future completes on the worker (it follows the native
    // future): its done callback comes to the main thread through the
    // main caller, and the wait's answer through the main context, in
    // either order.
    await waitUntil(() => threads.length === 2, 5, 'the done callback');
    assertEqual(threads, [true, true], 'JS ran off the main thread');
});


/** Runs one scenario of foreign-thread.js and checks the outcome. */
async function foreignThread(scenario) {
    const result = await runIsolated(testFile('isolated/foreign-thread.js'),
        {CG_SCENARIO: scenario});
    const diagnostics = `\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`;
    assert(result.signal === null,
        `the process was killed by signal ${result.signal}${diagnostics}`);
    assertEqual(result.status, 0, `exit status${diagnostics}`);
    const state = JSON.parse(result.stdout.trim().split('\n').pop());
    assert(state.ran !== 'worker', `JS ran on a worker thread${diagnostics}`);
    return state;
}

// GJS itself blocks a JS function called on another thread (with a
// critical); the library's part is that nothing crashes: the main caller is
// thread-bound, so the function's closure is freed on the JS thread, and
// the job's future still completes.
async function notRunElsewhere(scenario) {
    const state = await foreignThread(scenario);
    assertEqual(state.ran, null, 'the JS function ran');
    assertEqual(state.completed, true, 'the future never completed');
}

test('call_soon() of a JS function on a worker: not run there, no crash',
    () => notRunElsewhere('call_soon'), {timeout: 40});

test('call_direct() of a JS function on a worker: not run there, no crash',
    () => notRunElsewhere('call_direct'), {timeout: 40});

test('to_thread() of a JS function: not run there, no crash',
    () => notRunElsewhere('to_thread'), {timeout: 40});

test('call_later() of a JS function on a worker, cancelled: dropped, no crash',
    () => notRunElsewhere('cancelled'), {timeout: 40});

test('a JS done callback on a future of a worker thread runs on the JS thread',
    async () => {
        const state = await foreignThread('done_callback');
        assertEqual(state.completed, true, 'the future never completed');
        assertEqual(state.ran, 'main');
    }, {timeout: 40});

run();
