/* cg-async-lock.c: asynchronous locks that follow contexts
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-async-reply-private.h"
#include "cg-caller-private.h"
#include "cg-context-private.h"

/**
 * SECTION:cg-async-lock
 * @title: CgAsyncLock
 * @short_description: asynchronous locks that belong to a context
 *
 * A #CgAsyncLock guards a shared resource across asynchronous work: it is
 * acquired with cg_async_lock_acquire_async(), whose callback runs once the
 * lock is held, and given back with cg_async_lock_release(). Nobody
 * blocks: waiters queue and the lock passes to them in FIFO order.
 *
 * A lock is held by a *context* (see #CgContextVar), not by a thread. The
 * callback of the acquisition runs in the context that acquired, so the
 * work it starts, and its release, belong to that context.
 *
 * A plain #CgAsyncLock is a mutex: acquiring it again from the context
 * that holds it fails with %CG_CALLER_ERROR_NOT_REENTRANT ("already locked
 * and not reentrant"). A #CgReentrantAsyncLock lets the holding context in
 * again (cg_async_lock_get_count() grows), and so also the jobs it spawns
 * with cg_caller_call_soon(), cg_caller_call_later() or
 * cg_caller_to_thread(), in other threads too, since they copy its
 * context. When it passes to a context, all the waiters queued from that
 * context get in together. Releases may come in any order.
 *
 * |[<!-- language="C" -->
 * static void
 * locked (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   CgAsyncLock *lock = CG_ASYNC_LOCK (source);
 *   g_autoptr(GError) error = NULL;
 *
 *   if (!cg_async_lock_acquire_finish (lock, result, &error))
 *     return;
 *   update_shared_state ();
 *   cg_async_lock_release (lock, NULL);
 * }
 *
 * cg_async_lock_acquire_async (lock, NULL, locked, NULL);
 * ]|
 *
 * Releasing a lock the current context does not hold fails with
 * %CG_FUTURE_ERROR_INVALID_STATE. A waiter whose #GCancellable is cancelled
 * leaves the queue and its acquisition fails with %G_IO_ERROR_CANCELLED.
 *
 * Locks are thread-safe; the callback of an acquisition runs in the
 * thread-default main context of the thread that asked for it.
 */

/**
 * CgAsyncLock:
 *
 * An asynchronous mutex held by a context: async_kernel's `AsyncLock`. Also
 * the base class of #CgReentrantAsyncLock. Its fields are private.
 *
 * Since: 0.1
 */

/**
 * CgReentrantAsyncLock:
 *
 * An asynchronous lock that the holding context, and the jobs it spawns,
 * may acquire again: async_kernel's `ReentrantAsyncLock`. Its fields are
 * private.
 *
 * Since: 0.1
 */

typedef struct
{
  guint64      id;
  CgReply      reply;
  GSource     *cancel_source;
  GSource     *stop_source;   /* the asking thread's caller stops */
  GCancellable *cancellable;
  CgAsyncLock *lock;  /* borrowed: the lock outlives its waiters */
} Waiter;

typedef struct
{
  GMutex        mutex;
  gboolean      reentrant;
  CgContextVar *holder_var;  /* names each context that asks for this lock */
  guint64       holder;      /* 0 when free */
  guint         count;
  GQueue        waiters;
} CgAsyncLockPrivate;

struct _CgReentrantAsyncLock
{
  CgAsyncLock parent_instance;
};

