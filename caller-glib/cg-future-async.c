/* cg-future-async.c: waiting for a future without blocking
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-async-reply-private.h"
#include "cg-caller-private.h"
#include "cg-context-private.h"
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

/* The common wait: no timeout, no cancellable, from a thread whose
 * caller runs its context (a GTK main loop, a worker). The answer comes
 * through that caller's inbox (cg-async-reply.c), without a GTask or a
 * GSource per wait; the caller's stop hook answers the waits still
 * pending when it stops, as the stop source of the general case does. The
 * waits pending on a caller are a list, qdata of the caller under its
 * lock. */
typedef struct _FastWait FastWait;

/* The waits pending on one caller: qdata of the caller, also cached by
 * the thread that waits (it is that caller's thread). */
typedef struct
{
  FastWait *head;   /* under the caller's lock */
  CgCaller *caller; /* no reference: the qdata lives as long as it */
  gint      alive;  /* atomic: FALSE once the caller is finalized */
} FastWaitList;

struct _FastWait
{
  CgInboxNode          node;       /* in the caller's inbox, with the answer */
  CgCaller            *caller;     /* a reference, and a hold on its thread */
  CgFuture            *future;     /* the future waited for */
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  CgContextMap        *context;    /* the context current at the wait */
  FastWaitList        *list;
  CgWaitFlags          flags;
  gint                 finished;   /* atomic: the first outcome wins */
  gboolean             closed;     /* the answer: the caller stopped */
  gboolean             linked;     /* under the caller's lock: in its list */
  FastWait            *prev;
  FastWait            *next;
};

static GQuark
fast_waits_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("cg-fast-waits"));
  return (GQuark) quark;
}

static void
fast_wait_list_unref (gpointer data)
{
  FastWaitList *list = data;

  _CG_TSAN_RELEASE (list);
  g_atomic_rc_box_release (list);
}

static void
fast_wait_list_finalized (gpointer data)
{
  FastWaitList *list = data;

  g_atomic_int_set (&list->alive, FALSE);
  fast_wait_list_unref (list);
}

/* A reference, dropped when the thread ends. */
static GPrivate cached_list = G_PRIVATE_INIT (fast_wait_list_unref);

/* The list of @caller, this thread's caller; with the caller's lock held. */
static FastWaitList *
fast_wait_list_locked (CgCaller *caller)
{
  FastWaitList *list = g_private_get (&cached_list);

  if (list != NULL && list->caller == caller && g_atomic_int_get (&list->alive))
    return list;

  list = g_object_get_qdata (G_OBJECT (caller), fast_waits_quark ());
  if (list == NULL)
    {
      list = g_atomic_rc_box_new0 (FastWaitList);
      list->caller = caller;
      list->alive = TRUE;
      g_object_set_qdata_full (G_OBJECT (caller), fast_waits_quark (), list,
                               fast_wait_list_finalized);
    }
  g_private_replace (&cached_list, g_atomic_rc_box_acquire (list));
  return list;
}

static void
fast_wait_clear (gpointer data)
{
  FastWait *wait = data;

  _cg_context_map_unref (wait->context);
  g_clear_object (&wait->caller);
  g_object_unref (wait->future);
}

static void
fast_wait_unref (gpointer data)
{
  _CG_TSAN_RELEASE (data);
  g_atomic_rc_box_release_full (data, fast_wait_clear);
}

/* With the caller's lock held. */
static void
fast_wait_unlink_locked (FastWait *wait)
{
  if (wait->prev != NULL)
    wait->prev->next = wait->next;
  else
    wait->list->head = wait->next;
  if (wait->next != NULL)
    wait->next->prev = wait->prev;
  wait->prev = wait->next = NULL;
  wait->linked = FALSE;
}

/* On the waiting thread: the callback, in the context of the wait. Its
 * result is the future itself when the wait has no flags and ended with
 * it (cg_future_wait_finish() then checks the future), else a done
 * future carrying the wait's outcome, as cg-async-reply.c makes. */
static void
fast_wait_deliver (FastWait *wait)
{
  CgFuture *result = NULL;
  CgContextMap *saved;
  GError *error = NULL;

  if (wait->closed || wait->flags != CG_WAIT_FLAGS_NONE)
    {
      result = cg_future_new ();
      _cg_future_set_source_tag (result, cg_future_wait_async);
      _cg_future_set_source_object (result, wait->future);
      if (wait->closed)
        cg_future_return_error (result, _cg_reply_new_closed_error (), NULL);
      else if (_cg_future_wait_outcome (wait->future, wait->flags, &error))
        cg_future_return_boolean (result, TRUE, NULL);
      else
        cg_future_return_error (result, error, NULL);
    }

  saved = _cg_context_enter (&wait->context);
  wait->callback (G_OBJECT (wait->future),
                  G_ASYNC_RESULT (result != NULL ? result : wait->future),
                  wait->user_data);
  _cg_context_leave (&wait->context, saved);

  g_clear_object (&result);
  _cg_caller_release (wait->caller);
  fast_wait_unref (wait); /* the answer's reference */
}

static void
fast_wait_node_func (CgInboxNode *node,
                     CgCaller    *caller,
                     gboolean     run)
{
  /* From the inbox, or from its discarding when the caller stops: the
   * answer is owed either way. */
  fast_wait_deliver ((FastWait *) node);
}

