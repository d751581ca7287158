/* cg-exec-queue.c: execution queues, one FIFO per function
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
 * SECTION:cg-exec-queue
 * @title: Execution queues
 * @short_description: run calls of one function one at a time, in order
 *
 * cg_caller_queue_call() hands a call to a FIFO queue that belongs to one
 * function (and, in C, one instance): the caller runs the queued calls one
 * at a time, in the order they were queued, from its main loop. A call
 * that finishes asynchronously (its job uses cg_future_return_future()) is
 * awaited before the next one starts. This serialises work per function,
 * such as writes to one file or messages to one peer, without a lock.
 *
 * A queue is made on first use with room for `max_buffer_size` calls
 * not yet started (%CG_DEFAULT_MAX_BUFFER_SIZE unless set with
 * cg_caller_set_max_buffer_size()): every call counts until it starts,
 * the one already handed to the caller's loop too, so a queue with room
 * for two takes exactly two calls before the loop runs, as async_kernel's
 * does. When it is full, cg_caller_queue_call()
 * fails with %CG_CALLER_ERROR_WOULD_BLOCK and cg_caller_queue_call_async()
 * waits for room. A call that fails is logged with the caller's name (in
 * its #CgCaller:log-domain) and the queue goes on.
 *
 * |[<!-- language="C" -->
 * static void
 * append_line (CgFuture *future, gpointer user_data)
 * {
 *   // one at a time, in order
 *   g_output_stream_write_all (log_stream, user_data, strlen (user_data),
 *                              NULL, NULL, NULL);
 * }
 *
 * // on the caller's own thread
 * cg_caller_queue_call (caller, append_line, NULL, g_strdup ("started\n"), g_free,
 *                       -1, &error);
 * ]|
 *
 * Queuing is for the caller's own thread (elsewhere it fails with
 * %CG_CALLER_ERROR_WRONG_THREAD); cg_caller_queue_close() and
 * cg_caller_queue_exists() are thread-safe. A queue closes when it is
 * closed explicitly, when its @instance is finalized, or when the caller
 * stops; its waiting calls are then dropped (their futures cancelled and
 * their destroy notifies called). When an @instance is given, finalize it
 * on the caller's thread or close its queue first.
 */

typedef struct
{
  gint       ref_count;
  CgCaller  *caller;
  gconstpointer key;    /* the function, or an interned name */
  GObject   *instance;   /* weak */
  guint      max;
  gboolean   closed;
  gboolean   busy;       /* an item is handed to the caller, not done */
  gboolean   handed;     /* ... and has not started yet */
  GQueue     items;      /* CgFuture, not yet handed to the caller */
  GQueue     waiters;    /* Waiter */
} ExecQueue;

typedef struct
{
  ExecQueue *queue;
  CgFuture  *item;
  GTask     *task;
  GSource   *cancel_source;
} Waiter;

static guint max_buffer_size = CG_DEFAULT_MAX_BUFFER_SIZE;

/**
 * cg_caller_get_max_buffer_size:
 *
 * The room of a new execution queue when cg_caller_queue_call() is not
 * given one: async_kernel's `Caller.MAX_BUFFER_SIZE`. Thread-safe.
 *
 * Returns: the default buffer size
 *
 * Since: 0.1
 */
guint
cg_caller_get_max_buffer_size (void)
{
  return (guint) g_atomic_int_get ((gint *) &max_buffer_size);
}

/**
 * cg_caller_set_max_buffer_size:
 * @max_buffer_size: the default room of new execution queues, at least 1
 *
 * Sets the default of cg_caller_get_max_buffer_size() for queues made from
 * now on. Thread-safe.
 *
 * Since: 0.1
 */
void
cg_caller_set_max_buffer_size (guint max_buffer_size_)
{
  g_return_if_fail (max_buffer_size_ >= 1 && max_buffer_size_ <= G_MAXINT);

  g_atomic_int_set ((gint *) &max_buffer_size, (gint) max_buffer_size_);
}

