/* test-lock.vala: async locks with `yield lock.acquire_async ()`
 *
 * A lock is held by a Cg context, not by a thread or a coroutine. A job
 * runs in a copy of the context that submitted it, and the library calls
 * its async callbacks (acquire_async, wait_async) back inside the context
 * that started them; Vala resumes a coroutine right inside such a callback.
 * So a coroutine begun inside a job keeps that job's context across its
 * yields on caller-glib operations, and coroutines begun in different jobs
 * are different holders to a lock. Coroutines begun outside any job share
 * the thread's context: to a plain lock they are one holder.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using CgValaTest;

static void complete (Cg.Future future, Error? failure) {
    try {
        if (failure != null)
            future.return_error (failure.copy ());
        else
            future.return_boolean (true);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* Holds `alock` for a while, logging when it gets in and out. */
static async void locked_section (Cg.AsyncLock alock, string name, StringBuilder log,
                                  double hold, Cg.Future done) {
    Error? failure = null;
    try {
        yield alock.acquire_async (null);
        log.append ("%s+ ".printf (name));
        assert_cmpuint (alock.get_count (), CompareOperator.EQ, 1);
        assert_true (alock.is_in_context ());
        yield sleep (hold);
        log.append ("%s- ".printf (name));
        alock.release ();
    } catch (Error e) {
        failure = e;
    }
    complete (done, failure);
}

/* Begins locked_section() inside a job of `caller`; the job completes
 * when the section does. */
