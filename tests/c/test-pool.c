/* test-pool.c: tests of the worker pool, CgAsCompleted and cg_caller_wait_async()
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <caller-glib.h>

#include <grp.h>
#include <sys/resource.h>
#include <unistd.h>

#include "test-helpers.h"

#define MAIN_CTX (g_main_context_default ())

/* ------------------------------------------------------------------ */
/* Fixture: what jobs share with the test, alive until the teardown    */
/* has stopped every caller                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  GMutex      lock;
  GHashTable *threads;      /* GThread * that ran a job */
  GPtrArray  *seen;         /* futures an iteration in another thread gave */
  CgTestGate  gate;         /* blocking jobs wait on it */
  gint        n_to_start;   /* the gate opens once this many jobs started */
  gint        started;      /* atomic */
  gint        saw_cancel;   /* atomic */
  gint        destroyed;    /* atomic */
  gint        finished;     /* atomic */
  gint        waiting;      /* atomic: jobs waiting for their caller to stop */
  gint        generated;    /* futures the generator gave */
  gint        n_generate;   /* how many it gives before NULL */
  gint        generator_calls;
  gint        consumed;     /* futures the test took out */
  gint        max_outstanding;
  gint        max_seen_outstanding;
  CgFuture   *job_future;   /* cg_caller_current_future () in a job */
  CgFuture   *done_future;  /* a future that is done */
  CgFuture   *own_future;   /* the future of the job that iterates */
} Fixture;

typedef void (*PoolTestFunc) (Fixture *fx);

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_mutex_init (&fx->lock);
  fx->threads = g_hash_table_new (NULL, NULL);
  fx->seen = g_ptr_array_new_with_free_func (g_object_unref);
  cg_test_gate_init (&fx->gate);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  /* Let blocked jobs go, then stop every caller this test started
   * (pool workers included; they are ordinary callers). */
  cg_test_gate_open (&fx->gate);
  cg_caller_stop_all (TRUE);
  cg_caller_set_max_idle_pool_instances (CG_DEFAULT_MAX_IDLE_POOL_INSTANCES);
  cg_test_drain (MAIN_CTX);

  g_clear_object (&fx->job_future);
  g_clear_object (&fx->done_future);
  g_clear_object (&fx->own_future);
  g_ptr_array_unref (fx->seen);
  g_hash_table_unref (fx->threads);
  cg_test_gate_clear (&fx->gate);
  g_mutex_clear (&fx->lock);
}

/* Runs the test in a subprocess of its own, as cg_test_add() does, with
 * the fixture set up and torn down there. */
static void
fixture_run (Fixture       *fx,
             gconstpointer  data)
{
  PoolTestFunc func = (PoolTestFunc) data;

  if (g_test_subprocess () || g_getenv ("CG_TEST_IN_PROCESS") != NULL)
    {
      func (fx);
      return;
    }

  g_test_trap_subprocess (NULL, (guint64) CG_TEST_SUBPROCESS_TIMEOUT_S * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s failed in its subprocess (see its messages above)",
                        g_test_get_path ());
}

#define pool_test_add(path, func)                                             \
  g_test_add ((path), Fixture, (gconstpointer) (PoolTestFunc) (func),         \
              fixture_setup, fixture_run, fixture_teardown)

/* ------------------------------------------------------------------ */
/* Jobs                                                                */
/* ------------------------------------------------------------------ */

static void
record_thread (Fixture *fx)
{
  g_mutex_lock (&fx->lock);
  g_hash_table_add (fx->threads, g_thread_self ());
  g_mutex_unlock (&fx->lock);
}

static guint
n_threads (Fixture *fx)
{
  guint n;

  g_mutex_lock (&fx->lock);
  n = g_hash_table_size (fx->threads);
  g_mutex_unlock (&fx->lock);
  return n;
}

/* Records its thread and completes its future itself, inside the job, as
 * C jobs usually do. */
static void
job_record (CgFuture *future,
            gpointer  user_data)
{
  Fixture *fx = user_data;
  GError *error = NULL;

  record_thread (fx);
  g_assert_true (cg_future_return_int (future, 7, &error));
  g_assert_no_error (error);
}

/* Records its thread and the current future, and lets the library
 * complete its future once it returns. */
static void
job_note_current (CgFuture *future,
                  gpointer  user_data)
{
  Fixture *fx = user_data;

  record_thread (fx);
  g_mutex_lock (&fx->lock);
  g_clear_object (&fx->job_future);
  fx->job_future = g_object_ref (cg_caller_current_future ());
  g_mutex_unlock (&fx->lock);
}

/* Blocks until the gate opens (it opens itself once fx->n_to_start jobs
 * have started), its future is cancelled, or the deadline passes. */
static void
job_gate (CgFuture *future,
          gpointer  user_data)
{
  Fixture *fx = user_data;
  GCancellable *cancellable = cg_future_get_cancellable (future);

  record_thread (fx);
  if (g_atomic_int_add (&fx->started, 1) + 1 >= fx->n_to_start && fx->n_to_start > 0)
    cg_test_gate_open (&fx->gate);

  cg_test_gate_wait (&fx->gate, CG_TEST_TIMEOUT_S, cancellable);
  if (g_cancellable_is_cancelled (cancellable))
    g_atomic_int_inc (&fx->saw_cancel);

  cg_future_return_int (future, 1, NULL);
}

typedef struct
{
  gint     index;
  gboolean fail;
} NumberedJob;

static void
job_numbered (CgFuture *future,
              gpointer  user_data)
{
  NumberedJob *job = user_data;

  if (job->fail)
    cg_future_return_new_error (future, G_IO_ERROR, G_IO_ERROR_FAILED, NULL,
                                "job %d failed", job->index);
  else
    cg_future_return_int (future, job->index, NULL);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static CgFuture *
to_thread_ok (CgJobFunc       func,
              gpointer        data,
              GDestroyNotify  destroy)
{
  GError *error = NULL;
  CgFuture *future = cg_caller_to_thread (func, data, destroy, &error);

  g_assert_no_error (error);
  g_assert_true (CG_IS_FUTURE (future));
  return future;
}

/* Waits, blocking the main thread, until a future of another thread is
 * done. */
static void
wait_done (CgFuture *future)
{
  GError *error = NULL;

  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT,
                                      NULL, &error));
  g_assert_no_error (error);
}

