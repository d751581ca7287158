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

/* How the lock works.
 *
 * Everything the lock knows (who holds it, how many times, who waits) is
 * guarded by one atomic word, `busy`, taken with a compare-and-swap for a
 * few instructions at a time: nothing is allocated, no callback runs and
 * no other lock is taken while it is held, so a thread that finds it taken
 * spins a little (and yields after a while) instead of sleeping on a
 * futex.
 *
 * A waiter is a record that carries its own answer (a CgReplyRecord: the
 * asking thread's caller, the context, the callback and a ready result).
 * The release that hands the lock over unlinks the next waiter and pushes
 * it into the inbox of the asking thread's caller; that thread runs the
 * callback, then keeps the record for its next acquisition.
 *
 * A holder is named by a token: a number, new for each fresh acquisition,
 * kept as a pointer in the lock's context variable (see var_token()).
 *
 * A caller that stops while some of its thread's waiters wait: a stop hook
 * looks through every lock for them and answers them with
 * CG_CALLER_ERROR_CLOSED, on their thread. */

typedef struct _Waiter Waiter;

/* A waiter is made by the asking thread and read by the releasing one,
 * which hands it the lock: what the releasing thread reads (the first
 * three fields, and the node, caller and task that begin the reply) fills
 * the first cache line of a record aligned to one, and the releasing
 * thread writes none of it unless it must (a link that changes). The
 * line then stays in the asking thread's cache, which reads it again
 * when the answer comes. */
struct _Waiter
{
  Waiter        *next;           /* in the queue, or in a list of answers */
  gpointer       token;          /* the holder it asks for */
  GCancellable  *cancellable;
  CgReplyRecord  reply;          /* the answer, and the record */
  guint64        serial;         /* tells a recycled record from its past */
  GSource       *cancel_source;
};

#define WAITER_ALIGN 64
G_STATIC_ASSERT (G_STRUCT_OFFSET (Waiter, reply) + G_STRUCT_OFFSET (CgReplyRecord, task) +
                 sizeof (GTask *) <= WAITER_ALIGN);

static inline Waiter *
waiter_of (CgReplyRecord *reply)
{
  return (Waiter *) ((char *) reply - G_STRUCT_OFFSET (Waiter, reply));
}

static Waiter *
waiter_alloc (void)
{
  return g_aligned_alloc (1, sizeof (Waiter), WAITER_ALIGN);
}

typedef struct _CgAsyncLockPrivate CgAsyncLockPrivate;

struct _CgAsyncLockPrivate
{
  gint                busy;        /* atomic: 1 while a thread reads or changes the rest */
  gboolean            reentrant;
  guint               count;
  gpointer            holder;      /* the holder's token; NULL when free */
  Waiter             *head;        /* the waiters, first come first */
  Waiter             *tail;
  CgContextVar       *holder_var;  /* names each context that asks for this lock */
  CgFuture           *granted;     /* atomic, made once: the result of every grant */

  /* In the list of every lock, for the stop hook. */
  CgAsyncLockPrivate *prev_lock;
  CgAsyncLockPrivate *next_lock;

  /* Waiter records out (made, not yet done with their answer): while
   * there are any, the lock holds a reference to itself, which is what
   * keeps it alive for them (a record holds none). Alone in its cache
   * line: an acquisition and an answer each change it, and the threads
   * that pass the lock between them must not wait for it, nor find the
   * line of the state or of the object's header taken from them. */
  gint                pad_before_[16];
  gint                records;     /* atomic */
  gint                pad_after_[15];
};

struct _CgReentrantAsyncLock
{
  CgAsyncLock parent_instance;
};