static guint
exec_queue_hash (gconstpointer key)
{
  const ExecQueue *queue = key;

  return g_direct_hash (queue->key) ^ (g_direct_hash (queue->instance) * 31);
}

static gboolean
exec_queue_equal (gconstpointer a,
                  gconstpointer b)
{
  const ExecQueue *qa = a, *qb = b;

  return qa->key == qb->key && qa->instance == qb->instance;
}

static ExecQueue *
exec_queue_ref (ExecQueue *queue)
{
  g_atomic_int_inc (&queue->ref_count);
  return queue;
}

static void
exec_queue_unref (gpointer data)
{
  ExecQueue *queue = data;

  if (g_atomic_int_dec_and_test (&queue->ref_count))
    {
      g_assert (g_queue_is_empty (&queue->items));
      g_assert (g_queue_is_empty (&queue->waiters));
      g_object_unref (queue->caller);
      g_free (queue);
    }
}

static void close_all_queues (CgCaller *self);

/* The table of a caller's queues, made on first use (kept as qdata of the
 * caller): keys and values are the same ExecQueue. Caller lock held. */
static GHashTable *
queues_of (CgCaller *caller)
{
  static gsize quark = 0;
  GHashTable *queues;

  if (g_once_init_enter (&quark))
    {
      _cg_caller_add_stop_hook (close_all_queues);
      g_once_init_leave (&quark, g_quark_from_static_string ("cg-exec-queues"));
    }

  queues = g_object_get_qdata (G_OBJECT (caller), quark);
  if (queues == NULL)
    {
      queues = g_hash_table_new_full (exec_queue_hash, exec_queue_equal, NULL, exec_queue_unref);
      g_object_set_qdata_full (G_OBJECT (caller), quark, queues,
                               (GDestroyNotify) g_hash_table_unref);
    }

  return queues;
}

static void close_queue (ExecQueue *queue, gboolean finalized);

static void
instance_finalized (gpointer  data,
                    GObject  *where_the_object_was)
{
  close_queue (data, TRUE);
}

static void
drop_item (CgFuture   *item,
           const char *reason)
{
  _cg_job_discard (item, reason);
  g_object_unref (item);
}

/* Every item not yet started takes room in the buffer: those in the
 * queue, and the one handed to the caller until it starts. */
static guint
occupancy_locked (ExecQueue *queue)
{
  return g_queue_get_length (&queue->items) + (queue->handed ? 1 : 0);
}

static GSList *admit_waiters_locked (ExecQueue *queue);
static void waiter_admitted (gpointer data);

/* An item's job: the call, the copy of its submitter's context it runs
 * in, and the queue it belongs to once it is in one, so that its start
 * frees its room in the buffer. */
typedef struct
{
  ExecQueue      *queue;   /* strong, or NULL */
  CgJobFunc       func;
  gpointer        data;
  GDestroyNotify  destroy;
  CgContextMap   *context;
} QueuedCall;

static void
queued_call_free (gpointer data)
{
  QueuedCall *call = data;

  if (call->destroy != NULL)
    call->destroy (call->data);
  if (call->queue != NULL)
    exec_queue_unref (call->queue);
  _cg_context_map_unref (call->context);
  g_free (call);
}

/* Answers the waiters of the list @data points to, once: from the source,
 * or when the source goes away without having run. */
static void
answer_admitted_now (gpointer data)
{
  GSList **admitted = data;

  g_slist_free_full (g_steal_pointer (admitted), waiter_admitted);
  g_free (admitted);
}

static gboolean
answer_admitted (gpointer data)
{
  GSList **admitted = data;

  g_slist_free_full (g_steal_pointer (admitted), waiter_admitted);
  return G_SOURCE_REMOVE;
}