static guint
count_callers (const char *prefix)
{
  GList *callers = cg_caller_all_callers (FALSE);
  guint n = 0;

  for (GList *l = callers; l != NULL; l = l->next)
    if (g_str_has_prefix (cg_caller_get_name (l->data), prefix))
      n++;
  g_list_free_full (callers, g_object_unref);
  return n;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Asks for the next future and iterates the main context until it comes. */
static CgFuture *
next_sync (CgAsCompleted  *iter,
           GCancellable   *cancellable,
           GError        **error)
{
  GAsyncResult *result = NULL;
  CgFuture *future;

  cg_as_completed_next_async (iter, cancellable, store_result, &result);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  future = cg_as_completed_next_finish (iter, result, error);
  g_object_unref (result);
  return future;
}

static CgFuture *
next_ok (CgAsCompleted *iter)
{
  GError *error = NULL;
  CgFuture *future = next_sync (iter, NULL, &error);

  g_assert_no_error (error);
  return future;
}

/* Takes every future out of @iter (at most @max) into a new array. */
static GPtrArray *
drain_all (CgAsCompleted *iter,
           guint          max,
           Fixture       *fx)
{
  GPtrArray *futures = g_ptr_array_new_with_free_func (g_object_unref);
  CgFuture *future;

  while ((future = next_ok (iter)) != NULL)
    {
      g_assert_true (cg_future_is_done (future));
      g_ptr_array_add (futures, future);
      if (fx != NULL)
        fx->consumed++;
      g_assert_cmpuint (futures->len, <=, max);
    }
  return futures;
}

static gboolean
wait_many_sync (CgFuture     **futures,
                guint          n,
                gdouble        timeout,
                CgReturnWhen   when,
                GCancellable  *cancellable,
                GPtrArray    **done,
                GPtrArray    **pending,
                GError       **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cg_caller_wait_async (futures, n, timeout, when, cancellable, store_result, &result);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  ok = cg_caller_wait_finish (result, done, pending, error);
  g_object_unref (result);
  return ok;
}

static CgFuture *
done_future_new (gssize value)
{
  CgFuture *future = cg_future_new ();

  g_assert_true (cg_future_return_int (future, value, NULL));
  return future;
}

/* ------------------------------------------------------------------ */
/* Worker pool                                                         */
/* ------------------------------------------------------------------ */

static void
test_max_idle_setting (Fixture *fx)
{
  g_assert_cmpuint (cg_caller_get_max_idle_pool_instances (), ==,
                    CG_DEFAULT_MAX_IDLE_POOL_INSTANCES);
  g_assert_cmpuint (CG_DEFAULT_MAX_IDLE_POOL_INSTANCES, ==, 10);
  cg_caller_set_max_idle_pool_instances (3);
  g_assert_cmpuint (cg_caller_get_max_idle_pool_instances (), ==, 3);
  cg_caller_set_max_idle_pool_instances (0);
  g_assert_cmpuint (cg_caller_get_max_idle_pool_instances (), ==, 0);
}

static void
fixture_count_destroy (gpointer user_data)
{
  Fixture *fx = user_data;

  g_atomic_int_inc (&fx->destroyed);
}

static void
test_to_thread_basic (Fixture *fx)
{
  GError *error = NULL;
  CgFuture *future;
  CgCaller *caller;
  GThread *thread;

  future = to_thread_ok (job_note_current, fx, fixture_count_destroy);
  wait_done (future);
  g_assert_true (cg_future_check (future, &error));
  g_assert_no_error (error);

  /* the job ran in a pool worker, not here, and saw its own future */
  g_assert_cmpuint (n_threads (fx), ==, 1);
  thread = cg_future_get_thread (future);
  g_assert_true (g_hash_table_contains (fx->threads, thread));
  g_assert_true (thread != g_thread_self ());
  g_assert_true (fx->job_future == future);
  caller = cg_future_get_caller (future);
  g_assert_nonnull (caller);
  g_assert_true (g_str_has_prefix (cg_caller_get_name (caller), "pool-"));
  g_assert_false (cg_caller_get_protected (caller));

  /* the destroy notify ran exactly once */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->destroyed) == 1);
  g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, 1);

  g_object_unref (future);
}

static void
test_to_thread_reuse (Fixture *fx)
{
  GThread *first = NULL;

  /* one job after the other: the same worker every time */
  for (guint i = 0; i < 5; i++)
    {
      CgFuture *future = to_thread_ok (job_record, fx, NULL);

      wait_done (future);
      g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 7);
      if (first == NULL)
        first = cg_future_get_thread (future);
      g_assert_true (cg_future_get_thread (future) == first);
      g_object_unref (future);
    }

  g_assert_cmpuint (n_threads (fx), ==, 1);
  g_assert_cmpuint (count_callers ("pool-"), ==, 1);
}

/* 40 jobs that all block until all 40 have started: only a pool that
 * gives each its own thread lets the gate open before the deadline. */
static void
run_blocking_burst (Fixture  *fx,
                    guint     n,
                    GPtrArray **out_futures)
{
  GPtrArray *futures = g_ptr_array_new_with_free_func (g_object_unref);

  fx->n_to_start = (gint) n;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (futures, to_thread_ok (job_gate, fx, NULL));

  *out_futures = futures;
}

static void
test_to_thread_burst (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = NULL;
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(CgAsCompleted) iter = NULL;

  run_blocking_burst (fx, 40, &futures);
  iter = cg_as_completed_new ((CgFuture **) futures->pdata, futures->len, FALSE);
  out = drain_all (iter, 40, NULL);

  g_assert_cmpuint (out->len, ==, 40);
  g_assert_cmpint (g_atomic_int_get (&fx->started), ==, 40);
  /* every job was running at the same time as the others */
  g_assert_true (cg_test_gate_is_open (&fx->gate));
  g_assert_cmpuint (n_threads (fx), >, 2);
  g_assert_cmpuint (n_threads (fx), ==, 40);
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpint (cg_future_propagate_int (g_ptr_array_index (out, i), NULL), ==, 1);
}

static void
test_pool_shrinks (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = NULL;
  GThread *kept;
  CgFuture *future;

  cg_caller_set_max_idle_pool_instances (1);
  run_blocking_burst (fx, 12, &futures);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));
  g_assert_cmpuint (n_threads (fx), ==, 12);

  /* once the work is over, only one worker stays */
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 1);

  /* and it is the one the next job gets */
  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  kept = cg_future_get_thread (future);
  g_assert_true (g_hash_table_contains (fx->threads, kept));
  g_assert_cmpuint (count_callers ("pool-"), ==, 1);
  g_object_unref (future);
}

static void
test_pool_lower_limit (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = NULL;

  run_blocking_burst (fx, 5, &futures);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));

  /* five idle workers, under the default limit of ten */
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 5);

  /* lowering the limit stops the idle workers beyond it */
  cg_caller_set_max_idle_pool_instances (2);
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 2);

  cg_caller_set_max_idle_pool_instances (0);
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 0);
}

static void
test_pool_worker_stopped_by_others (Fixture *fx)
{
  CgFuture *future;
  CgCaller *worker;

  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  worker = g_object_ref (cg_future_get_caller (future));
  g_object_unref (future);

  /* someone stops the idle worker: the pool drops it and starts another
   * (compare callers, kept alive, not GThread addresses, which a new
   * thread may reuse) */
  cg_caller_stop (worker, FALSE);
  g_assert_true (cg_caller_get_stopped (worker));

  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 7);
  g_assert_true (cg_future_get_caller (future) != worker);
  g_assert_true (cg_caller_get_running (cg_future_get_caller (future)));
  g_object_unref (future);
  g_object_unref (worker);

  /* stop_all stops the pool workers, and the pool copes */
  cg_caller_stop_all (FALSE);
  g_assert_cmpuint (count_callers ("pool-"), ==, 0);
  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 7);
  g_assert_cmpuint (count_callers ("pool-"), ==, 1);
  g_object_unref (future);
}

