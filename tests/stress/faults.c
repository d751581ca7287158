/* faults.c: shutdown in awkward places, failures everywhere
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each test stops callers, or fails jobs, where it hurts: with 100 000
 * jobs pending, from inside a job, from a done callback, while another
 * thread blocks in cg_future_wait_sync(), at process exit, while a
 * worker pool is busy; with a GError from every entry point; with an
 * execution queue whose instance is finalized while it holds items. The
 * checks are always the same: nothing hangs (every wait is bounded),
 * nothing is lost without a cancellation (every future completes, as
 * cancelled when its job never ran), every destroy notify runs once, and
 * nothing leaks (the sanitizer and valgrind runs check that part).
 */

#include <caller-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../c/test-helpers.h"

#define MAIN_CTX (g_main_context_default ())

#define FAULT_ERROR (g_quark_from_static_string ("fault-error"))

/* A record shared by many jobs: how many ran, how many were freed. */
typedef struct
{
  gint ran;
  gint destroyed;
  gint hooks;
  gint cancelled;
} Tally;

static void
tally_destroy (gpointer data)
{
  g_atomic_int_inc (&((Tally *) data)->destroyed);
}

static void
tally_job (CgFuture *future,
           gpointer  data)
{
  g_atomic_int_inc (&((Tally *) data)->ran);
}

static void
tally_direct (gpointer data)
{
  g_atomic_int_inc (&((Tally *) data)->ran);
}

static void
tally_hook (CgFuture *future,
            gpointer  data)
{
  Tally *tally = data;

  g_atomic_int_inc (&tally->hooks);
  if (cg_future_is_cancelled (future))
    g_atomic_int_inc (&tally->cancelled);
}

/* Blocks until its gate opens or its future is cancelled (bounded). */
typedef struct
{
  CgTestGate gate;
  gint       started;
  gint       saw_cancel;
  gint       returned;
} Blocker;

static void
blocker_job (CgFuture *future,
             gpointer  data)
{
  Blocker *b = data;
  GCancellable *cancellable = cg_future_get_cancellable (future);

  g_atomic_int_set (&b->started, 1);
  /* Queueing 100 000 jobs behind it can take seconds in a sanitizer
   * build on a loaded machine: the blocker waits for its cancellation
   * longer than one ordinary wait of a test. */
  cg_test_gate_wait (&b->gate, 6 * CG_TEST_TIMEOUT_S, cancellable);
  if (g_cancellable_is_cancelled (cancellable))
    g_atomic_int_set (&b->saw_cancel, 1);
  cg_future_return_int (future, 1, NULL);
  g_atomic_int_set (&b->returned, 1);
}

static CgCaller *
start_new_ok (const char *name)
{
  GError *error = NULL;
  CgCaller *caller = cg_caller_start_new (name, FALSE, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (caller);
  return caller;
}

static void
assert_cancelled (CgFuture *future)
{
  GError *error = NULL;

  g_assert_true (cg_future_is_done (future));
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* ------------------------------------------------------------------ */
/* Stop with 100 000 pending jobs                                       */
/* ------------------------------------------------------------------ */

#define N_PENDING 100000

static void
test_stop_pending_100k (void)
{
  CgCaller *caller = start_new_ok ("faults-pending");
  Blocker blocker = { 0 };
  Tally tally = { 0 };
  Tally direct = { 0 };
  CgFuture *first, **futures;
  GError *error = NULL;
  gint64 t0;

  cg_test_gate_init (&blocker.gate);
  first = cg_caller_call_soon (caller, blocker_job, &blocker, NULL, &error);
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&blocker.started));

  /* 100 000 jobs queue up behind the one that blocks: call_soon,
   * call_later and call_direct. */
  futures = g_new0 (CgFuture *, N_PENDING);
  for (guint i = 0; i < N_PENDING; i++)
    {
      if (i % 10 == 9)
        {
          g_assert_true (cg_caller_call_direct (caller, tally_direct, &direct, tally_destroy,
                                                &error));
          continue;
        }
      if (i % 10 == 8)
        futures[i] = cg_caller_call_later (caller, 0.001 * (i % 7), tally_job, &tally,
                                           tally_destroy, &error);
      else
        futures[i] = cg_caller_call_soon (caller, tally_job, &tally, tally_destroy, &error);
      g_assert_no_error (error);
      cg_future_add_completion_hook (futures[i], tally_hook, &tally, NULL);
    }

  t0 = g_get_monotonic_time ();
  cg_caller_stop (caller, FALSE);
  g_test_message ("stop with %d pending jobs took %.1f ms", N_PENDING,
                  (g_get_monotonic_time () - t0) / 1000.0);

  /* The running job saw its cancellation; stop() waited for it. */
  g_assert_true (g_atomic_int_get (&blocker.returned));
  g_assert_true (g_atomic_int_get (&blocker.saw_cancel));
  assert_cancelled (first);

  /* Nothing ran; everything completed as cancelled; every destroy ran. */
  g_assert_cmpint (g_atomic_int_get (&tally.ran), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&direct.ran), ==, 0);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&tally.destroyed) == N_PENDING - N_PENDING / 10);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&direct.destroyed) == N_PENDING / 10);
  g_assert_cmpint (g_atomic_int_get (&tally.hooks), ==, N_PENDING - N_PENDING / 10);
  g_assert_cmpint (g_atomic_int_get (&tally.cancelled), ==, N_PENDING - N_PENDING / 10);
  for (guint i = 0; i < N_PENDING; i++)
    if (futures[i] != NULL)
      {
        assert_cancelled (futures[i]);
        g_object_unref (futures[i]);
      }

  /* A stopped caller refuses more, and frees the data at once. */
  g_assert_null (cg_caller_call_soon (caller, tally_job, &tally, tally_destroy, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (g_atomic_int_get (&tally.destroyed), ==, N_PENDING - N_PENDING / 10 + 1);

  g_free (futures);
  g_object_unref (first);
  g_object_unref (caller);
  cg_test_gate_clear (&blocker.gate);
}

/* ------------------------------------------------------------------ */
/* Stop from inside a job                                               */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgTestGate go;
  gint       stop_returned;
  gboolean   running_after;
  gboolean   stopped_after;
} SelfStop;