static void
queued_call_run (CgFuture *future,
                 gpointer  data)
{
  QueuedCall *call = data;
  CgContextMap *saved;

  if (call->queue != NULL)
    {
      GMutex *lock = _cg_caller_get_lock (call->queue->caller);
      GSList *admitted;

      _cg_mutex_lock (lock);
      call->queue->handed = FALSE;
      admitted = admit_waiters_locked (call->queue);
      _cg_mutex_unlock (lock);

      /* The waiters that got in are told from a source of their own, not
       * from inside the caller's dispatch that runs this call: their
       * callbacks may iterate the context and expect the caller to run. */
      if (admitted != NULL)
        {
          GSource *source = g_idle_source_new ();

          g_source_set_callback (source, answer_admitted, g_memdup2 (&admitted, sizeof admitted),
                                 answer_admitted_now);
          g_source_set_static_name (source, "[caller-glib] queue room");
          g_source_attach (source, cg_caller_get_context (call->queue->caller));
          g_source_unref (source);
        }
    }

  saved = _cg_context_enter (&call->context);
  call->func (future, call->data);
  _cg_context_leave (&call->context, saved);
}

/* Links @item to @queue. Caller lock held. */
static void
item_join_locked (CgFuture  *item,
                  ExecQueue *queue)
{
  QueuedCall *call = item->func_data;

  call->queue = exec_queue_ref (queue);
}

static void item_done (CgFuture *item, gpointer user_data);

/* Picks the next item to hand to the caller. Caller lock held. */
static CgFuture *
pump_locked (ExecQueue *queue)
{
  CgFuture *item;

  if (queue->busy || queue->closed || g_queue_is_empty (&queue->items))
    return NULL;

  item = g_queue_pop_head (&queue->items);
  queue->busy = TRUE;
  queue->handed = TRUE;
  _cg_future_add_hook (item, item_done, exec_queue_ref (queue), exec_queue_unref);

  return item;
}

/* Moves waiting async enqueuers into the queue while there is room; returns
 * their tasks. Caller lock held. None once the caller is stopping: its
 * stop hook is about to close the queue and tell the waiters so
 * (CG_CALLER_ERROR_CLOSED), and a waiter let in now would be told it got
 * in, for an item that never runs. */
static GSList *
admit_waiters_locked (ExecQueue *queue)
{
  GSList *admitted = NULL;

  if (_cg_caller_is_closed (queue->caller))
    return NULL;

  while (!g_queue_is_empty (&queue->waiters) && occupancy_locked (queue) < queue->max)
    {
      Waiter *waiter = g_queue_pop_head (&queue->waiters);

      item_join_locked (waiter->item, queue);
      g_queue_push_tail (&queue->items, g_steal_pointer (&waiter->item));
      admitted = g_slist_prepend (admitted, waiter);
    }

  return g_slist_reverse (admitted);
}

static void
waiter_finish (Waiter *waiter,
               GError *error)
{
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_clear_pointer (&waiter->cancel_source, g_source_unref);
    }
  if (waiter->item != NULL)
    drop_item (g_steal_pointer (&waiter->item), _("The execution queue was closed"));

  if (error != NULL)
    g_task_return_error (waiter->task, error);
  else
    g_task_return_boolean (waiter->task, TRUE);

  g_object_unref (waiter->task);
  exec_queue_unref (waiter->queue);
  g_free (waiter);
}

static void
waiter_admitted (gpointer data)
{
  waiter_finish (data, NULL);
}

static void
hand_over (ExecQueue *queue,
           CgFuture  *next,
           GSList    *admitted)
{
  if (next != NULL)
    _cg_caller_post_job (queue->caller, next);
  g_slist_free_full (admitted, waiter_admitted);
}

