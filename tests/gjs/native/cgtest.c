/* cgtest.c: a small native library for the GJS tests of caller-glib
 *
 * JavaScript runs on one thread only, so whatever the GJS tests need done
 * on other threads is done here, in C: work on pooled worker threads whose
 * futures JS awaits, and a lock held by a native thread.
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cgtest.h"

static gint cancelled_count = 0;
static GThread *main_thread = NULL;

/* Records the thread that loaded the library: GJS loads it from its one
 * JS thread. */
__attribute__((constructor)) static void
cg_test_init (void)
{
  main_thread = g_thread_self ();
}

typedef struct
{
  CgFuture *outer;    /* owned by the submitting thread, or NULL */
  gint      value;
  gdouble   seconds;
  char     *text;
  gboolean  fail;
} Work;

static void
work_free (gpointer data)
{
  Work *work = data;

  /* Dropped before it ran (its worker was stopped, say): nobody waits for
   * ever. */
  if (work->outer != NULL && !cg_future_is_done (work->outer))
    {
      cg_future_cancel (work->outer, "The native work was dropped");
      cg_future_return_boolean (work->outer, FALSE, NULL);
    }
  g_clear_object (&work->outer);
  g_free (work->text);
  g_free (work);
}

/* Sleeps up to @seconds in small steps; returns FALSE as soon as @future
 * (or @cancellable) is cancelled. */
static gboolean
nap (gdouble       seconds,
     CgFuture     *future,
     GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      if ((future != NULL && cg_future_is_cancelled (future)) ||
          g_cancellable_is_cancelled (cancellable))
        {
          g_atomic_int_inc (&cancelled_count);
          return FALSE;
        }
      g_usleep (2000);
    }
  return TRUE;
}

/* Runs on a pool worker: completes the submitter's future from there. */
static void
work_for_outer (CgFuture *future,
                gpointer  user_data)
{
  Work *work = user_data;
  g_autoptr(GError) error = NULL;

  g_assert (g_thread_self () != main_thread);

  if (!nap (work->seconds, work->outer, cg_future_get_cancellable (future)))
    {
      /* Whatever is set now, a cancelled future completes as cancelled. */
      cg_future_return_boolean (work->outer, FALSE, NULL);
      return;
    }

  if (work->fail)
    cg_future_return_new_error (work->outer, G_IO_ERROR, G_IO_ERROR_FAILED, &error,
                                "%s", work->text);
  else if (work->text != NULL)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_STRING);
      g_value_set_string (&value, work->text);
      cg_future_return_value (work->outer, &value, &error);
    }
  else
    cg_future_return_int (work->outer, work->value * 2, &error);

  if (error != NULL)
    g_warning ("cgtest: could not complete the future: %s", error->message);
}

static CgFuture *
submit_outer (Work *work)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgFuture) job = NULL;
  CgFuture *outer = cg_future_new ();

  work->outer = g_object_ref (outer);
  job = cg_caller_to_thread (work_for_outer, work, work_free, &error);
  if (job == NULL)
    cg_future_return_error (outer, g_steal_pointer (&error), NULL);

  return outer;
}

/**
 * cg_test_native_work:
 * @value: a number
 * @seconds: how long the native thread works
 *
 * Works on a pooled native thread and completes, from that thread, a future
 * that belongs to the calling thread (whose done callbacks therefore run
 * there, through its caller). Cancelling the future stops the work.
 *
 * Returns: (transfer full): a future of the calling thread; its result is
 *   the int @value * 2
 */
CgFuture *
cg_test_native_work (gint    value,
                     gdouble seconds)
{
  Work *work = g_new0 (Work, 1);

  work->value = value;
  work->seconds = seconds;
  return submit_outer (work);
}

/**
 * cg_test_native_fail:
 * @message: the error message
 * @seconds: how long the native thread works first
 *
 * As cg_test_native_work(), but the future fails with %G_IO_ERROR_FAILED.
 *
 * Returns: (transfer full): a future of the calling thread
 */
CgFuture *
cg_test_native_fail (const char *message,
                     gdouble     seconds)
{
  Work *work = g_new0 (Work, 1);

  work->seconds = seconds;
  work->text = g_strdup (message);
  work->fail = TRUE;
  return submit_outer (work);
}

/**
 * cg_test_native_echo_string:
 * @text: a string
 * @seconds: how long the native thread works first
 *
 * As cg_test_native_work(), but the result is a #GValue holding @text.
 *
 * Returns: (transfer full): a future of the calling thread
 */
CgFuture *
cg_test_native_echo_string (const char *text,
                            gdouble     seconds)
{
  Work *work = g_new0 (Work, 1);

  work->seconds = seconds;
  work->text = g_strdup (text != NULL ? text : "");
  return submit_outer (work);
}

static void
work_in_job (CgFuture *future,
             gpointer  user_data)
{
  Work *work = user_data;

  g_assert (g_thread_self () != main_thread);

  if (!nap (work->seconds, future, cg_future_get_cancellable (future)))
    return;
  cg_future_return_int (future, work->value * 2, NULL);
}

/**
 * cg_test_native_work_pooled:
 * @value: a number
 * @seconds: how long the native thread works
 *
 * Works on a pooled native thread with cg_caller_to_thread() and returns
 * that job's future, which belongs to the worker's thread: wait for it
 * with cg_future_wait_async() (its done callbacks would run on the worker).
 *
 * Returns: (transfer full): the job's future; its result is the int
 *   @value * 2
 */
