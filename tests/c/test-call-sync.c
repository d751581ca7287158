/* test-call-sync.c: tests of cg_caller_call_sync()
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A blocking call must run its function on the caller's thread exactly
 * once, or not at all and say why: when the caller stops first, when the
 * call is cancelled before the function started. Once the function runs,
 * the call waits for it, since its data may be on the calling stack.
 */

#include <caller-glib.h>

#include "test-helpers.h"

typedef struct
{
  gint        runs;
  GThread    *ran_on;
  CgCaller   *current;
  CgTestGate *entered;  /* opened when the function starts, if given */
  CgTestGate *release;  /* waited for before it returns, if given */
} Call;

static void
record_call (gpointer user_data)
{
  Call *call = user_data;

  call->ran_on = g_thread_self ();
  call->current = cg_caller_get_current ();
  if (call->entered != NULL)
    cg_test_gate_open (call->entered);
  if (call->release != NULL)
    g_assert_true (cg_test_gate_wait (call->release, CG_TEST_TIMEOUT_S, NULL));
  g_atomic_int_inc (&call->runs);
}

static CgCaller *
start_worker (const char *name)
{
  g_autoptr(GError) error = NULL;
  CgCaller *caller = cg_caller_start_new (name, FALSE, NULL, &error);

  g_assert_no_error (error);
  return caller;
}

/* A job that keeps the caller busy until @data (a gate) opens. */
static void
hold_caller (CgFuture *future,
             gpointer  data)
{
  cg_test_gate_wait (data, CG_TEST_TIMEOUT_S, cg_future_get_cancellable (future));
  cg_future_return_int (future, 0, NULL);
}

static void
test_runs_on_the_callers_thread_and_returns_after (void)
{
  g_autoptr(CgCaller) caller = start_worker ("sync-basic");
  g_autoptr(GError) error = NULL;
  Call call = { 0 };

  for (guint i = 0; i < 100; i++)
    {
      g_assert_true (cg_caller_call_sync (caller, record_call, &call, NULL, &error));
      g_assert_no_error (error);
      /* Returned only once the function has: its effect is visible. */
      g_assert_cmpint (call.runs, ==, (gint) i + 1);
    }
  g_assert_true (call.ran_on == cg_caller_get_thread (caller));
  g_assert_true (call.current == caller);

  cg_caller_stop (caller, FALSE);
}

static void
call_back_in (CgFuture *future,
              gpointer  data)
{
  Call *call = data;
  g_autoptr(GError) error = NULL;
  CgCaller *self = cg_caller_get_current ();
  gboolean ok;

  /* On the caller's own thread the function runs at once. */
  ok = cg_caller_call_sync (self, record_call, call, NULL, &error);
  g_assert_no_error (error);
  cg_future_return_boolean (future, ok && call->runs == 1, NULL);
}