static void
item_done (CgFuture *item,
           gpointer  user_data)
{
  ExecQueue *queue = user_data;
  GMutex *lock = _cg_caller_get_lock (queue->caller);
  g_autoptr(GError) error = NULL;
  GSList *admitted;
  CgFuture *next;

  if (!cg_future_check (item, &error) &&
      !g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED))
    g_log (_cg_caller_peek_log_domain (queue->caller), G_LOG_LEVEL_WARNING,
           _("A queued call in caller “%s” failed: %s"),
           cg_caller_get_name (queue->caller), error->message);

  _cg_mutex_lock (lock);
  queue->busy = FALSE;
  queue->handed = FALSE; /* dropped without starting */
  /* The next item leaves the buffer first, which makes room for a waiter;
   * then an empty queue may take its next item from the admitted ones. */
  next = pump_locked (queue);
  admitted = admit_waiters_locked (queue);
  if (next == NULL)
    next = pump_locked (queue);
  _cg_mutex_unlock (lock);

  hand_over (queue, next, admitted);
}

static void
close_queue (ExecQueue *queue,
             gboolean   finalized)
{
  GMutex *lock = _cg_caller_get_lock (queue->caller);
  GQueue items = G_QUEUE_INIT, waiters = G_QUEUE_INIT;
  CgFuture *item;
  Waiter *waiter;

  _cg_mutex_lock (lock);
  if (queue->closed)
    {
      _cg_mutex_unlock (lock);
      return;
    }
  queue->closed = TRUE;
  exec_queue_ref (queue);
  g_hash_table_remove (queues_of (queue->caller), queue);
  items = queue->items;
  waiters = queue->waiters;
  g_queue_init (&queue->items);
  g_queue_init (&queue->waiters);
  _cg_mutex_unlock (lock);

  if (queue->instance != NULL && !finalized)
    g_object_weak_unref (queue->instance, instance_finalized, queue);

  while ((item = g_queue_pop_head (&items)) != NULL)
    drop_item (item, _("The execution queue was closed"));

  while ((waiter = g_queue_pop_head (&waiters)) != NULL)
    waiter_finish (waiter, g_error_new_literal (CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                                        _("The execution queue was closed before the "
                                          "call could be queued")));

  exec_queue_unref (queue);
}

/* Finds or makes the queue. Caller lock held. */
static ExecQueue *
lookup_locked (CgCaller      *caller,
               gconstpointer  key_ptr,
               GObject       *instance,
               gint       max,
               gboolean   create)
{
  GHashTable *queues = queues_of (caller);
  ExecQueue key = { 0 };
  ExecQueue *queue;

  key.key = key_ptr;
  key.instance = instance;
  queue = g_hash_table_lookup (queues, &key);
  if (queue != NULL || !create || _cg_caller_is_closed (caller))
    return queue;

  queue = g_new0 (ExecQueue, 1);
  queue->ref_count = 1;
  queue->caller = g_object_ref (caller);
  queue->key = key_ptr;
  queue->instance = instance;
  queue->max = max > 0 ? (guint) max : cg_caller_get_max_buffer_size ();
  g_queue_init (&queue->items);
  g_queue_init (&queue->waiters);
  g_hash_table_add (queues, queue);

  if (instance != NULL)
    g_object_weak_ref (instance, instance_finalized, queue);

  return queue;
}

static gboolean
check_caller (CgCaller  *self,
              GError   **error)
{
  if (!_cg_caller_is_owner_thread (self))
    {
      g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD,
                   _("Calls can be queued in caller “%s” only from its own thread; "
                     "send a job to that thread first"),
                   cg_caller_get_name (self));
      return FALSE;
    }
  if (_cg_caller_is_closed (self))
    {
      g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                   _("Caller “%s” is stopped and takes no new jobs"),
                   cg_caller_get_name (self));
      return FALSE;
    }
  return TRUE;
}

static CgFuture *
new_item (CgCaller       *self,
          CgJobFunc       func,
          gpointer        user_data,
          GDestroyNotify  destroy)
{
  QueuedCall *call = g_new0 (QueuedCall, 1);
  CgFuture *item;

  call->func = func;
  call->data = user_data;
  call->destroy = destroy;
  call->context = _cg_context_capture ();
  item = _cg_job_new (self, queued_call_run, call, queued_call_free);

  return item;
}