CgFuture *
cg_test_native_work_pooled (gint    value,
                            gdouble seconds)
{
  g_autoptr(GError) error = NULL;
  Work *work = g_new0 (Work, 1);
  CgFuture *job;

  work->value = value;
  work->seconds = seconds;
  job = cg_caller_to_thread (work_in_job, work, work_free, &error);
  if (job == NULL)
    {
      job = cg_future_new ();
      cg_future_return_error (job, g_steal_pointer (&error), NULL);
    }
  return job;
}

/**
 * cg_test_native_work_on:
 * @caller: a caller, running in a thread of its own
 * @value: a number
 * @seconds: how long the job works
 * @error: return location for a #GError
 *
 * Runs a native job in @caller with cg_caller_call_soon().
 *
 * Returns: (transfer full): the job's future (it belongs to the thread of
 *   @caller); its result is the int @value * 2
 */
CgFuture *
cg_test_native_work_on (CgCaller  *caller,
                        gint       value,
                        gdouble    seconds,
                        GError   **error)
{
  Work *work = g_new0 (Work, 1);

  work->value = value;
  work->seconds = seconds;
  return cg_caller_call_soon (caller, work_in_job, work, work_free, error);
}

/* Holding a lock from a native thread ---------------------------------- */

typedef struct
{
  CgAsyncLock *lock;
  CgFuture    *acquired;  /* of the submitting thread */
  CgFuture    *released;  /* of the submitting thread */
  gdouble      seconds;
} Hold;

static void
hold_free (gpointer data)
{
  Hold *hold = data;

  if (!cg_future_is_done (hold->released))
    {
      cg_future_cancel (hold->released, "The lock holder was dropped");
      cg_future_return_boolean (hold->released, FALSE, NULL);
    }
  if (!cg_future_is_done (hold->acquired))
    {
      cg_future_cancel (hold->acquired, "The lock holder was dropped");
      cg_future_return_boolean (hold->acquired, FALSE, NULL);
    }
  g_clear_object (&hold->lock);
  g_clear_object (&hold->acquired);
  g_clear_object (&hold->released);
  g_free (hold);
}

/* A job spawned by the holder: it copies the holder's context, so it may
 * release the lock. */
static void
hold_release (CgFuture *future,
              gpointer  user_data)
{
  Hold *hold = user_data;
  g_autoptr(GError) error = NULL;

  if (!cg_async_lock_is_in_context (hold->lock))
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "the native thread does not hold the lock");
      cg_future_return_error (hold->released, g_steal_pointer (&error), NULL);
      return;
    }

  /* Done before the lock is given up: whoever gets it next must find the
   * future done already, whichever thread runs first. */
  cg_future_return_boolean (hold->released, TRUE, NULL);
  if (!cg_async_lock_release (hold->lock, &error))
    g_critical ("releasing the lock failed: %s", error->message);
}

static void
hold_acquired (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Hold *hold = user_data;
  GError *error = NULL;
  g_autoptr(CgFuture) later = NULL;

  if (!cg_async_lock_acquire_finish (hold->lock, result, &error))
    {
      cg_future_return_error (hold->acquired, g_error_copy (error), NULL);
      cg_future_return_error (hold->released, error, NULL);
      hold_free (hold);
      return;
    }

  cg_future_return_boolean (hold->acquired, TRUE, NULL);
  later = cg_caller_call_later (cg_caller_get_current (), hold->seconds, hold_release, hold,
                                hold_free, &error);
  if (later == NULL)
    {
      cg_future_return_error (hold->released, error, NULL);
      cg_async_lock_release (hold->lock, NULL);
    }
}

static void
hold_job (CgFuture *future,
          gpointer  user_data)
{
  Hold *hold = user_data;
  CgFuture *released = hold->released;

  /* The job, and so its worker, lasts until the lock is released. */
  cg_async_lock_acquire_async (hold->lock, NULL, hold_acquired, hold);
  cg_future_return_future (future, released, NULL);
}

/**
 * cg_test_native_hold_lock:
 * @lock: a lock
 * @seconds: how long the native thread holds @lock
 * @acquired: (out) (transfer full): a future of the calling thread, done once
 *   the native thread holds @lock
 *
 * A pooled native thread acquires @lock, holds it for @seconds, then
 * releases it.
 *
 * Returns: (transfer full): a future of the calling thread, done (with
 *   %TRUE) as the native thread releases @lock, just before it does
 */
CgFuture *
cg_test_native_hold_lock (CgAsyncLock  *lock,
                          gdouble       seconds,
                          CgFuture    **acquired)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgFuture) job = NULL;
  Hold *hold = g_new0 (Hold, 1);
  CgFuture *released = cg_future_new ();

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (lock), NULL);
  g_return_val_if_fail (acquired != NULL, NULL);

  *acquired = cg_future_new ();
  hold->lock = g_object_ref (lock);
  hold->acquired = g_object_ref (*acquired);
  hold->released = g_object_ref (released);
  hold->seconds = seconds;

  /* The hold outlives the job: hold_acquired() frees it, or hands it on. */
  job = cg_caller_to_thread (hold_job, hold, NULL, &error);
  if (job == NULL)
    {
      cg_future_return_error (*acquired, g_error_copy (error), NULL);
      cg_future_return_error (released, g_steal_pointer (&error), NULL);
      hold_free (hold);
    }

  return released;
}

/**
 * cg_test_get_cancelled_count:
 *
 * How many native works saw their future cancelled and stopped early.
 *
 * Returns: the count
 */
guint
cg_test_get_cancelled_count (void)
{
  return (guint) g_atomic_int_get (&cancelled_count);
}

/**
 * cg_test_is_main_thread:
 *
 * Whether the calling thread is the one that loaded this library, the
 * thread that runs JavaScript.
 *
 * Returns: %TRUE on that thread
 */
gboolean
cg_test_is_main_thread (void)
{
  return g_thread_self () == main_thread;
}
