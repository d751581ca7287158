/* test-shutdown.c: what callers owe their users when they stop
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every `_async` call answers exactly once, also when the caller of the
 * asking thread stops before or while it waits; a stopped caller holds no
 * lock; a thread that ends stops its caller; a job blocked in
 * cg_future_wait_sync() cannot keep its caller from stopping.
 */

#include "test-helpers.h"

/* The answers of the five `_async` operations that wait on a thread's
 * behalf. */
enum
{
  OP_FUTURE_WAIT,
  OP_QUEUE_CALL,
  OP_CALLER_WAIT,
  OP_AS_COMPLETED,
  OP_LOCK,
  N_OPS
};

typedef struct
{
  gint      calls[N_OPS];
  GError   *errors[N_OPS];
  GThread  *threads[N_OPS];
  GThread  *asker;          /* the thread that made the calls */
  gint      job_done;
} Answers;

static Answers answers;

static void
answers_clear (void)
{
  for (guint i = 0; i < N_OPS; i++)
    g_clear_error (&answers.errors[i]);
  memset (&answers, 0, sizeof answers);
}

static guint
answers_total (void)
{
  guint total = 0;

  for (guint i = 0; i < N_OPS; i++)
    total += (guint) g_atomic_int_get (&answers.calls[i]);
  return total;
}

static void
answered (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  guint op = GPOINTER_TO_UINT (data);
  GError *error = NULL;
  CgFuture *next;

  switch (op)
    {
    case OP_FUTURE_WAIT:
      cg_future_wait_finish (CG_FUTURE (source), result, &error);
      break;
    case OP_QUEUE_CALL:
      cg_caller_queue_call_finish (CG_CALLER (source), result, &error);
      break;
    case OP_CALLER_WAIT:
      cg_caller_wait_finish (result, NULL, NULL, &error);
      break;
    case OP_AS_COMPLETED:
      next = cg_as_completed_next_finish (CG_AS_COMPLETED (source), result, &error);
      g_clear_object (&next);
      break;
    case OP_LOCK:
    default:
      if (cg_async_lock_acquire_finish (CG_ASYNC_LOCK (source), result, &error))
        g_assert_true (cg_async_lock_release (CG_ASYNC_LOCK (source), NULL));
      break;
    }

  answers.errors[op] = error;
  answers.threads[op] = g_thread_self ();
  g_atomic_int_inc (&answers.calls[op]);
}

static void
queued_item (CgFuture *future,
             gpointer  data)
{
}

/* The answer of the queue call that gets in once the first item starts. */
static void
admitted (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  cg_caller_queue_call_finish (CG_CALLER (source), result, NULL);
}

/* An item of the queue of `other`: waits until the test opens the gate. */
static void
gated_item (CgFuture *future,
            gpointer  data)
{
  cg_test_gate_wait (data, CG_TEST_TIMEOUT_S, cg_future_get_cancellable (future));
}

/* State shared with the jobs of a test. */
typedef struct
{
  CgAsyncLock *lock;
  CgFuture    *never;      /* completed by nobody until the end */
  CgContext   *holder;     /* the context that holds the lock */
  CgTestGate   gate;
  gboolean     stop_first; /* the job stops its own caller first */
} Scene;

static Scene scene;

/* Makes the five calls, each of which has to wait. */
static void
ask_everything (CgCaller *me)
{
  CgFuture *futures[1] = { scene.never };
  CgAsCompleted *iteration;
  GError *error = NULL;

  answers.asker = g_thread_self ();
  cg_future_wait_async (scene.never, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_SHIELD, NULL,
                        answered, GUINT_TO_POINTER (OP_FUTURE_WAIT));

  /* One item is handed to the caller (held at the gate once it runs): the
   * queue of room 1 is full until it starts. Then the first call that
   * waits for room gets in and fills the queue again, so the second one
   * still waits when the caller stops. */
  if (!scene.stop_first)
    {
      g_assert_true (cg_caller_queue_call (me, gated_item, NULL, &scene.gate, NULL, 1, &error));
      g_assert_no_error (error);
      cg_caller_queue_call_async (me, gated_item, NULL, &scene.gate, NULL, 1, NULL,
                                  admitted, NULL);
    }
  cg_caller_queue_call_async (me, gated_item, NULL, &scene.gate, NULL, 1, NULL,
                              answered, GUINT_TO_POINTER (OP_QUEUE_CALL));

  cg_caller_wait_async (futures, 1, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_ALL_COMPLETED, NULL,
                        answered, GUINT_TO_POINTER (OP_CALLER_WAIT));
  iteration = cg_as_completed_new (futures, 1, TRUE);
  cg_as_completed_next_async (iteration, NULL, answered, GUINT_TO_POINTER (OP_AS_COMPLETED));
  g_object_unref (iteration);
  cg_async_lock_acquire_async (scene.lock, NULL, answered, GUINT_TO_POINTER (OP_LOCK));
}

