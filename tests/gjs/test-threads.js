// test-threads.js: JS functions and other threads.
//
// JS runs on the main thread only. GJS refuses to call a JS function from
// another thread: it logs a critical ("Attempting to run a JS callback on a
// different thread") and returns without calling it. What the library must
// add to that: no crash, and a future that still completes. Each case runs
// isolated/foreign-thread.js in a subprocess, so a crash is reported as a
// failure instead of killing this test program.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Cg from 'gi://Cg';
import CgTest from 'gi://CgTest';

import {
    assert, assertEqual, mainCaller, runIsolated, run, test, testFile,
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
    assertEqual(state.completed, true, `the future never completed${diagnostics}`);
    assert(state.ran !== 'worker', `JS ran on a worker thread${diagnostics}`);
    return state;
}

test('call_soon() of a JS function on a worker: no crash, the future completes',
    () => foreignThread('call_soon'), {timeout: 40});

test('call_direct() of a JS function on a worker: no crash',
    () => foreignThread('call_direct'), {timeout: 40});

test('to_thread() of a JS function: no crash, the future completes',
    () => foreignThread('to_thread'), {timeout: 40});

test('a JS job cancelled before it runs on a worker: no crash',
    () => foreignThread('cancelled'), {timeout: 40});

test('a JS done callback on a future of a worker thread: no crash',
    () => foreignThread('done_callback'), {timeout: 40});

run();
