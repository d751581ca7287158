/* test-pool-helpers.h: what the worker pool tests (test-pool.c) and the
 * as_completed / wait tests (test-as-completed.c) share: a fixture that
 * jobs can point at, a few jobs, and helpers that wait (always with a
 * deadline) for futures and iterations.
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <caller-glib.h>

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

static inline void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_mutex_init (&fx->lock);
  fx->threads = g_hash_table_new (NULL, NULL);
  fx->seen = g_ptr_array_new_with_free_func (g_object_unref);
  cg_test_gate_init (&fx->gate);
}

static inline void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  /* Let blocked jobs go, then stop every caller this test started
   * (pool workers included; they are ordinary callers). */
  cg_test_gate_open (&fx->gate);
  cg_caller_stop_all (TRUE);
  cg_caller_set_max_idle_pool_instances (CG_DEFAULT_MAX_IDLE_POOL_INSTANCES);
  cg_caller_set_max_pool_threads (0);
  cg_test_drain (MAIN_CTX);

  g_clear_object (&fx->job_future);
  g_clear_object (&fx->done_future);
  g_clear_object (&fx->own_future);
  g_ptr_array_unref (fx->seen);
  g_hash_table_unref (fx->threads);
  cg_test_gate_clear (&fx->gate);
  g_mutex_clear (&fx->lock);

  /* GTest runs a fixture's teardown after the test's queued destroy
   * notifies: the check of what the test left comes here instead. */
  cg_test_check_clean (g_strdup (g_test_get_path ()));
}

/* Runs the test in the test program itself, as cg_test_add() does: the
 * teardown above stops every caller the test started, then checks that
 * nothing was left (cg_test_check_clean()). */
static inline void
fixture_run (Fixture       *fx,
             gconstpointer  data)
{
  PoolTestFunc func = (PoolTestFunc) data;

  if (cg_test_isolate_all () && !cg_test_in_subprocess ())
    return;
  func (fx);
}

/* Runs the test in a subprocess of its own, as cg_test_add_isolated()
 * does, with the fixture set up and torn down there too. */
static inline void
fixture_run_isolated (Fixture       *fx,
                      gconstpointer  data)
{
  PoolTestFunc func = (PoolTestFunc) data;

  if (!cg_test_in_subprocess ())
    return;
  func (fx);
}

#define pool_test_add(path, func)                                             \
  g_test_add ((path), Fixture, (gconstpointer) (PoolTestFunc) (func),         \
              fixture_setup, fixture_run, fixture_teardown)

/* For a test that changes the process for good: say why where it is used. */
#define pool_test_add_isolated(path, func)                                    \
  g_test_add ((path), Fixture, (gconstpointer) (PoolTestFunc) (func),         \
              fixture_setup, fixture_run_isolated, fixture_teardown)

/* ------------------------------------------------------------------ */
/* Jobs                                                                */
/* ------------------------------------------------------------------ */

static inline void
record_thread (Fixture *fx)
{
  g_mutex_lock (&fx->lock);
  g_hash_table_add (fx->threads, g_thread_self ());
  g_mutex_unlock (&fx->lock);
}

static inline guint
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
static inline void
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
static inline void
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
static inline void
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

static inline void
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

static inline CgFuture *
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
static inline void
wait_done (CgFuture *future)
{
  GError *error = NULL;

  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT,
                                      NULL, &error));
  g_assert_no_error (error);
}

static inline guint
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

static inline void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Asks for the next future and iterates the main context until it comes. */
static inline CgFuture *
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

static inline CgFuture *
next_ok (CgAsCompleted *iter)
{
  GError *error = NULL;
  CgFuture *future = next_sync (iter, NULL, &error);

  g_assert_no_error (error);
  return future;
}

/* Takes every future out of @iter (at most @max) into a new array. */
static inline GPtrArray *
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

static inline gboolean
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

static inline CgFuture *
done_future_new (gssize value)
{
  CgFuture *future = cg_future_new ();

  g_assert_true (cg_future_return_int (future, value, NULL));
  return future;
}

static inline void
fixture_count_destroy (gpointer user_data)
{
  Fixture *fx = user_data;

  g_atomic_int_inc (&fx->destroyed);
}