static gboolean queue_call_keyed (CgCaller *self, gconstpointer key, CgJobFunc func,
                                  GObject *instance, gpointer user_data, GDestroyNotify destroy,
                                  gint max_buffer_size_, GError **error);

/**
 * cg_caller_queue_call:
 * @self: a #CgCaller
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   function whose queue takes the call
 * @instance: (nullable): the object @func belongs to: the queue is per
 *   @func and @instance, and closes when @instance is finalized
 * @user_data: data for this call of @func
 * @destroy: (nullable): frees @user_data once the call ran or was dropped
 * @max_buffer_size: the room of the queue if this call makes it; 0 or
 *   less for cg_caller_get_max_buffer_size()
 * @error: return location for a #GError
 *
 * Queues a call of @func in the caller's execution queue for @func and
 * @instance, made now if there is none. The call runs from the caller's
 * main loop after the calls queued before it, never from inside this
 * function. It captures the current context as cg_caller_call_soon() does.
 *
 * Only from the caller's own thread: elsewhere it fails with
 * %CG_CALLER_ERROR_WRONG_THREAD. When the queue is full it fails with
 * %CG_CALLER_ERROR_WOULD_BLOCK (see cg_caller_queue_call_async()). On
 * failure @destroy runs at once.
 *
 * Returns: %TRUE when the call was queued
 *
 * Since: 0.1
 */
gboolean
cg_caller_queue_call (CgCaller        *self,
                      CgJobFunc        func,
                      GObject         *instance,
                      gpointer         user_data,
                      GDestroyNotify   destroy,
                      gint             max_buffer_size_,
                      GError         **error)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (instance == NULL || G_IS_OBJECT (instance), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return queue_call_keyed (self, (gconstpointer) func, func, instance, user_data, destroy,
                           max_buffer_size_, error);
}

/**
 * cg_caller_queue_call_named:
 * @self: a #CgCaller
 * @name: the name of the queue
 * @instance: (nullable): the object the queue belongs to: the queue is per
 *   @name and @instance, and closes when @instance is finalized
 * @func: (scope notified) (closure user_data) (destroy destroy): what to
 *   call
 * @user_data: data for this call of @func
 * @destroy: (nullable): frees @user_data once the call ran or was dropped
 * @max_buffer_size: the room of the queue if this call makes it; 0 or
 *   less for cg_caller_get_max_buffer_size()
 * @error: return location for a #GError
 *
 * As cg_caller_queue_call(), with a queue named by @name (and @instance)
 * instead of by the function. Bindings use this form: a function of
 * Python, JavaScript or Vala reaches C as a new pointer on every call, so
 * it cannot name its queue itself.
 *
 * Returns: %TRUE when the call was queued
 *
 * Since: 0.1
 */
gboolean
cg_caller_queue_call_named (CgCaller        *self,
                            const char      *name,
                            GObject         *instance,
                            CgJobFunc        func,
                            gpointer         user_data,
                            GDestroyNotify   destroy,
                            gint             max_buffer_size_,
                            GError         **error)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (instance == NULL || G_IS_OBJECT (instance), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return queue_call_keyed (self, g_intern_string (name), func, instance, user_data, destroy,
                           max_buffer_size_, error);
}