static void
self_stop_job (CgFuture *future,
               gpointer  data)
{
  SelfStop *ss = data;
  CgCaller *own = cg_caller_get_current ();

  /* The jobs behind this one are queued by now. */
  cg_test_gate_wait (&ss->go, CG_TEST_TIMEOUT_S, NULL);
  cg_caller_stop (own, FALSE); /* returns at once: this thread is busy */
  ss->running_after = cg_caller_get_running (own);
  ss->stopped_after = cg_caller_get_stopped (own);
  cg_future_return_int (future, 5, NULL);
  g_atomic_int_set (&ss->stop_returned, 1);
}

static void
test_stop_from_job (void)
{
  CgCaller *caller = start_new_ok ("faults-self-stop");
  SelfStop ss = { 0 };
  Tally tally = { 0 };
  CgFuture *stopper, *behind[100];
  GError *error = NULL;

  cg_test_gate_init (&ss.go);
  stopper = cg_caller_call_soon (caller, self_stop_job, &ss, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (behind); i++)
    {
      behind[i] = cg_caller_call_soon (caller, tally_job, &tally, tally_destroy, &error);
      g_assert_no_error (error);
    }
  cg_test_gate_open (&ss.go);

  CG_TEST_POLL_UNTIL (cg_future_is_done (stopper));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&ss.stop_returned));
  g_assert_false (ss.running_after);
  g_assert_true (ss.stopped_after);
  /* The job that stopped its caller completes as cancelled, whatever it
   * set: it was running when the stop cancelled it. */
  assert_cancelled (stopper);

  for (guint i = 0; i < G_N_ELEMENTS (behind); i++)
    {
      CG_TEST_POLL_UNTIL (cg_future_is_done (behind[i]));
      assert_cancelled (behind[i]);
      g_object_unref (behind[i]);
    }
  g_assert_cmpint (g_atomic_int_get (&tally.ran), ==, 0);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&tally.destroyed) == G_N_ELEMENTS (behind));

  /* A stop from outside now finds it finished and waits for its thread. */
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_object_unref (stopper);
  g_object_unref (caller);
  cg_test_gate_clear (&ss.go);
}

/* ------------------------------------------------------------------ */
/* Stop while another thread blocks in wait_sync()                      */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgFuture *future;
  gint      done;
  gboolean  ok;
  GError   *error;
  gint64    took;
} SyncWaiter;