static void
asking_job (CgFuture *future,
            gpointer  data)
{
  CgCaller *me = cg_future_get_caller (future);

  if (scene.stop_first)
    cg_caller_stop (me, FALSE);
  ask_everything (me);
  g_atomic_int_set (&answers.job_done, 1);
}

static void
hold_lock_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_assert_true (cg_async_lock_acquire_finish (CG_ASYNC_LOCK (source), result, NULL));
  g_atomic_int_set ((gint *) data, 1);
}

static gint held;

static void
hold_lock (gpointer data)
{
  cg_async_lock_acquire_async (scene.lock, NULL, hold_lock_done, &held);
}

static void
release_lock (gpointer data)
{
  g_assert_true (cg_async_lock_release (scene.lock, NULL));
}

/* Sets up the scene: a context of the main thread holds the lock. */
static void
scene_init (gboolean stop_first)
{

  answers_clear ();
  memset (&scene, 0, sizeof scene);
  scene.stop_first = stop_first;
  scene.lock = cg_async_lock_new ();
  scene.never = cg_future_new ();
  cg_test_gate_init (&scene.gate);

  scene.holder = cg_context_new ();
  held = 0;

  cg_test_main_caller ();
  g_assert_true (cg_context_run (scene.holder, hold_lock, NULL, NULL));
  CG_TEST_ITERATE_UNTIL (NULL, g_atomic_int_get (&held));
}

static void
scene_clear (void)
{
  cg_test_gate_open (&scene.gate);
  if (cg_async_lock_get_count (scene.lock) > 0)
    g_assert_true (cg_context_run (scene.holder, release_lock, NULL, NULL));
  g_assert_cmpuint (cg_async_lock_get_count (scene.lock), ==, 0);
  g_clear_pointer (&scene.holder, cg_context_unref);
  g_clear_object (&scene.never);
  g_clear_object (&scene.lock);
  cg_test_gate_clear (&scene.gate);
  answers_clear ();
}