static void
test_on_its_own_thread_runs_at_once (void)
{
  g_autoptr(CgCaller) caller = start_worker ("sync-own");
  g_autoptr(CgFuture) future = NULL;
  g_autoptr(GError) error = NULL;
  Call call = { 0 };

  future = cg_caller_call_soon (caller, call_back_in, &call, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_true (cg_future_propagate_boolean (future, &error));
  g_assert_no_error (error);
  g_assert_true (call.ran_on == cg_caller_get_thread (caller));

  cg_caller_stop (caller, FALSE);
}

static void
test_a_stopped_caller_refuses (void)
{
  g_autoptr(CgCaller) caller = start_worker ("sync-stopped");
  g_autoptr(GError) error = NULL;
  Call call = { 0 };

  cg_caller_stop (caller, FALSE);
  g_assert_false (cg_caller_call_sync (caller, record_call, &call, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_assert_cmpint (call.runs, ==, 0);
}

typedef struct
{
  CgCaller     *caller;
  Call          call;
  GCancellable *cancellable;
  gboolean      ok;
  GError       *error;
  gint          returned;
} Blocked;

static gpointer
blocked_call_thread (gpointer data)
{
  Blocked *b = data;

  b->ok = cg_caller_call_sync (b->caller, record_call, &b->call, b->cancellable, &b->error);
  g_atomic_int_set (&b->returned, 1);
  return NULL;
}

/* Starts a thread that calls @caller while a job keeps the caller busy
 * behind @busy; returns once the call is surely queued behind that job. */
static GThread *
call_from_thread (Blocked    *b,
                  CgCaller   *caller,
                  CgTestGate *busy)
{
  g_autoptr(CgFuture) held = NULL;
  GThread *thread;

  held = cg_caller_call_soon (caller, hold_caller, busy, NULL, NULL);
  g_assert_nonnull (held);
  b->caller = caller;
  thread = g_thread_new ("sync-caller", blocked_call_thread, b);
  /* The thread is blocked in the call: give it time to queue and park. */
  g_usleep (50 * 1000);
  g_assert_cmpint (g_atomic_int_get (&b->returned), ==, 0);
  return thread;
}

static void
test_a_call_pending_when_the_caller_stops_fails (void)
{
  g_autoptr(CgCaller) caller = start_worker ("sync-stop-pending");
  CgTestGate busy;
  Blocked b = { 0 };
  GThread *thread;

  cg_test_gate_init (&busy);
  thread = call_from_thread (&b, caller, &busy);

  /* Stopping cancels the running job, which lets go; the queued call is
   * dropped, and its waiter told. */
  cg_caller_stop (caller, FALSE);
  g_thread_join (thread);

  g_assert_false (b.ok);
  g_assert_error (b.error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&b.error);
  g_assert_cmpint (b.call.runs, ==, 0);
  cg_test_gate_clear (&busy);
}

static void
test_cancelled_before_it_started_it_never_runs (void)
{
  g_autoptr(CgCaller) caller = start_worker ("sync-cancel-early");
  g_autoptr(GError) error = NULL;
  CgTestGate busy;
  Blocked b = { 0 };
  Call after = { 0 };
  GThread *thread;

  cg_test_gate_init (&busy);
  b.cancellable = g_cancellable_new ();
  thread = call_from_thread (&b, caller, &busy);

  g_cancellable_cancel (b.cancellable);
  g_thread_join (thread);
  g_assert_false (b.ok);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&b.error);

  /* Once the caller gets past the abandoned call, it must not run it. */
  cg_test_gate_open (&busy);
  g_assert_true (cg_caller_call_sync (caller, record_call, &after, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (after.runs, ==, 1);
  g_assert_cmpint (b.call.runs, ==, 0);

  /* An already cancelled call fails at once. */
  g_assert_false (cg_caller_call_sync (caller, record_call, &after, b.cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (after.runs, ==, 1);

  cg_caller_stop (caller, FALSE);
  g_object_unref (b.cancellable);
  cg_test_gate_clear (&busy);
}

static void
test_cancelled_while_it_runs_it_waits_for_the_function (void)
{
  g_autoptr(CgCaller) caller = start_worker ("sync-cancel-late");
  CgTestGate entered, release;
  Blocked b = { 0 };
  GThread *thread;

  cg_test_gate_init (&entered);
  cg_test_gate_init (&release);
  b.caller = caller;
  b.cancellable = g_cancellable_new ();
  b.call.entered = &entered;
  b.call.release = &release;
  thread = g_thread_new ("sync-caller", blocked_call_thread, &b);

  g_assert_true (cg_test_gate_wait (&entered, CG_TEST_TIMEOUT_S, NULL));
  g_cancellable_cancel (b.cancellable);
  /* The function still runs, with its data on the other thread's stack:
   * the call must not return before it did. */
  g_usleep (20 * 1000);
  g_assert_cmpint (g_atomic_int_get (&b.returned), ==, 0);
  cg_test_gate_open (&release);
  g_thread_join (thread);

  g_assert_true (b.ok);
  g_assert_no_error (b.error);
  g_assert_cmpint (b.call.runs, ==, 1);

  cg_caller_stop (caller, FALSE);
  g_object_unref (b.cancellable);
  cg_test_gate_clear (&entered);
  cg_test_gate_clear (&release);
}

/* A job that blocks in a call to a caller that is busy: stopping the job's
 * own caller cancels the job, and the call gives up. */
typedef struct
{
  CgCaller *target;
  Call      call;
  GError   *error;
  gboolean  ok;
} Nested;

static void
call_busy_target (CgFuture *future,
                  gpointer  data)
{
  Nested *n = data;

  n->ok = cg_caller_call_sync (n->target, record_call, &n->call, NULL, &n->error);
  cg_future_return_boolean (future, n->ok, NULL);
}

static void
test_a_job_blocked_in_a_call_lets_its_caller_stop (void)
{
  g_autoptr(CgCaller) outer = start_worker ("sync-outer");
  g_autoptr(CgCaller) target = start_worker ("sync-target");
  g_autoptr(CgFuture) held = NULL;
  g_autoptr(CgFuture) job = NULL;
  CgTestGate busy;
  Nested n = { 0 };

  cg_test_gate_init (&busy);
  held = cg_caller_call_soon (target, hold_caller, &busy, NULL, NULL);
  n.target = target;
  job = cg_caller_call_soon (outer, call_busy_target, &n, NULL, NULL);
  g_usleep (50 * 1000);
  g_assert_false (cg_future_is_done (job));

  cg_caller_stop (outer, FALSE);
  g_assert_true (cg_future_is_done (job));
  g_assert_false (n.ok);
  g_assert_error (n.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&n.error);

  cg_test_gate_open (&busy);
  cg_caller_stop (target, FALSE);
  g_assert_cmpint (n.call.runs, ==, 0);
  cg_test_gate_clear (&busy);
}

#define N_THREADS 4
#define N_CALLS   2000

typedef struct
{
  CgCaller *caller;
  gint     *counter;  /* touched on the caller's thread only */
} Hammer;

static void
count (gpointer data)
{
  (*(gint *) data)++;
}

static gpointer
hammer_thread (gpointer data)
{
  Hammer *h = data;

  for (guint i = 0; i < N_CALLS; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (cg_caller_call_sync (h->caller, count, h->counter, NULL, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_many_threads_at_once (void)
{
  g_autoptr(CgCaller) caller = start_worker ("sync-many");
  GThread *threads[N_THREADS];
  Hammer hammer;
  gint counter = 0;

  hammer.caller = caller;
  hammer.counter = &counter;
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("sync-hammer", hammer_thread, &hammer);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  /* Every call returned after its function: all of them ran, once. */
  g_assert_cmpint (counter, ==, N_THREADS * N_CALLS);

  cg_caller_stop (caller, FALSE);
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);

  cg_test_add ("/call-sync/basic", test_runs_on_the_callers_thread_and_returns_after);
  cg_test_add ("/call-sync/own-thread", test_on_its_own_thread_runs_at_once);
  cg_test_add ("/call-sync/stopped", test_a_stopped_caller_refuses);
  cg_test_add ("/call-sync/stop-while-pending", test_a_call_pending_when_the_caller_stops_fails);
  cg_test_add ("/call-sync/cancel-before-start", test_cancelled_before_it_started_it_never_runs);
  cg_test_add ("/call-sync/cancel-while-running",
               test_cancelled_while_it_runs_it_waits_for_the_function);
  cg_test_add ("/call-sync/job-cancelled", test_a_job_blocked_in_a_call_lets_its_caller_stop);
  cg_test_add ("/call-sync/many-threads", test_many_threads_at_once);

  return g_test_run ();
}
