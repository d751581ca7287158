/* test-as-completed.c: tests of CgAsCompleted (cg_as_completed_new(),
 * cg_as_completed_new_from_generator(), cg_as_completed_next_async()) and
 * of cg_caller_wait_async()
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The futures these tests watch are mostly jobs of the worker pool, so
 * they share the pool tests' fixture and jobs (test-pool-helpers.h).
 */

#include <caller-glib.h>

#include "test-pool-helpers.h"

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

static CgFuture *generate_nothing (gpointer user_data);

static CgFuture *
generate_done_numbers (gpointer user_data)
{
  Fixture *fx = user_data;

  if (fx->generator_calls >= fx->n_generate)
    return NULL;
  return done_future_new (fx->generator_calls++);
}

/* cg_as_completed_try_next(): what is done comes out, nothing waits. */
static void
test_as_completed_try_next (Fixture *fx)
{
  CgFuture *futures[3];
  g_autoptr(CgAsCompleted) iter = NULL;
  gboolean finished = TRUE;
  CgFuture *next;

  futures[0] = cg_future_new ();      /* pending */
  futures[1] = done_future_new (1);
  futures[2] = cg_future_new ();      /* pending */
  iter = cg_as_completed_new (futures, 3, FALSE);

  next = cg_as_completed_try_next (iter, &finished);
  g_assert_true (next == futures[1]);
  g_assert_false (finished);
  g_object_unref (next);

  /* nothing done: nothing, and not over */
  finished = TRUE;
  g_assert_null (cg_as_completed_try_next (iter, &finished));
  g_assert_false (finished);

  /* next_async() still serves what try_next() did not take */
  g_assert_true (cg_future_return_int (futures[2], 2, NULL));
  next = next_ok (iter);
  g_assert_true (next == futures[2]);
  g_object_unref (next);

  g_assert_true (cg_future_return_int (futures[0], 0, NULL));
  next = cg_as_completed_try_next (iter, NULL);
  g_assert_true (next == futures[0]);
  g_object_unref (next);

  /* every future came out: over, for good */
  g_assert_null (cg_as_completed_try_next (iter, &finished));
  g_assert_true (finished);
  g_assert_null (next_ok (iter));

  /* a generator is drawn by try_next() too, and over once it runs dry */
  g_clear_object (&iter);
  iter = cg_as_completed_new_from_generator (generate_nothing, fx, fixture_count_destroy, 4,
                                             FALSE);
  finished = FALSE;
  g_assert_null (cg_as_completed_try_next (iter, &finished));
  g_assert_true (finished);
  g_assert_cmpint (fx->generator_calls, ==, 1);
  g_assert_cmpint (fx->destroyed, ==, 1);

  /* a generator of done futures: the first call draws and hands one out */
  g_clear_object (&iter);
  fx->n_generate = 3;
  fx->generator_calls = 0;
  iter = cg_as_completed_new_from_generator (generate_done_numbers, fx, NULL, 2, FALSE);
  for (gssize i = 0; i < 3; i++)
    {
      next = cg_as_completed_try_next (iter, &finished);
      g_assert_nonnull (next);
      g_assert_false (finished);
      g_assert_cmpint (cg_future_propagate_int (next, NULL), ==, i);
      g_object_unref (next);
    }
  g_assert_null (cg_as_completed_try_next (iter, &finished));
  g_assert_true (finished);

  /* cancelled: over */
  g_clear_object (&iter);
  iter = cg_as_completed_new (futures, 1, TRUE);
  cg_as_completed_cancel (iter);
  finished = FALSE;
  g_assert_null (cg_as_completed_try_next (iter, &finished));
  g_assert_true (finished);

  for (guint i = 0; i < 3; i++)
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
/* as_completed answered by the iteration on a caller's thread         */
/* ------------------------------------------------------------------ */

/* With the main thread's caller running the default context, the calls
 * the tests make there are answered by the iteration itself (not by the
 * reply layer): the same tests again, and what only that way has. */
static void
fixture_run_main_caller (Fixture       *fx,
                         gconstpointer  data)
{
  PoolTestFunc func = (PoolTestFunc) data;

  if (cg_test_isolate_all () && !cg_test_in_subprocess ())
    return;
  cg_test_main_caller ();
  func (fx);
}

static GThread *main_thread;

#define main_caller_test_add(path, func)                                      \
  g_test_add ((path), Fixture, (gconstpointer) (PoolTestFunc) (func),         \
              fixture_setup, fixture_run_main_caller, fixture_teardown)

typedef struct
{
  CgAsCompleted *iter;
  CgFuture     **futures;
  guint          n_futures;
  guint          n_out;
  gboolean       in_callback;
  gboolean       in_next_async;
  gboolean       finished;
  CgContextVar  *variable;
} Batch;

static void
batch_next_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Batch *batch = user_data;
  GError *error = NULL;
  CgFuture *future;

  /* Never inside the call that asked, never inside another callback, on
   * the asking thread, in the context of the call. */
  g_assert_false (batch->in_next_async);
  g_assert_false (batch->in_callback);
  g_assert_true (g_thread_self () == main_thread);
  g_assert_true (cg_context_var_get_pointer (batch->variable) == batch);
  g_assert_true (g_async_result_is_tagged (result, cg_as_completed_next_async));
  g_assert_true (g_async_result_get_user_data (result) == batch);
  batch->in_callback = TRUE;

  future = cg_as_completed_next_finish (batch->iter, result, &error);
  g_assert_no_error (error);
  if (future == NULL)
    {
      g_assert_false (batch->finished);
      batch->finished = TRUE;
    }
  else
    {
      /* done already: in the order given, each once */
      g_assert_cmpuint (batch->n_out, <, batch->n_futures);
      g_assert_true (future == batch->futures[batch->n_out]);
      batch->n_out++;
      g_object_unref (future);

      batch->in_next_async = TRUE;
      cg_as_completed_next_async (batch->iter, NULL, batch_next_cb, batch);
      batch->in_next_async = FALSE;
    }

  batch->in_callback = FALSE;
}