static void
assert_all_closed (GThread *thread)
{
  for (guint i = 0; i < N_OPS; i++)
    {
      g_assert_cmpint (g_atomic_int_get (&answers.calls[i]), ==, 1);
      g_assert_error (answers.errors[i], CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
      /* On the asking thread, as every answer. */
      g_assert_true (answers.threads[i] == thread);
    }
}

/* Calls made by a job after its own caller was stopped: each answers once,
 * on that thread, with CG_CALLER_ERROR_CLOSED; the lock is not taken by a
 * context that could never give it back. */
static void
test_calls_after_stop (void)
{
  GError *error = NULL;
  CgCaller *b;
  CgFuture *job;

  scene_init (TRUE);

  b = cg_caller_start_new ("b", FALSE, NULL, &error);
  g_assert_no_error (error);
  job = cg_caller_call_soon (b, asking_job, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (job, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                                      &error));
  g_assert_no_error (error);

  /* The thread of b delivers its answers before it ends. */
  CG_TEST_POLL_UNTIL (answers_total () == N_OPS);
  cg_caller_stop (b, FALSE); /* joins b's thread */
  g_assert_true (g_atomic_int_get (&answers.job_done));
  assert_all_closed (answers.asker);
  g_assert_false (answers.asker == g_thread_self ());

  /* The lock is still the holder's alone. */
  g_assert_cmpuint (cg_async_lock_get_count (scene.lock), ==, 1);

  g_object_unref (job);
  g_object_unref (b);
  scene_clear ();
}

/* Calls that wait when their caller is stopped from another thread: the
 * stop ends every wait with CG_CALLER_ERROR_CLOSED, and the answers have
 * run on the caller's thread by the time cg_caller_stop() returns. */
static void
test_waits_at_stop (void)
{
  GError *error = NULL;
  CgCaller *b;
  CgFuture *job;
  gint fresh = 0;

  scene_init (FALSE);

  b = cg_caller_start_new ("b", FALSE, NULL, &error);
  g_assert_no_error (error);
  job = cg_caller_call_soon (b, asking_job, NULL, NULL, &error);
  g_assert_true (cg_future_wait_sync (job, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  cg_test_iterate_for (NULL, 50);
  g_assert_cmpuint (answers_total (), ==, 0);

  cg_caller_stop (b, FALSE);
  assert_all_closed (answers.asker);

  /* Nobody waits for the lock any more: it is free once released, and
   * the next context takes it. */
  g_assert_true (cg_context_run (scene.holder, release_lock, NULL, NULL));
  g_assert_cmpuint (cg_async_lock_get_count (scene.lock), ==, 0);
  cg_async_lock_acquire_async (scene.lock, NULL, hold_lock_done, &fresh);
  CG_TEST_ITERATE_UNTIL (NULL, g_atomic_int_get (&fresh));
  g_assert_true (cg_async_lock_release (scene.lock, NULL));

  /* The wait on `never` was shielded, the other calls left it alone. */
  g_assert_false (cg_future_is_cancelled (scene.never));

  g_object_unref (job);
  g_object_unref (b);
  scene_clear ();
}

static gpointer
stop_from_outside (gpointer data)
{
  cg_caller_stop (data, FALSE);
  return NULL;
}

static void
acquire_when_cancelled_job (CgFuture *future,
                            gpointer  data)
{
  GCancellable *cancellable = cg_future_get_cancellable (future);

  g_atomic_int_set (&answers.job_done, 1);
  /* cg_caller_stop() cancels the running job, then waits for it. */
  CG_TEST_POLL_UNTIL (g_cancellable_is_cancelled (cancellable));
  answers.asker = g_thread_self ();
  cg_async_lock_acquire_async (scene.lock, NULL, answered, GUINT_TO_POINTER (OP_LOCK));
}

/* A free lock asked for by a job whose caller another thread is stopping
 * is not granted; the answer runs before the caller's thread ends. */
static void
test_lock_asked_while_stopping (void)
{
  GError *error = NULL;
  GThread *stopper;
  CgCaller *b;
  CgFuture *job;
  gint fresh = 0;

  answers_clear ();
  memset (&scene, 0, sizeof scene);
  scene.lock = cg_async_lock_new ();
  cg_test_main_caller ();

  b = cg_caller_start_new ("b", FALSE, NULL, &error);
  g_assert_no_error (error);
  job = cg_caller_call_soon (b, acquire_when_cancelled_job, NULL, NULL, &error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&answers.job_done));
  stopper = g_thread_new ("stopper", stop_from_outside, b);
  g_thread_join (stopper);

  g_assert_cmpint (g_atomic_int_get (&answers.calls[OP_LOCK]), ==, 1);
  g_assert_error (answers.errors[OP_LOCK], CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_assert_cmpuint (cg_async_lock_get_count (scene.lock), ==, 0);

  cg_async_lock_acquire_async (scene.lock, NULL, hold_lock_done, &fresh);
  CG_TEST_ITERATE_UNTIL (NULL, g_atomic_int_get (&fresh));
  g_assert_true (cg_async_lock_release (scene.lock, NULL));

  g_object_unref (job);
  g_object_unref (b);
  g_clear_object (&scene.lock);
  answers_clear ();
}

/* Another thread's caller of the default context holds the name
 * "MainThread" until told to end (its thread's end stops it). */
static gint name_taken, name_release;

static gpointer
hold_main_thread_name (gpointer data)
{
  g_autoptr(CgCaller) caller = cg_caller_get (NULL, TRUE, FALSE, NULL);

  g_assert_cmpstr (cg_caller_get_name (caller), ==, CG_CALLER_MAIN_THREAD);
  g_atomic_int_set (&name_taken, 1);
  while (!g_atomic_int_get (&name_release))
    g_usleep (1000);
  return NULL;
}

/* The main thread serves a context of its own under another name (the
 * name "MainThread" was taken when its caller was made): "MainThread", the
 * caller of the default context, cannot be made there, and saying so ends
 * the call. */
static void
test_main_thread_taken (void)
{
  GMainContext *context = g_main_context_new ();
  GError *error = NULL;
  CgCaller *mine, *main_thread;
  CgFuture *future;
  GThread *holder;

  cg_caller_stop (cg_test_main_caller (), TRUE);
  holder = g_thread_new ("name-holder", hold_main_thread_name, NULL);
  while (!g_atomic_int_get (&name_taken))
    g_usleep (1000);
  g_main_context_push_thread_default (context);
  mine = cg_caller_get (NULL, TRUE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cg_caller_get_name (mine), !=, CG_CALLER_MAIN_THREAD);
  g_atomic_int_set (&name_release, 1);
  g_thread_join (holder);

  main_thread = cg_caller_get_instance (NULL, TRUE, &error);
  g_assert_null (main_thread);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, cg_caller_get_name (mine)));
  g_clear_error (&error);

  future = cg_caller_to_thread_by_name (CG_CALLER_MAIN_THREAD, queued_item, NULL, NULL, &error);
  g_assert_null (future);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS);
  g_clear_error (&error);

  cg_caller_stop (mine, FALSE);
  g_object_unref (mine);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static gint destroyed;

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc (&destroyed);
}

