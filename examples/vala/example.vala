/* example.vala: caller-glib from Vala.
 *
 * Build it with `valac --pkg caller-glib-1 example.vala` (add --vapidir when
 * the vapi is not installed). Lambdas run on a worker thread; an async
 * method waits for their futures with `yield`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

async void run_example (Cg.Caller worker) throws Error {
    /* A lambda on the worker thread; `yield` waits without blocking. */
    var answer = worker.call_soon ((future) => {
        try {
            future.return_int (6 * 7);
        } catch (Error e) {
            warning ("%s", e.message);
        }
    });
    yield answer.wait_async (5.0, Cg.WaitFlags.NONE, null);  /* at most 5 s */
    print ("call_soon: %d\n", (int) answer.propagate_int ());

    /* Failures are GErrors, caught by domain and code. */
    var slow = worker.call_later (60.0, (future) => {});
    try {
        yield slow.wait_async (0.05, Cg.WaitFlags.NONE, null);
    } catch (Cg.CallerError.TIMED_OUT e) {
        print ("timeout: %s (cancelled: %s)\n", e.message, slow.is_cancelled ().to_string ());
    }

    /* An async lock: jobs take turns, each in a context of its own. */
    var alock = new Cg.AsyncLock ();
    var main = Cg.Caller.get_current ();
    Cg.Future[] turns = {};
    foreach (var name in new string[] { "first", "second" }) {
        turns += main.call_soon ((future) => {
            var done = new Cg.Future ();
            take_turn.begin (alock, worker, name, done);
            try {
                future.return_future (done);
            } catch (Error e) {
                warning ("%s", e.message);
            }
        });
    }
    foreach (var turn in turns)
        yield turn.wait_async (5.0, Cg.WaitFlags.NONE, null);
}

async void take_turn (Cg.AsyncLock alock, Cg.Caller worker, string name, Cg.Future done) {
    try {
        yield alock.acquire_async (null);
        var work = worker.call_later (0.01, (future) => {});
        yield work.wait_async (5.0, Cg.WaitFlags.NONE, null);
        print ("lock: %s turn done\n", name);
        alock.release ();
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
        var sum = worker.call_soon ((future) => {
            try {
                future.return_int (1 + 2);
            } catch (Error e) {
                warning ("%s", e.message);
            }
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