G_DEFINE_TYPE_WITH_PRIVATE (CgAsyncLock, cg_async_lock, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (CgReentrantAsyncLock, cg_reentrant_async_lock, CG_TYPE_ASYNC_LOCK)

static void
cg_async_lock_finalize (GObject *object)
{
  CgAsyncLock *self = CG_ASYNC_LOCK (object);
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (self);

  /* Every waiter's reply holds a reference to the lock (its source
   * object); none can be left. */
  g_assert (g_queue_is_empty (&priv->waiters));
  g_clear_object (&priv->holder_var);
  g_mutex_clear (&priv->mutex);

  G_OBJECT_CLASS (cg_async_lock_parent_class)->finalize (object);
}

static void
cg_async_lock_class_init (CgAsyncLockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cg_async_lock_finalize;
}

static void
cg_async_lock_init (CgAsyncLock *self)
{
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (self);

  g_mutex_init (&priv->mutex);
  g_queue_init (&priv->waiters);
  priv->holder_var = cg_context_var_new ("cg-async-lock-holder", NULL);
}

static void
cg_reentrant_async_lock_class_init (CgReentrantAsyncLockClass *klass)
{
}

static void
cg_reentrant_async_lock_init (CgReentrantAsyncLock *self)
{
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (CG_ASYNC_LOCK (self));

  priv->reentrant = TRUE;
}

/**
 * cg_async_lock_new:
 *
 * Makes a mutex: an asynchronous lock that is not reentrant.
 *
 * Returns: (transfer full): a new lock
 *
 * Since: 0.1
 */
CgAsyncLock *
cg_async_lock_new (void)
{
  return g_object_new (CG_TYPE_ASYNC_LOCK, NULL);
}

/**
 * cg_reentrant_async_lock_new:
 *
 * Makes a reentrant asynchronous lock.
 *
 * Returns: (transfer full): a new lock
 *
 * Since: 0.1
 */
CgReentrantAsyncLock *
cg_reentrant_async_lock_new (void)
{
  return g_object_new (CG_TYPE_REENTRANT_ASYNC_LOCK, NULL);
}

/* How a lock knows contexts apart: each fresh acquisition names the
 * asking context with a new value of the lock's variable, and the callback
 * runs in a copy of it, as does every job spawned from there while it
 * holds the lock. All of them are the same context to the lock, which is
 * what lets a reentrant lock admit the jobs its holder spawns; contexts
 * copied after the release carry a stale name that matches nothing. */
static guint64
var_id (CgContextVar *var)
{
  g_auto(GValue) value = G_VALUE_INIT;

  if (!cg_context_var_get (var, &value))
    return 0;
  return g_value_get_uint64 (&value);
}

static gboolean
has_waiter_locked (CgAsyncLockPrivate *priv,
                   guint64             id)
{
  for (GList *l = priv->waiters.head; l != NULL; l = l->next)
    if (((Waiter *) l->data)->id == id)
      return TRUE;
  return FALSE;
}

static guint64
new_holder_id (CgAsyncLockPrivate *priv)
{
  static gsize counter = 0;
  g_auto(GValue) value = G_VALUE_INIT;
  guint64 id = (guint64) g_atomic_pointer_add (&counter, 1) + 1;

  g_value_init (&value, G_TYPE_UINT64);
  g_value_set_uint64 (&value, id);
  cg_context_token_unref (cg_context_var_set (priv->holder_var, &value));

  return id;
}

static void
waiter_free (Waiter *waiter)
{
  _cg_source_drop (&waiter->cancel_source);
  _cg_source_drop (&waiter->stop_source);
  _cg_reply_clear (&waiter->reply);
  g_clear_object (&waiter->cancellable);
  g_free (waiter);
}

/* What a waiter's cancel source knows: the waiter may be gone (handed the
 * lock on another thread) by the time the source runs, so it is only
 * looked for, never read, until found in the queue. */
typedef struct
{
  CgAsyncLock *lock;   /* strong */
  Waiter      *waiter; /* an identity until found */
} CancelWatch;

static void
cancel_watch_free (gpointer data)
{
  CancelWatch *watch = data;

  g_object_unref (watch->lock);
  g_free (watch);
}

static CancelWatch *
cancel_watch_new (CgAsyncLock *lock,
                  Waiter      *waiter)
{
  CancelWatch *watch = g_new (CancelWatch, 1);

  watch->lock = g_object_ref (lock);
  watch->waiter = waiter;
  return watch;
}

/* Answers a waiter that gives up with @error, unless it was answered
 * already. */
static void
waiter_give_up (CancelWatch *watch,
                GError      *error)
{
  Waiter *waiter = watch->waiter;
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (watch->lock);
  gboolean found;

  _cg_mutex_lock (&priv->mutex);
  found = g_queue_remove (&priv->waiters, waiter);
  _cg_mutex_unlock (&priv->mutex);

  if (found)
    {
      _cg_reply_return_error (&waiter->reply, error);
      waiter_free (waiter);
    }
  else
    {
      g_error_free (error);
    }
}

static gboolean
waiter_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  waiter_give_up (user_data, error);
  return G_SOURCE_REMOVE;
}

/* The caller of the waiting thread stopped: nothing there could use the
 * lock, nor give it back. */
static gboolean
waiter_caller_stopped (gpointer user_data)
{
  waiter_give_up (user_data, _cg_reply_new_closed_error ());
  return G_SOURCE_REMOVE;
}

/**
 * cg_async_lock_acquire_async:
 * @self: a #CgAsyncLock
 * @cancellable: (nullable): gives up waiting
 * @callback: (scope async) (closure user_data): called once the lock is
 *   held, or could not be taken
 * @user_data: data for @callback
 *
 * Acquires the lock for the current context; @callback runs in the
 * current context once it is held (at the earliest from the next main loop
 * iteration) and calls cg_async_lock_acquire_finish().
 *
 * Since: 0.1
 */
