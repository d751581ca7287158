/* test-caller.vala: callers, futures and lambdas on worker threads, from Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using CgValaTest;

static void* this_thread () {
    return (void*) Thread.self<void*> ();
}

/* A lambda on a worker thread; its result read with wait_sync(). */
static void test_worker_wait_sync () {
    try {
        var worker = new Cg.Caller.start_new ("vala-sync", false, null);
        void* main_thread = this_thread ();
        void* job_thread = null;
        var future = worker.call_soon ((f) => {
            job_thread = this_thread ();
            try {
                f.return_int (6 * 7);
            } catch (Error e) {
                error ("%s", e.message);
            }
        });
        assert_true (future.wait_sync (WAIT, Cg.WaitFlags.NONE));
        assert_cmpint ((int) future.propagate_int (), CompareOperator.EQ, 42);
        assert_true (job_thread != null && job_thread != main_thread);
        assert_true (future.get_caller () == worker);
        worker.stop (false);
        assert_true (worker.stopped);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* call_sync(): a lambda that writes a local variable of the calling
 * function runs on the worker, and the call returns after it. */
static void test_call_sync () {
    try {
        var worker = new Cg.Caller.start_new ("vala-call-sync", false, null);
        void* main_thread = this_thread ();
        void* ran_on = null;
        int answer = 0;
        for (int i = 1; i <= 50; i++) {
            assert_true (worker.call_sync (() => {
                ran_on = this_thread ();
                answer += i;
            }));
            assert_cmpint (answer, CompareOperator.EQ, i * (i + 1) / 2);
        }
        assert_true (ran_on != null && ran_on != main_thread);
        worker.stop (false);
        try {
            worker.call_sync (() => { answer = -1; });
            assert_not_reached ();
        } catch (Cg.CallerError e) {
            assert_true (e is Cg.CallerError.CLOSED);
        }
        assert_cmpint (answer, CompareOperator.EQ, 50 * 51 / 2);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* Lambdas on a worker, awaited with `yield future.wait_async ()`. */
static async void worker_yield () throws Error {
    var worker = new Cg.Caller.start_new ("vala-yield", false, null);
    var order = new AsyncQueue<int> ();
    Cg.Future[] futures = {};
    for (int i = 0; i < 20; i++) {
        int n = i;
        futures += worker.call_soon ((f) => {
            order.push (n + 1);
            try {
                f.return_int (n * n);
            } catch (Error e) {
                error ("%s", e.message);
            }
        });
    }
    for (int i = 0; i < 20; i++) {
        assert_true (yield futures[i].wait_async (WAIT, Cg.WaitFlags.NONE, null));
        assert_cmpint ((int) futures[i].propagate_int (), CompareOperator.EQ, i * i);
    }
    /* Jobs that one thread submits to one caller start in order. */
    for (int i = 0; i < 20; i++)
        assert_cmpint (order.pop (), CompareOperator.EQ, i + 1);
    /* The waits' arguments have defaults (no limit, no flags, no
     * cancellable); run_async bounds the test as a whole. */
    var last = worker.call_soon ((f) => {
        try {
            f.return_int (7);
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    assert_true (yield last.wait_async ());
    assert_true (last.wait_sync ());
    assert_cmpint ((int) last.propagate_int (), CompareOperator.EQ, 7);
    worker.stop (false);
}

static void test_worker_yield () {
    run_async ((cb) => worker_yield.begin (cb), (res) => worker_yield.end (res));
}

/* call_later() on a worker; a timed-out wait cancels the future. */
static async void call_later_and_timeout () throws Error {
    var worker = new Cg.Caller.start_new ("vala-later", false, null);
    int64 start = get_monotonic_time ();
    var future = worker.call_later (0.05, (f) => {
        try {
            f.return_int ((ssize_t) (get_monotonic_time () - start));
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    yield future.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    assert_true (future.propagate_int () >= 50000);

    var slow = worker.call_later (30, (f) => {});
    try {
        yield slow.wait_async (0.05, Cg.WaitFlags.NONE, null);
        assert_not_reached ();
    } catch (Cg.CallerError.TIMED_OUT e) {
        assert_true (slow.is_cancelled ());
    }
    try {
        slow.check ();
        assert_not_reached ();
    } catch (Cg.FutureError.CANCELLED e) {
    }
    worker.stop (false);
}

static void test_call_later_and_timeout () {
    run_async ((cb) => call_later_and_timeout.begin (cb), (res) => call_later_and_timeout.end (res));
}

/* Errors travel as GErrors that Vala catches by domain and code. */
static async void errors () throws Error {
    var worker = new Cg.Caller.start_new ("vala-errors", false, null);
    var failing = worker.call_soon ((f) => {
        try {
            f.return_error (new IOError.NOT_FOUND ("no such thing"));
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    try {
        yield failing.wait_async (WAIT, Cg.WaitFlags.NONE, null);
        assert_not_reached ();
    } catch (IOError.NOT_FOUND e) {
        assert_cmpstr (e.message, CompareOperator.EQ, "no such thing");
    }
    /* NO_RESULT: the wait succeeds once the future is done. */
    assert_true (yield failing.wait_async (WAIT, Cg.WaitFlags.NO_RESULT, null));

    /* A future of this thread cannot be waited for here with wait_sync(). */
    var mine = new Cg.Future ();
    try {
        mine.wait_sync (1, Cg.WaitFlags.NONE);
        assert_not_reached ();
    } catch (Cg.CallerError.WRONG_THREAD e) {
    }
    try {
        mine.propagate_int ();
        assert_not_reached ();
    } catch (Cg.FutureError.INVALID_STATE e) {
    }
    mine.cancel ("one");
    mine.cancel ("two");
    try {
        mine.check ();
        assert_not_reached ();
    } catch (Cg.FutureError.CANCELLED e) {
        assert_cmpstr (e.message, CompareOperator.EQ, "one\ntwo");
    }

    try {
        new Cg.Caller.start_new ("vala-errors", false, null);
        assert_not_reached ();
    } catch (Cg.CallerError.EXISTS e) {
    }
    try {
        Cg.Caller.get_instance ("vala-no-such-caller", false);
        assert_not_reached ();
    } catch (Cg.CallerError.NOT_FOUND e) {
    }
    worker.stop (false);
    try {
        worker.call_soon ((f) => {});
        assert_not_reached ();
    } catch (Cg.CallerError.CLOSED e) {
    }
}

static void test_errors () {
    run_async ((cb) => errors.begin (cb), (res) => errors.end (res));
}

/* to_thread(): lambdas in pooled workers, many at once. */
static async void to_thread () throws Error {
    void* main_thread = this_thread ();
    int off_main = 0;
    Cg.Future[] futures = {};
    for (int i = 0; i < 30; i++) {
        int n = i;
        futures += Cg.Caller.to_thread ((f) => {
            if (this_thread () != main_thread)
                AtomicInt.inc (ref off_main);
            try {
                f.return_int (n + 1);
            } catch (Error e) {
                error ("%s", e.message);
            }
        });
    }
    ssize_t sum = 0;
    foreach (var f in futures) {
        yield f.wait_async (WAIT, Cg.WaitFlags.NONE, null);
        sum += f.propagate_int ();
    }
    assert_cmpint ((int) sum, CompareOperator.EQ, 30 * 31 / 2);
    assert_cmpint (AtomicInt.get (ref off_main), CompareOperator.EQ, 30);
}

static void test_to_thread () {
    run_async ((cb) => to_thread.begin (cb), (res) => to_thread.end (res));
}

/* The caller of the main thread: jobs submitted before start() run after
 * it; a worker hands work to the main thread and waits for it there. */
static async void main_caller_jobs () throws Error {
    var main = Cg.Caller.@get (null, true, false);
    assert_cmpstr (main.name, CompareOperator.EQ, Cg.CALLER_MAIN_THREAD);
    bool ran_early = false;
    var early = main.call_soon ((f) => {
        ran_early = true;
    });
    if (!main.running) {
        assert_false (ran_early);
        main.start ();
    }
    yield early.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    assert_true (ran_early);

    void* main_thread = this_thread ();
    var worker = new Cg.Caller.start_new ("vala-to-main", false, null);
    var relay = worker.call_soon ((f) => {
        try {
            var back = main.call_soon ((g) => {
                try {
                    g.return_boolean (this_thread () == main_thread);
                } catch (Error e) {
                    error ("%s", e.message);
                }
            });
            /* Blocking is fine here: the worker is not the main thread. */
            back.wait_sync (WAIT, Cg.WaitFlags.NONE);
            f.return_boolean (back.propagate_boolean ());
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    yield relay.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    assert_true (relay.propagate_boolean ());
    worker.stop (false);
}

static void test_main_caller_jobs () {
    run_async ((cb) => main_caller_jobs.begin (cb), (res) => main_caller_jobs.end (res));
}

/* A coroutine can run on a worker thread too: the worker's loop resumes
 * it after each yield. */
static async void coroutine_on_worker (Cg.Future result) {
    try {
        void* thread = this_thread ();
        var inner = Cg.Caller.get_current ().call_later (0.01, (f) => {
            try {
                f.return_int (5);
            } catch (Error e) {
                error ("%s", e.message);
            }
        });
        yield inner.wait_async (WAIT, Cg.WaitFlags.NONE, null);
        result.return_boolean (this_thread () == thread && inner.propagate_int () == 5);
    } catch (Error e) {
        try {
            result.return_error (e);
        } catch (Error e2) {
            error ("%s", e2.message);
        }
    }
}

static async void coroutines_on_worker () throws Error {
    var worker = new Cg.Caller.start_new ("vala-coroutine", false, null);
    var job = worker.call_soon ((f) => {
        /* The job completes when the coroutine sets its future. */
        var done = new Cg.Future ();
        coroutine_on_worker.begin (done);
        try {
            f.return_future (done);
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    yield job.wait_async (WAIT, Cg.WaitFlags.NONE, null);
    assert_true (job.propagate_boolean ());
    worker.stop (false);
}

static void test_coroutines_on_worker () {
    run_async ((cb) => coroutines_on_worker.begin (cb), (res) => coroutines_on_worker.end (res));
}

/* as_completed over a generator lambda, and Caller.wait_async(). */
static async void many () throws Error {
    int drawn = 0;
    var iteration = new Cg.AsCompleted.from_generator (() => {
        if (drawn == 8)
            return null;
        int n = drawn++;
        try {
            return Cg.Caller.to_thread ((f) => {
                Thread.usleep ((8 - n) * 1000);
                try {
                    f.return_int (n);
                } catch (Error e) {
                    error ("%s", e.message);
                }
            });
        } catch (Error e) {
            error ("%s", e.message);
        }
    }, 3, false);
    var seen = new GenericSet<int> (direct_hash, direct_equal);
    Cg.Future? next;
    while ((next = yield iteration.next_async (null)) != null)
        seen.add ((int) next.propagate_int ());
    assert_cmpuint (seen.length, CompareOperator.EQ, 8);

    var worker = new Cg.Caller.start_new ("vala-wait", false, null);
    var fast = worker.call_later (0.01, (f) => {});
    var slow = worker.call_later (30, (f) => {});
    Cg.Future[] both = { fast, slow };
    GenericArray<weak Cg.Future>? done, pending;
    yield Cg.Caller.wait_async (both, WAIT, Cg.ReturnWhen.FIRST_COMPLETED, null,
                                out done, out pending);
    assert_cmpuint (done.length, CompareOperator.EQ, 1);
    assert_true (done[0] == fast);
    assert_cmpuint (pending.length, CompareOperator.EQ, 1);
    assert_true (pending[0] == slow);
    /* A timeout is no error. */
    yield Cg.Caller.wait_async (both, 0.02, Cg.ReturnWhen.ALL_COMPLETED, null,
                                out done, out pending);
    assert_cmpuint (pending.length, CompareOperator.EQ, 1);
    assert_false (slow.is_cancelled ());
    worker.stop (false);
    assert_true (slow.is_cancelled ());
}

static void test_many () {
    run_async ((cb) => many.begin (cb), (res) => many.end (res));
}

/* Jobs that throw need no try/catch: the error fails the future. Strings
 * and doubles come back typed. */
static async void fallible_and_typed () throws Error {
    var worker = new Cg.Caller.start_new ("vala-fallible", false, null);
    var text = worker.call_soon_fallible ((f) => {
        f.return_string ("header: %d".printf (42));
    });
    var number = Cg.Caller.to_thread_fallible ((f) => {
        f.return_double (2.5);
    });
    var thrown = worker.call_soon_fallible ((f) => {
        throw new IOError.NOT_FOUND ("no such header");
    });

    yield text.wait_async ();
    assert_cmpstr (text.propagate_string (), CompareOperator.EQ, "header: 42");
    yield number.wait_async ();
    assert_cmpfloat (number.propagate_double (), CompareOperator.EQ, 2.5);
    try {
        yield thrown.wait_async ();
        assert_not_reached ();
    } catch (IOError.NOT_FOUND e) {
        assert_cmpstr (e.message, CompareOperator.EQ, "no such header");
    }
    worker.stop (false);
}

static void test_fallible_and_typed () {
    run_async ((cb) => fallible_and_typed.begin (cb), (res) => fallible_and_typed.end (res));
}

/* Timeouts as futures, on the main thread's caller. */
static async void timeouts () throws Error {
    main_caller ();
    try {
        yield new Cg.Future.timeout (0.01).wait_async (WAIT);
        assert_not_reached ();
    } catch (Cg.CallerError.TIMED_OUT e) {
    }
    var slow = new Cg.Future ();
    try {
        yield slow.with_timeout (0.01).wait_async (WAIT);
        assert_not_reached ();
    } catch (Cg.CallerError.TIMED_OUT e) {
    }
    assert_true (slow.is_cancelled ());
    slow.return_int (1);
    var quick = Cg.Caller.to_thread_fallible ((f) => { f.return_int (4); });
    var followed = quick.with_timeout (30);
    yield followed.wait_async ();
    assert_cmpint ((int) followed.propagate_int (), CompareOperator.EQ, 4);
}

static void test_timeouts () {
    run_async ((cb) => timeouts.begin (cb), (res) => timeouts.end (res));
}

/* Combining futures: all, any, first, and_then, catch, finally. */
static async void combining () throws Error {
    main_caller ();
    Cg.Future[] jobs = {};
    for (int i = 1; i <= 3; i++) {
        int n = i;
        jobs += Cg.Caller.to_thread_fallible ((f) => { f.return_int (n * 10); });
    }
    yield Cg.Future.all (jobs, false).wait_async ();
    assert_cmpint ((int) jobs[2].propagate_int (), CompareOperator.EQ, 30);

    var broken = new Cg.Future ();
    broken.return_error (new IOError.FAILED ("broken"));
    var pending = new Cg.Future ();
    try {
        yield Cg.Future.all ({ broken, pending }, false).wait_async ();
        assert_not_reached ();
    } catch (IOError.FAILED e) {
    }
    assert_false (pending.is_done ());
    var any = Cg.Future.any ({ broken, jobs[0] }, false);
    yield any.wait_async ();
    assert_cmpint ((int) any.propagate_int (), CompareOperator.EQ, 10);

    var doubled = jobs[1].and_then (null, (f, input) => {
        try {
            f.return_int (input.propagate_int () * 2);
        } catch (Error e) {
            error ("%s", e.message);
        }
    });
    yield doubled.wait_async ();
    assert_cmpint ((int) doubled.propagate_int (), CompareOperator.EQ, 40);

    var caught = broken.catch (null, (f, input) => {
        try {
            input.check ();
        } catch (Error e) {
            try {
                f.return_string (e.message);
            } catch (Error e2) {
                error ("%s", e2.message);
            }
        }
    });
    yield caught.wait_async ();
    assert_cmpstr (caught.propagate_string (), CompareOperator.EQ, "broken");

    bool cleaned = false;
    var kept = jobs[0].finally (null, (f, input) => { cleaned = true; });
    yield kept.wait_async ();
    assert_true (cleaned);
    assert_cmpint ((int) kept.propagate_int (), CompareOperator.EQ, 10);

    var waiting = Cg.Future.all ({ pending }, false);
    waiting.cancel ("enough");
    assert_true (pending.is_cancelled ());
    pending.return_int (1);
}

static void test_combining () {
    run_async ((cb) => combining.begin (cb), (res) => combining.end (res));
}

/* Futures of a signal and of a property. */
static async void signals () throws Error {
    main_caller ();
    var action = new SimpleAction ("go", null);
    /* notify (the GParamSpec): its one argument */
    var notified = new Cg.Future.for_signal (action, "notify::enabled", null);
    var disabled = new Cg.Future.for_property (action, "enabled", (o, v) => !v.get_boolean (), null);
    Idle.add (() => {
        action.set_enabled (false);
        return Source.REMOVE;
    });
    yield notified.wait_async ();
    Value value;
    notified.propagate_value (out value);
    assert_cmpstr (((ParamSpec) value.get_param ()).name, CompareOperator.EQ, "enabled");
    yield disabled.wait_async ();
    assert_false (disabled.propagate_boolean ());
    try {
        new Cg.Future.for_signal (action, "no-such-signal", null);
        assert_not_reached ();
    } catch (IOError.INVALID_ARGUMENT e) {
    }
}

static void test_signals () {
    run_async ((cb) => signals.begin (cb), (res) => signals.end (res));
}

/* A failure nobody read is reported, once, to the handler set. */
static string[] reports;

static void test_unretrieved_failures () {
    reports = {};
    Cg.set_unretrieved_failure_handler ((error, label) => { reports += error.message; });
    try {
        var lost = new Cg.Future ();
        lost.return_error (new IOError.FAILED ("lost"));
        var read = new Cg.Future ();
        read.return_error (new IOError.FAILED ("read"));
        try {
            read.check ();
            assert_not_reached ();
        } catch (Error e) {
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
    /* both futures are gone here */
    assert_cmpint (reports.length, CompareOperator.EQ, 1);
    assert_cmpstr (reports[0], CompareOperator.EQ, "lost");
    Cg.set_unretrieved_failure_handler ((e, l) => Cg.log_unretrieved_failure (e, l, null));
}

/* A task group: its wait ends with its members; the first failure
 * cancels the rest and is the group's. */
static async void task_group () throws Error {
    main_caller ();
    var group = new Cg.TaskGroup (Cg.TaskGroupFlags.NONE, -1);
    var job = Cg.Caller.to_thread_fallible ((f) => { f.return_int (5); });
    group.add (job);
    yield group.wait_async (null);
    assert_cmpint ((int) job.propagate_int (), CompareOperator.EQ, 5);

    var failing = new Cg.TaskGroup (Cg.TaskGroupFlags.NONE, -1);
    var pending = new Cg.Future ();
    var broken = new Cg.Future ();
    failing.add (pending);
    failing.add (broken);
    broken.return_error (new IOError.FAILED ("broken"));
    assert_true (pending.is_cancelled ());
    pending.return_int (0);
    try {
        yield failing.wait_async (null);
        assert_not_reached ();
    } catch (IOError.FAILED e) {
    }
}

static void test_task_group () {
    run_async ((cb) => task_group.begin (cb), (res) => task_group.end (res));
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/caller/worker-wait-sync", test_worker_wait_sync);
    Test.add_func ("/vala/caller/worker-yield", test_worker_yield);
    Test.add_func ("/vala/caller/call-sync", test_call_sync);
    Test.add_func ("/vala/caller/call-later-and-timeout", test_call_later_and_timeout);
    Test.add_func ("/vala/caller/errors", test_errors);
    Test.add_func ("/vala/caller/to-thread", test_to_thread);
    Test.add_func ("/vala/caller/main-caller-jobs", test_main_caller_jobs);
    Test.add_func ("/vala/caller/coroutine-on-worker", test_coroutines_on_worker);
    Test.add_func ("/vala/caller/as-completed-and-wait", test_many);
    Test.add_func ("/vala/caller/fallible-jobs-and-typed-results", test_fallible_and_typed);
    Test.add_func ("/vala/caller/timeouts", test_timeouts);
    Test.add_func ("/vala/caller/combining", test_combining);
    Test.add_func ("/vala/caller/signals", test_signals);
    Test.add_func ("/vala/caller/task-group", test_task_group);
    Test.add_func ("/vala/caller/unretrieved-failures", test_unretrieved_failures);
    int status = Test.run ();
    Cg.Caller.stop_all (true);
    return status;
}
