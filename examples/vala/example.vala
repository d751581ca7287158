/* example.vala: caller-glib from Vala.
 *
 * Build it with `valac --pkg caller-glib-1 example.vala` (add --vapidir when
 * the vapi is not installed). Lambdas run on a worker thread; an async
 * method waits for their futures with `yield`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

async void run_example (Cg.Caller worker) throws Error {
    /* A lambda on the worker thread; a fallible job needs no try/catch. */
    var answer = worker.call_soon_fallible ((future) => {
        future.return_int (6 * 7);
    });
    yield answer.wait_async (5.0);  /* at most 5 s */
    print ("call_soon: %d\n", (int) answer.propagate_int ());

    /* Strings (and doubles) come back typed. */
    var text = Cg.Caller.to_thread_fallible ((future) => {
        future.return_string ("from the pool");
    });
    yield text.wait_async ();
    print ("to_thread: %s\n", text.propagate_string ());

    /* Failures are GErrors, caught by domain and code; a fallible job
     * throws them. */
    var failing = worker.call_soon_fallible ((future) => {
        throw new IOError.NOT_FOUND ("no such file");
    });
    try {
        yield failing.wait_async ();
    } catch (IOError.NOT_FOUND e) {
        print ("error: %s\n", e.message);
    }

    var slow = worker.call_later (60.0, (future) => {});
    try {
        yield slow.wait_async (0.05);
    } catch (Cg.CallerError.TIMED_OUT e) {
        print ("timeout: %s (cancelled: %s)\n", e.message, slow.is_cancelled ().to_string ());
    }

    /* An async lock: each guard is an owner of its own, so two coroutines
     * of this loop take turns; a guard gives the lock back at scope end. */
    var alock = new Cg.AsyncLock ();
    var first = new Cg.Future ();
    var second = new Cg.Future ();
    take_turn.begin (alock, worker, "first", first);
    take_turn.begin (alock, worker, "second", second);
    yield first.wait_async (5.0);
    yield second.wait_async (5.0);
}

async void take_turn (Cg.AsyncLock alock, Cg.Caller worker, string name, Cg.Future done) {
    try {
        var guard = yield alock.acquire_guarded_async (null);
        yield worker.call_later (0.01, (future) => {}).wait_async (5.0);
        print ("lock: %s turn done (%u holder)\n", name, guard.get_lock ().get_count ());
        done.return_boolean (true);
    } catch (Error e) {
        try {
            done.return_error (e);
        } catch (Error e2) {
            warning ("%s", e2.message);
        }
    }
}

int main () {
    var loop = new MainLoop ();
    int status = 0;
    try {
        /* The caller of the main thread (the loop below runs its jobs),
         * and a worker thread with a caller of its own. */
        Cg.Caller.@get (null, true, false).start ();
        var worker = new Cg.Caller.start_new ("example-worker", false, null);

        /* Blocking waits are fine outside the future's own thread. */
        var sum = worker.call_soon_fallible ((future) => {
            future.return_int (1 + 2);
        });
        sum.wait_sync (5.0, Cg.WaitFlags.NONE);
        print ("wait_sync: %d\n", (int) sum.propagate_int ());

        run_example.begin (worker, (obj, res) => {
            try {
                run_example.end (res);
            } catch (Error e) {
                printerr ("error: %s\n", e.message);
                status = 1;
            }
            loop.quit ();
        });
        loop.run ();
    } catch (Error e) {
        printerr ("error: %s\n", e.message);
        status = 1;
    }
    Cg.Caller.stop_all (true);
    return status;
}