static gpointer
sync_waiter_thread (gpointer data)
{
  SyncWaiter *w = data;
  gint64 t0 = g_get_monotonic_time ();

  /* Bounded, but far longer than the stop takes. */
  w->ok = cg_future_wait_sync (w->future, 4 * CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                               &w->error);
  w->took = g_get_monotonic_time () - t0;
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

static void
test_stop_while_wait_sync (void)
{
  CgCaller *caller = start_new_ok ("faults-wait-sync");
  Blocker blocker = { 0 };
  Tally tally = { 0 };
  SyncWaiter on_running = { 0 }, on_pending = { 0 };
  GThread *t1, *t2;
  GError *error = NULL;

  cg_test_gate_init (&blocker.gate);
  on_running.future = cg_caller_call_soon (caller, blocker_job, &blocker, NULL, &error);
  g_assert_no_error (error);
  on_pending.future = cg_caller_call_soon (caller, tally_job, &tally, tally_destroy, &error);
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&blocker.started));

  t1 = g_thread_new ("wait-running", sync_waiter_thread, &on_running);
  t2 = g_thread_new ("wait-pending", sync_waiter_thread, &on_pending);
  g_usleep (20000); /* both threads are parked in wait_sync() by now */
  g_assert_false (g_atomic_int_get (&on_running.done));
  g_assert_false (g_atomic_int_get (&on_pending.done));

  cg_caller_stop (caller, FALSE);
  g_thread_join (t1);
  g_thread_join (t2);

  /* Both waits end with the cancellation, long before their timeout. */
  g_assert_false (on_running.ok);
  g_assert_error (on_running.error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_false (on_pending.ok);
  g_assert_error (on_pending.error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpint (on_running.took, <, 2 * CG_TEST_TIMEOUT_S * G_USEC_PER_SEC);
  g_assert_cmpint (on_pending.took, <, 2 * CG_TEST_TIMEOUT_S * G_USEC_PER_SEC);
  g_assert_true (g_atomic_int_get (&blocker.saw_cancel));
  g_assert_cmpint (g_atomic_int_get (&tally.ran), ==, 0);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&tally.destroyed) == 1);

  g_clear_error (&on_running.error);
  g_clear_error (&on_pending.error);
  g_object_unref (on_running.future);
  g_object_unref (on_pending.future);
  g_object_unref (caller);
  cg_test_gate_clear (&blocker.gate);
}

/* ------------------------------------------------------------------ */
/* Process exit with callers running                                    */
/* ------------------------------------------------------------------ */

static void
sleepy_job (CgFuture *future,
            gpointer  data)
{
  g_usleep (2000);
  cg_future_return_int (future, 1, NULL);
}

static void
endless_direct (gpointer data)
{
  CgCaller *own = cg_caller_get_current ();

  /* Keeps its caller busy: resubmits itself for as long as it runs. */
  g_usleep (500);
  cg_caller_call_direct (own, endless_direct, NULL, NULL, NULL);
}

/* The body of the child process: start callers, give them work, return
 * from main without stopping anything. */
static int
exit_with_callers_main (void)
{
  GError *error = NULL;
  CgCaller *callers[4];

  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "exit-%u", i);
      callers[i] = cg_caller_start_new (name, i == 0, NULL, &error);
      g_assert_no_error (error);
      for (guint j = 0; j < 200; j++)
        {
          CgFuture *f;

          if (j % 3 == 0)
            f = cg_caller_call_later (callers[i], 0.001 * j, sleepy_job, NULL, NULL, &error);
          else
            f = cg_caller_call_soon (callers[i], sleepy_job, NULL, NULL, &error);
          g_assert_no_error (error);
          g_object_unref (f);
        }
      cg_caller_call_direct (callers[i], endless_direct, NULL, NULL, NULL);
    }
  for (guint j = 0; j < 20; j++)
    g_object_unref (cg_caller_to_thread (sleepy_job, NULL, NULL, &error));
  g_usleep (10000); /* let everything be in flight */
  return 0;          /* no stop, no unref: the process just ends */
}

static void
child_exited (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  g_atomic_int_set ((gint *) data, 1);
}

static gint run_child (const char *mode);

static void
test_exit_with_callers_running (void)
{
  gint64 t0 = g_get_monotonic_time ();

  /* Exited (no signal, no hang), with status 0. */
  g_assert_cmpint (run_child ("--exit-with-callers"), ==, 0);
  g_test_message ("child exited in %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);
}

/* ------------------------------------------------------------------ */
/* A GError from every entry point                                      */
/* ------------------------------------------------------------------ */

static void
failing_job (CgFuture *future,
             gpointer  data)
{
  cg_future_return_new_error (future, FAULT_ERROR, 42, NULL, "failed in %s", (const char *) data);
}

static void
assert_fault (CgFuture   *future,
              const char *where)
{
  GError *error = NULL;
  g_autofree char *message = g_strdup_printf ("failed in %s", where);
  g_autoptr(GError) exception = NULL;

  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                                      &error));
  g_assert_no_error (error);
  g_assert_false (cg_future_is_cancelled (future));
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, FAULT_ERROR, 42);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  /* The same error through every reader. */
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, -1);
  g_assert_error (error, FAULT_ERROR, 42);
  g_clear_error (&error);
  g_assert_null (cg_future_propagate_pointer (future, &error));
  g_assert_error (error, FAULT_ERROR, 42);
  g_clear_error (&error);
  exception = cg_future_dup_exception (future, &error);
  g_assert_no_error (error);
  g_assert_error (exception, FAULT_ERROR, 42);
}

