/* helpers.vala: what the Vala tests of caller-glib share
 *
 * Every async test runs in a GLib main loop with a deadline: a test that is
 * not done by then aborts the program with a message, so no wait is
 * unbounded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

namespace CgValaTest {
    /* Seconds: the bound of the waits in the tests. */
    public const double WAIT = 5.0;

    public delegate void Start (AsyncReadyCallback callback);
    public delegate void Finish (AsyncResult result) throws Error;

    /* Runs an async test, `start` beginning it and `finish` ending it,
     * in a main loop; aborts when it takes more than `seconds`. */
    public void run_async (Start start, Finish finish, uint seconds = 20) {
        var loop = new MainLoop ();
        AsyncResult? result = null;
        start ((obj, res) => {
            result = res;
            loop.quit ();
        });
        if (result == null) {
            uint timeout = Timeout.add_seconds (seconds, () => {
                error ("the test did not finish within %u s", seconds);
            });
            loop.run ();
            Source.remove (timeout);
        }
        try {
            finish (result);
        } catch (Error e) {
            error ("the test failed: %s (%s, %d)", e.message, e.domain.to_string (), e.code);
        }
    }

    /* A future of the current thread, completed after `seconds` from
     * the main loop of that thread: a sleep that keeps the current Cg
     * context (wait_async() calls back inside it). */
    public async void sleep (double seconds) throws Error {
        var future = Cg.Caller.get_current ().call_later (seconds, (f) => {});
        yield future.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    }

    /* The caller of the main thread, started. */
    public Cg.Caller main_caller () {
        try {
            var caller = Cg.Caller.@get (null, true, false);
            if (!caller.running)
                caller.start ();
            return caller;
        } catch (Error e) {
            error ("no main caller: %s", e.message);
        }
    }

    /* Iterates the default context until `done` holds; aborts after
     * `seconds`. */
    public delegate bool Predicate ();

    public void iterate_until (Predicate done, double seconds = WAIT) {
        int64 deadline = get_monotonic_time () + (int64) (seconds * 1000000);
        while (!done ()) {
            if (get_monotonic_time () > deadline)
                error ("a condition did not hold within %g s", seconds);
            MainContext.default ().iteration (false);
            Thread.usleep (1000);
        }
    }
}