static gboolean
queue_call_keyed (CgCaller        *self,
                  gconstpointer    key,
                  CgJobFunc        func,
                  GObject         *instance,
                  gpointer         user_data,
                  GDestroyNotify   destroy,
                  gint             max_buffer_size_,
                  GError         **error)
{
  GMutex *lock;
  ExecQueue *queue;
  CgFuture *item, *next;
  guint max;

  if (!check_caller (self, error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }

  item = new_item (self, func, user_data, destroy);

  lock = _cg_caller_get_lock (self);
  _cg_mutex_lock (lock);
  queue = lookup_locked (self, key, instance, max_buffer_size_, TRUE);
  if (queue == NULL)
    {
      /* Stopped meanwhile: its queues are gone for good. */
      _cg_mutex_unlock (lock);
      drop_item (item, NULL);
      g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                   _("Caller “%s” is stopped and takes no new jobs"),
                   cg_caller_get_name (self));
      return FALSE;
    }
  max = queue->max;
  /* Waiting enqueuers come first: the queue counts as full for others. */
  if (occupancy_locked (queue) >= max || !g_queue_is_empty (&queue->waiters))
    {
      _cg_mutex_unlock (lock);
      drop_item (item, NULL);
      g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WOULD_BLOCK,
                   _("The execution queue is full (%u calls wait); try again later, "
                     "or wait for room"), max);
      return FALSE;
    }
  item_join_locked (item, queue);
  g_queue_push_tail (&queue->items, item);
  next = pump_locked (queue);
  _cg_mutex_unlock (lock);

  hand_over (queue, next, NULL);

  return TRUE;
}

/* What a waiter's cancel source knows: the waiter may be gone (admitted
 * on another thread) by the time the source runs, so it is only looked
 * for, never read, until found in the queue. */
typedef struct
{
  ExecQueue *queue;   /* strong */
  Waiter    *waiter;  /* an identity until found */
} CancelWatch;

static void
cancel_watch_free (gpointer data)
{
  CancelWatch *watch = data;

  exec_queue_unref (watch->queue);
  g_free (watch);
}

static gboolean
waiter_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  CancelWatch *watch = user_data;
  Waiter *waiter = watch->waiter;
  GMutex *lock = _cg_caller_get_lock (watch->queue->caller);
  gboolean found;
  GError *error = NULL;

  _cg_mutex_lock (lock);
  found = g_queue_remove (&watch->queue->waiters, waiter);
  _cg_mutex_unlock (lock);

  if (found)
    {
      g_cancellable_set_error_if_cancelled (cancellable, &error);
      waiter_finish (waiter, error);
    }

  return G_SOURCE_REMOVE;
}

static void queue_call_async_keyed (CgCaller *self, gconstpointer key, CgJobFunc func,
                                    GObject *instance, gpointer user_data,
                                    GDestroyNotify destroy, gint max_buffer_size_,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer callback_data);

/**
 * cg_caller_queue_call_async:
 * @self: a #CgCaller
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   function whose queue takes the call
 * @instance: (nullable): the object @func belongs to
 * @user_data: data for this call of @func
 * @destroy: (nullable): frees @user_data once the call ran or was dropped
 * @max_buffer_size: the room of the queue if this call makes it; 0 or
 *   less for the default
 * @cancellable: (nullable): gives up waiting for room
 * @callback: (scope async) (closure callback_data): called once the call is
 *   queued, or could not be
 * @callback_data: data for @callback
 *
 * As cg_caller_queue_call(), but when the queue is full it waits for room
 * instead of failing: async_kernel's `queue_call(..., wait=True)`. @callback
 * runs in the current context once the call is in the queue.
 *
 * Since: 0.1
 */