static void
chain_to_failing (CgFuture *future,
                  gpointer  data)
{
  GError *error = NULL;
  /* The job returns a future that fails later, in a pool worker. */
  g_autoptr(CgFuture) inner = cg_caller_to_thread (failing_job, data, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (cg_future_return_future (future, inner, &error));
  g_assert_no_error (error);
}

typedef struct
{
  CgCaller *caller;
  gint      queued;
  gint      ran;
} QueueFault;

static void
failing_queue_item (CgFuture *future,
                    gpointer  data)
{
  QueueFault *qf = data;

  g_atomic_int_inc (&qf->ran);
  cg_future_return_new_error (future, FAULT_ERROR, 42, NULL, "failed in %s", "queue_call");
}

static void
queue_failing_items (CgFuture *future,
                     gpointer  data)
{
  QueueFault *qf = data;
  GError *error = NULL;

  /* From the caller's own thread, as queue_call wants; the queue goes on
   * after a failing call (each failure is logged). */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (cg_caller_queue_call (qf->caller, failing_queue_item, NULL, qf, NULL, 0,
                                           &error));
      g_assert_no_error (error);
      g_atomic_int_inc (&qf->queued);
    }
  g_assert_true (cg_caller_queue_call_named (qf->caller, "faults", NULL, failing_queue_item, qf,
                                             NULL, 0, &error));
  g_assert_no_error (error);
  g_atomic_int_inc (&qf->queued);
}

static void
test_errors_every_entry_point (void)
{
  CgCaller *caller = start_new_ok ("faults-errors");
  QueueFault qf = { 0 };
  CgFuture *future;
  GError *error = NULL;

  future = cg_caller_call_soon (caller, failing_job, "call_soon", NULL, &error);
  g_assert_no_error (error);
  assert_fault (future, "call_soon");
  g_object_unref (future);

  future = cg_caller_call_later (caller, 0.002, failing_job, "call_later", NULL, &error);
  g_assert_no_error (error);
  assert_fault (future, "call_later");
  g_object_unref (future);

  future = cg_caller_to_thread (failing_job, "to_thread", NULL, &error);
  g_assert_no_error (error);
  assert_fault (future, "to_thread");
  g_object_unref (future);

  future = cg_caller_to_thread_by_name ("faults-by-name", failing_job, "to_thread_by_name", NULL,
                                        &error);
  g_assert_no_error (error);
  assert_fault (future, "to_thread_by_name");
  g_object_unref (future);

  future = cg_caller_call_soon (caller, chain_to_failing, "a chained future", NULL, &error);
  g_assert_no_error (error);
  assert_fault (future, "a chained future");
  g_object_unref (future);

  /* queue_call: the failures are logged as warnings in the caller's log
   * domain, one per failing call, and the queue goes on. */
  qf.caller = caller;
  for (guint i = 0; i < 4; i++)
    g_test_expect_message (cg_caller_get_log_domain (caller), G_LOG_LEVEL_WARNING,
                           "*faults-errors*failed in queue_call*");
  future = cg_caller_call_soon (caller, queue_failing_items, &qf, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&qf.ran) == 4);
  g_object_unref (future);
  /* A job that runs after the queue's last item: by then every warning
   * was emitted on the caller's thread. */
  future = cg_caller_call_soon (caller, tally_job, &(Tally) { 0 }, NULL, &error);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_object_unref (future);
  g_test_assert_expected_messages ();

  cg_caller_stop_all (FALSE);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* A done callback that stops the caller                                */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgCaller *caller;
  GThread  *ran_on;
  gint      calls;
} StopInCallback;

static void
stop_in_done_callback (CgFuture *future,
                       gpointer  data)
{
  StopInCallback *s = data;

  s->ran_on = g_thread_self ();
  cg_caller_stop (s->caller, FALSE);
  g_atomic_int_inc (&s->calls);
}

