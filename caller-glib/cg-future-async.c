/* cg-future-async.c: waiting for a future without blocking
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-async-reply-private.h"
#include "cg-future-private.h"

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
      if (_cg_future_wait_outcome (wait->future, wait->flags, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case WAIT_TIMED_OUT:
      if (_cg_future_remove_hook (wait->future, wait_done_hook, task) == 0)
        {
          /* The future completed meanwhile; its hook runs and finishes. */
        }
      _cg_future_wait_timed_out (wait->future, wait->flags, &error);
      g_task_return_error (task, error);
      break;

    case WAIT_CANCELLED:
      _cg_future_remove_hook (wait->future, wait_done_hook, task);
      _cg_future_wait_cancelled (wait->future, wait->flags, wait->cancellable, &error);
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
 *
 * Since: 0.1
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
 *
 * Since: 0.1
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