G_DEFINE_TYPE_WITH_PRIVATE (CgAsyncLock, cg_async_lock, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (CgReentrantAsyncLock, cg_reentrant_async_lock, CG_TYPE_ASYNC_LOCK)

static inline void
state_lock (CgAsyncLockPrivate *priv)
{
  guint spins = 0;

  while (!g_atomic_int_compare_and_exchange (&priv->busy, 0, 1))
    {
      /* Held for a few instructions: spin, unless its thread was
       * preempted, then give it the processor. */
      do
        {
          if (++spins < 100)
            _cg_cpu_relax ();
          else
            g_thread_yield ();
        }
      while (g_atomic_int_get (&priv->busy) != 0);
    }
}

static inline void
state_unlock (CgAsyncLockPrivate *priv)
{
  g_atomic_int_set (&priv->busy, 0);
}

/* Every lock, so that a caller that stops finds its waiters. */
static GMutex all_locks_mutex;
static CgAsyncLockPrivate *all_locks;

static void locks_caller_stopped (CgCaller *caller);

static void
cg_async_lock_finalize (GObject *object)
{
  CgAsyncLock *self = CG_ASYNC_LOCK (object);
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (self);

  /* While a waiter's record is out, the lock holds a reference to itself
   * (priv->records); none can be left. */
  g_assert (priv->head == NULL);
  g_clear_object (&priv->granted);

  _cg_mutex_lock (&all_locks_mutex);
  if (priv->prev_lock != NULL)
    priv->prev_lock->next_lock = priv->next_lock;
  else
    all_locks = priv->next_lock;
  if (priv->next_lock != NULL)
    priv->next_lock->prev_lock = priv->prev_lock;
  _cg_mutex_unlock (&all_locks_mutex);

  g_clear_object (&priv->holder_var);

  G_OBJECT_CLASS (cg_async_lock_parent_class)->finalize (object);
}

static void
cg_async_lock_class_init (CgAsyncLockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cg_async_lock_finalize;
  _cg_caller_add_stop_hook (locks_caller_stopped);
}

static void
cg_async_lock_init (CgAsyncLock *self)
{
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (self);

  priv->holder_var = cg_context_var_new ("cg-async-lock-holder", NULL);

  _cg_mutex_lock (&all_locks_mutex);
  priv->next_lock = all_locks;
  if (all_locks != NULL)
    all_locks->prev_lock = priv;
  all_locks = priv;
  _cg_mutex_unlock (&all_locks_mutex);
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
 * asking context with a new token in the lock's variable, and the callback
 * runs in a copy of it, as does every job spawned from there while it
 * holds the lock. All of them are the same context to the lock, which is
 * what lets a reentrant lock admit the jobs its holder spawns; contexts
 * copied after the release carry a stale token that matches nothing.
 *
 * A token is a number kept as a pointer (reading it copies nothing); the
 * numbers are never reused (a thread takes them from a shared counter a
 * block at a time, so the counter is touched once per 1024 tokens). */
static inline gpointer
var_token (CgAsyncLockPrivate *priv)
{
  return _cg_context_var_peek_pointer (priv->holder_var);
}

#define TOKEN_BLOCK 1024

static gpointer
new_token (void)
{
  static gsize counter = 0;
  static CG_THREAD_LOCAL gsize next, end;

  if (next == end)
    {
      next = (gsize) g_atomic_pointer_add (&counter, TOKEN_BLOCK) + 1;
      end = next + TOKEN_BLOCK;
    }
  return GSIZE_TO_POINTER (next++);
}

static void
set_token (CgAsyncLockPrivate *priv,
           gpointer            token)
{
  _cg_context_var_put_pointer (priv->holder_var, token);
}

/* Waiters ------------------------------------------------------------------ */

/* What a successful acquisition answers: one done result per lock, made
 * by the first acquisition, rather than a future made and dropped per
 * grant. */
static CgFuture *
granted_result (CgAsyncLock        *lock,
                CgAsyncLockPrivate *priv)
{
  CgFuture *granted = g_atomic_pointer_get (&priv->granted);

  if (G_LIKELY (granted != NULL))
    return granted;

  granted = _cg_reply_new_success (lock, cg_async_lock_acquire_async);
  if (!g_atomic_pointer_compare_and_exchange (&priv->granted, NULL, granted))
    {
      g_object_unref (granted);
      granted = g_atomic_pointer_get (&priv->granted);
    }
  return granted;
}

/* A thread keeps the record of its last answered waiter for its next
 * acquisition; the thread's end frees it. */
static CG_THREAD_LOCAL Waiter *spare_waiter;
static CG_THREAD_LOCAL gboolean spare_waiter_watched;

static void
spare_waiter_release (gpointer unused)
{
  g_clear_pointer (&spare_waiter, g_aligned_free);
  spare_waiter_watched = FALSE;
}

/* Registered once per thread, for spare_waiter_release() at its end. */
static GPrivate spare_waiter_key = G_PRIVATE_INIT (spare_waiter_release);

/* A record goes out: the first one keeps the lock alive. */
static void
records_take (CgAsyncLock        *lock,
              CgAsyncLockPrivate *priv)
{
  if (g_atomic_int_add (&priv->records, 1) == 0)
    g_object_ref (lock);
}

/* A record is done: the last one lets the lock go, which may finalize
 * it; nothing of the lock may be used after. */
static void
records_drop (CgAsyncLock        *lock,
              CgAsyncLockPrivate *priv)
{
  if (g_atomic_int_add (&priv->records, -1) == 1)
    g_object_unref (lock);
}

/* Keeps the record for this thread's next acquisition (see spare_waiter). */
static void
waiter_recycle (Waiter *waiter)
{
  _cg_source_drop (&waiter->cancel_source);
  g_clear_object (&waiter->cancellable);
  if (spare_waiter != NULL)
    {
      g_aligned_free (waiter);
      return;
    }
  if (G_UNLIKELY (!spare_waiter_watched))
    {
      g_private_set (&spare_waiter_key, GINT_TO_POINTER (1));
      spare_waiter_watched = TRUE;
    }
  spare_waiter = waiter;
}

static void
waiter_answered (CgReplyRecord *reply)
{
  Waiter *waiter = waiter_of (reply);
  CgAsyncLock *lock = reply->source_object;

  waiter_recycle (waiter);
  records_drop (lock, cg_async_lock_get_instance_private (lock));
}

static Waiter *
waiter_new (CgAsyncLock         *lock,
            gpointer             token,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  static guint64 serials = 0;
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (lock);
  Waiter *waiter = g_steal_pointer (&spare_waiter);

  if (waiter == NULL)
    waiter = waiter_alloc ();

  records_take (lock, priv);
  /* The reply captures the current context: the token must be in it. */
  _cg_reply_record_init (&waiter->reply, lock, cancellable, callback, user_data,
                         cg_async_lock_acquire_async, granted_result (lock, priv),
                         waiter_answered);
  waiter->next = NULL;
  waiter->token = token;
  waiter->serial = 0;
  waiter->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  waiter->cancel_source = NULL;
  if (cancellable != NULL)
    waiter->serial = (guint64) g_atomic_pointer_add (&serials, 1) + 1;
  return waiter;
}

/* A waiter that was never answered nor queued. */
static void
waiter_discard (Waiter *waiter)
{
  _cg_reply_record_clear (&waiter->reply);
  waiter_answered (&waiter->reply);
}

static gboolean
waiter_cancelled_now (Waiter *waiter)
{
  return waiter->cancellable != NULL && g_cancellable_is_cancelled (waiter->cancellable);
}

/* Whether the waiter can still be given the lock: not cancelled, and the
 * caller of its thread has not stopped (nothing there could use the lock,
 * nor give it back). */
static gboolean
waiter_may_take (Waiter *waiter)
{
  return !waiter_cancelled_now (waiter) && _cg_reply_record_deliverable (&waiter->reply);
}

/* Answers a waiter that could not take the lock: cancelled, or its
 * caller stopped. */
static void
waiter_refuse (Waiter *waiter)
{
  GError *error = NULL;

  if (waiter->cancellable == NULL ||
      !g_cancellable_set_error_if_cancelled (waiter->cancellable, &error))
    error = _cg_reply_new_closed_error ();
  _cg_reply_record_return_error (&waiter->reply, error);
}

/* The queue and the lists write a waiter's link only when it changes: see
 * the comment on Waiter. */
static inline void
waiter_unlink (Waiter *waiter)
{
  if (waiter->next != NULL)
    waiter->next = NULL;
}

/* The queue: with the state held. */
static void
queue_push_locked (CgAsyncLockPrivate *priv,
                   Waiter             *waiter)
{
  waiter_unlink (waiter);
  if (priv->tail != NULL)
    priv->tail->next = waiter;
  else
    priv->head = waiter;
  priv->tail = waiter;
}

static void
queue_unlink_locked (CgAsyncLockPrivate *priv,
                     Waiter             *prev,
                     Waiter             *waiter)
{
  if (prev != NULL)
    prev->next = waiter->next;
  else
    priv->head = waiter->next;
  if (priv->tail == waiter)
    priv->tail = prev;
  waiter_unlink (waiter);
}

static gboolean
has_waiter_locked (CgAsyncLockPrivate *priv,
                   gpointer            token)
{
  for (Waiter *w = priv->head; w != NULL; w = w->next)
    if (w->token == token)
      return TRUE;
  return FALSE;
}

/* A list of waiters taken out of the queue, in order. */
typedef struct
{
  Waiter *head;
  Waiter *tail;
} WaiterList;

static void
list_append (WaiterList *list,
             Waiter     *waiter)
{
  waiter_unlink (waiter);
  if (list->tail != NULL)
    list->tail->next = waiter;
  else
    list->head = waiter;
  list->tail = waiter;
}

/* Outside the state: the waiters are the library's until answered. */
static void
list_grant (WaiterList *list)
{
  Waiter *waiter = list->head;

  while (waiter != NULL)
    {
      /* Read before the answer: its thread may reuse the record at once. */
      Waiter *following = waiter->next;

      _cg_reply_record_return_true (&waiter->reply);
      waiter = following;
    }
}

static void
list_refuse (WaiterList *list)
{
  Waiter *waiter = list->head;

  while (waiter != NULL)
    {
      Waiter *following = waiter->next;

      waiter_refuse (waiter);
      waiter = following;
    }
}

/* A caller stops: the waiters of its thread give up, wherever they wait. */
static void
locks_caller_stopped (CgCaller *caller)
{
  WaiterList gone = { NULL, NULL };

  _cg_mutex_lock (&all_locks_mutex);
  for (CgAsyncLockPrivate *priv = all_locks; priv != NULL; priv = priv->next_lock)
    {
      Waiter *prev = NULL, *waiter;

      state_lock (priv);
      waiter = priv->head;
      while (waiter != NULL)
        {
          Waiter *following = waiter->next;

          if (waiter->reply.caller == caller)
            {
              queue_unlink_locked (priv, prev, waiter);
              list_append (&gone, waiter);
            }
          else
            {
              prev = waiter;
            }
          waiter = following;
        }
      state_unlock (priv);
    }
  _cg_mutex_unlock (&all_locks_mutex);

  /* Through the stopped caller's context, on its thread. */
  for (Waiter *waiter = gone.head, *following; waiter != NULL; waiter = following)
    {
      following = waiter->next;
      _cg_reply_record_return_error (&waiter->reply, _cg_reply_new_closed_error ());
    }
}

/* What a waiter's cancel source knows: the waiter may be answered (and its
 * record reused) by the time the source runs, so it is only looked for,
 * by address and serial, never read until found in the queue. */
typedef struct
{
  CgAsyncLock *lock;   /* strong */
  Waiter      *waiter; /* an identity until found */
  guint64      serial;
} CancelWatch;

static void
cancel_watch_free (gpointer data)
{
  CancelWatch *watch = data;

  g_object_unref (watch->lock);
  g_free (watch);
}

/* Takes @waiter out of the queue and answers it with its cancellation,
 * unless it was answered already (then it is not looked at). */
static void
waiter_give_up (CgAsyncLock *lock,
                Waiter      *waiter,
                guint64      serial)
{
  CgAsyncLockPrivate *priv = cg_async_lock_get_instance_private (lock);
  Waiter *prev = NULL, *w;

  state_lock (priv);
  for (w = priv->head; w != NULL; prev = w, w = w->next)
    if (w == waiter && w->serial == serial)
      {
        queue_unlink_locked (priv, prev, w);
        break;
      }
  state_unlock (priv);

  if (w != NULL)
    waiter_refuse (w);
}

static gboolean
waiter_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  CancelWatch *watch = user_data;

  waiter_give_up (watch->lock, watch->waiter, watch->serial);
  return G_SOURCE_REMOVE;
}

/* Before the waiter is queued: its cancellation, in the thread-default
 * context (whose thread answers). */
static void
waiter_watch_cancel (CgAsyncLock *lock,
                     Waiter      *waiter)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  CancelWatch *watch = g_new (CancelWatch, 1);

  watch->lock = g_object_ref (lock);
  watch->waiter = waiter;
  watch->serial = waiter->serial;
  waiter->cancel_source = g_cancellable_source_new (waiter->cancellable);
  g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (waiter_cancelled), watch,
                         cancel_watch_free);
  g_source_set_static_name (waiter->cancel_source, "[caller-glib] lock wait cancelled");
  g_source_attach (waiter->cancel_source, context);
}