static void
test_done_callback_stops_caller (void)
{
  CgCaller *caller = start_new_ok ("faults-callback-stop");
  StopInCallback s = { caller, NULL, 0 };
  Blocker blocker = { 0 };
  Tally tally = { 0 };
  CgFuture *first, *behind[50];
  GError *error = NULL;

  cg_test_gate_init (&blocker.gate);
  first = cg_caller_call_soon (caller, blocker_job, &blocker, NULL, &error);
  g_assert_no_error (error);
  cg_future_add_done_callback (first, stop_in_done_callback, &s, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (behind); i++)
    {
      behind[i] = cg_caller_call_soon (caller, tally_job, &tally, tally_destroy, &error);
      g_assert_no_error (error);
      cg_future_add_completion_hook (behind[i], tally_hook, &tally, NULL);
    }
  cg_test_gate_open (&blocker.gate);

  /* The callback runs on the caller's thread and stops it from there. */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&s.calls) == 1);
  g_assert_true (s.ran_on == cg_caller_get_thread (caller));
  g_assert_true (cg_caller_get_stopped (caller));
  /* The first job itself succeeded: it had completed before the stop. */
  g_assert_cmpint (cg_future_propagate_int (first, &error), ==, 1);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (behind); i++)
    {
      CG_TEST_POLL_UNTIL (cg_future_is_done (behind[i]));
      assert_cancelled (behind[i]);
      g_object_unref (behind[i]);
    }
  g_assert_cmpint (g_atomic_int_get (&tally.ran), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&tally.hooks), ==, G_N_ELEMENTS (behind));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&tally.destroyed) == G_N_ELEMENTS (behind));

  cg_caller_stop (caller, FALSE); /* waits for its thread */
  g_assert_cmpint (g_atomic_int_get (&s.calls), ==, 1);
  g_object_unref (first);
  g_object_unref (caller);
  cg_test_gate_clear (&blocker.gate);
}

/* ------------------------------------------------------------------ */
/* Finalizing an object whose execution queue holds items               */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgCaller  *caller;
  GObject   *instance;
  gpointer   instance_key;  /* its address, once it is gone */
  Tally     *tally;
  CgFuture  *hold;          /* the first item waits for it */
  gboolean   exists_before;
  gboolean   exists_after;
  gint       finalized;
} QueueOwner;

static void
instance_gone (gpointer  data,
               GObject  *where)
{
  g_atomic_int_set (&((QueueOwner *) data)->finalized, 1);
}

static QueueOwner *the_owner;

/* One function, so one queue: the first item (data = the QueueOwner)
 * finishes only when the_owner->hold does, which keeps the queue busy
 * without blocking the thread; the others (data = the Tally) count. */
static void
owner_item (CgFuture *future,
            gpointer  data)
{
  if (data == the_owner)
    {
      g_assert_true (cg_future_return_future (future, the_owner->hold, NULL));
      return;
    }
  g_atomic_int_inc (&((Tally *) data)->ran);
}