static void
test_as_completed_ready_batch (Fixture *fx)
{
  const guint n = 2000;
  Batch batch = { 0 };
  CgContextToken *token;
  gint64 deadline = cg_test_deadline (CG_TEST_TIMEOUT_S);
  guint iterations = 0;

  batch.variable = cg_context_var_new ("batch", NULL);
  token = cg_context_var_set_pointer (batch.variable, &batch);
  batch.n_futures = n;
  batch.futures = g_new (CgFuture *, n);
  for (guint i = 0; i < n; i++)
    batch.futures[i] = done_future_new (i);
  batch.iter = cg_as_completed_new (batch.futures, n, FALSE);

  cg_as_completed_next_async (batch.iter, NULL, batch_next_cb, &batch);
  g_assert_cmpuint (batch.n_out, ==, 0);
  g_assert_true (cg_context_var_reset (batch.variable, token, NULL));
  cg_context_token_unref (token);

  while (!batch.finished)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (g_main_context_iteration (MAIN_CTX, FALSE))
        iterations++;
    }
  g_assert_cmpuint (batch.n_out, ==, n);

  /* A callback that asks for a future that is ready gets it once it has
   * returned, from the same dispatch: far fewer main-loop iterations than
   * futures (a batch stops after 16 answers at least, and only when it
   * has run for a while). */
  g_assert_cmpuint (iterations, <=, n / 16 + 4);

  g_object_unref (batch.iter);
  for (guint i = 0; i < n; i++)
    g_object_unref (batch.futures[i]);
  g_free (batch.futures);
  g_object_unref (batch.variable);
}

static void
test_as_completed_keep_result (Fixture *fx)
{
  CgFuture *futures[3] = { done_future_new (1), done_future_new (2), cg_future_new () };
  g_autoptr(CgAsCompleted) iter = cg_as_completed_new (futures, 3, FALSE);
  GAsyncResult *first = NULL, *second = NULL;
  GError *error = NULL;
  CgFuture *next;

  /* A callback may keep its result and finish it later, after the
   * iteration has gone on: each result keeps its own answer. */
  cg_as_completed_next_async (iter, NULL, store_result, &first);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, first != NULL);
  cg_as_completed_next_async (iter, NULL, store_result, &second);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, second != NULL);
  g_assert_true (first != second);

  next = cg_as_completed_next_finish (iter, second, &error);
  g_assert_no_error (error);
  g_assert_true (next == futures[1]);
  g_object_unref (next);
  next = cg_as_completed_next_finish (iter, first, &error);
  g_assert_no_error (error);
  g_assert_true (next == futures[0]);
  g_object_unref (next);
  g_object_unref (first);
  g_object_unref (second);

  /* and the steps after them are answered as usual */
  cg_future_return_int (futures[2], 3, NULL);
  next = next_ok (iter);
  g_assert_true (next == futures[2]);
  g_object_unref (next);
  g_assert_null (next_ok (iter));

  for (guint i = 0; i < 3; i++)
    g_object_unref (futures[i]);
}