static gboolean
fast_wait_late (gpointer data)
{
  _CG_TSAN_ACQUIRE (data);
  fast_wait_deliver (data);
  return G_SOURCE_REMOVE;
}

/* Sends the answer to the waiting thread; takes a reference for it. */
static void
fast_wait_answer (FastWait *wait)
{
  g_atomic_rc_box_acquire (wait);
  wait->node.func = fast_wait_node_func;
  wait->node.next = NULL;
  if (!_cg_caller_post_node (wait->caller, &wait->node))
    {
      /* Stopped: its thread still runs its context until every answer
       * it is owed has run (_cg_caller_hold()). */
      GSource *source = g_idle_source_new ();

      _CG_TSAN_RELEASE (wait);
      g_source_set_callback (source, fast_wait_late, wait, NULL);
      g_source_set_static_name (source, "[caller-glib] wait answer after stop");
      g_source_attach (source, cg_caller_get_context (wait->caller));
      g_source_unref (source);
    }
}

static void
fast_wait_done (CgFuture *future,
                gpointer  data)
{
  FastWait *wait = data;
  GMutex *lock;
  gboolean was_linked;

  /* The winner alone answers (the stop hook may have won). */
  if (!g_atomic_int_compare_and_exchange (&wait->finished, 0, 1))
    return;

  lock = _cg_caller_get_lock (wait->caller);
  _cg_mutex_lock (lock);
  was_linked = wait->linked;
  if (was_linked)
    fast_wait_unlink_locked (wait);
  _cg_mutex_unlock (lock);

  fast_wait_answer (wait);

  if (was_linked)
    fast_wait_unref (wait); /* the list's reference */
}

/* A caller stops: its pending waits end as the general case's do. */
static void
fast_waits_caller_stopped (CgCaller *caller)
{
  GMutex *lock = _cg_caller_get_lock (caller);
  FastWaitList *waits;
  FastWait *list = NULL;

  _cg_mutex_lock (lock);
  waits = g_object_get_qdata (G_OBJECT (caller), fast_waits_quark ());
  if (waits != NULL)
    {
      list = waits->head;
      waits->head = NULL;
    }
  for (FastWait *w = list; w != NULL; w = w->next)
    w->linked = FALSE;
  _cg_mutex_unlock (lock);

  while (list != NULL)
    {
      FastWait *wait = list;

      list = wait->next;
      wait->prev = wait->next = NULL;
      if (g_atomic_int_compare_and_exchange (&wait->finished, 0, 1))
        {
          _cg_future_remove_hook (wait->future, fast_wait_done, wait);
          if (!(wait->flags & CG_WAIT_FLAGS_SHIELD))
            cg_future_cancel (wait->future, _("The caller of the waiting thread was stopped"));
          wait->closed = TRUE;
          fast_wait_answer (wait);
        }
      fast_wait_unref (wait); /* the list's reference */
    }
}

/* Starts the common wait; FALSE when this thread has no caller to answer
 * through (the general case then). */
static gboolean
fast_wait_start (CgFuture            *self,
                 CgWaitFlags          flags,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  static gsize hooked = 0;
  CgCaller *caller;
  FastWait *wait;
  GMutex *lock;
  FastWait *head;

  caller = _cg_caller_dup_serving_here ();
  if (caller == NULL)
    return FALSE;

  if (g_once_init_enter (&hooked))
    {
      _cg_caller_add_stop_hook (fast_waits_caller_stopped);
      g_once_init_leave (&hooked, 1);
    }

  wait = g_atomic_rc_box_new0 (FastWait);
  wait->caller = caller;
  wait->future = g_object_ref (self);
  wait->callback = callback;
  wait->user_data = user_data;
  wait->flags = flags;
  wait->context = _cg_context_capture ();
  /* The thread runs its context until the callback ran. */
  _cg_caller_hold (caller);

  lock = _cg_caller_get_lock (caller);
  _cg_mutex_lock (lock);
  if (_cg_caller_is_closed (caller))
    {
      /* Stopping: its stop hook may have run already. */
      _cg_mutex_unlock (lock);
      _cg_caller_release (caller);
      fast_wait_unref (wait);
      return FALSE;
    }
  wait->list = fast_wait_list_locked (caller);
  head = wait->list->head;
  wait->next = head;
  if (head != NULL)
    head->prev = wait;
  wait->list->head = wait;
  wait->linked = TRUE;
  g_atomic_rc_box_acquire (wait); /* the list's; the hook has the first */
  _cg_mutex_unlock (lock);

  _cg_future_add_hook (self, fast_wait_done, wait, fast_wait_unref);
  return TRUE;
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
  WaitData *wait;

  g_return_if_fail (CG_IS_FUTURE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!(timeout >= 0) && cancellable == NULL && callback != NULL &&
      fast_wait_start (self, flags, callback, user_data))
    return;

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

  _cg_reply_task_watch_limits (task, timeout, wait_timeout_cb, cancellable,
                               G_SOURCE_FUNC (wait_cancelled_cb), &wait->timeout_source,
                               &wait->cancel_source);

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

  /* The common wait answers with the future itself (see
   * fast_wait_deliver()). */
  if (result == G_ASYNC_RESULT (self))
    return cg_future_check (self, error);

  g_return_val_if_fail (_cg_reply_is_valid (result, self, cg_future_wait_async), FALSE);

  return _cg_reply_propagate_boolean (result, error);
}
