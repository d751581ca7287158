/* cg-future-wait.c: waiting for a future, blocking or not
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include <math.h>

#include "cg-async-reply-private.h"
#include "cg-caller-private.h"
#include "cg-context-private.h"
#include "cg-future-private.h"

/* Blocked waiters park in one of these buckets, chosen by the future's
 * address, instead of each future carrying a mutex and a condition. */
#define N_BUCKETS 64

typedef struct
{
  GMutex mutex;
  GCond  cond;
} ParkingBucket;

static ParkingBucket buckets[N_BUCKETS];

static ParkingBucket *
bucket_for (gconstpointer address)
{
  guintptr key = GPOINTER_TO_SIZE (address);

  key ^= key >> 7;
  key ^= key >> 13;
  return &buckets[key % N_BUCKETS];
}

void
_cg_future_wake_waiters (CgFuture *self)
{
  ParkingBucket *bucket = bucket_for (self);

  _cg_mutex_lock (&bucket->mutex);
  g_cond_broadcast (&bucket->cond);
  _cg_mutex_unlock (&bucket->mutex);
}

static void
wake_on_cancel (GCancellable *cancellable,
                gpointer      user_data)
{
  _cg_future_wake_waiters (user_data);
}

/* How long this thread's recent waits took (microseconds, a moving
 * average): a thread whose replies take 40 us (a binding's job, say) spins
 * a little longer than one whose replies take 1 us, so that it still
 * catches them without parking. */
static __thread gint64 recent_wait_usec;

static gint64
spin_budget (void)
{
  return MAX (_cg_spin_usec (), MIN (recent_wait_usec * 2, 500));
}

static void
note_wait (gint64 started)
{
  gint64 took = g_get_monotonic_time () - started;

  recent_wait_usec = (recent_wait_usec * 3 + MIN (took, 10000)) / 4;
}

static gint64
deadline_for (gdouble timeout)
{
  if (isnan (timeout) || timeout < 0)
    return G_MAXINT64;
  if (timeout > (gdouble) (G_MAXINT64 / 2 / G_USEC_PER_SEC))
    return G_MAXINT64;
  return g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);
}

static gboolean
finish_wait (CgFuture     *self,
             CgWaitFlags   flags,
             GError      **error)
{
  if (flags & CG_WAIT_FLAGS_NO_RESULT)
    return TRUE;
  return cg_future_check (self, error);
}

static void
set_timed_out (CgFuture     *self,
               CgWaitFlags   flags,
               GError      **error)
{
  if (!(flags & CG_WAIT_FLAGS_SHIELD))
    cg_future_cancel (self, _("A wait for the future timed out"));
  g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT,
                       _("The future was not done before the timeout"));
}

static void
set_wait_cancelled (CgFuture      *self,
                    CgWaitFlags    flags,
                    GCancellable  *cancellable,
                    GError       **error)
{
  if (!(flags & CG_WAIT_FLAGS_SHIELD))
    cg_future_cancel (self, _("The wait for the future was cancelled"));
  g_cancellable_set_error_if_cancelled (cancellable, error);
}

/**
 * cg_future_wait_sync:
 * @self: a #CgFuture
 * @timeout: seconds to wait at most; negative waits without limit
 *   (%CG_TIMEOUT_INFINITE)
 * @flags: #CgWaitFlags
 * @cancellable: (nullable): cancels the wait
 * @error: return location for a #GError
 *
 * Blocks the calling thread until the future is done. The thread spins for
 * a few microseconds before it parks, so a reply that comes quickly costs
 * no sleep and wake-up.
 *
 * Called on the future's own thread it fails at once with
 * %CG_CALLER_ERROR_WRONG_THREAD: that thread is the one that must complete
 * the future, so the wait could never end. Use cg_future_wait_async()
 * there.
 *
 * When @timeout passes first it fails with %CG_CALLER_ERROR_TIMED_OUT,
 * and when @cancellable is cancelled first with %G_IO_ERROR_CANCELLED; in
 * both cases the future is cancelled unless @flags has
 * %CG_WAIT_FLAGS_SHIELD. Once the future is done it reports the future's
 * outcome as cg_future_check() does, unless @flags has
 * %CG_WAIT_FLAGS_NO_RESULT.
 *
 * Called from a job, the wait also ends (as if @cancellable was cancelled)
 * when that job is cancelled, which cg_caller_stop() does to the running
 * job of the caller it stops: a job blocked here can never keep its caller
 * (or cg_caller_stop_all()) from stopping.
 *
 * Returns: %TRUE when the future is done (and succeeded, unless
 *   %CG_WAIT_FLAGS_NO_RESULT)
 */