static void
queue_then_finalize (CgFuture *future,
                     gpointer  data)
{
  QueueOwner *qo = data;
  GError *error = NULL;

  g_assert_true (cg_caller_queue_call (qo->caller, owner_item, qo->instance, qo, NULL, 0,
                                       &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 20; i++)
    {
      g_assert_true (cg_caller_queue_call (qo->caller, owner_item, qo->instance, qo->tally,
                                           tally_destroy, 0, &error));
      g_assert_no_error (error);
    }
  qo->exists_before = cg_caller_queue_exists (qo->caller, owner_item, qo->instance);
}

static void
finalize_instance (CgFuture *future,
                   gpointer  data)
{
  QueueOwner *qo = data;

  /* On the caller's thread, as the documentation asks. */
  g_object_weak_ref (qo->instance, instance_gone, qo);
  qo->instance_key = qo->instance;
  g_clear_object (&qo->instance);
  qo->exists_after = cg_caller_queue_exists (qo->caller, owner_item, qo->instance_key);
}

static void
test_queue_instance_finalized (void)
{
  CgCaller *caller = start_new_ok ("faults-queue-owner");
  Tally tally = { 0 };
  QueueOwner qo = { caller, g_object_new (G_TYPE_OBJECT, NULL), NULL, &tally, NULL };
  CgFuture *future;
  GError *error = NULL;

  cg_test_main_caller ();
  the_owner = &qo;
  qo.hold = cg_future_new_for_thread (cg_caller_get_thread (caller));
  future = cg_caller_call_soon (caller, queue_then_finalize, &qo, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_no_error (error);
  g_object_unref (future);
  g_assert_true (qo.exists_before);

  /* The first item holds the queue; 20 wait. Finalize the instance. */
  g_usleep (10000);
  g_assert_cmpint (g_atomic_int_get (&tally.ran), ==, 0);
  future = cg_caller_call_soon (caller, finalize_instance, &qo, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_no_error (error);
  g_object_unref (future);
  g_assert_true (g_atomic_int_get (&qo.finalized));

  /* The queue is gone; its waiting items were dropped: each destroy
   * notify ran once, and none of them ran. */
  g_assert_false (qo.exists_after);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&tally.destroyed) == 20);

  /* Let the item in flight finish: still nothing else runs. */
  g_assert_true (cg_future_return_int (qo.hold, 0, &error));
  g_assert_no_error (error);
  g_usleep (20000);
  g_assert_cmpint (g_atomic_int_get (&tally.ran), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&tally.destroyed), ==, 20);

  cg_caller_stop (caller, FALSE);
  g_object_unref (qo.hold);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* A worker pool that is stopped while busy                             */
/* ------------------------------------------------------------------ */

/* The body, in a child process (--busy-pool). stop_all() may find the
 * pool starting a worker; should it abort there, the child exits with 77,
 * so that the failure says where it happened. */
static volatile sig_atomic_t in_stop_all;

static void
abort_in_stop_all (int sig)
{
  if (in_stop_all)
    _exit (77);
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
stop_all_marked (void)
{
  in_stop_all = 1;
  cg_caller_stop_all (FALSE);
  in_stop_all = 0;
}

static int
busy_pool_main (void)
{
  Tally tally = { 0 };
  CgFuture *futures[400];
  GError *error = NULL;

  signal (SIGABRT, abort_in_stop_all);
  /* stop_all() while pool jobs are queued, assigned and running, several
   * times over: every future completes, every destroy runs once. */
  for (guint round = 0; round < 5; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
        {
          futures[i] = cg_caller_to_thread (i % 4 == 0 ? sleepy_job : tally_job, &tally,
                                            tally_destroy, &error);
          g_assert_no_error (error);
          cg_future_add_completion_hook (futures[i], tally_hook, &tally, NULL);
          if (i == G_N_ELEMENTS (futures) / 2)
            stop_all_marked ();
        }
      stop_all_marked ();
      for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
        {
          CG_TEST_POLL_UNTIL (cg_future_is_done (futures[i]));
          g_object_unref (futures[i]);
        }
    }
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&tally.destroyed) == 5 * G_N_ELEMENTS (futures));
  g_assert_cmpint (g_atomic_int_get (&tally.hooks), ==, 5 * G_N_ELEMENTS (futures));
  printf ("# %d of %d pool jobs ran, %d were cancelled\n", g_atomic_int_get (&tally.ran),
          5 * (gint) G_N_ELEMENTS (futures), g_atomic_int_get (&tally.cancelled));
  stop_all_marked ();
  return 0;
}

/* Runs this program with @mode; its exit status, or -1 after a signal.
 * 20 s at most: a hang is a failure. */
static gint
run_child (const char *mode)
{
  const char *argv[] = { NULL, mode, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *asan = NULL;
  GError *error = NULL;
  gint64 deadline = cg_test_deadline (20);
  gint exited = 0;

  /* What is in flight when a child ends is not a leak of the test. */
  asan = g_strdup_printf ("%s:detect_leaks=0", g_getenv ("ASAN_OPTIONS") ? g_getenv ("ASAN_OPTIONS") : "");
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan, TRUE);
  argv[0] = g_test_get_filename (G_TEST_BUILT, "faults", NULL);
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  g_subprocess_wait_async (child, NULL, child_exited, &exited);
  while (!g_atomic_int_get (&exited) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (MAIN_CTX, FALSE))
      g_usleep (1000);
  if (!g_atomic_int_get (&exited))
    {
      g_subprocess_force_exit (child);
      g_error ("the child (%s) did not exit in 20 s", mode);
    }
  return g_subprocess_get_if_exited (child) ? g_subprocess_get_exit_status (child) : -1;
}

static void
test_stop_all_busy_pool (void)
{
  gint status = run_child ("--busy-pool");

  if (status == 77)
    g_test_fail_printf ("the child aborted inside cg_caller_stop_all(): it raced the pool's "
                        "start of a worker");
  else
    g_assert_cmpint (status, ==, 0);
}