static Cg.Future section_in_job (Cg.Caller caller, Cg.AsyncLock alock, string name,
                                 StringBuilder log, double hold = 0.01) throws Error {
    return caller.call_soon ((f) => {
        var done = new Cg.Future ();
        locked_section.begin (alock, name, log, hold, done);
        try {
            f.return_future (done);
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
}

static async void serialises () throws Error {
    var main = main_caller ();
    var alock = new Cg.AsyncLock ();
    assert_false (alock.get_reentrant ());
    var log = new StringBuilder ();
    Cg.Future[] jobs = {};
    foreach (var name in new string[] { "a", "b", "c", "d" })
        jobs += section_in_job (main, alock, name, log);
    foreach (var job in jobs)
        yield job.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    assert_cmpstr (log.str, CompareOperator.EQ, "a+ a- b+ b- c+ c- d+ d- ");
    assert_cmpuint (alock.get_count (), CompareOperator.EQ, 0);
}

static void test_serialises () {
    run_async ((cb) => serialises.begin (cb), (res) => serialises.end (res));
}

/* Two coroutines begun outside of any job are one holder. */
static async void one_context () throws Error {
    main_caller ();
    var alock = new Cg.AsyncLock ();
    assert_true (yield alock.acquire_async (null));
    try {
        yield alock.acquire_async (null);
        assert_not_reached ();
    } catch (Cg.CallerError.NOT_REENTRANT e) {
        assert_true ("not reentrant" in e.message);
    }
    alock.release ();
    try {
        alock.release ();
        assert_not_reached ();
    } catch (Cg.FutureError.INVALID_STATE e) {
    }
}

static void test_one_context () {
    run_async ((cb) => one_context.begin (cb), (res) => one_context.end (res));
}

/* A reentrant lock lets its holder in again, and the jobs it spawns. */
static async void reentrant_section (Cg.ReentrantAsyncLock alock, Cg.Future done) {
    Error? failure = null;
    try {
        yield alock.acquire_async (null);
        yield alock.acquire_async (null);
        assert_cmpuint (alock.get_count (), CompareOperator.EQ, 2);
        /* The spawned job copies this context, so it may enter too. */
        var spawned = Cg.Caller.to_thread ((f) => {
            try {
                f.return_boolean (alock.is_in_context ());
            } catch (Error e) {
                error ("%s", e.message);
            }
        });
        yield spawned.wait_async (WAIT, Cg.WaitFlags.NONE, null);
        assert_true (spawned.propagate_boolean ());
        alock.release ();
        alock.release ();
    } catch (Error e) {
        failure = e;
    }
    complete (done, failure);
}

static async void reentrant () throws Error {
    var main = main_caller ();
    var alock = new Cg.ReentrantAsyncLock ();
    assert_true (alock.get_reentrant ());
    var job = main.call_soon ((f) => {
        var done = new Cg.Future ();
        reentrant_section.begin (alock, done);
        try {
            f.return_future (done);
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    yield job.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    job.check ();
    assert_cmpuint (alock.get_count (), CompareOperator.EQ, 0);
}

static void test_reentrant () {
    run_async ((cb) => reentrant.begin (cb), (res) => reentrant.end (res));
}

/* A coroutine on a worker thread and one on the main thread share a lock. */
static async void across_threads () throws Error {
    var main = main_caller ();
    var worker = new Cg.Caller.start_new ("vala-alock-worker", false, null);
    var alock = new Cg.AsyncLock ();
    /* Both sections log into one builder; the lock keeps them apart. */
    var log = new StringBuilder ();

    /* The worker's section starts first and holds the lock for a while. */
    var on_worker = section_in_job (worker, alock, "w", log, 0.1);
    iterate_until (() => alock.get_count () == 1);
    var on_main = section_in_job (main, alock, "m", log);
    yield on_main.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    on_main.check ();
    yield on_worker.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    on_worker.check ();
    assert_cmpstr (log.str, CompareOperator.EQ, "w+ w- m+ m- ");
    worker.stop (false);
}

static void test_across_threads () {
    run_async ((cb) => across_threads.begin (cb), (res) => across_threads.end (res));
}

/* A queued waiter whose cancellable is cancelled leaves the queue. */
static async void cancelled_waiter (Cg.AsyncLock alock, Cancellable cancellable, Cg.Future done) {
    Error? failure = null;
    try {
        yield alock.acquire_async (cancellable);
        failure = new IOError.FAILED ("the cancelled waiter got the alock");
    } catch (IOError.CANCELLED e) {
    } catch (Error e) {
        failure = e;
    }
    complete (done, failure);
}

static async void cancelled () throws Error {
    var main = main_caller ();
    var alock = new Cg.AsyncLock ();
    var log = new StringBuilder ();
    var holder = section_in_job (main, alock, "h", log, 0.3);
    var cancellable = new Cancellable ();
    var waiter = main.call_soon ((f) => {
        var done = new Cg.Future ();
        cancelled_waiter.begin (alock, cancellable, done);
        try {
            f.return_future (done);
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    yield sleep (0.02);
    cancellable.cancel ();
    yield waiter.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    waiter.check ();
    yield holder.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    assert_cmpuint (alock.get_count (), CompareOperator.EQ, 0);
}

static void test_cancelled () {
    run_async ((cb) => cancelled.begin (cb), (res) => cancelled.end (res));
}

/* Two coroutines begun outside of any job, each holding the lock through
 * a guard: the second waits for the first instead of failing, and a guard
 * gives the lock back when it goes out of scope. */
static async void guarded_section (Cg.AsyncLock alock, string name, StringBuilder log,
                                   Cg.Future done) {
    Error? failure = null;
    try {
        var guard = yield alock.acquire_guarded_async (null);
        assert_true (guard.get_lock () == alock);
        log.append ("%s+ ".printf (name));
        yield sleep (0.01);
        log.append ("%s- ".printf (name));
    } catch (Error e) {
        failure = e;
    }
    /* the guard is gone: the lock is free, or the other section's */
    complete (done, failure);
}

static async void guarded () throws Error {
    main_caller ();
    var alock = new Cg.AsyncLock ();
    var log = new StringBuilder ();
    var a = new Cg.Future ();
    var b = new Cg.Future ();
    guarded_section.begin (alock, "a", log, a);
    guarded_section.begin (alock, "b", log, b);
    yield a.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    yield b.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    a.check ();
    b.check ();
    assert_cmpstr (log.str, CompareOperator.EQ, "a+ a- b+ b- ");
    assert_cmpuint (alock.get_count (), CompareOperator.EQ, 0);
}

static void test_guarded () {
    run_async ((cb) => guarded.begin (cb), (res) => guarded.end (res));
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/alock/serialises-coroutines", test_serialises);
    Test.add_func ("/vala/alock/one-context-not-reentrant", test_one_context);
    Test.add_func ("/vala/alock/reentrant", test_reentrant);
    Test.add_func ("/vala/alock/across-threads", test_across_threads);
    Test.add_func ("/vala/alock/cancelled-waiter", test_cancelled);
    Test.add_func ("/vala/alock/guarded-coroutines-wait", test_guarded);
    int status = Test.run ();
    Cg.Caller.stop_all (true);
    return status;
}