/* ------------------------------------------------------------------ */
/* cg_caller_stop_all() and the pool                                   */
/* ------------------------------------------------------------------ */

/* Runs in another caller until that caller is stopped (stop_all() is under
 * way then), and only then hands a job to the pool, into fx->job_future. */
static void
job_submit_when_stopped (CgFuture *future,
                         gpointer  user_data)
{
  Fixture *fx = user_data;
  GCancellable *cancellable = cg_future_get_cancellable (future);
  GError *error = NULL;
  CgFuture *late;

  g_atomic_int_inc (&fx->waiting);
  cg_test_gate_wait (&fx->gate, CG_TEST_TIMEOUT_S, cancellable);
  g_assert_true (g_cancellable_is_cancelled (cancellable));

  late = cg_caller_to_thread (job_gate, fx, fixture_count_destroy, &error);
  g_assert_no_error (error);
  g_mutex_lock (&fx->lock);
  fx->job_future = late;
  g_mutex_unlock (&fx->lock);
}

/* Jobs run, wait for a worker, and come in while cg_caller_stop_all()
 * runs: once it returns, every one of them is over (run, or cancelled
 * with its destroy notify run), no pool worker is left, and the pool
 * serves the next job. */
static void
run_stop_all_with_pool (Fixture  *fx,
                        gboolean  force)
{
  const guint n = 8;
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CgCaller) submitter = NULL;
  g_autoptr(CgFuture) submitting = NULL;
  g_autoptr(CgFuture) again = NULL;
  GError *error = NULL;

  /* The manager starts a worker a second at most: while the first one
   * runs its job, the other jobs wait for a worker. */
  g_setenv ("CG_POOL_GROW_USEC", "1000000", TRUE);
  fx->n_to_start = 0; /* the gate opens at the teardown */

  submitter = cg_caller_start_new ("stop-all-submitter", FALSE, NULL, &error);
  g_assert_no_error (error);
  submitting = cg_caller_call_soon (submitter, job_submit_when_stopped, fx, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (futures, to_thread_ok (job_gate, fx, fixture_count_destroy));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->started) >= 1 &&
                      g_atomic_int_get (&fx->waiting) == 1);

  cg_caller_stop_all (force);

  for (guint i = 0; i < n; i++)
    g_assert_true (cg_future_is_done (g_ptr_array_index (futures, i)));
  g_assert_true (cg_future_is_done (submitting));
  g_mutex_lock (&fx->lock);
  g_assert_nonnull (fx->job_future);
  g_assert_true (cg_future_is_cancelled (fx->job_future));
  g_mutex_unlock (&fx->lock);
  g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, n + 1);
  g_assert_cmpuint (count_callers ("pool-"), ==, 0);

  /* The pool is there for later jobs. */
  again = to_thread_ok (job_record, fx, NULL);
  wait_done (again);
  g_assert_cmpint (cg_future_propagate_int (again, &error), ==, 7);
  g_assert_no_error (error);
}

static void
test_stop_all_force_stops_pool (Fixture *fx)
{
  run_stop_all_with_pool (fx, TRUE);
}

static void
test_stop_all_stops_pool (Fixture *fx)
{
  run_stop_all_with_pool (fx, FALSE);
}

/* ------------------------------------------------------------------ */
/* When no thread can be started                                       */
/* ------------------------------------------------------------------ */

static gpointer
probe_thread (gpointer data)
{
  return NULL;
}

/* Whether a new thread can be started in this process now. */
static gboolean
threads_start (void)
{
  GThread *probe = g_thread_try_new ("probe", probe_thread, NULL, NULL);

  if (probe == NULL)
    return FALSE;
  g_thread_join (probe);
  return TRUE;
}

/* Makes the start of new threads fail in this process: RLIMIT_NPROC down
 * to one (the hard limit stays, so allow_new_threads() can raise it again).
 * The limit does not hold for root, so a root process becomes the user
 * nobody (65534) first. Call it in a test subprocess only; FALSE when
 * threads still start. */
static gboolean
forbid_new_threads (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NPROC, &limit) != 0)
    return FALSE;
  limit.rlim_cur = 1;
  if (setrlimit (RLIMIT_NPROC, &limit) != 0)
    return FALSE;
  if (geteuid () == 0 &&
      (setgroups (0, NULL) != 0 || setgid (65534) != 0 || setuid (65534) != 0))
    return FALSE;

  return !threads_start ();
}

static void
allow_new_threads (void)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_NPROC, &limit), ==, 0);
  limit.rlim_cur = limit.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NPROC, &limit), ==, 0);
  g_assert_true (threads_start ());
}

static void
job_return_seven (CgFuture *future,
                  gpointer  user_data)
{
  cg_future_return_int (future, 7, NULL);
}

/* cg_caller_to_thread() when the thread it needs cannot start: a warning,
 * the job's future is cancelled with the reason and its destroy notify
 * runs, at once; nothing stays queued. */
static void
assert_to_thread_cancelled (gint       *destroyed,
                            gint        expected_destroyed,
                            const char *reason_pattern)
{
  GError *error = NULL;
  CgFuture *future;

  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_WARNING, reason_pattern);
  future = cg_caller_to_thread (job_return_seven, destroyed, cg_test_count_destroy, &error);
  g_assert_no_error (error);
  g_assert_nonnull (future);

  g_assert_false (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                       &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_true (g_pattern_match_simple (reason_pattern, error->message));
  g_clear_error (&error);
  g_assert_true (cg_future_is_cancelled (future));
  g_test_assert_expected_messages ();
  CG_TEST_POLL_UNTIL (g_atomic_int_get (destroyed) == expected_destroyed);
  g_assert_cmpuint (count_callers ("pool-"), ==, 0);
  g_object_unref (future);
}

static void
assert_to_thread_runs (gint *destroyed,
                       gint  expected_destroyed)
{
  GError *error = NULL;
  CgFuture *future;

  future = cg_caller_to_thread (job_return_seven, destroyed, cg_test_count_destroy, &error);
  g_assert_no_error (error);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 7);
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (destroyed) == expected_destroyed);
  g_object_unref (future);
}

static void
test_no_thread_probe (void)
{
  if (!forbid_new_threads ())
    g_test_fail ();
}

static void
test_no_thread_run (void)
{
  gint destroyed = 0;

  g_assert_true (forbid_new_threads ());

  /* The pool's manager thread cannot start; a later call tries again. */
  assert_to_thread_cancelled (&destroyed, 1, "*worker pool*");
  assert_to_thread_cancelled (&destroyed, 2, "*worker pool*");

  allow_new_threads ();
  assert_to_thread_runs (&destroyed, 3);

  /* With the manager running but no worker able to start. */
  cg_caller_stop_all (TRUE);
  g_assert_true (forbid_new_threads ());
  assert_to_thread_cancelled (&destroyed, 4, "*thread*");

  allow_new_threads ();
  assert_to_thread_runs (&destroyed, 5);
  cg_caller_stop_all (TRUE);
}

/* Thread creation fails for real, in a subprocess under RLIMIT_NPROC;
 * skipped where that limit cannot be imposed. */