void
cg_caller_queue_call_async (CgCaller            *self,
                            CgJobFunc            func,
                            GObject             *instance,
                            gpointer             user_data,
                            GDestroyNotify       destroy,
                            gint                 max_buffer_size_,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             callback_data)
{
  g_return_if_fail (CG_IS_CALLER (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (instance == NULL || G_IS_OBJECT (instance));

  queue_call_async_keyed (self, (gconstpointer) func, func, instance, user_data, destroy,
                          max_buffer_size_, cancellable, callback, callback_data);
}

/**
 * cg_caller_queue_call_named_async:
 * @self: a #CgCaller
 * @name: the name of the queue
 * @instance: (nullable): the object the queue belongs to
 * @func: (scope notified) (closure user_data) (destroy destroy): what to
 *   call
 * @user_data: data for this call of @func
 * @destroy: (nullable): frees @user_data once the call ran or was dropped
 * @max_buffer_size: the room of the queue if this call makes it; 0 or
 *   less for the default
 * @cancellable: (nullable): gives up waiting for room
 * @callback: (scope async) (closure callback_data): called once the call is
 *   queued, or could not be
 * @callback_data: data for @callback
 *
 * cg_caller_queue_call_async() for a queue of cg_caller_queue_call_named():
 * when the queue is full it waits for room. Finish it with
 * cg_caller_queue_call_finish().
 *
 * Since: 0.1
 */
void
cg_caller_queue_call_named_async (CgCaller            *self,
                                  const char          *name,
                                  GObject             *instance,
                                  CgJobFunc            func,
                                  gpointer             user_data,
                                  GDestroyNotify       destroy,
                                  gint                 max_buffer_size_,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             callback_data)
{
  g_return_if_fail (CG_IS_CALLER (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (func != NULL);
  g_return_if_fail (instance == NULL || G_IS_OBJECT (instance));

  queue_call_async_keyed (self, g_intern_string (name), func, instance, user_data, destroy,
                          max_buffer_size_, cancellable, callback, callback_data);
}

static void
queue_call_async_keyed (CgCaller            *self,
                        gconstpointer        key,
                        CgJobFunc            func,
                        GObject             *instance,
                        gpointer             user_data,
                        GDestroyNotify       destroy,
                        gint                 max_buffer_size_,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             callback_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  GMutex *lock;
  ExecQueue *queue;
  CgFuture *item, *next;
  Waiter *waiter;

  /* Closing the queue (as stopping the caller does) answers a waiter;
   * the answer reaches this thread also when its caller stops meanwhile. */
  task = _cg_reply_task_new (self, cancellable, callback, callback_data,
                             cg_caller_queue_call_async);

  if (!check_caller (self, &error))
    {
      if (destroy != NULL)
        destroy (user_data);
      g_task_return_error (task, error);
      return;
    }

  item = new_item (self, func, user_data, destroy);

  lock = _cg_caller_get_lock (self);
  _cg_mutex_lock (lock);
  queue = lookup_locked (self, key, instance, max_buffer_size_, TRUE);
  if (queue == NULL)
    {
      _cg_mutex_unlock (lock);
      drop_item (item, NULL);
      g_task_return_new_error (task, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                               _("Caller “%s” is stopped and takes no new jobs"),
                               cg_caller_get_name (self));
      return;
    }
  if (occupancy_locked (queue) < queue->max && g_queue_is_empty (&queue->waiters))
    {
      item_join_locked (item, queue);
      g_queue_push_tail (&queue->items, item);
      next = pump_locked (queue);
      _cg_mutex_unlock (lock);
      hand_over (queue, next, NULL);
      g_task_return_boolean (task, TRUE);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->queue = exec_queue_ref (queue);
  waiter->item = item;
  waiter->task = g_object_ref (task);
  g_queue_push_tail (&queue->waiters, waiter);

  if (cancellable != NULL)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
      CancelWatch *watch = g_new (CancelWatch, 1);

      watch->queue = exec_queue_ref (queue);
      watch->waiter = waiter;
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (waiter_cancelled), watch,
                             cancel_watch_free);
      g_source_set_static_name (waiter->cancel_source, "[caller-glib] queue_call cancelled");
      g_source_attach (waiter->cancel_source, context);
    }
  _cg_mutex_unlock (lock);
}

/**
 * cg_caller_queue_call_finish:
 * @self: a #CgCaller
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes cg_caller_queue_call_async() or cg_caller_queue_call_named_async().
 *
 * Returns: %TRUE when the call was queued
 *
 * Since: 0.1
 */
gboolean
cg_caller_queue_call_finish (CgCaller      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean queue_close_keyed (CgCaller *self, gconstpointer key, GObject *instance);
static gboolean queue_exists_keyed (CgCaller *self, gconstpointer key, GObject *instance);

/**
 * cg_caller_queue_close:
 * @self: a #CgCaller
 * @func: (scope call): the function of the queue
 * @instance: (nullable): the object of the queue
 *
 * Closes the execution queue of @func and @instance, dropping the calls
 * still waiting in it (a call that runs right now finishes). Thread-safe.
 *
 * Returns: %TRUE when there was such a queue
 *
 * Since: 0.1
 */
gboolean
cg_caller_queue_close (CgCaller  *self,
                       CgJobFunc  func,
                       GObject   *instance)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  return queue_close_keyed (self, (gconstpointer) func, instance);
}

/**
 * cg_caller_queue_close_named:
 * @self: a #CgCaller
 * @name: the name of the queue
 * @instance: (nullable): the object of the queue
 *
 * cg_caller_queue_close() for a queue of cg_caller_queue_call_named().
 * Thread-safe.
 *
 * Returns: %TRUE when there was such a queue
 *
 * Since: 0.1
 */
gboolean
cg_caller_queue_close_named (CgCaller   *self,
                             const char *name,
                             GObject    *instance)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return queue_close_keyed (self, g_intern_string (name), instance);
}

static gboolean
queue_close_keyed (CgCaller      *self,
                   gconstpointer  key,
                   GObject       *instance)
{
  GMutex *lock;
  ExecQueue *queue;

  lock = _cg_caller_get_lock (self);
  _cg_mutex_lock (lock);
  queue = lookup_locked (self, key, instance, 0, FALSE);
  if (queue != NULL)
    exec_queue_ref (queue);
  _cg_mutex_unlock (lock);

  if (queue == NULL)
    return FALSE;

  close_queue (queue, FALSE);
  exec_queue_unref (queue);
  return TRUE;
}

/**
 * cg_caller_queue_exists:
 * @self: a #CgCaller
 * @func: (scope call): the function of the queue
 * @instance: (nullable): the object of the queue
 *
 * Whether an execution queue of @func and @instance is open. Thread-safe.
 *
 * Returns: %TRUE when there is one
 *
 * Since: 0.1
 */
gboolean
cg_caller_queue_exists (CgCaller  *self,
                        CgJobFunc  func,
                        GObject   *instance)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  return queue_exists_keyed (self, (gconstpointer) func, instance);
}

/**
 * cg_caller_queue_exists_named:
 * @self: a #CgCaller
 * @name: the name of the queue
 * @instance: (nullable): the object of the queue
 *
 * cg_caller_queue_exists() for a queue of cg_caller_queue_call_named().
 * Thread-safe.
 *
 * Returns: %TRUE when there is one
 *
 * Since: 0.1
 */
gboolean
cg_caller_queue_exists_named (CgCaller   *self,
                              const char *name,
                              GObject    *instance)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return queue_exists_keyed (self, g_intern_string (name), instance);
}

static gboolean
queue_exists_keyed (CgCaller      *self,
                    gconstpointer  key,
                    GObject       *instance)
{
  GMutex *lock;
  gboolean exists;

  lock = _cg_caller_get_lock (self);
  _cg_mutex_lock (lock);
  exists = lookup_locked (self, key, instance, 0, FALSE) != NULL;
  _cg_mutex_unlock (lock);

  return exists;
}

/* The stop hook: a stopped caller's queues close, dropping their calls. */
static void
close_all_queues (CgCaller *self)
{
  GMutex *lock = _cg_caller_get_lock (self);
  GPtrArray *all = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  _cg_mutex_lock (lock);
  g_hash_table_iter_init (&iter, queues_of (self));
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (all, exec_queue_ref (key));
  _cg_mutex_unlock (lock);

  for (guint i = 0; i < all->len; i++)
    {
      close_queue (g_ptr_array_index (all, i), FALSE);
      exec_queue_unref (g_ptr_array_index (all, i));
    }
  g_ptr_array_free (all, TRUE);
}
