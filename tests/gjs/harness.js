// harness.js: a small TAP test runner for the GJS tests of caller-glib.
//
// Every test is an async function, run one after the other inside a GLib
// main loop. Every test has a deadline: a test that is not done by then
// fails (a GLib timeout rejects it), so no wait of a test is unbounded. At
// the end every caller is stopped with Cg.Caller.stop_all(true).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';
import System from 'system';

// The _async/_finish pairs of caller-glib, as promises.
Gio._promisify(Cg.Future.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Cg.AsyncLock.prototype, 'acquire_async', 'acquire_finish');
Gio._promisify(Cg.AsCompleted.prototype, 'next_async', 'next_finish');
Gio._promisify(Cg.Caller.prototype, 'queue_call_async', 'queue_call_finish');
Gio._promisify(Cg.Caller, 'wait_async', 'wait_finish');
Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async',
    'communicate_utf8_finish');

// Tests of known library bugs are skipped unless this is set (they may
// crash; the ones that crash the process run their case in a subprocess).
export const RUN_KNOWN_BUGS = GLib.getenv('CG_TEST_KNOWN_BUGS') === '1';

const tests = [];

/**
 * Registers a test.
 *
 * @param {string} name what the test checks
 * @param {Function} fn an async function
 * @param {object} [options]
 * @param {number} [options.timeout] seconds the test may take (default 10)
 * @param {string} [options.skip] skips the test, giving this reason
 */
export function test(name, fn, {timeout = 10, skip = null} = {}) {
    tests.push({name, fn, timeout, skip});
}

/**
 * Registers a test of a known library bug: skipped, with @reason, unless
 * CG_TEST_KNOWN_BUGS=1.
 */
export function knownBug(name, reason, fn, options = {}) {
    test(name, fn, {
        ...options,
        skip: RUN_KNOWN_BUGS ? null
            : `known library bug: ${reason} (CG_TEST_KNOWN_BUGS=1 runs it)`,
    });
}

export class AssertionError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AssertionError';
    }
}

export function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new AssertionError(message);
}

function show(value) {
    if (value instanceof GLib.Error)
        return `GLib.Error(${GLib.quark_to_string(value.domain)}, ${value.code}, ${JSON.stringify(value.message)})`;
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

export function assertEqual(actual, expected, message = '') {
    if (show(actual) !== show(expected) || typeof actual !== typeof expected) {
        throw new AssertionError(
            `${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
    }
}

/** Asserts that @error is a GLib.Error of @domain (a quark or an error enum) and @code. */
export function assertError(error, domain, code, message = '') {
    const prefix = message ? `${message}: ` : '';
    if (!(error instanceof GLib.Error))
        throw new AssertionError(`${prefix}expected a GLib.Error, got ${show(error)}${error?.stack ? `\n${error.stack}` : ''}`);
    if (!error.matches(domain, code)) {
        throw new AssertionError(
            `${prefix}expected error code ${code} of ${typeof domain === 'number' ? GLib.quark_to_string(domain) : 'the domain'}, got ${show(error)}`);
    }
}

/** Calls @fn, which must throw a GLib.Error of @domain and @code; returns it. */
export function assertThrows(fn, domain, code, message = '') {
    let error = null;
    try {
        fn();
    } catch (e) {
        error = e;
    }
    assert(error !== null, `${message ? `${message}: ` : ''}expected an error, nothing was thrown`);
    assertError(error, domain, code, message);
    return error;
}

/** Awaits @promise, which must reject with a GLib.Error of @domain and @code; returns it. */
export async function assertRejects(promise, domain, code, message = '') {
    let error = null;
    try {
        await promise;
    } catch (e) {
        error = e;
    }
    assert(error !== null, `${message ? `${message}: ` : ''}expected an error, the promise resolved`);
    assertError(error, domain, code, message);
    return error;
}

/** A promise resolved after @ms milliseconds, from the main loop. */
export function sleep(ms) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

/** Rejects when @promise is not settled within @seconds. */
export function withTimeout(promise, seconds, what = 'the operation') {
    let id = 0;
    const timeout = new Promise((_, reject) => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, Math.ceil(seconds * 1000), () => {
            id = 0;
            reject(new AssertionError(`${what} did not finish within ${seconds} s`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timeout]).finally(() => {
        if (id !== 0)
            GLib.source_remove(id);
    });
}

/** Iterates the default main context until @predicate holds, at most @seconds. */
export async function waitUntil(predicate, seconds = 5, what = 'the condition') {
    const deadline = GLib.get_monotonic_time() + seconds * 1e6;
    while (!predicate()) {
        if (GLib.get_monotonic_time() > deadline)
            throw new AssertionError(`${what} did not hold within ${seconds} s`);
        // eslint-disable-next-line no-await-in-loop
        await sleep(5);
    }
}

/** The caller of the main thread (the one that runs JS), started. */
export function mainCaller() {
    const caller = Cg.Caller.get(null, true, false);
    // JS functions can run and be freed on this thread only.
    caller.thread_bound = true;
    if (!caller.running)
        caller.start();
    return caller;
}

/**
 * Runs @script (a path) with `gjs -m` in a subprocess, with the same
 * environment plus @env; resolves to {status, signal, stdout, stderr}.
 */
export async function runIsolated(script, env = {}, seconds = 30) {
    const gjs = GLib.getenv('GJS') ?? 'gjs';
    const launcher = new Gio.SubprocessLauncher({
        flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE,
    });
    for (const [name, value] of Object.entries(env))
        launcher.setenv(name, value, true);
    const proc = launcher.spawnv([gjs, '-m', script]);
    const [stdout, stderr] = await withTimeout(
        proc.communicate_utf8_async(null, null), seconds, `the subprocess ${script}`)
        .catch(e => {
            proc.force_exit();
            throw e;
        });
    return {
        status: proc.get_if_exited() ? proc.get_exit_status() : null,
        signal: proc.get_if_signaled() ? proc.get_term_sig() : null,
        stdout,
        stderr,
    };
}

/** The path of a file beside the test files. */
export function testFile(name) {
    const dir = GLib.getenv('CG_GJS_TEST_DIR') ??
        GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
    return GLib.build_filenamev([dir, name]);
}

function diagnose(error) {
    const text = error instanceof GLib.Error
        ? `${show(error)}\n${error.stack ?? ''}`
        : `${error}\n${error?.stack ?? ''}`;
    for (const line of text.trimEnd().split('\n'))
        print(`# ${line}`);
}

/**
 * Runs the registered tests in a GLib main loop, prints TAP, stops every
 * caller and exits non-zero when a test failed.
 */
export function run() {
    const loop = new GLib.MainLoop(null, false);
    let failures = 0;

    print(`1..${tests.length}`);

    const runAll = async () => {
        for (const [i, t] of tests.entries()) {
            const n = i + 1;
            if (t.skip) {
                print(`ok ${n} - ${t.name} # SKIP ${t.skip}`);
                continue;
            }
            try {
                // eslint-disable-next-line no-await-in-loop
                await withTimeout(Promise.resolve().then(() => t.fn()), t.timeout,
                    `the test “${t.name}”`);
                print(`ok ${n} - ${t.name}`);
            } catch (e) {
                failures++;
                print(`not ok ${n} - ${t.name}`);
                diagnose(e);
            }
        }
    };

    runAll().catch(e => {
        failures++;
        diagnose(e);
    }).finally(() => loop.quit());
    loop.run();

    Cg.Caller.stop_all(true);

    if (failures > 0)
        System.exit(1);
}