static void
test_to_thread_no_thread (void)
{
  const guint64 timeout = (guint64) CG_TEST_SUBPROCESS_TIMEOUT_S * G_USEC_PER_SEC;

  g_test_trap_subprocess ("/pool/to-thread/no-thread/subprocess/probe", timeout,
                          G_TEST_SUBPROCESS_DEFAULT);
  if (!g_test_trap_has_passed ())
    {
      g_test_skip ("thread creation cannot be made to fail here (RLIMIT_NPROC)");
      return;
    }

  g_test_trap_subprocess ("/pool/to-thread/no-thread/subprocess/run", timeout,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s failed in its subprocess (see its messages above)",
                        g_test_get_path ());
}

/* Completes its future first, then hands work to the pool and blocks on
 * it: the pool must not queue that work behind this very job. */
static void
job_early_then_spawn (CgFuture *future,
                      gpointer  user_data)
{
  Fixture *fx = user_data;
  GError *error = NULL;
  CgFuture *inner;

  g_assert_true (cg_future_return_int (future, 3, NULL));
  inner = cg_caller_to_thread (job_record, fx, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_get_thread (inner) != g_thread_self ());
  g_assert_true (cg_future_wait_sync (inner, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_no_error (error);
  g_object_unref (inner);
  g_atomic_int_inc (&fx->finished);
}

static void
test_to_thread_from_pool_job (Fixture *fx)
{
  CgFuture *future = to_thread_ok (job_early_then_spawn, fx, NULL);

  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 3);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->finished) == 1);
  g_object_unref (future);
}

static void
test_to_thread_by_name (Fixture *fx)
{
  GError *error = NULL;
  CgFuture *a1, *a2, *b, *pooled, *main_job;
  CgCaller *caller;

  a1 = cg_caller_to_thread_by_name ("named-a", job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (a1);
  g_assert_cmpuint (count_callers ("named-a"), ==, 1);

  a2 = cg_caller_to_thread_by_name ("named-a", job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (a2);
  /* reused, not started again */
  g_assert_cmpuint (count_callers ("named-a"), ==, 1);
  g_assert_true (cg_future_get_thread (a1) == cg_future_get_thread (a2));
  g_assert_true (cg_future_get_thread (a1) != g_thread_self ());
  caller = cg_future_get_caller (a1);
  g_assert_cmpstr (cg_caller_get_name (caller), ==, "named-a");

  b = cg_caller_to_thread_by_name ("named-b", job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (b);
  g_assert_cmpuint (count_callers ("named-b"), ==, 1);
  g_assert_true (cg_future_get_thread (b) != cg_future_get_thread (a1));

  /* no name: the pool */
  pooled = cg_caller_to_thread_by_name (NULL, job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (pooled);
  g_assert_true (g_str_has_prefix (cg_caller_get_name (cg_future_get_caller (pooled)), "pool-"));

  /* "MainThread" is the caller of the default main context */
  main_job = cg_caller_to_thread_by_name (CG_CALLER_MAIN_THREAD, job_note_current, fx, NULL,
                                          &error);
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (main_job));
  g_assert_true (cg_future_get_thread (main_job) == g_thread_self ());
  g_assert_true (g_hash_table_contains (fx->threads, g_thread_self ()));

  g_assert_cmpuint (n_threads (fx), ==, 4);

  g_object_unref (a1);
  g_object_unref (a2);
  g_object_unref (b);
  g_object_unref (pooled);
  g_object_unref (main_job);
}

/* ------------------------------------------------------------------ */
/* as_completed                                                        */
/* ------------------------------------------------------------------ */

static CgFuture *
generate_recording_jobs (gpointer user_data)
{
  Fixture *fx = user_data;
  gint not_done = 0;
  CgFuture *future;

  fx->generator_calls++;

  /* Drawn and not handed out yet: never more than the limit. The test
   * counts a future as consumed once next_finish() gave it, after the
   * draw that the same next_async() makes, hence <=. */
  g_assert_cmpint (fx->generated - fx->consumed, <=, fx->max_outstanding);
  /* and fewer than the limit still running, or there would be no draw */
  for (guint i = 0; i < fx->seen->len; i++)
    if (!cg_future_is_done (g_ptr_array_index (fx->seen, i)))
      not_done++;
  g_assert_cmpint (not_done, <, fx->max_outstanding);
  fx->max_seen_outstanding = MAX (fx->max_seen_outstanding, not_done + 1);

  if (fx->generated == fx->n_generate)
    return NULL;
  fx->generated++;
  /* The first jobs (as many as the limit) wait for each other, so that as
   * many workers are needed; the others finish at once. */
  if (fx->generated <= fx->n_to_start)
    future = to_thread_ok (job_gate, fx, NULL);
  else
    future = to_thread_ok (job_record, fx, NULL);
  g_ptr_array_add (fx->seen, g_object_ref (future));
  return future;
}

static void
test_as_completed_generator_limit (Fixture *fx)
{
  g_autoptr(CgAsCompleted) iter = NULL;
  g_autoptr(GPtrArray) out = NULL;

  fx->n_generate = 40;
  fx->max_outstanding = 2;
  fx->n_to_start = 2;
  iter = cg_as_completed_new_from_generator (generate_recording_jobs, fx,
                                             fixture_count_destroy, 2, FALSE);
  /* drawn lazily */
  g_assert_cmpint (fx->generator_calls, ==, 0);

  out = drain_all (iter, 40, fx);
  g_assert_cmpuint (out->len, ==, 40);
  /* the first two ran at the same time */
  g_assert_true (cg_test_gate_is_open (&fx->gate));
  for (guint i = 0; i < out->len; i++)
    {
      gssize value = cg_future_propagate_int (g_ptr_array_index (out, i), NULL);

      g_assert_true (value == 7 || value == 1);
    }

  g_assert_cmpint (fx->generated, ==, 40);
  g_assert_cmpint (fx->max_seen_outstanding, <=, 2);
  g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, 1);

  /* two jobs at a time ran on exactly two workers, which stay idle */
  g_assert_cmpuint (n_threads (fx), ==, 2);
  g_assert_cmpuint (count_callers ("pool-"), ==, 2);
}

static void
test_as_completed_generator_default_limit (Fixture *fx)
{
  g_autoptr(CgAsCompleted) iter = NULL;
  g_autoptr(GPtrArray) out = NULL;

  cg_caller_set_max_idle_pool_instances (3);
  fx->n_generate = 12;
  fx->max_outstanding = 3;
  fx->n_to_start = 3;
  iter = cg_as_completed_new_from_generator (generate_recording_jobs, fx, NULL, 0, FALSE);
  out = drain_all (iter, 12, fx);
  g_assert_cmpuint (out->len, ==, 12);
  g_assert_cmpint (fx->max_seen_outstanding, <=, 3);
  g_assert_true (cg_test_gate_is_open (&fx->gate));
  g_assert_cmpuint (n_threads (fx), ==, 3);
}

static void
test_as_completed_done_first (Fixture *fx)
{
  CgFuture *futures[4];
  g_autoptr(CgAsCompleted) iter = NULL;
  CgFuture *next;

  futures[0] = cg_future_new ();      /* pending */
  futures[1] = done_future_new (1);
  futures[2] = cg_future_new ();      /* pending */
  futures[3] = done_future_new (3);

  iter = cg_as_completed_new (futures, 4, FALSE);

  /* the done ones first, in list order */
  next = next_ok (iter);
  g_assert_true (next == futures[1]);
  g_object_unref (next);
  next = next_ok (iter);
  g_assert_true (next == futures[3]);
  g_object_unref (next);

  /* then in completion order */
  g_assert_true (cg_future_return_int (futures[2], 2, NULL));
  g_assert_true (cg_future_return_int (futures[0], 0, NULL));
  next = next_ok (iter);
  g_assert_true (next == futures[2]);
  g_object_unref (next);
  next = next_ok (iter);
  g_assert_true (next == futures[0]);
  g_object_unref (next);

  /* then the end, for good */
  g_assert_null (next_ok (iter));
  g_assert_null (next_ok (iter));

  for (guint i = 0; i < 4; i++)
    g_object_unref (futures[i]);
}

static void
test_as_completed_pending_then_complete (Fixture *fx)
{
  CgFuture *future = cg_future_new ();
  g_autoptr(CgAsCompleted) iter = cg_as_completed_new (&future, 1, FALSE);
  GAsyncResult *result = NULL;
  GError *error = NULL;
  CgFuture *next;

  /* the call waits until the future completes */
  cg_as_completed_next_async (iter, NULL, store_result, &result);
  cg_test_drain (MAIN_CTX);
  g_assert_null (result);

  g_assert_true (cg_future_return_int (future, 5, NULL));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  next = cg_as_completed_next_finish (iter, result, &error);
  g_assert_no_error (error);
  g_assert_true (next == future);
  g_object_unref (next);
  g_object_unref (result);

  g_assert_null (next_ok (iter));
  g_object_unref (future);
}

static void
test_as_completed_duplicates (Fixture *fx)
{
  CgFuture *a = done_future_new (1);
  CgFuture *b = cg_future_new ();
  CgFuture *futures[4] = { a, b, a, b };
  g_autoptr(CgAsCompleted) iter = cg_as_completed_new (futures, 4, FALSE);
  CgFuture *next;

  next = next_ok (iter);
  g_assert_true (next == a);
  g_object_unref (next);
  cg_future_return_int (b, 2, NULL);
  next = next_ok (iter);
  g_assert_true (next == b);
  g_object_unref (next);
  g_assert_null (next_ok (iter));

  g_object_unref (a);
  g_object_unref (b);
}

static CgFuture *
generate_nothing (gpointer user_data)
{
  Fixture *fx = user_data;

  fx->generator_calls++;
  return NULL;
}

static void
test_as_completed_empty (Fixture *fx)
{
  CgAsCompleted *iter;

  /* an empty list ends at once */
  iter = cg_as_completed_new (NULL, 0, FALSE);
  g_assert_null (next_ok (iter));
  g_assert_null (next_ok (iter));
  g_object_unref (iter);

  /* so does a generator that has nothing */
  iter = cg_as_completed_new_from_generator (generate_nothing, fx, fixture_count_destroy, 4,
                                             FALSE);
  g_assert_null (next_ok (iter));
  g_assert_cmpint (fx->generator_calls, ==, 1);
  g_assert_cmpint (fx->destroyed, ==, 1);
  g_assert_null (next_ok (iter));
  g_assert_cmpint (fx->generator_calls, ==, 1);
  g_object_unref (iter);
  g_assert_cmpint (fx->destroyed, ==, 1);
}

static void
test_as_completed_errors (Fixture *fx)
{
  NumberedJob jobs[10];
  CgFuture *futures[10];
  g_autoptr(CgAsCompleted) iter = NULL;
  g_autoptr(GPtrArray) out = NULL;
  guint n_failed = 0, n_ok = 0;
  gboolean seen[10] = { FALSE, };

  for (guint i = 0; i < 10; i++)
    {
      jobs[i].index = (gint) i;
      jobs[i].fail = (i % 2) == 0;
      futures[i] = to_thread_ok (job_numbered, &jobs[i], NULL);
    }

  iter = cg_as_completed_new (futures, 10, FALSE);
  out = drain_all (iter, 10, NULL);
  g_assert_cmpuint (out->len, ==, 10);

  for (guint i = 0; i < out->len; i++)
    {
      CgFuture *future = g_ptr_array_index (out, i);
      GError *error = NULL;
      guint index = 0;

      while (futures[index] != future)
        index++;
      g_assert_false (seen[index]);
      seen[index] = TRUE;

      if (cg_future_check (future, &error))
        {
          g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, (gssize) index);
          g_assert_false (jobs[index].fail);
          n_ok++;
        }
      else
        {
          g_autofree char *message = g_strdup_printf ("job %u failed", index);

          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
          g_assert_cmpstr (error->message, ==, message);
          g_assert_true (jobs[index].fail);
          g_clear_error (&error);
          n_failed++;
        }
    }
  g_assert_cmpuint (n_ok, ==, 5);
  g_assert_cmpuint (n_failed, ==, 5);

  for (guint i = 0; i < 10; i++)
    g_object_unref (futures[i]);
}

/* Three jobs blocked on the gate, watched by a new iteration. */
static CgAsCompleted *
watch_blocked_jobs (Fixture   *fx,
                    gboolean   shield,
                    CgFuture **futures)
{
  fx->n_to_start = 0; /* the gate opens only when the test says so */
  for (guint i = 0; i < 3; i++)
    futures[i] = to_thread_ok (job_gate, fx, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->started) == 3);

  return cg_as_completed_new (futures, 3, shield);
}