void
cg_async_lock_acquire_async (CgAsyncLock         *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  CgAsyncLockPrivate *priv;
  CgReply reply;
  Waiter *waiter;
  guint64 id;

  g_return_if_fail (CG_IS_ASYNC_LOCK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  priv = cg_async_lock_get_instance_private (self);

  _cg_mutex_lock (&priv->mutex);
  id = var_id (priv->holder_var);

  if (priv->count > 0 && id != 0 && priv->holder == id)
    {
      _cg_reply_init (&reply, self, cancellable, callback, user_data,
                      cg_async_lock_acquire_async);
      if (!_cg_reply_deliverable (&reply))
        {
          _cg_mutex_unlock (&priv->mutex);
          _cg_reply_return_error (&reply, _cg_reply_new_closed_error ());
          return;
        }
      if (!priv->reentrant)
        {
          _cg_mutex_unlock (&priv->mutex);
          _cg_reply_return_error (&reply,
                                  g_error_new_literal (CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_REENTRANT,
                                                       _("The lock is already locked and not "
                                                         "reentrant; this context holds it "
                                                         "already")));
          return;
        }
      priv->count++;
      _cg_mutex_unlock (&priv->mutex);
      _cg_reply_return_boolean (&reply, TRUE);
      return;
    }

  /* A fresh acquisition: a new name for the asking context, unless it
   * waits already (then its waiters go in together). A name left from an
   * earlier, released acquisition means nothing any more. */
  if (id == 0 || !has_waiter_locked (priv, id))
    id = new_holder_id (priv);
  _cg_reply_init (&reply, self, cancellable, callback, user_data, cg_async_lock_acquire_async);

  /* Once the asking thread's caller has stopped, nothing there could use
   * the lock, nor give it back. */
  if (!_cg_reply_deliverable (&reply))
    {
      _cg_mutex_unlock (&priv->mutex);
      _cg_reply_return_error (&reply, _cg_reply_new_closed_error ());
      return;
    }

  if (priv->count == 0 && g_queue_is_empty (&priv->waiters))
    {
      priv->holder = id;
      priv->count = 1;
      _cg_mutex_unlock (&priv->mutex);
      _cg_reply_return_boolean (&reply, TRUE);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->id = id;
  waiter->reply = reply;
  waiter->lock = self;
  waiter->stop_source = _cg_reply_watch_stop (&waiter->reply, waiter_caller_stopped,
                                              cancel_watch_new (self, waiter),
                                              cancel_watch_free);
  if (cancellable != NULL)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

      waiter->cancellable = g_object_ref (cancellable);
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (waiter_cancelled),
                             cancel_watch_new (self, waiter), cancel_watch_free);
      g_source_set_static_name (waiter->cancel_source, "[caller-glib] lock wait cancelled");
      g_source_attach (waiter->cancel_source, context);
    }
  g_queue_push_tail (&priv->waiters, waiter);
  _cg_mutex_unlock (&priv->mutex);
}

/**
 * cg_async_lock_acquire_finish:
 * @self: a #CgAsyncLock
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes cg_async_lock_acquire_async().
 *
 * Returns: %TRUE when the lock is held: release it once with
 *   cg_async_lock_release()
 *
 * Since: 0.1
 */
gboolean
cg_async_lock_acquire_finish (CgAsyncLock   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), FALSE);
  g_return_val_if_fail (_cg_reply_is_valid (result, self, cg_async_lock_acquire_async), FALSE);

  return _cg_reply_propagate_boolean (result, error);
}

/**
 * cg_async_lock_release:
 * @self: a #CgAsyncLock
 * @error: return location for a #GError
 *
 * Gives back one acquisition made by the current context. When the count
 * drops to zero the lock passes to the first waiter (for a reentrant lock,
 * with every other waiter of that waiter's context).
 *
 * Fails with %CG_FUTURE_ERROR_INVALID_STATE when the current context does
 * not hold the lock.
 *
 * Returns: %TRUE when the acquisition was given back
 *
 * Since: 0.1
 */