typedef struct
{
  CgAsCompleted *iter;
  CgFuture      *out[2];
  guint          depth;
  guint          nested_depth;
} Nested;

static void
nested_second_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Nested *nested = user_data;

  nested->nested_depth = nested->depth;
  nested->out[1] = cg_as_completed_next_finish (nested->iter, result, NULL);
}

static void
nested_first_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Nested *nested = user_data;

  nested->out[0] = cg_as_completed_next_finish (nested->iter, result, NULL);

  /* The next answer is ready at once; a main loop run inside this
   * callback delivers it, as it would any other answer. */
  nested->depth++;
  cg_as_completed_next_async (nested->iter, NULL, nested_second_cb, nested);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, nested->out[1] != NULL);
  nested->depth--;
}

static void
test_as_completed_nested_loop (Fixture *fx)
{
  CgFuture *futures[2] = { done_future_new (1), done_future_new (2) };
  g_autoptr(CgAsCompleted) iter = cg_as_completed_new (futures, 2, FALSE);
  Nested nested = { iter, { NULL, NULL }, 0, 0 };

  cg_as_completed_next_async (iter, NULL, nested_first_cb, &nested);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, nested.out[1] != NULL);
  g_assert_true (nested.out[0] == futures[0]);
  g_assert_true (nested.out[1] == futures[1]);
  g_assert_cmpuint (nested.nested_depth, ==, 1);
  g_assert_null (next_ok (iter));

  for (guint i = 0; i < 2; i++)
    {
      g_object_unref (nested.out[i]);
      g_object_unref (futures[i]);
    }
}

static void
test_as_completed_pending_until_callback (Fixture *fx)
{
  CgFuture *futures[2] = { done_future_new (1), done_future_new (2) };
  g_autoptr(CgAsCompleted) iter = cg_as_completed_new (futures, 2, FALSE);
  GAsyncResult *first = NULL, *second = NULL;
  GError *error = NULL;
  CgFuture *next;

  /* The first call has its answer, but its callback has not run: it is
   * still pending, and a second call fails. */
  cg_as_completed_next_async (iter, NULL, store_result, &first);
  cg_as_completed_next_async (iter, NULL, store_result, &second);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, first != NULL && second != NULL);
  g_assert_null (cg_as_completed_next_finish (iter, second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  next = cg_as_completed_next_finish (iter, first, &error);
  g_assert_no_error (error);
  g_assert_true (next == futures[0]);
  g_object_unref (next);
  g_clear_object (&first);
  g_clear_object (&second);

  /* the second future was not lost */
  next = next_ok (iter);
  g_assert_true (next == futures[1]);
  g_object_unref (next);
  g_assert_null (next_ok (iter));

  for (guint i = 0; i < 2; i++)
    g_object_unref (futures[i]);
}

/* The asking thread changes: a job of another caller asks for the second
 * future, and its callback runs there. */
static void
other_thread_next_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Fixture *fx = user_data;
  CgFuture *future = cg_as_completed_next_finish (CG_AS_COMPLETED (source), result, NULL);

  g_assert_nonnull (future);
  g_mutex_lock (&fx->lock);
  g_hash_table_add (fx->threads, g_thread_self ());
  g_ptr_array_add (fx->seen, future);
  g_mutex_unlock (&fx->lock);
  g_atomic_int_inc (&fx->finished);
}

static CgAsCompleted *asked_iter; /* what job_ask_next() asks */

static void
job_ask_next (CgFuture *future,
              gpointer  user_data)
{
  cg_as_completed_next_async (asked_iter, NULL, other_thread_next_cb, user_data);
}