/* Acquiring and releasing ----------------------------------------------------- */

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
  gpointer token;
  gboolean held_here;
  guint64 serial;
  Waiter *waiter;

  g_return_if_fail (CG_IS_ASYNC_LOCK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  priv = cg_async_lock_get_instance_private (self);

again:
  token = var_token (priv);
  held_here = FALSE;

  /* A fresh acquisition gets a new token for the asking context, unless
   * that context waits already (then its waiters go in together). A token
   * left from an earlier, released acquisition means nothing any more.
   * Only this context could add a waiter with its token, so what is
   * decided here holds until the waiter is queued below. */
  if (token != NULL)
    {
      state_lock (priv);
      held_here = priv->count > 0 && priv->holder == token;
      if (!held_here && !has_waiter_locked (priv, token))
        token = NULL;
      state_unlock (priv);
    }
  if (token == NULL)
    {
      token = new_token ();
      set_token (priv, token);
    }

  /* Made after the token is set: the callback runs in this context. */
  waiter = waiter_new (self, token, cancellable, callback, user_data);

  /* Once the asking thread's caller has stopped, nothing there could use
   * the lock, nor give it back. */
  if (!_cg_reply_record_deliverable (&waiter->reply))
    {
      _cg_reply_record_return_error (&waiter->reply, _cg_reply_new_closed_error ());
      return;
    }
  if (held_here && !priv->reentrant)
    goto not_reentrant;
  /* Watched before the waiter can be seen by other threads. */
  if (cancellable != NULL)
    waiter_watch_cancel (self, waiter);

  state_lock (priv);
  if (priv->count > 0 && priv->holder == token)
    {
      if (!priv->reentrant)
        {
          state_unlock (priv);
          goto not_reentrant;
        }
      priv->count++;
      state_unlock (priv);
      _cg_reply_record_return_true (&waiter->reply);
      return;
    }
  if (held_here)
    {
      /* A copy of this context on another thread released the lock a
       * moment ago: this is a fresh acquisition after all, with a new
       * token, and a new reply in the context that has it. */
      state_unlock (priv);
      waiter_discard (waiter);
      goto again;
    }
  if (priv->count == 0 && priv->head == NULL)
    {
      priv->holder = token;
      priv->count = 1;
      state_unlock (priv);
      _cg_reply_record_return_true (&waiter->reply);
      return;
    }
  /* Checked again here: the stop hook looks at the queue under the state,
   * after the caller is marked stopped, so a waiter either is queued
   * before it looks or sees the stop now. */
  if (!_cg_reply_record_deliverable (&waiter->reply))
    {
      state_unlock (priv);
      _cg_reply_record_return_error (&waiter->reply, _cg_reply_new_closed_error ());
      return;
    }
  serial = waiter->serial;
  queue_push_locked (priv, waiter);
  state_unlock (priv);

  /* Cancelled before its source was attached, and that source has run
   * already (another thread iterates the context): nothing else would
   * take the waiter out. */
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    waiter_give_up (self, waiter, serial);
  return;

not_reentrant:
  _cg_reply_record_return_error (&waiter->reply,
                                 g_error_new_literal (CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_REENTRANT,
                                                      _("The lock is already locked and not "
                                                        "reentrant; this context holds it "
                                                        "already")));
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
  CgAsyncLockPrivate *priv;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), FALSE);

  /* The lock's one done result of every grant: valid, and a success. */
  priv = cg_async_lock_get_instance_private (self);
  if (G_LIKELY (result == (GAsyncResult *) g_atomic_pointer_get (&priv->granted)))
    {
      /* The holder releases soon: the state's line, last written by the
       * thread that handed the lock over, comes while the holder works. */
      _cg_prefetch_for_write (&priv->busy);
      return TRUE;
    }

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
  WaiterList admitted = { NULL, NULL }, refused = { NULL, NULL };
  gpointer token;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = cg_async_lock_get_instance_private (self);
  token = var_token (priv);

  state_lock (priv);
  if (priv->count == 0 || token == NULL || priv->holder != token)
    {
      state_unlock (priv);
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           _("The lock is not held by the current context, so it "
                             "cannot release it"));
      return FALSE;
    }

  if (--priv->count == 0)
    {
      Waiter *next;

      /* A waiter cancelled a moment ago whose cancel source has not run
       * yet gets its cancellation, not the lock; a waiter whose caller has
       * stopped could never use it, nor give it back. */
      while ((next = priv->head) != NULL && !waiter_may_take (next))
        {
          queue_unlink_locked (priv, NULL, next);
          list_append (&refused, next);
        }

      priv->holder = NULL;
      if (next != NULL)
        {
          queue_unlink_locked (priv, NULL, next);
          list_append (&admitted, next);
          priv->holder = next->token;
          priv->count = 1;

          if (priv->reentrant)
            {
              Waiter *prev = NULL, *waiter = priv->head;

              while (waiter != NULL)
                {
                  Waiter *following = waiter->next;

                  if (waiter->token == priv->holder && waiter_may_take (waiter))
                    {
                      queue_unlink_locked (priv, prev, waiter);
                      list_append (&admitted, waiter);
                      priv->count++;
                    }
                  else
                    {
                      prev = waiter;
                    }
                  waiter = following;
                }
            }
        }
    }
  state_unlock (priv);

  list_grant (&admitted);
  list_refuse (&refused);

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
  gpointer token;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), FALSE);

  priv = cg_async_lock_get_instance_private (self);
  token = var_token (priv);
  if (token == NULL)
    return FALSE;

  state_lock (priv);
  held = priv->count > 0 && priv->holder == token;
  state_unlock (priv);

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
  state_lock (priv);
  count = priv->count;
  state_unlock (priv);

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