gboolean
cg_async_lock_release (CgAsyncLock  *self,
                       GError      **error)
{
  CgAsyncLockPrivate *priv;
  GSList *admitted = NULL, *cancelled = NULL;
  guint64 id;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = cg_async_lock_get_instance_private (self);
  id = var_id (priv->holder_var);

  _cg_mutex_lock (&priv->mutex);
  if (priv->count == 0 || id == 0 || priv->holder != id)
    {
      _cg_mutex_unlock (&priv->mutex);
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           _("The lock is not held by the current context, so it "
                             "cannot release it"));
      return FALSE;
    }

  if (--priv->count == 0)
    {
      Waiter *next = g_queue_pop_head (&priv->waiters);

      /* A waiter cancelled a moment ago whose cancel source has not run
       * yet gets its cancellation, not the lock; a waiter whose caller has
       * stopped could never use it, nor give it back. */
      while (next != NULL &&
             ((next->cancellable != NULL && g_cancellable_is_cancelled (next->cancellable)) ||
              !_cg_reply_deliverable (&next->reply)))
        {
          cancelled = g_slist_prepend (cancelled, next);
          next = g_queue_pop_head (&priv->waiters);
        }

      priv->holder = 0;
      if (next != NULL)
        {
          priv->holder = next->id;
          priv->count = 1;
          admitted = g_slist_prepend (admitted, next);

          if (priv->reentrant)
            {
              GList *l = priv->waiters.head;

              while (l != NULL)
                {
                  GList *following = l->next;
                  Waiter *waiter = l->data;

                  if (waiter->id == next->id &&
                      !(waiter->cancellable != NULL &&
                        g_cancellable_is_cancelled (waiter->cancellable)) &&
                      _cg_reply_deliverable (&waiter->reply))
                    {
                      g_queue_delete_link (&priv->waiters, l);
                      admitted = g_slist_prepend (admitted, waiter);
                      priv->count++;
                    }
                  l = following;
                }
            }
        }
    }
  _cg_mutex_unlock (&priv->mutex);

  admitted = g_slist_reverse (admitted);
  for (GSList *l = admitted; l != NULL; l = l->next)
    {
      Waiter *waiter = l->data;

      _cg_reply_return_boolean (&waiter->reply, TRUE);
      waiter_free (waiter);
    }
  g_slist_free (admitted);

  for (GSList *l = cancelled; l != NULL; l = l->next)
    {
      Waiter *waiter = l->data;
      GError *cancel_error = NULL;

      if (!g_cancellable_set_error_if_cancelled (waiter->cancellable, &cancel_error))
        cancel_error = g_error_new_literal (CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                                            _("The caller of the waiting context was "
                                              "stopped"));
      _cg_reply_return_error (&waiter->reply, cancel_error);
      waiter_free (waiter);
    }
  g_slist_free (cancelled);

  return TRUE;
}

/**
 * cg_async_lock_is_in_context:
 * @self: a #CgAsyncLock
 *
 * Tells whether the current context holds the lock: async_kernel's
 * `AsyncLock.is_in_context()`. For a #CgReentrantAsyncLock this is also %TRUE in
 * the jobs the holding context spawned.
 *
 * Returns: whether the current context holds the lock
 *
 * Since: 0.1
 */
gboolean
cg_async_lock_is_in_context (CgAsyncLock *self)
{
  CgAsyncLockPrivate *priv;
  gboolean held;
  guint64 id;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), FALSE);

  priv = cg_async_lock_get_instance_private (self);
  id = var_id (priv->holder_var);

  _cg_mutex_lock (&priv->mutex);
  held = id != 0 && priv->count > 0 && priv->holder == id;
  _cg_mutex_unlock (&priv->mutex);

  return held;
}

/**
 * cg_async_lock_get_count:
 * @self: a #CgAsyncLock
 *
 * Gets the lock's count: 1 while a #CgAsyncLock is held, the number of
 * acquisitions not yet released for a #CgReentrantAsyncLock.
 *
 * Returns: how many acquisitions hold the lock now (0 when it is free)
 *
 * Since: 0.1
 */
guint
cg_async_lock_get_count (CgAsyncLock *self)
{
  CgAsyncLockPrivate *priv;
  guint count;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), 0);

  priv = cg_async_lock_get_instance_private (self);
  _cg_mutex_lock (&priv->mutex);
  count = priv->count;
  _cg_mutex_unlock (&priv->mutex);

  return count;
}

/**
 * cg_async_lock_get_reentrant:
 * @self: a #CgAsyncLock
 *
 * Tells whether the lock lets the context that holds it in again.
 *
 * Returns: whether the lock is a #CgReentrantAsyncLock
 *
 * Since: 0.1
 */
gboolean
cg_async_lock_get_reentrant (CgAsyncLock *self)
{
  CgAsyncLockPrivate *priv;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), FALSE);

  priv = cg_async_lock_get_instance_private (self);
  return priv->reentrant;
}