static void
test_as_completed_other_thread (Fixture *fx)
{
  CgFuture *futures[2] = { done_future_new (1), cg_future_new () };
  CgAsCompleted *iter = cg_as_completed_new (futures, 2, FALSE);
  GError *error = NULL;
  CgCaller *caller;
  CgFuture *next, *job;

  next = next_ok (iter);
  g_assert_true (next == futures[0]);
  g_object_unref (next);

  caller = cg_caller_start_new ("as-completed-asker", FALSE, NULL, &error);
  g_assert_no_error (error);
  asked_iter = iter;
  job = cg_caller_call_soon (caller, job_ask_next, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (job);
  g_assert_true (cg_future_return_int (futures[1], 2, NULL));

  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->finished) == 1);
  g_mutex_lock (&fx->lock);
  g_assert_true (g_ptr_array_index (fx->seen, 0) == futures[1]);
  g_assert_true (g_hash_table_contains (fx->threads, cg_caller_get_thread (caller)));
  g_mutex_unlock (&fx->lock);

  /* and back on this thread */
  g_assert_null (next_ok (iter));

  asked_iter = NULL;
  g_object_unref (iter);
  g_object_unref (job);
  g_object_unref (caller);
  for (guint i = 0; i < 2; i++)
    g_object_unref (futures[i]);
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
  CgFuture *futures[2] = { cg_future_new (), NULL };

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

  g_object_unref (futures[0]);
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);
  main_thread = g_thread_self ();

  pool_test_add ("/as-completed/generator/limit", test_as_completed_generator_limit);
  pool_test_add ("/as-completed/generator/default-limit",
                 test_as_completed_generator_default_limit);
  pool_test_add ("/as-completed/generator/cancel", test_as_completed_generator_cancel);
  pool_test_add ("/as-completed/generator/skips-own-future",
                 test_as_completed_generator_skips_own_future);
  pool_test_add ("/as-completed/done-first", test_as_completed_done_first);
  pool_test_add ("/as-completed/try-next", test_as_completed_try_next);
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
  pool_test_add ("/as-completed/bad-input", test_bad_input);
  pool_test_add ("/as-completed/pending-until-callback", test_as_completed_pending_until_callback);
  pool_test_add ("/as-completed/keep-result", test_as_completed_keep_result);

  main_caller_test_add ("/as-completed/main-caller/done-first", test_as_completed_done_first);
  main_caller_test_add ("/as-completed/main-caller/pending-then-complete",
                        test_as_completed_pending_then_complete);
  main_caller_test_add ("/as-completed/main-caller/duplicates", test_as_completed_duplicates);
  main_caller_test_add ("/as-completed/main-caller/empty", test_as_completed_empty);
  main_caller_test_add ("/as-completed/main-caller/errors", test_as_completed_errors);
  main_caller_test_add ("/as-completed/main-caller/cancel", test_as_completed_cancel);
  main_caller_test_add ("/as-completed/main-caller/cancel-shield", test_as_completed_cancel_shield);
  main_caller_test_add ("/as-completed/main-caller/cancellable", test_as_completed_cancellable);
  main_caller_test_add ("/as-completed/main-caller/cancellable-shield",
                        test_as_completed_cancellable_shield);
  main_caller_test_add ("/as-completed/main-caller/cancelled-before",
                        test_as_completed_cancelled_before);
  main_caller_test_add ("/as-completed/main-caller/dispose", test_as_completed_dispose);
  main_caller_test_add ("/as-completed/main-caller/generator/limit",
                        test_as_completed_generator_limit);
  main_caller_test_add ("/as-completed/main-caller/generator/cancel",
                        test_as_completed_generator_cancel);
  main_caller_test_add ("/as-completed/main-caller/pending-twice", test_as_completed_pending_twice);
  main_caller_test_add ("/as-completed/main-caller/pending-until-callback",
                        test_as_completed_pending_until_callback);
  main_caller_test_add ("/as-completed/main-caller/keep-result", test_as_completed_keep_result);
  main_caller_test_add ("/as-completed/main-caller/ready-batch", test_as_completed_ready_batch);
  main_caller_test_add ("/as-completed/main-caller/nested-loop", test_as_completed_nested_loop);
  main_caller_test_add ("/as-completed/main-caller/other-thread", test_as_completed_other_thread);

  pool_test_add ("/wait/all-completed", test_wait_all_completed);
  pool_test_add ("/wait/first-completed", test_wait_first_completed);
  pool_test_add ("/wait/first-completed-manual", test_wait_first_completed_manual);
  pool_test_add ("/wait/first-exception", test_wait_first_exception);
  pool_test_add ("/wait/first-exception-none", test_wait_first_exception_none);
  pool_test_add ("/wait/timeout", test_wait_timeout);
  pool_test_add ("/wait/cancellable", test_wait_cancellable);
  pool_test_add ("/wait/empty-and-done", test_wait_empty_and_done);

  return g_test_run ();
}