static void
check_cancelled_then_done (Fixture   *fx,
                           CgFuture **futures)
{
  for (guint i = 0; i < 3; i++)
    {
      GError *error = NULL;

      g_assert_true (cg_future_is_cancelled (futures[i]));
      wait_done (futures[i]);
      g_assert_false (cg_future_check (futures[i], &error));
      g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
      g_clear_error (&error);
    }
  /* the jobs saw their cancellables, not the gate */
  g_assert_cmpint (g_atomic_int_get (&fx->saw_cancel), ==, 3);
  g_assert_false (cg_test_gate_is_open (&fx->gate));
}

static void
check_shielded_then_done (Fixture   *fx,
                          CgFuture **futures)
{
  for (guint i = 0; i < 3; i++)
    g_assert_false (cg_future_is_cancelled (futures[i]));

  cg_test_gate_open (&fx->gate);
  for (guint i = 0; i < 3; i++)
    {
      wait_done (futures[i]);
      g_assert_false (cg_future_is_cancelled (futures[i]));
      g_assert_cmpint (cg_future_propagate_int (futures[i], NULL), ==, 1);
    }
  g_assert_cmpint (g_atomic_int_get (&fx->saw_cancel), ==, 0);
}

static void
test_as_completed_cancel (Fixture *fx)
{
  CgFuture *futures[3];
  CgAsCompleted *iter = watch_blocked_jobs (fx, FALSE, futures);
  GAsyncResult *result = NULL;
  GError *error = NULL;

  /* a pending call fails once the iteration is cancelled */
  cg_as_completed_next_async (iter, NULL, store_result, &result);
  cg_as_completed_cancel (iter);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_null (cg_as_completed_next_finish (iter, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (result);

  check_cancelled_then_done (fx, futures);

  /* the iteration is over; cancelling again does nothing */
  g_assert_null (next_ok (iter));
  cg_as_completed_cancel (iter);
  g_object_unref (iter);

  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_as_completed_cancel_shield (Fixture *fx)
{
  CgFuture *futures[3];
  CgAsCompleted *iter = watch_blocked_jobs (fx, TRUE, futures);

  cg_as_completed_cancel (iter);
  g_assert_null (next_ok (iter));
  check_shielded_then_done (fx, futures);
  g_object_unref (iter);

  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
run_cancellable_test (Fixture  *fx,
                      gboolean  shield)
{
  CgFuture *futures[3];
  CgAsCompleted *iter = watch_blocked_jobs (fx, shield, futures);
  GCancellable *cancellable = g_cancellable_new ();
  GAsyncResult *result = NULL;
  GError *error = NULL;

  cg_as_completed_next_async (iter, cancellable, store_result, &result);
  cg_test_drain (MAIN_CTX);
  g_assert_null (result);
  g_cancellable_cancel (cancellable);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_null (cg_as_completed_next_finish (iter, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (result);

  if (shield)
    check_shielded_then_done (fx, futures);
  else
    check_cancelled_then_done (fx, futures);

  /* the iteration is over */
  g_assert_null (next_ok (iter));

  g_object_unref (cancellable);
  g_object_unref (iter);
  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_as_completed_cancellable (Fixture *fx)
{
  run_cancellable_test (fx, FALSE);
}

static void
test_as_completed_cancellable_shield (Fixture *fx)
{
  run_cancellable_test (fx, TRUE);
}

static void
test_as_completed_cancelled_before (Fixture *fx)
{
  CgFuture *futures[3];
  CgAsCompleted *iter = watch_blocked_jobs (fx, FALSE, futures);
  GCancellable *cancellable = g_cancellable_new ();
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (next_sync (iter, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  check_cancelled_then_done (fx, futures);

  g_object_unref (cancellable);
  g_object_unref (iter);
  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_as_completed_dispose (Fixture *fx)
{
  CgFuture *futures[3];
  CgAsCompleted *iter;

  /* dropping an unfinished iteration cancels what it watched */
  iter = watch_blocked_jobs (fx, FALSE, futures);
  g_object_unref (iter);
  check_cancelled_then_done (fx, futures);
  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_as_completed_dispose_shield (Fixture *fx)
{
  CgFuture *futures[3];
  CgAsCompleted *iter;

  iter = watch_blocked_jobs (fx, TRUE, futures);
  g_object_unref (iter);
  check_shielded_then_done (fx, futures);
  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static CgFuture *
generate_blocked_jobs (gpointer user_data)
{
  Fixture *fx = user_data;

  fx->generator_calls++;
  if (fx->generated == fx->n_generate)
    return NULL;
  fx->generated++;
  return to_thread_ok (job_gate, fx, NULL);
}

static void
test_as_completed_generator_cancel (Fixture *fx)
{
  CgAsCompleted *iter;
  GAsyncResult *result = NULL;
  GError *error = NULL;

  fx->n_generate = 100;
  iter = cg_as_completed_new_from_generator (generate_blocked_jobs, fx, fixture_count_destroy,
                                             2, FALSE);
  cg_as_completed_next_async (iter, NULL, store_result, &result);
  g_assert_cmpint (fx->generated, ==, 2);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->started) == 2);

  cg_as_completed_cancel (iter);
  /* no more drawing, the generator's data is released */
  g_assert_cmpint (fx->destroyed, ==, 1);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_null (cg_as_completed_next_finish (iter, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (result);

  g_assert_null (next_ok (iter));
  g_assert_cmpint (fx->generated, ==, 2);

  /* the two drawn jobs were cancelled */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->saw_cancel) == 2);
  g_object_unref (iter);
  g_assert_cmpint (fx->destroyed, ==, 1);
}

static void
test_as_completed_pending_twice (Fixture *fx)
{
  CgFuture *future = cg_future_new ();
  g_autoptr(CgAsCompleted) iter = cg_as_completed_new (&future, 1, FALSE);
  GAsyncResult *first = NULL, *second = NULL;
  GError *error = NULL;
  CgFuture *next;

  cg_as_completed_next_async (iter, NULL, store_result, &first);
  cg_as_completed_next_async (iter, NULL, store_result, &second);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, second != NULL);
  g_assert_null (first);
  g_assert_null (cg_as_completed_next_finish (iter, second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  g_object_unref (second);

  /* the first call is unaffected */
  cg_future_return_int (future, 1, NULL);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, first != NULL);
  next = cg_as_completed_next_finish (iter, first, &error);
  g_assert_no_error (error);
  g_assert_true (next == future);
  g_object_unref (next);
  g_object_unref (first);

  g_object_unref (future);
}

static void
skip_own_next_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CgAsCompleted *iter = CG_AS_COMPLETED (source);
  Fixture *fx = user_data;
  GError *error = NULL;
  CgFuture *future;

  future = cg_as_completed_next_finish (iter, result, &error);
  g_assert_no_error (error);
  if (future == NULL)
    {
      g_atomic_int_inc (&fx->finished);
      return;
    }

  g_mutex_lock (&fx->lock);
  g_ptr_array_add (fx->seen, future);
  g_mutex_unlock (&fx->lock);
  cg_as_completed_next_async (iter, NULL, skip_own_next_cb, fx);
}

/* A job that iterates over its own future and fx->done_future. */
static void
job_iterate_list_with_own (CgFuture *future,
                           gpointer  user_data)
{
  Fixture *fx = user_data;
  CgFuture *futures[2] = { future, fx->done_future };
  CgAsCompleted *iter;

  g_assert_true (cg_caller_current_future () == future);
  fx->own_future = g_object_ref (future);
  iter = cg_as_completed_new (futures, 2, FALSE);
  cg_as_completed_next_async (iter, NULL, skip_own_next_cb, fx);
  g_object_unref (iter);
}

static CgFuture *
generate_own_then_done (gpointer user_data)
{
  Fixture *fx = user_data;

  switch (fx->generator_calls++)
    {
    case 0:
      return g_object_ref (fx->own_future);
    case 1:
      return g_object_ref (fx->done_future);
    default:
      return NULL;
    }
}

static void
job_iterate_generator_with_own (CgFuture *future,
                                gpointer  user_data)
{
  Fixture *fx = user_data;
  CgAsCompleted *iter;

  fx->own_future = g_object_ref (future);
  iter = cg_as_completed_new_from_generator (generate_own_then_done, fx, NULL, 1, FALSE);
  cg_as_completed_next_async (iter, NULL, skip_own_next_cb, fx);
  g_object_unref (iter);
}

static void
run_skip_own_test (Fixture   *fx,
                   CgJobFunc  func)
{
  GError *error = NULL;
  CgCaller *caller = cg_caller_start_new ("skip-own", FALSE, NULL, &error);
  CgFuture *job;

  g_assert_no_error (error);
  fx->done_future = done_future_new (9);
  job = cg_caller_call_soon (caller, func, fx, NULL, &error);
  g_assert_no_error (error);

  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->finished) == 1);
  wait_done (job);
  g_mutex_lock (&fx->lock);
  g_assert_cmpuint (fx->seen->len, ==, 1);
  g_assert_true (g_ptr_array_index (fx->seen, 0) == fx->done_future);
  g_mutex_unlock (&fx->lock);
  /* the job's own future was not watched: it was never cancelled */
  g_assert_false (cg_future_is_cancelled (job));
  g_assert_true (job == fx->own_future);

  g_object_unref (job);
  g_object_unref (caller);
}

static void
test_as_completed_skips_own_future (Fixture *fx)
{
  run_skip_own_test (fx, job_iterate_list_with_own);
}

static void
test_as_completed_generator_skips_own_future (Fixture *fx)
{
  run_skip_own_test (fx, job_iterate_generator_with_own);
}

/* ------------------------------------------------------------------ */
/* wait                                                                */
/* ------------------------------------------------------------------ */

static void
assert_futures (GPtrArray *array,
                CgFuture **expected,
                guint      n)
{
  g_assert_nonnull (array);
  g_assert_cmpuint (array->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_true (g_ptr_array_index (array, i) == expected[i]);
}

static void
test_wait_all_completed (Fixture *fx)
{
  NumberedJob jobs[3] = { { 0, FALSE }, { 1, TRUE }, { 2, FALSE } };
  CgFuture *futures[3];
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  GError *error = NULL;

  for (guint i = 0; i < 3; i++)
    futures[i] = to_thread_ok (job_numbered, &jobs[i], NULL);

  g_assert_true (wait_many_sync (futures, 3, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_ALL_COMPLETED,
                                 NULL, &done, &pending, &error));
  g_assert_no_error (error);
  /* a failure does not end an ALL_COMPLETED wait early */
  assert_futures (done, futures, 3);
  assert_futures (pending, NULL, 0);
  for (guint i = 0; i < 3; i++)
    g_assert_true (cg_future_is_done (futures[i]));

  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_wait_first_completed (Fixture *fx)
{
  CgFuture *futures[3];
  CgFuture *expected_pending[2];
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  GError *error = NULL;

  /* two jobs blocked on the gate, one that finishes at once */
  fx->n_to_start = 0;
  futures[0] = to_thread_ok (job_gate, fx, NULL);
  futures[1] = to_thread_ok (job_record, fx, NULL);
  futures[2] = to_thread_ok (job_gate, fx, NULL);

  g_assert_true (wait_many_sync (futures, 3, CG_TIMEOUT_INFINITE,
                                 CG_RETURN_WHEN_FIRST_COMPLETED, NULL, &done, &pending,
                                 &error));
  g_assert_no_error (error);
  assert_futures (done, &futures[1], 1);
  expected_pending[0] = futures[0];
  expected_pending[1] = futures[2];
  assert_futures (pending, expected_pending, 2);

  /* the wait cancels nothing */
  g_assert_false (cg_future_is_cancelled (futures[0]));
  g_assert_false (cg_future_is_cancelled (futures[2]));
  cg_test_gate_open (&fx->gate);
  for (guint i = 0; i < 3; i++)
    {
      wait_done (futures[i]);
      g_assert_false (cg_future_is_cancelled (futures[i]));
      g_object_unref (futures[i]);
    }
}

static void
test_wait_first_completed_manual (Fixture *fx)
{
  CgFuture *futures[3] = { cg_future_new (), cg_future_new (), cg_future_new () };
  CgFuture *expected_pending[2] = { futures[0], futures[2] };
  GAsyncResult *result = NULL;
  GPtrArray *done = NULL, *pending = NULL;
  GError *error = NULL;

  cg_caller_wait_async (futures, 3, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_FIRST_COMPLETED, NULL,
                        store_result, &result);
  cg_test_drain (MAIN_CTX);
  g_assert_null (result);

  cg_future_return_int (futures[1], 1, NULL);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_true (cg_caller_wait_finish (result, &done, &pending, &error));
  g_assert_no_error (error);
  assert_futures (done, &futures[1], 1);
  assert_futures (pending, expected_pending, 2);
  g_ptr_array_unref (done);
  g_ptr_array_unref (pending);
  g_object_unref (result);

  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_wait_first_exception (Fixture *fx)
{
  CgFuture *futures[3] = { cg_future_new (), cg_future_new (), cg_future_new () };
  GAsyncResult *result = NULL;
  GPtrArray *done = NULL, *pending = NULL;
  GError *error = NULL;

  cg_caller_wait_async (futures, 3, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_FIRST_EXCEPTION, NULL,
                        store_result, &result);

  /* a success does not end it */
  cg_future_return_int (futures[0], 0, NULL);
  cg_test_drain (MAIN_CTX);
  g_assert_null (result);

  /* a failure does */
  cg_future_return_new_error (futures[1], G_IO_ERROR, G_IO_ERROR_FAILED, NULL, "failed");
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_true (cg_caller_wait_finish (result, &done, &pending, &error));
  g_assert_no_error (error);
  assert_futures (done, futures, 2);
  assert_futures (pending, &futures[2], 1);
  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&pending, g_ptr_array_unref);
  g_clear_object (&result);

  /* and so does a cancelled future */
  cg_caller_wait_async (&futures[2], 1, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_FIRST_EXCEPTION,
                        NULL, store_result, &result);
  g_assert_true (cg_future_cancel (futures[2], "no longer needed"));
  cg_future_return_int (futures[2], 2, NULL);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_true (cg_caller_wait_finish (result, &done, NULL, &error));
  g_assert_no_error (error);
  assert_futures (done, &futures[2], 1);
  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_object (&result);

  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_wait_first_exception_none (Fixture *fx)
{
  NumberedJob jobs[3] = { { 0, FALSE }, { 1, FALSE }, { 2, FALSE } };
  CgFuture *futures[3];
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  GError *error = NULL;

  for (guint i = 0; i < 3; i++)
    futures[i] = to_thread_ok (job_numbered, &jobs[i], NULL);

  /* without any failure it waits for all */
  g_assert_true (wait_many_sync (futures, 3, CG_TIMEOUT_INFINITE,
                                 CG_RETURN_WHEN_FIRST_EXCEPTION, NULL, &done, &pending,
                                 &error));
  g_assert_no_error (error);
  assert_futures (done, futures, 3);
  assert_futures (pending, NULL, 0);

  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

static void
test_wait_timeout (Fixture *fx)
{
  CgFuture *futures[2];
  CgFuture *ready = done_future_new (1);
  CgFuture *all[3];
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  GError *error = NULL;

  fx->n_to_start = 0;
  futures[0] = to_thread_ok (job_gate, fx, NULL);
  futures[1] = to_thread_ok (job_gate, fx, NULL);
  all[0] = futures[0];
  all[1] = ready;
  all[2] = futures[1];

  /* a timeout is no error: the sets come as they are */
  g_assert_true (wait_many_sync (all, 3, 0.05, CG_RETURN_WHEN_ALL_COMPLETED, NULL, &done,
                                 &pending, &error));
  g_assert_no_error (error);
  assert_futures (done, &ready, 1);
  assert_futures (pending, futures, 2);

  /* and it cancels nothing */
  g_assert_false (cg_future_is_cancelled (futures[0]));
  g_assert_false (cg_future_is_cancelled (futures[1]));
  cg_test_gate_open (&fx->gate);
  for (guint i = 0; i < 2; i++)
    {
      wait_done (futures[i]);
      g_assert_cmpint (cg_future_propagate_int (futures[i], NULL), ==, 1);
      g_object_unref (futures[i]);
    }
  g_object_unref (ready);
}

static void
test_wait_cancellable (Fixture *fx)
{
  CgFuture *futures[2] = { cg_future_new (), cg_future_new () };
  GCancellable *cancellable = g_cancellable_new ();
  GAsyncResult *result = NULL;
  GPtrArray *done = NULL, *pending = NULL;
  GError *error = NULL;

  cg_caller_wait_async (futures, 2, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_ALL_COMPLETED,
                        cancellable, store_result, &result);
  cg_test_drain (MAIN_CTX);
  g_assert_null (result);
  g_cancellable_cancel (cancellable);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_false (cg_caller_wait_finish (result, &done, &pending, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (done);
  g_assert_null (pending);
  g_object_unref (result);

  /* the futures are left alone */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (cg_future_is_cancelled (futures[i]));
      g_assert_true (cg_future_return_int (futures[i], 1, NULL));
      g_object_unref (futures[i]);
    }
  cg_test_drain (MAIN_CTX);
  g_object_unref (cancellable);
}

static void
test_wait_empty_and_done (Fixture *fx)
{
  CgFuture *futures[2] = { done_future_new (1), done_future_new (2) };
  GPtrArray *done = NULL, *pending = NULL;
  GError *error = NULL;

  /* nothing to wait for ends at once */
  g_assert_true (wait_many_sync (NULL, 0, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_FIRST_COMPLETED,
                                 NULL, &done, &pending, &error));
  g_assert_no_error (error);
  assert_futures (done, NULL, 0);
  assert_futures (pending, NULL, 0);
  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&pending, g_ptr_array_unref);

  /* nor does a list of done futures wait */
  g_assert_true (wait_many_sync (futures, 2, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_ALL_COMPLETED,
                                 NULL, &done, &pending, &error));
  g_assert_no_error (error);
  assert_futures (done, futures, 2);
  assert_futures (pending, NULL, 0);
  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&pending, g_ptr_array_unref);

  for (guint i = 0; i < 2; i++)
    g_object_unref (futures[i]);
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

#define EXPECT_CRITICAL()                                                      \
  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*")

static void
test_bad_input (Fixture *fx)
{
  GError *error = NULL;
  CgFuture *futures[2] = { cg_future_new (), NULL };

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_to_thread (NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_to_thread_by_name ("", job_record, fx, NULL, &error));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_as_completed_new (NULL, 2, FALSE));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_as_completed_new (futures, 2, FALSE));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_as_completed_new_from_generator (NULL, NULL, NULL, 1, FALSE));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  cg_as_completed_next_async (NULL, NULL, NULL, NULL);
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  cg_caller_wait_async (NULL, 1, CG_TIMEOUT_INFINITE, CG_RETURN_WHEN_ALL_COMPLETED, NULL,
                        NULL, NULL);
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  cg_caller_wait_async (futures, 1, CG_TIMEOUT_INFINITE, (CgReturnWhen) 42, NULL, NULL, NULL);
  g_test_assert_expected_messages ();

  g_assert_no_error (error);
  g_object_unref (futures[0]);
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);

  pool_test_add ("/pool/max-idle/setting", test_max_idle_setting);
  pool_test_add ("/pool/to-thread/basic", test_to_thread_basic);
  pool_test_add ("/pool/to-thread/reuse", test_to_thread_reuse);
  pool_test_add ("/pool/to-thread/burst", test_to_thread_burst);
  pool_test_add ("/pool/shrinks", test_pool_shrinks);
  pool_test_add ("/pool/max-idle/lower", test_pool_lower_limit);
  pool_test_add ("/pool/worker-stopped-by-others", test_pool_worker_stopped_by_others);
  pool_test_add ("/pool/to-thread/from-pool-job", test_to_thread_from_pool_job);
  pool_test_add ("/pool/to-thread-by-name", test_to_thread_by_name);
  pool_test_add ("/pool/stop-all/force", test_stop_all_force_stops_pool);
  pool_test_add ("/pool/stop-all/unprotected", test_stop_all_stops_pool);
  g_test_add_func ("/pool/to-thread/no-thread", test_to_thread_no_thread);
  g_test_add_func ("/pool/to-thread/no-thread/subprocess/probe", test_no_thread_probe);
  g_test_add_func ("/pool/to-thread/no-thread/subprocess/run", test_no_thread_run);

  pool_test_add ("/as-completed/generator/limit", test_as_completed_generator_limit);
  pool_test_add ("/as-completed/generator/default-limit",
                 test_as_completed_generator_default_limit);
  pool_test_add ("/as-completed/generator/cancel", test_as_completed_generator_cancel);
  pool_test_add ("/as-completed/generator/skips-own-future",
                 test_as_completed_generator_skips_own_future);
  pool_test_add ("/as-completed/done-first", test_as_completed_done_first);
  pool_test_add ("/as-completed/pending-then-complete", test_as_completed_pending_then_complete);
  pool_test_add ("/as-completed/duplicates", test_as_completed_duplicates);
  pool_test_add ("/as-completed/empty", test_as_completed_empty);
  pool_test_add ("/as-completed/errors", test_as_completed_errors);
  pool_test_add ("/as-completed/cancel", test_as_completed_cancel);
  pool_test_add ("/as-completed/cancel-shield", test_as_completed_cancel_shield);
  pool_test_add ("/as-completed/cancellable", test_as_completed_cancellable);
  pool_test_add ("/as-completed/cancellable-shield", test_as_completed_cancellable_shield);
  pool_test_add ("/as-completed/cancelled-before", test_as_completed_cancelled_before);
  pool_test_add ("/as-completed/dispose", test_as_completed_dispose);
  pool_test_add ("/as-completed/dispose-shield", test_as_completed_dispose_shield);
  pool_test_add ("/as-completed/pending-twice", test_as_completed_pending_twice);
  pool_test_add ("/as-completed/skips-own-future", test_as_completed_skips_own_future);

  pool_test_add ("/wait/all-completed", test_wait_all_completed);
  pool_test_add ("/wait/first-completed", test_wait_first_completed);
  pool_test_add ("/wait/first-completed-manual", test_wait_first_completed_manual);
  pool_test_add ("/wait/first-exception", test_wait_first_exception);
  pool_test_add ("/wait/first-exception-none", test_wait_first_exception_none);
  pool_test_add ("/wait/timeout", test_wait_timeout);
  pool_test_add ("/wait/cancellable", test_wait_cancellable);
  pool_test_add ("/wait/empty-and-done", test_wait_empty_and_done);

  pool_test_add ("/pool/bad-input", test_bad_input);

  return g_test_run ();
}
