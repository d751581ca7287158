/* test-queue.vala: execution queues (cg_caller_queue_call) from Vala
 *
 * A queue belongs to a function and an instance: every call of one
 * lambda, one method or one static function goes to the same queue, and
 * runs after the calls queued before it has finished, also when it
 * finishes asynchronously (cg_future_return_future()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using CgValaTest;

/* caller-glib-1.vapi declares queue_exists() and queue_close() with a
 * delegate target that the C functions do not take, so Vala code calling
 * them does not compile (too many arguments). Until the vapi is fixed
 * (delegate_target=false on their `func`), these bindings stand in. */
[CCode (cname = "cg_caller_queue_exists", cheader_filename = "caller-glib.h")]
extern bool queue_exists_fixed (Cg.Caller caller,
                                [CCode (delegate_target = false)] Cg.JobFunc func,
                                Object? instance);
[CCode (cname = "cg_caller_queue_close", cheader_filename = "caller-glib.h")]
extern bool queue_close_fixed (Cg.Caller caller,
                               [CCode (delegate_target = false)] Cg.JobFunc func,
                               Object? instance);

class Writer : Object {
    public StringBuilder log = new StringBuilder ();
    public int started = 0;

    /* One call: logs its start, and finishes 10 ms later. */
    public void write (Cg.Future future) {
        int n = started++;
        log.append ("+%d ".printf (n));
        try {
            var inner = Cg.Caller.get_current ().call_later (0.01, (f) => {
                log.append ("-%d ".printf (n));
            });
            future.return_future (inner);
        } catch (Error e) {
            error ("%s", e.message);
        }
    }
}

static async void serialises () throws Error {
    var main = main_caller ();
    var writer = new Writer ();
    for (int i = 0; i < 3; i++)
        main.queue_call (writer.write, writer, 0);
    /* Nothing runs inside queue_call(). */
    assert_cmpint (writer.started, CompareOperator.EQ, 0);
    iterate_until (() => writer.log.len == 12);
    assert_cmpstr (writer.log.str, CompareOperator.EQ, "+0 -0 +1 -1 ");
}

static void test_serialises () {
    run_async ((cb) => serialises.begin (cb), (res) => serialises.end (res));
}

/* A lambda: each call of this lambda goes to one queue. */
static async void lambda_queue () throws Error {
    var main = main_caller ();
    var order = new StringBuilder ();
    for (int i = 0; i < 5; i++) {
        int n = i;
        main.queue_call ((f) => {
            order.append ("%d".printf (n));
        }, null, 0);
    }
    iterate_until (() => order.len == 5);
    assert_cmpstr (order.str, CompareOperator.EQ, "01234");
}

static void test_lambda_queue () {
    run_async ((cb) => lambda_queue.begin (cb), (res) => lambda_queue.end (res));
}

/* A full queue: WOULD_BLOCK, or wait for room with queue_call_async(). */
static async void full () throws Error {
    var main = main_caller ();
    var writer = new Writer ();
    /* Room for one call not yet started: the first takes it. */
    main.queue_call (writer.write, writer, 1);
    try {
        main.queue_call (writer.write, writer, 1);
        assert_not_reached ();
    } catch (Cg.CallerError.WOULD_BLOCK e) {
    }
    assert_true (yield main.queue_call_async (writer.write, writer, 1, null));
    iterate_until (() => writer.log.len == 12);
    assert_cmpstr (writer.log.str, CompareOperator.EQ, "+0 -0 +1 -1 ");
}

static void test_full () {
    run_async ((cb) => full.begin (cb), (res) => full.end (res));
}

/* Queuing is for the caller's own thread. */
static async void own_thread () throws Error {
    var worker = new Cg.Caller.start_new ("vala-queue-worker", false, null);
    try {
        worker.queue_call ((f) => {}, null, 0);
        assert_not_reached ();
    } catch (Cg.CallerError.WRONG_THREAD e) {
    }
    /* From a job of the worker, on its thread, it works. */
    var done = new Cg.Future ();
    var order = new StringBuilder ();
    worker.call_soon ((f) => {
        try {
            for (int i = 0; i < 3; i++) {
                int n = i;
                worker.queue_call ((g) => {
                    order.append ("%d".printf (n));
                    if (n == 2) {
                        try {
                            done.return_boolean (true);
                        } catch (Error e) {
                            error ("%s", e.message);
                        }
                    }
                }, null, 0);
            }
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    yield done.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    assert_cmpstr (order.str, CompareOperator.EQ, "012");
    worker.stop (false);
}

static void test_own_thread () {
    run_async ((cb) => own_thread.begin (cb), (res) => own_thread.end (res));
}

static StringBuilder static_log;

static void static_item (Cg.Future future) {
    static_log.append ("x");
}

/* queue_exists() and queue_close(), through the stand-in bindings. */
static async void close_queue () throws Error {
    var main = main_caller ();
    static_log = new StringBuilder ();
    var owner = new Object ();
    assert_false (queue_exists_fixed (main, static_item, owner));
    main.queue_call (static_item, owner, 0);
    main.queue_call (static_item, owner, 0);
    assert_true (queue_exists_fixed (main, static_item, owner));
    /* Closing drops the calls that wait; the one handed over still runs. */
    assert_true (queue_close_fixed (main, static_item, owner));
    assert_false (queue_exists_fixed (main, static_item, owner));
    assert_false (queue_close_fixed (main, static_item, owner));
    yield sleep (0.02);
    assert_cmpstr (static_log.str, CompareOperator.EQ, "x");
    /* A new call makes a new queue. */
    main.queue_call (static_item, owner, 0);
    iterate_until (() => static_log.len == 2);
}

static void test_close_queue () {
    run_async ((cb) => close_queue.begin (cb), (res) => close_queue.end (res));
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/queue/serialises-async-calls", test_serialises);
    Test.add_func ("/vala/queue/one-lambda-one-queue", test_lambda_queue);
    Test.add_func ("/vala/queue/full", test_full);
    Test.add_func ("/vala/queue/own-thread", test_own_thread);
    Test.add_func ("/vala/queue/exists-and-close", test_close_queue);
    int status = Test.run ();
    Cg.Caller.stop_all (true);
    return status;
}