gboolean
cg_future_wait_sync (CgFuture      *self,
                     gdouble        timeout,
                     CgWaitFlags    flags,
                     GCancellable  *cancellable,
                     GError       **error)
{
  gint64 deadline, spin_end, now, started;
  GCancellable *job_cancellable = NULL;
  gulong handler = 0, job_handler = 0;
  ParkingBucket *bucket;
  guint i;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cg_future_is_done (self))
    return finish_wait (self, flags, error);

  if (_cg_future_is_owner_thread (self))
    {
      g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD,
                           _("Cannot block waiting for a future on its own thread: "
                             "that thread must complete it; use cg_future_wait_async() "
                             "there instead"));
      return FALSE;
    }

  deadline = deadline_for (timeout);

  /* Spin briefly: a round trip to a busy caller usually ends here. */
  now = started = g_get_monotonic_time ();
  spin_end = MIN (deadline, now + spin_budget ());
  for (i = 0; !cg_future_is_done (self); i++)
    {
      _cg_cpu_relax ();
      if ((i & 63) == 63)
        {
          now = g_get_monotonic_time ();
          if (now >= spin_end)
            break;
        }
    }

  if (!cg_future_is_done (self))
    {
      CgFuture *job = _cg_future_current ();

      /* A job that blocks here is cancelled when its caller stops (or
       * anyone cancels it): its wait ends then, or stopping the caller
       * would wait for ever for the job to return. */
      if (job != NULL && job != self)
        {
          job_cancellable = cg_future_get_cancellable (job);
          job_handler = g_cancellable_connect (job_cancellable, G_CALLBACK (wake_on_cancel),
                                               self, NULL);
        }
      if (cancellable != NULL)
        handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_on_cancel), self, NULL);

      bucket = bucket_for (self);
      _cg_mutex_lock (&bucket->mutex);
      g_atomic_int_or (&self->state, CG_FUTURE_WAITERS);
      while (!cg_future_is_done (self) &&
             !(cancellable != NULL && g_cancellable_is_cancelled (cancellable)) &&
             !(job_cancellable != NULL && g_cancellable_is_cancelled (job_cancellable)))
        {
          if (deadline == G_MAXINT64)
            _cg_cond_wait (&bucket->cond, &bucket->mutex);
          else if (!_cg_cond_wait_until (&bucket->cond, &bucket->mutex, deadline))
            break;
        }
      _cg_mutex_unlock (&bucket->mutex);

      if (handler != 0)
        g_cancellable_disconnect (cancellable, handler);
      if (job_handler != 0)
        g_cancellable_disconnect (job_cancellable, job_handler);
    }

  if (cg_future_is_done (self))
    {
      note_wait (started);
      return finish_wait (self, flags, error);
    }

  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    set_wait_cancelled (self, flags, cancellable, error);
  else if (job_cancellable != NULL && g_cancellable_is_cancelled (job_cancellable))
    set_wait_cancelled (self, flags, job_cancellable, error);
  else
    set_timed_out (self, flags, error);

  return FALSE;
}

/* wait_async ------------------------------------------------------------ */

typedef struct
{
  gint          finished;      /* atomic: the first outcome wins */
  CgWaitFlags   flags;
  CgFuture     *future;
  GCancellable *cancellable;
  GSource      *timeout_source;
  GSource      *cancel_source;
  GSource      *stop_source;
} WaitData;

enum
{
  WAIT_DONE,
  WAIT_TIMED_OUT,
  WAIT_CANCELLED,
  WAIT_CALLER_STOPPED,
};

static void
wait_data_free (gpointer data)
{
  WaitData *wait = data;

  _cg_source_drop (&wait->timeout_source);
  _cg_source_drop (&wait->cancel_source);
  _cg_source_drop (&wait->stop_source);
  g_clear_object (&wait->cancellable);
  g_clear_object (&wait->future);
  g_free (wait);
}

static void wait_done_hook (CgFuture *future, gpointer user_data);

