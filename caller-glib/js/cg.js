// cg.js: caller-glib the way JavaScript is written, for GJS.
//
// Import it with
//     import * as CgJS from 'resource:///org/gnome/CallerGlib/js/cg.js';
// once `gi://Cg` is imported (the module is compiled into the library).
// It adds nothing the library does not do; it turns JS idioms into the
// library's calls: async functions as jobs, a wait that resolves to the
// value, and an async lock that serialises async functions.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Cg from 'gi://Cg';

// The error a JS exception becomes in a future: G_IO_ERROR_FAILED with
// the exception's message (a GLib.Error stays as it is).
function toGError(e) {
    if (e instanceof GLib.Error)
        return e;
    const message = e instanceof Error ? `${e.name}: ${e.message}` : `${e}`;
    return new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, message);
}

// Completes @future with a JS value: numbers, strings and booleans as
// such, a GObject as an object, anything else in a boxed value.
function settle(future, value) {
    if (value === undefined || value === null)
        future.return_value(null);
    else if (typeof value === 'boolean')
        future.return_boolean(value);
    else if (typeof value === 'number' && Number.isInteger(value))
        future.return_int(value);
    else if (value instanceof GObject.Object)
        future.return_object(value);
    else
        future.return_value(value);
}

// Runs @fn(...args) as the job; what it returns (or the promise it
// returns resolves to) completes @future, what it throws (or rejects
// with) fails it.
function runJob(future, fn, args) {
    let result;
    try {
        result = fn(...args);
    } catch (e) {
        future.return_error(toGError(e));
        return;
    }
    if (result && typeof result.then === 'function') {
        const settled = Cg.Future.new();
        future.return_future(settled);
        result.then(value => settle(settled, value), e => settled.return_error(toGError(e)));
    } else {
        settle(future, result);
    }
}

/**
 * Runs @fn(...args) in @caller (its thread must be the JS thread: the main
 * caller), as `caller.call_soon()` does, and returns the job's future. An
 * async function completes the future when its promise settles; a thrown
 * exception or a rejection fails it with G_IO_ERROR_FAILED and the
 * exception's message (a thrown GLib.Error fails it as itself).
 */
export function callSoon(caller, fn, ...args) {
    return caller.call_soon(future => runJob(future, fn, args));
}

/** As callSoon(), after at least @seconds. */
export function callLater(caller, seconds, fn, ...args) {
    return caller.call_later(seconds, future => runJob(future, fn, args));
}

/**
 * Calls @fn(future) once @future is done, on the future's thread (the JS
 * thread, for the futures JS code gets). What @fn throws, or the promise it
 * returns rejects with, is logged with its stack (logError), not lost.
 */
export function onDone(future, fn) {
    const report = e => logError(e, 'Cg: a done callback failed');
    future.add_done_callback(done => {
        try {
            const result = fn(done);
            if (result && typeof result.then === 'function')
                result.catch(report);
        } catch (e) {
            report(e);
        }
    });
}

// The value of a done future: its basic value or object.
function valueOf(future) {
    const [, value] = future.propagate_value();
    return value;
}

/**
 * Waits for @future without blocking and resolves to its value (the value
 * it holds, typed, or null), or rejects with its error. Options:
 * `timeout` in seconds (none by default), `cancellable`, and `shield`
 * (a timeout or cancellation then leaves the future alone).
 */
export function wait(future, {timeout = -1, cancellable = null, shield = false} = {}) {
    const flags = shield ? Cg.WaitFlags.SHIELD : Cg.WaitFlags.NONE;
    return new Promise((resolve, reject) => {
        future.wait_async(timeout, flags, cancellable, (source, result) => {
            try {
                future.wait_finish(result);
                resolve(valueOf(future));
            } catch (e) {
                reject(e);
            }
        });
    });
}

/**
 * Acquires @lock as an owner of its own (cg_async_lock_acquire_guarded_async()):
 * resolves to a Cg.AsyncLockGuard, whose release() gives the lock back. Two
 * async functions of the JS thread that acquire it this way wait for each
 * other in turn. Release the guard yourself (in a `finally`): the garbage
 * collector would do it only at some later time.
 */
export function acquire(lock, {cancellable = null} = {}) {
    return new Promise((resolve, reject) =>
        lock.acquire_guarded_async(cancellable, (_, result) => {
            try {
                resolve(lock.acquire_guarded_finish(result));
            } catch (e) {
                reject(e);
            }
        }));
}

/**
 * Runs the async function @fn holding @lock (through acquire()), and
 * releases it when @fn's promise settles. Resolves to what @fn resolves to.
 */
export async function withLock(lock, fn) {
    const guard = await acquire(lock);
    try {
        return await fn();
    } finally {
        guard.release();
    }
}