/* ------------------------------------------------------------------ */
/* queue_call() on the caller's thread while another thread stops it     */
/* ------------------------------------------------------------------ */

static gint spam_started;

static void
spam_item (CgFuture *future,
           gpointer  data)
{
}

static void
spam_queues (CgFuture *future,
             gpointer  data)
{
  CgCaller *own = cg_caller_get_current ();

  /* A new queue per call, until the caller refuses (it was stopped). */
  g_atomic_int_set (&spam_started, 1);
  for (guint i = 0; i < 100000; i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "spam-%u", i);
      if (!cg_caller_queue_call_named (own, name, NULL, spam_item, NULL, NULL, 1, NULL))
        break;
    }
}

static void
test_stop_while_queuing (void)
{
  if (g_test_subprocess ())
    {
      guint leaked = 0, rounds = 60;

      for (guint i = 0; i < rounds; i++)
        {
          gint finalized = 0;
          CgCaller *caller = start_new_ok ("faults-queuing");
          CgFuture *future;

          g_object_weak_ref (G_OBJECT (caller), cg_test_finalized_cb, &finalized);
          g_atomic_int_set (&spam_started, 0);
          future = cg_caller_call_soon (caller, spam_queues, NULL, NULL, NULL);
          CG_TEST_POLL_UNTIL (g_atomic_int_get (&spam_started));
          g_usleep (g_random_int_range (0, 300));
          cg_caller_stop (caller, FALSE);
          g_assert_true (cg_future_is_done (future));
          g_object_unref (future);
          g_object_unref (caller);
          /* Stopped, its thread joined, the last reference dropped: it
           * goes. */
          for (guint k = 0; k < 200 && !g_atomic_int_get (&finalized); k++)
            g_usleep (500);
          if (!g_atomic_int_get (&finalized))
            {
              leaked++;
              g_object_weak_unref (G_OBJECT (caller), cg_test_finalized_cb, &finalized);
            }
        }
      g_printerr ("%u of %u stopped callers were never finalized\n", leaked, rounds);
      /* _exit: what leaked must not fail the leak checkers of the whole
       * run; the parent reports it. */
      fflush (stderr);
      _exit (leaked > 0 ? 3 : 0);
    }

  /* A queue made once cg_caller_stop() has closed the caller's queues
   * would stay with the caller and hold it: both would leak. */
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("a stopped caller was never finalized: a queue made while it was "
                        "being stopped holds it");
}

/* ------------------------------------------------------------------ */
/* stop() racing start_new()                                            */
/* ------------------------------------------------------------------ */

static gint race_running;

static gpointer
stop_all_loop (gpointer data)
{
  while (g_atomic_int_get (&race_running))
    cg_caller_stop_all (FALSE);
  return NULL;
}

static void
test_stop_racing_start_new (void)
{
  if (g_test_subprocess ())
    {
      GThread *stopper;
      gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
      guint n = 0;

      /* Callers start on this thread while another stops them all, over
       * and over: a stop may find a caller whose start_new() has not
       * returned yet. */
      g_atomic_int_set (&race_running, 1);
      stopper = g_thread_new ("stop-all-loop", stop_all_loop, NULL);
      while (g_get_monotonic_time () < end && n < 20000)
        {
          CgCaller *caller = cg_caller_start_new (NULL, FALSE, NULL, NULL);

          g_assert_nonnull (caller);
          g_object_unref (caller);
          n++;
        }
      g_atomic_int_set (&race_running, 0);
      g_thread_join (stopper);
      cg_caller_stop_all (FALSE);
      g_test_message ("%u callers started while another thread stopped them", n);
      return;
    }

  /* cg_caller_stop() must not join the thread of a caller whose
   * cg_caller_start_new() has not returned from g_thread_try_new(): GLib
   * sets the GThread up after the thread starts, and such a join aborts
   * ("Attempt to unlock mutex that was not locked"). */
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("cg_caller_stop() racing cg_caller_start_new() crashed or hung "
                        "(see the messages above)");
}

/* ------------------------------------------------------------------ */
/* A lock waiter whose caller stops                                      */
/* ------------------------------------------------------------------ */

static CgAsyncLock *fault_lock;

static void
lock_answer (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  gint *state = data;

  *state = cg_async_lock_acquire_finish (fault_lock, result, NULL) ? 1 : 2;
  if (*state == 1)
    cg_async_lock_release (fault_lock, NULL);
}