/* Returns the task once; NULL for every later outcome. */
static void
wait_finish_with (GTask *task,
                  guint  why)
{
  WaitData *wait = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_atomic_int_compare_and_exchange (&wait->finished, 0, 1))
    return;

  if (wait->timeout_source != NULL)
    g_source_destroy (wait->timeout_source);
  if (wait->cancel_source != NULL)
    g_source_destroy (wait->cancel_source);
  if (wait->stop_source != NULL)
    g_source_destroy (wait->stop_source);

  switch (why)
    {
    case WAIT_DONE:
      if (finish_wait (wait->future, wait->flags, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case WAIT_TIMED_OUT:
      if (_cg_future_remove_hook (wait->future, wait_done_hook, task) == 0)
        {
          /* The future completed meanwhile; its hook runs and finishes. */
        }
      set_timed_out (wait->future, wait->flags, &error);
      g_task_return_error (task, error);
      break;

    case WAIT_CANCELLED:
      _cg_future_remove_hook (wait->future, wait_done_hook, task);
      set_wait_cancelled (wait->future, wait->flags, wait->cancellable, &error);
      g_task_return_error (task, error);
      break;

    case WAIT_CALLER_STOPPED:
    default:
      /* The waiting thread's caller stopped: the wait ends as if
       * cancelled, with an error that says why. */
      _cg_future_remove_hook (wait->future, wait_done_hook, task);
      if (!(wait->flags & CG_WAIT_FLAGS_SHIELD))
        cg_future_cancel (wait->future, _("The caller of the waiting thread was stopped"));
      g_task_return_error (task, _cg_reply_new_closed_error ());
      break;
    }
}

static void
wait_done_hook (CgFuture *future,
                gpointer  user_data)
{
  wait_finish_with (user_data, WAIT_DONE);
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  wait_finish_with (user_data, WAIT_TIMED_OUT);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  wait_finish_with (user_data, WAIT_CANCELLED);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_caller_stopped_cb (gpointer user_data)
{
  wait_finish_with (user_data, WAIT_CALLER_STOPPED);
  return G_SOURCE_REMOVE;
}

/**
 * cg_future_wait_async:
 * @self: a #CgFuture
 * @timeout: seconds to wait at most; negative waits without limit
 *   (%CG_TIMEOUT_INFINITE)
 * @flags: #CgWaitFlags
 * @cancellable: (nullable): cancels the wait
 * @callback: (scope async) (closure user_data): called once the wait ends
 * @user_data: data for @callback
 *
 * Waits for the future without blocking, from any thread whose
 * thread-default main context runs: @callback is called in that context,
 * and calls cg_future_wait_finish() to learn the outcome. This is how a
 * future is awaited in Vala (`yield future.wait_async (...)`) and, once
 * promisified, in JavaScript.
 *
 * Timeouts and cancellation behave as in cg_future_wait_sync(): unless
 * @flags has %CG_WAIT_FLAGS_SHIELD, they cancel the future.
 */
void
cg_future_wait_async (CgFuture            *self,
                      gdouble              timeout,
                      CgWaitFlags          flags,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GMainContext) context = NULL;
  WaitData *wait;

  g_return_if_fail (CG_IS_FUTURE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _cg_reply_task_new (self, cancellable, callback, user_data, cg_future_wait_async);
  g_task_set_name (task, "[caller-glib] cg_future_wait_async");
  /* The outcome says itself whether the wait was cancelled. */
  g_task_set_check_cancellable (task, FALSE);

  wait = g_new0 (WaitData, 1);
  wait->flags = flags;
  wait->future = g_object_ref (self);
  wait->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, wait, wait_data_free);

  if (cg_future_is_done (self))
    {
      wait_finish_with (task, WAIT_DONE);
      return;
    }

  context = g_main_context_ref_thread_default ();

  /* NaN and negative: no limit; anything past what a GSource can wait,
   * clamped in floating point before it becomes an integer. */
  if (timeout >= 0 && timeout * 1000.0 < (gdouble) G_MAXUINT)
    {
      guint delay_ms = (guint) (timeout * 1000.0 + 0.5);

      wait->timeout_source = g_timeout_source_new (delay_ms);
      g_source_set_callback (wait->timeout_source, wait_timeout_cb, g_object_ref (task),
                             g_object_unref);
      g_source_set_static_name (wait->timeout_source, "[caller-glib] wait timeout");
      g_source_attach (wait->timeout_source, context);
    }

  if (cancellable != NULL)
    {
      wait->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancel_source, G_SOURCE_FUNC (wait_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_set_static_name (wait->cancel_source, "[caller-glib] wait cancelled");
      g_source_attach (wait->cancel_source, context);
    }

  wait->stop_source = _cg_reply_task_watch_stop (task, wait_caller_stopped_cb,
                                                 g_object_ref (task), g_object_unref);

  _cg_future_add_hook (self, wait_done_hook, g_object_ref (task), g_object_unref);
}

/**
 * cg_future_wait_finish:
 * @self: a #CgFuture
 * @result: the #GAsyncResult given to the callback of
 *   cg_future_wait_async()
 * @error: return location for a #GError
 *
 * Finishes a cg_future_wait_async().
 *
 * Returns: %TRUE when the future is done (and succeeded, unless the wait
 *   had %CG_WAIT_FLAGS_NO_RESULT); otherwise %FALSE with the future's
 *   failure, %CG_FUTURE_ERROR_CANCELLED, %CG_CALLER_ERROR_TIMED_OUT or
 *   %G_IO_ERROR_CANCELLED
 */
gboolean
cg_future_wait_finish (CgFuture      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cg_future_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