static gpointer
thread_that_forgets (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  GError *error = NULL;
  CgFuture **pending = data;
  CgCaller *caller;

  g_main_context_push_thread_default (context);
  caller = cg_caller_get (NULL, TRUE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (cg_caller_start (caller, &error));
  /* A job that the thread never runs: it ends without stopping its
   * caller, nor iterating its context again. */
  *pending = cg_caller_call_soon (caller, queued_item, NULL, count_destroy, &error);
  g_assert_no_error (error);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return caller;
}

/* A thread that ends leaves no caller running: its pending jobs are
 * cancelled and freed, and new work is refused. */
static void
test_thread_exits (void)
{
  GError *error = NULL;
  CgFuture *pending = NULL, *late;
  CgCaller *caller;

  destroyed = 0;
  caller = g_thread_join (g_thread_new ("forgets", thread_that_forgets, &pending));
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_false (cg_caller_get_running (caller));

  g_assert_true (cg_future_is_done (pending));
  g_assert_true (cg_future_is_cancelled (pending));
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 1);

  late = cg_caller_call_soon (caller, queued_item, NULL, count_destroy, &error);
  g_assert_null (late);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 2);

  g_object_unref (pending);
  g_object_unref (caller);
}

static CgFuture *a_future;
static gint b_waiting;
static GError *b_error;

/* Blocks on a future nobody completes. The library has to end this wait
 * by cancelling the job; the limit (well past the test's own deadlines)
 * only keeps a broken library from hanging the test program: the wait
 * then ends in a timeout, which the test reports as a failure. */
static void
b_blocks (CgFuture *future,
          gpointer  data)
{
  g_atomic_int_set (&b_waiting, 1);
  g_assert_false (cg_future_wait_sync (a_future, 4 * CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE,
                                       NULL, &b_error));
}

static void
a_stops_all (CgFuture *future,
             gpointer  data)
{
  cg_caller_stop_all (FALSE);
}

/* cg_caller_stop_all() from a job of A while a job of B blocks, with a
 * limit it never reaches, on a future that A would complete: stopping B
 * cancels its job, which ends its wait, so stop_all() returns. */
static void
test_stop_all_while_job_blocks (void)
{
  GError *error = NULL;
  CgCaller *a, *b;
  CgFuture *job_a, *job_b;

  a = cg_caller_start_new ("a", FALSE, NULL, &error);
  g_assert_no_error (error);
  b = cg_caller_start_new ("b", FALSE, NULL, &error);
  g_assert_no_error (error);
  a_future = cg_future_new_for_thread (cg_caller_get_thread (a));

  job_b = cg_caller_call_soon (b, b_blocks, NULL, NULL, &error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&b_waiting));
  job_a = cg_caller_call_soon (a, a_stops_all, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (cg_future_wait_sync (job_a, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                                      &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (job_b, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                                      &error));
  g_assert_error (b_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&b_error);
  /* The wait was not shielded: the future it waited for is cancelled. */
  g_assert_true (cg_future_is_cancelled (a_future));
  g_assert_true (cg_caller_get_stopped (a));
  g_assert_true (cg_caller_get_stopped (b));

  g_clear_object (&a_future);
  g_object_unref (job_a);
  g_object_unref (job_b);
  g_object_unref (a);
  g_object_unref (b);
}

static void
lock_answered (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* A `_finish()` checks that the answer is of the object it is asked of. */
static void
test_finish_checks_source (void)
{
  CgAsyncLock *lock = cg_async_lock_new (), *other = cg_async_lock_new ();
  GAsyncResult *result = NULL;

  cg_test_main_caller ();
  cg_async_lock_acquire_async (lock, NULL, lock_answered, &result);
  CG_TEST_ITERATE_UNTIL (NULL, result != NULL);
  g_assert_true (g_async_result_get_source_object (result) == G_OBJECT (lock));
  g_object_unref (lock); /* the reference get_source_object() gave */

  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_CRITICAL, "*_cg_reply_is_valid*");
  g_assert_false (cg_async_lock_acquire_finish (other, result, NULL));
  g_test_assert_expected_messages ();

  g_assert_true (cg_async_lock_acquire_finish (lock, result, NULL));
  g_assert_true (cg_async_lock_release (lock, NULL));
  g_object_unref (result);
  g_object_unref (other);
  g_object_unref (lock);
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);

  cg_test_add ("/shutdown/async/calls-after-stop", test_calls_after_stop);
  cg_test_add ("/shutdown/async/waits-at-stop", test_waits_at_stop);
  cg_test_add ("/shutdown/lock/asked-while-stopping", test_lock_asked_while_stopping);
  cg_test_add ("/shutdown/main-thread-taken", test_main_thread_taken);
  cg_test_add ("/shutdown/thread-exits", test_thread_exits);
  cg_test_add ("/shutdown/stop-all-while-job-blocks", test_stop_all_while_job_blocks);
  cg_test_add ("/shutdown/finish-checks-source", test_finish_checks_source);

  return g_test_run ();
}