/* The answer of a waiter whose caller stops: 1 granted, 2 refused as
 * closed, 3 refused otherwise. On the waiter's thread. */
static void
waiter_answer (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  GError *error = NULL;
  gint state;

  if (cg_async_lock_acquire_finish (fault_lock, result, &error))
    {
      state = 1;
      cg_async_lock_release (fault_lock, NULL);
    }
  else
    {
      state = g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED) ? 2 : 3;
      g_error_free (error);
    }
  g_atomic_int_set ((gint *) data, state);
}

static void
lock_wait_job (CgFuture *future,
               gpointer  data)
{
  cg_async_lock_acquire_async (fault_lock, NULL, waiter_answer, data);
}

static void
take_fault_lock (gpointer data)
{
  cg_async_lock_acquire_async (fault_lock, NULL, lock_answer, data);
}

static void
keep_answer (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  *(gint *) data = cg_async_lock_acquire_finish (fault_lock, result, NULL) ? 1 : 2;
}

static void
hold_without_release (gpointer data)
{
  cg_async_lock_acquire_async (fault_lock, NULL, keep_answer, data);
}

static void
release_fault_lock (gpointer data)
{
  g_assert_true (cg_async_lock_release (fault_lock, NULL));
}

static gboolean
iterate_until_set (gint *state,
                   gdouble seconds)
{
  gint64 end = cg_test_deadline (seconds);

  while (*state == 0 && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (MAIN_CTX, FALSE))
      g_usleep (1000);
  return *state != 0;
}

static void
test_lock_waiter_caller_stopped (void)
{
  g_autoptr(CgContext) holder = cg_context_new ();
  CgCaller *waiter;
  gint held = 0, waiter_state = 0, again = 0;
  CgFuture *future;
  GError *error = NULL;

  cg_test_main_caller ();
  fault_lock = cg_async_lock_new ();

  /* The main thread holds the lock, in a context of its own. */
  cg_context_run (holder, hold_without_release, &held, NULL);
  g_assert_true (iterate_until_set (&held, CG_TEST_TIMEOUT_S));
  g_assert_cmpint (held, ==, 1);

  /* A caller queues for it, and stops. */
  waiter = start_new_ok ("faults-lock-waiter");
  future = cg_caller_call_soon (waiter, lock_wait_job, &waiter_state, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_object_unref (future);
  cg_caller_stop (waiter, FALSE);

  /* The waiter's acquisition gives up: its answer comes, as
   * CG_CALLER_ERROR_CLOSED. */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&waiter_state) != 0);
  g_assert_cmpint (g_atomic_int_get (&waiter_state), ==, 2);

  /* The holder releases; the lock must not go to the stopped waiter: a
   * fresh acquisition gets it. */
  cg_context_run (holder, release_fault_lock, NULL, NULL);
  {
    g_autoptr(CgContext) other = cg_context_new ();

    cg_context_run (other, take_fault_lock, &again, NULL);
  }
  g_assert_true (iterate_until_set (&again, CG_TEST_TIMEOUT_S));
  g_assert_cmpint (again, ==, 1);
  g_assert_cmpuint (cg_async_lock_get_count (fault_lock), ==, 0);

  g_object_unref (waiter);
  g_clear_object (&fault_lock);
}

/* ------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--exit-with-callers"))
        return exit_with_callers_main ();
      if (g_str_equal (argv[i], "--busy-pool"))
        return busy_pool_main ();
    }

  cg_test_init (&argc, &argv);

  cg_test_add ("/faults/stop/pending-100k", test_stop_pending_100k);
  cg_test_add ("/faults/stop/from-job", test_stop_from_job);
  cg_test_add ("/faults/stop/while-wait-sync", test_stop_while_wait_sync);
  cg_test_add ("/faults/stop/from-done-callback", test_done_callback_stops_caller);
  /* Runs its body in a child process of its own (see run_child()). */
  g_test_add_func ("/faults/stop/busy-pool", test_stop_all_busy_pool);
  cg_test_add ("/faults/exit/callers-running", test_exit_with_callers_running);
  cg_test_add ("/faults/errors/every-entry-point", test_errors_every_entry_point);
  cg_test_add ("/faults/queue/instance-finalized", test_queue_instance_finalized);
  cg_test_add ("/faults/lock/waiter-caller-stopped", test_lock_waiter_caller_stopped);
  g_test_add_func ("/faults/stop/racing-start-new", test_stop_racing_start_new);
  g_test_add_func ("/faults/queue/stop-while-queuing", test_stop_while_queuing);

  return g_test_run ();
}
