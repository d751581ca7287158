/* cg-as-completed.c: futures in completion order, and waiting for many
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-async-reply-private.h"
#include "cg-future-private.h"

/**
 * SECTION:cg-as-completed
 * @title: CgAsCompleted
 * @short_description: futures in completion order, and waiting for many
 *
 * A #CgAsCompleted hands out futures as they complete, async_kernel's
 * `Caller.as_completed()`. Make it over a fixed list of futures with
 * cg_as_completed_new(), which watches them all at once, or over a
 * generator with cg_as_completed_new_from_generator(), which draws futures
 * lazily and keeps at most a given number of them outstanding: the way to
 * run many cg_caller_to_thread() jobs a few at a time.
 *
 * Ask for the next future with cg_as_completed_next_async(); its
 * cg_as_completed_next_finish() gives a future that is done (failed and
 * cancelled ones included: read their outcome as usual), or %NULL once
 * every future came out.
 *
 * |[<!-- language="C" -->
 * static void
 * next_ready (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   CgAsCompleted *iter = CG_AS_COMPLETED (source);
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(CgFuture) future = cg_as_completed_next_finish (iter, result, &error);
 *
 *   if (future == NULL)
 *     return; // all done, or cancelled when error is set
 *
 *   if (cg_future_check (future, &error))
 *     g_print ("%" G_GSSIZE_FORMAT "\n", cg_future_propagate_int (future, NULL));
 *   else
 *     g_print ("failed: %s\n", error->message);
 *
 *   cg_as_completed_next_async (iter, NULL, next_ready, NULL);
 * }
 *
 * g_autoptr(CgAsCompleted) iter = cg_as_completed_new (futures, n_futures, FALSE);
 * cg_as_completed_next_async (iter, NULL, next_ready, NULL);
 * ]|
 *
 * Futures that are done already when they are watched come out first, in
 * the order they were given; the others in the order they complete. When
 * the iteration is made inside a job, that job's own future
 * (cg_caller_current_future()) is skipped, since it cannot complete before
 * the job stops waiting for it.
 *
 * Leaving early cancels the futures still watched: cg_as_completed_cancel(),
 * cancelling the #GCancellable of a pending cg_as_completed_next_async(),
 * or dropping the last reference to an unfinished iteration. With @shield
 * they are left to run, just no longer watched.
 *
 * cg_caller_wait_async() is the other way to wait for many futures,
 * async_kernel's `Caller.wait()`: it ends once all, the first, or the first
 * failing future is done, or when a timeout passes, and reports which
 * futures are done and which are still pending.
 */

/**
 * CgAsCompleted:
 *
 * An asynchronous iteration over futures in the order they complete,
 * async_kernel's `Caller.as_completed()`. Its fields are private.
 *
 * Since: 0.1
 */

/* State that the completion hooks share with the iteration; they hold a
 * reference each, so that the iteration can go away while futures are
 * still out. */
typedef struct
{
  gint             ref_count;  /* atomic (inline, so sanitizers see it) */
  GMutex           lock;
  GQueue           ready;   /* done, not handed out yet; strong references */
  GHashTable      *watched; /* not done yet; strong references */
  struct _Pending  *pending; /* the pending next_async(), strong */
  gboolean         closed;  /* cancelled or disposed: nothing comes out any more */
} Shared;

struct _CgAsCompleted
{
  GObject            parent_instance;

  Shared            *shared;
  gboolean           shield;
  CgFuture          *own_future; /* the job future of the creator, skipped */

  /* The generator, under shared->lock. */
  CgFutureGenerator  generator;
  gpointer           generator_data;
  GDestroyNotify     generator_destroy;
  guint              max_concurrent;
  gboolean           drawing;
};

/* A next_async() call: its reply, and what cancels it. */
typedef struct _Pending
{
  gint             ref_count;  /* atomic (inline, so sanitizers see it) */
  CgReply          reply;
  GSource         *cancel_source;
  GSource         *stop_source; /* the asking thread's caller stops */
  CgAsCompleted   *self;      /* strong */
} Pending;

G_DEFINE_FINAL_TYPE (CgAsCompleted, cg_as_completed, G_TYPE_OBJECT)

/* Shared state ----------------------------------------------------------- */

static Shared *
shared_new (void)
{
  Shared *shared = g_new0 (Shared, 1);

  shared->ref_count = 1;
  g_mutex_init (&shared->lock);
  g_queue_init (&shared->ready);
  shared->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  return shared;
}

static gpointer
shared_ref (Shared *shared)
{
  g_atomic_int_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (gpointer data)
{
  Shared *shared = data;

  if (!g_atomic_int_dec_and_test (&shared->ref_count))
    return;

  g_assert (shared->pending == NULL);
  g_queue_clear_full (&shared->ready, g_object_unref);
  g_clear_pointer (&shared->watched, g_hash_table_unref);
  g_mutex_clear (&shared->lock);
  g_free (shared);
}

static Pending *
pending_ref (Pending *pending)
{
  g_atomic_int_inc (&pending->ref_count);
  return pending;
}

static void
pending_unref (gpointer data)
{
  Pending *pending = data;

  if (!g_atomic_int_dec_and_test (&pending->ref_count))
    return;

  _cg_source_drop (&pending->cancel_source);
  _cg_source_drop (&pending->stop_source);
  _cg_reply_clear (&pending->reply);
  g_object_unref (pending->self);
  g_free (pending);
}

/* Finishes the pending next_async() with @future (transfer full, nullable)
 * or @error (transfer full); also the reference to @pending is taken. Any
 * thread, no lock held. */
static void
next_task_return (Pending  *pending,
                  CgFuture *future,
                  GError   *error)
{
  if (pending->cancel_source != NULL)
    g_source_destroy (pending->cancel_source);
  if (pending->stop_source != NULL)
    g_source_destroy (pending->stop_source);

  if (error != NULL)
    _cg_reply_return_error (&pending->reply, error);
  else
    _cg_reply_return_object (&pending->reply, future);

  pending_unref (pending);
}

/* A watched future is done: it comes out next, or waits its turn. Runs on
 * the completing thread. */
static void
future_done_hook (CgFuture *future,
                  gpointer  user_data)
{
  Shared *shared = user_data;
  Pending *task = NULL;

  _cg_mutex_lock (&shared->lock);
  if (shared->closed || !g_hash_table_steal (shared->watched, future))
    {
      _cg_mutex_unlock (&shared->lock);
      return;
    }

  /* The reference the table held moves on with the future. */
  if (shared->pending != NULL)
    task = g_steal_pointer (&shared->pending); /* nothing is ready, or it had got it */
  else
    g_queue_push_tail (&shared->ready, future);
  _cg_mutex_unlock (&shared->lock);

  if (task != NULL)
    next_task_return (task, future, NULL);
}

/* Watches @future (transfer full). */
static void
as_completed_watch (CgAsCompleted *self,
                    CgFuture      *future)
{
  Shared *shared = self->shared;
  gboolean closed;

  _cg_mutex_lock (&shared->lock);
  closed = shared->closed;
  if (!closed && !g_hash_table_contains (shared->watched, future))
    {
      g_hash_table_add (shared->watched, g_object_ref (future));
      _cg_mutex_unlock (&shared->lock);

      /* Runs the hook at once when the future is done already. */
      _cg_future_add_hook (future, future_done_hook, shared_ref (shared), shared_unref);
    }
  else
    {
      _cg_mutex_unlock (&shared->lock);
    }

  if (closed && !self->shield)
    cg_future_cancel (future, _("The iteration over futures as they complete was cancelled"));

  g_object_unref (future);
}

static gboolean
is_own_future (CgAsCompleted *self,
               CgFuture      *future)
{
  return future == self->own_future || future == cg_caller_current_future ();
}

/* Draws from the generator until max_concurrent futures are outstanding
 * (watched, or done and not handed out yet) or it runs dry. */
static void
as_completed_top_up (CgAsCompleted *self)
{
  Shared *shared = self->shared;

  for (;;)
    {
      CgFutureGenerator generator;
      gpointer data;
      GDestroyNotify destroy = NULL;
      CgFuture *future;
      guint outstanding;

      _cg_mutex_lock (&shared->lock);
      outstanding = g_hash_table_size (shared->watched) + shared->ready.length;
      if (shared->closed || self->generator == NULL || self->drawing ||
          outstanding >= self->max_concurrent)
        {
          _cg_mutex_unlock (&shared->lock);
          return;
        }
      self->drawing = TRUE;
      generator = self->generator;
      data = self->generator_data;
      _cg_mutex_unlock (&shared->lock);

      future = generator (data);
      if (future != NULL && !CG_IS_FUTURE (future))
        {
          g_critical ("The generator of a CgAsCompleted returned something that is "
                      "not a CgFuture; the iteration ends here");
          future = NULL;
        }

      _cg_mutex_lock (&shared->lock);
      self->drawing = FALSE;
      if (future == NULL || shared->closed)
        {
          /* Ran dry, or cancelled while drawing (cancel left the generator
           * to us). */
          destroy = self->generator_destroy;
          self->generator = NULL;
          self->generator_data = NULL;
          self->generator_destroy = NULL;
        }
      _cg_mutex_unlock (&shared->lock);

      if (destroy != NULL)
        destroy (data);

      if (future == NULL)
        return;

      if (is_own_future (self, future))
        g_object_unref (future);
      else
        as_completed_watch (self, future);
    }
}

/* Ends the iteration: nothing comes out any more, the generator is
 * dropped, and the futures still watched are cancelled unless shielded (or
 * @cancel_futures is FALSE). A pending next_async() fails with @error
 * (transfer full). With @expected_task, only when that call is pending. */
static void
as_completed_close (CgAsCompleted *self,
                    Pending       *expected_task,
                    gboolean       cancel_futures,
                    GError        *error)
{
  Shared *shared = self->shared;
  GHashTable *watched;
  GQueue ready = G_QUEUE_INIT;
  GHashTableIter iter;
  gpointer key;
  Pending *task;
  gpointer generator_data = NULL;
  GDestroyNotify generator_destroy = NULL;

  _cg_mutex_lock (&shared->lock);
  if (shared->closed || (expected_task != NULL && shared->pending != expected_task))
    {
      _cg_mutex_unlock (&shared->lock);
      g_clear_error (&error);
      return;
    }
  shared->closed = TRUE;
  task = g_steal_pointer (&shared->pending);
  watched = g_steal_pointer (&shared->watched);
  shared->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  ready = shared->ready;
  g_queue_init (&shared->ready);
  if (!self->drawing)
    {
      generator_data = self->generator_data;
      generator_destroy = self->generator_destroy;
      self->generator = NULL;
      self->generator_data = NULL;
      self->generator_destroy = NULL;
    }
  _cg_mutex_unlock (&shared->lock);

  g_hash_table_iter_init (&iter, watched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      _cg_future_remove_hook (key, future_done_hook, shared);
      if (cancel_futures && !self->shield)
        cg_future_cancel (key, _("The iteration over futures as they complete was cancelled"));
    }
  g_hash_table_unref (watched);
  g_queue_clear_full (&ready, g_object_unref);

  if (generator_destroy != NULL)
    generator_destroy (generator_data);

  if (task != NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("The iteration over futures as they complete was "
                                       "cancelled"));
      next_task_return (task, NULL, g_steal_pointer (&error));
    }
  g_clear_error (&error);
}

/* GObject --------------------------------------------------------------- */

static void
cg_as_completed_dispose (GObject *object)
{
  CgAsCompleted *self = CG_AS_COMPLETED (object);

  /* An iteration left unfinished cancels what it still watches. */
  as_completed_close (self, NULL, TRUE, NULL);

  G_OBJECT_CLASS (cg_as_completed_parent_class)->dispose (object);
}

static void
cg_as_completed_finalize (GObject *object)
{
  CgAsCompleted *self = CG_AS_COMPLETED (object);

  g_clear_object (&self->own_future);
  shared_unref (self->shared);

  G_OBJECT_CLASS (cg_as_completed_parent_class)->finalize (object);
}

static void
cg_as_completed_class_init (CgAsCompletedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cg_as_completed_dispose;
  object_class->finalize = cg_as_completed_finalize;
}

static void
cg_as_completed_init (CgAsCompleted *self)
{
  CgFuture *current = cg_caller_current_future ();

  self->shared = shared_new ();
  self->own_future = current != NULL ? g_object_ref (current) : NULL;
}

/* Public API: CgAsCompleted ------------------------------------------------ */

/**
 * cg_as_completed_new:
 * @futures: (array length=n_futures) (nullable): the futures to watch
 * @n_futures: the length of @futures
 * @shield: leave the futures running when the iteration is cancelled or
 *   dropped early
 *
 * Watches all of @futures at once and hands them out as they complete
 * (see cg_as_completed_next_async()): first those that are done already,
 * in the order of @futures, then the others in completion order. A future
 * given twice comes out once. Inside a job, the job's own future is
 * skipped.
 *
 * An empty list ends at once: the first cg_as_completed_next_finish()
 * gives %NULL.
 *
 * Returns: (transfer full): a new #CgAsCompleted
 *
 * Since: 0.1
 */
CgAsCompleted *
cg_as_completed_new (CgFuture **futures,
                     guint      n_futures,
                     gboolean   shield)
{
  CgAsCompleted *self;
  g_autoptr(GHashTable) seen = NULL;

  g_return_val_if_fail (futures != NULL || n_futures == 0, NULL);
  for (guint i = 0; i < n_futures; i++)
    g_return_val_if_fail (CG_IS_FUTURE (futures[i]), NULL);

  self = g_object_new (CG_TYPE_AS_COMPLETED, NULL);
  self->shield = shield;

  /* Done futures leave the watched table at once, so duplicates among
   * them need a table of their own. */
  if (n_futures > 1)
    seen = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < n_futures; i++)
    {
      if (is_own_future (self, futures[i]))
        continue;
      if (seen != NULL && !g_hash_table_add (seen, futures[i]))
        continue;
      as_completed_watch (self, g_object_ref (futures[i]));
    }

  return self;
}

/**
 * cg_as_completed_new_from_generator:
 * @generator: (scope notified) (closure user_data) (destroy destroy): hands
 *   out the futures, then %NULL
 * @user_data: data for @generator
 * @destroy: (nullable): frees @user_data once the generator is no longer
 *   needed
 * @max_concurrent: how many futures may be outstanding (drawn and not yet
 *   handed out) at a time; 0 or less means the current
 *   cg_caller_get_max_idle_pool_instances() (at least 1)
 * @shield: leave the futures running when the iteration is cancelled or
 *   dropped early
 *
 * Draws futures from @generator lazily and hands them out as they
 * complete. @generator is called from cg_as_completed_next_async(), on its
 * caller's thread, whenever fewer than @max_concurrent futures are
 * outstanding, so a generator that calls cg_caller_to_thread() runs at most
 * @max_concurrent jobs at a time. The iteration ends once @generator has
 * returned %NULL and every future it gave came out. Inside a job, the
 * job's own future is skipped.
 *
 * @destroy runs once @generator returned %NULL, or when the iteration is
 * cancelled or finalized.
 *
 * Returns: (transfer full): a new #CgAsCompleted
 *
 * Since: 0.1
 */
CgAsCompleted *
cg_as_completed_new_from_generator (CgFutureGenerator generator,
                                    gpointer          user_data,
                                    GDestroyNotify    destroy,
                                    gint              max_concurrent,
                                    gboolean          shield)
{
  CgAsCompleted *self;

  g_return_val_if_fail (generator != NULL, NULL);

  if (max_concurrent <= 0)
    max_concurrent = (gint) MIN (cg_caller_get_max_idle_pool_instances (), G_MAXINT);

  self = g_object_new (CG_TYPE_AS_COMPLETED, NULL);
  self->shield = shield;
  self->generator = generator;
  self->generator_data = user_data;
  self->generator_destroy = destroy;
  self->max_concurrent = (guint) MAX (max_concurrent, 1);

  return self;
}

static gboolean
next_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  Pending *task = user_data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  as_completed_close (task->self, task, TRUE, error);

  return G_SOURCE_REMOVE;
}

/* The caller of the asking thread stopped: the iteration ends there as if
 * cancelled, with an error that says why. */
static gboolean
next_caller_stopped_cb (gpointer user_data)
{
  Pending *task = user_data;

  as_completed_close (task->self, task, TRUE, _cg_reply_new_closed_error ());

  return G_SOURCE_REMOVE;
}


/**
 * cg_as_completed_next_async:
 * @self: a #CgAsCompleted
 * @cancellable: (nullable): cancels the iteration
 * @callback: (scope async) (closure user_data): called once the next
 *   future is done, or the iteration is over
 * @user_data: data for @callback
 *
 * Asks for the next future to complete; @callback is called in the
 * thread-default main context of the calling thread and calls
 * cg_as_completed_next_finish(). For an iteration over a generator, this
 * is also when the generator is drawn from.
 *
 * Cancelling @cancellable while the call is pending fails it with
 * %G_IO_ERROR_CANCELLED and cancels the iteration as
 * cg_as_completed_cancel() does.
 *
 * One call may be pending at a time; a second one fails with
 * %G_IO_ERROR_PENDING.
 *
 * Since: 0.1
 */
void
cg_as_completed_next_async (CgAsCompleted       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Shared *shared;
  Pending *task;
  GError *error = NULL;
  CgFuture *future = NULL;
  gboolean closed, finished;

  g_return_if_fail (CG_IS_AS_COMPLETED (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  shared = self->shared;

  task = g_new0 (Pending, 1);
  task->ref_count = 1;
  task->self = g_object_ref (self);
  _cg_reply_init (&task->reply, self, cancellable, callback, user_data,
                  cg_as_completed_next_async);

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      (!_cg_reply_deliverable (&task->reply) && (error = _cg_reply_new_closed_error ())))
    {
      as_completed_close (self, NULL, TRUE, NULL);
      next_task_return (task, NULL, error);
      return;
    }

  task->stop_source = _cg_reply_watch_stop (&task->reply, next_caller_stopped_cb,
                                            pending_ref (task), pending_unref);

  if (cancellable != NULL)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

      /* In place before the call can be handed a future from another
       * thread, which destroys it. */
      task->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (task->cancel_source, G_SOURCE_FUNC (next_cancelled_cb),
                             pending_ref (task), pending_unref);
      g_source_set_static_name (task->cancel_source, "[caller-glib] as_completed cancelled");
      g_source_attach (task->cancel_source, context);
    }

  _cg_mutex_lock (&shared->lock);
  if (shared->pending != NULL)
    {
      _cg_mutex_unlock (&shared->lock);
      next_task_return (task, NULL,
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PENDING,
                                             _("The iteration is already waiting for the "
                                               "next future; ask for another once that "
                                               "wait has finished")));
      return;
    }
  closed = shared->closed;
  if (!closed)
    {
      future = g_queue_pop_head (&shared->ready);
      if (future == NULL)
        shared->pending = pending_ref (task);
    }
  _cg_mutex_unlock (&shared->lock);

  if (closed || future != NULL)
    {
      /* Handing a future out makes room for the generator. */
      as_completed_top_up (self);
      next_task_return (task, future, NULL);
      return;
    }

  /* Futures drawn now that are done already go straight to the task. */
  as_completed_top_up (self);

  _cg_mutex_lock (&shared->lock);
  finished = shared->pending == task && g_hash_table_size (shared->watched) == 0 &&
             shared->ready.length == 0 && self->generator == NULL && !self->drawing;
  if (finished)
    shared->pending = NULL;
  _cg_mutex_unlock (&shared->lock);

  if (finished)
    next_task_return (task, NULL, NULL); /* takes the reference shared->pending had */
  pending_unref (task);
}

/**
 * cg_as_completed_next_finish:
 * @self: a #CgAsCompleted
 * @result: the #GAsyncResult given to the callback of
 *   cg_as_completed_next_async()
 * @error: return location for a #GError
 *
 * Finishes a cg_as_completed_next_async().
 *
 * Returns: (transfer full) (nullable): the next future that is done, or
 *   %NULL with no error once the iteration is over (every future came out,
 *   or it was cancelled earlier), or %NULL with %G_IO_ERROR_CANCELLED when
 *   this call was cancelled, or with %G_IO_ERROR_PENDING
 *
 * Since: 0.1
 */
CgFuture *
cg_as_completed_next_finish (CgAsCompleted  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (CG_IS_AS_COMPLETED (self), NULL);
  g_return_val_if_fail (_cg_reply_is_valid (result, self, cg_as_completed_next_async), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _cg_reply_propagate_object (result, error);
}

/**
 * cg_as_completed_cancel:
 * @self: a #CgAsCompleted
 *
 * Ends the iteration early: the futures it still watches are cancelled
 * (unless it was made with @shield), the generator is no longer drawn
 * from, a pending cg_as_completed_next_async() fails with
 * %G_IO_ERROR_CANCELLED, and later calls give %NULL. Futures that were done
 * but not yet handed out are dropped. Nothing happens once the iteration
 * is over.
 *
 * Dropping the last reference to an unfinished iteration does the same.
 *
 * Thread-safe; the generator's destroy notify may run on the calling
 * thread.
 *
 * Since: 0.1
 */
void
cg_as_completed_cancel (CgAsCompleted *self)
{
  g_return_if_fail (CG_IS_AS_COMPLETED (self));

  as_completed_close (self, NULL, TRUE, NULL);
}

/* Public API: wait -------------------------------------------------------- */

typedef struct
{
  GMutex        lock;
  CgFuture    **futures;     /* strong references, without duplicates */
  guint         n_futures;
  guint         n_done;
  gboolean      failed;      /* a done future failed or was cancelled */
  gboolean      registered;  /* every hook is in place */
  gboolean      finished;
  CgReturnWhen  return_when;
  GSource      *timeout_source;
  GSource      *cancel_source;
  GSource      *stop_source;  /* the asking thread's caller stops */
  GPtrArray    *done;
  GPtrArray    *pending;
} WaitMany;

static void
wait_many_free (gpointer user_data)
{
  WaitMany *wait = user_data;

  _cg_source_drop (&wait->timeout_source);
  _cg_source_drop (&wait->cancel_source);
  _cg_source_drop (&wait->stop_source);
  for (guint i = 0; i < wait->n_futures; i++)
    g_object_unref (wait->futures[i]);
  g_free (wait->futures);
  g_clear_pointer (&wait->done, g_ptr_array_unref);
  g_clear_pointer (&wait->pending, g_ptr_array_unref);
  g_mutex_clear (&wait->lock);
  g_free (wait);
}

/* With the lock held. */
static gboolean
wait_many_satisfied (WaitMany *wait)
{
  if (wait->n_done >= wait->n_futures)
    return TRUE;

  switch (wait->return_when)
    {
    case CG_RETURN_WHEN_FIRST_COMPLETED:
      return wait->n_done > 0;
    case CG_RETURN_WHEN_FIRST_EXCEPTION:
      return wait->failed;
    case CG_RETURN_WHEN_ALL_COMPLETED:
    default:
      return FALSE;
    }
}

static void wait_many_hook (CgFuture *future, gpointer user_data);

/* Returns the task: once, by whoever set wait->finished. */
static void
wait_many_finish (GTask  *task,
                  GError *error)
{
  WaitMany *wait = g_task_get_task_data (task);

  g_object_ref (task);

  for (guint i = 0; i < wait->n_futures; i++)
    _cg_future_remove_hook (wait->futures[i], wait_many_hook, task);
  if (wait->timeout_source != NULL)
    g_source_destroy (wait->timeout_source);
  if (wait->cancel_source != NULL)
    g_source_destroy (wait->cancel_source);
  if (wait->stop_source != NULL)
    g_source_destroy (wait->stop_source);

  if (error != NULL)
    {
      g_task_return_error (task, error);
    }
  else
    {
      wait->done = g_ptr_array_new_with_free_func (g_object_unref);
      wait->pending = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < wait->n_futures; i++)
        g_ptr_array_add (cg_future_is_done (wait->futures[i]) ? wait->done : wait->pending,
                         g_object_ref (wait->futures[i]));
      g_task_return_boolean (task, TRUE);
    }

  g_object_unref (task);
}

static gboolean
future_failed (CgFuture *future)
{
  return cg_future_is_cancelled (future) || !cg_future_check (future, NULL);
}

static void
wait_many_hook (CgFuture *future,
                gpointer  user_data)
{
  GTask *task = user_data;
  WaitMany *wait = g_task_get_task_data (task);
  gboolean failed = wait->return_when == CG_RETURN_WHEN_FIRST_EXCEPTION && future_failed (future);
  gboolean finish = FALSE;

  _cg_mutex_lock (&wait->lock);
  wait->n_done++;
  wait->failed |= failed;
  if (wait->registered && !wait->finished && wait_many_satisfied (wait))
    finish = wait->finished = TRUE;
  _cg_mutex_unlock (&wait->lock);

  if (finish)
    wait_many_finish (task, NULL);
}

static gboolean
wait_many_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  WaitMany *wait = g_task_get_task_data (task);
  gboolean finish;

  _cg_mutex_lock (&wait->lock);
  finish = !wait->finished;
  wait->finished = TRUE;
  _cg_mutex_unlock (&wait->lock);

  /* A timeout is no error: the sets are reported as they are. */
  if (finish)
    wait_many_finish (task, NULL);

  return G_SOURCE_REMOVE;
}

/* Ends the wait with @error, unless it has ended. */
static void
wait_many_give_up (GTask  *task,
                   GError *error)
{
  WaitMany *wait = g_task_get_task_data (task);
  gboolean finish;

  _cg_mutex_lock (&wait->lock);
  finish = !wait->finished;
  wait->finished = TRUE;
  _cg_mutex_unlock (&wait->lock);

  if (finish)
    wait_many_finish (task, error);
  else
    g_error_free (error);
}

static gboolean
wait_many_cancelled_cb (GCancellable *cancellable,
                        gpointer      user_data)
{
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  wait_many_give_up (user_data, error);
  return G_SOURCE_REMOVE;
}

/* The caller of the waiting thread stopped. */
static gboolean
wait_many_caller_stopped_cb (gpointer user_data)
{
  wait_many_give_up (user_data, _cg_reply_new_closed_error ());
  return G_SOURCE_REMOVE;
}

/**
 * cg_caller_wait_async:
 * @futures: (array length=n_futures) (nullable): the futures to wait for
 * @n_futures: the length of @futures
 * @timeout: seconds to wait at most; negative waits without limit
 *   (%CG_TIMEOUT_INFINITE)
 * @return_when: when to end the wait
 * @cancellable: (nullable): cancels the wait
 * @callback: (scope async) (closure user_data): called once the wait ends
 * @user_data: data for @callback
 *
 * Waits for @futures without blocking, async_kernel's `Caller.wait()`:
 * @callback is called in the thread-default main context of the calling
 * thread once @return_when is met (%CG_RETURN_WHEN_ALL_COMPLETED: every
 * future is done; %CG_RETURN_WHEN_FIRST_COMPLETED: any is;
 * %CG_RETURN_WHEN_FIRST_EXCEPTION: any failed or was cancelled, or every
 * future is done), or once @timeout seconds have passed. Then
 * cg_caller_wait_finish() tells which futures are done and which are
 * still pending.
 *
 * A timeout is not an error, and the wait never cancels the futures (use
 * cg_future_cancel() on the pending ones if you want that). An empty list
 * ends at once. Cancelling @cancellable fails the wait with
 * %G_IO_ERROR_CANCELLED.
 *
 * Thread-safe: futures of any thread may be waited for together.
 *
 * Since: 0.1
 */
void
cg_caller_wait_async (CgFuture            **futures,
                      guint                 n_futures,
                      gdouble               timeout,
                      CgReturnWhen          return_when,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) seen = NULL;
  WaitMany *wait;
  gboolean finish;

  g_return_if_fail (futures != NULL || n_futures == 0);
  g_return_if_fail (return_when == CG_RETURN_WHEN_ALL_COMPLETED ||
                    return_when == CG_RETURN_WHEN_FIRST_COMPLETED ||
                    return_when == CG_RETURN_WHEN_FIRST_EXCEPTION);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  for (guint i = 0; i < n_futures; i++)
    g_return_if_fail (CG_IS_FUTURE (futures[i]));

  task = _cg_reply_task_new (NULL, cancellable, callback, user_data, cg_caller_wait_async);
  g_task_set_name (task, "[caller-glib] cg_caller_wait_async");
  g_task_set_check_cancellable (task, FALSE);

  wait = g_new0 (WaitMany, 1);
  g_mutex_init (&wait->lock);
  wait->return_when = return_when;
  wait->futures = g_new (CgFuture *, MAX (n_futures, 1));
  if (n_futures > 1)
    seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < n_futures; i++)
    if (seen == NULL || g_hash_table_add (seen, futures[i]))
      wait->futures[wait->n_futures++] = g_object_ref (futures[i]);
  g_task_set_task_data (task, wait, wait_many_free);

  if (g_cancellable_is_cancelled (cancellable))
    {
      GError *error = NULL;

      g_cancellable_set_error_if_cancelled (cancellable, &error);
      g_task_return_error (task, error);
      return;
    }

  _cg_reply_task_watch_limits (task, timeout, wait_many_timeout_cb, cancellable,
                               G_SOURCE_FUNC (wait_many_cancelled_cb), &wait->timeout_source,
                               &wait->cancel_source);

  wait->stop_source = _cg_reply_task_watch_stop (task, wait_many_caller_stopped_cb,
                                                 g_object_ref (task), g_object_unref);

  /* Hooks of futures that are done already run now; none of them may end
   * the wait before every hook is in place. */
  for (guint i = 0; i < wait->n_futures; i++)
    _cg_future_add_hook (wait->futures[i], wait_many_hook, g_object_ref (task), g_object_unref);

  _cg_mutex_lock (&wait->lock);
  wait->registered = TRUE;
  finish = !wait->finished && wait_many_satisfied (wait);
  if (finish)
    wait->finished = TRUE;
  _cg_mutex_unlock (&wait->lock);

  if (finish)
    wait_many_finish (task, NULL);
}

/* A new array of the same futures, holding no references: what
 * (transfer container) promises the bindings. */
static GPtrArray *
borrowed_copy (GPtrArray *futures)
{
  GPtrArray *copy = g_ptr_array_sized_new (futures->len);

  for (guint i = 0; i < futures->len; i++)
    g_ptr_array_add (copy, g_ptr_array_index (futures, i));
  return copy;
}

/**
 * cg_caller_wait_finish:
 * @result: the #GAsyncResult given to the callback of
 *   cg_caller_wait_async()
 * @done: (out) (optional) (nullable) (transfer container) (element-type CgFuture):
 *   the futures that were done when the wait ended, in the order given
 * @pending: (out) (optional) (nullable) (transfer container) (element-type CgFuture):
 *   the futures that were not done yet, in the order given
 * @error: return location for a #GError
 *
 * Finishes a cg_caller_wait_async(). A wait that timed out succeeds too;
 * look at @pending. The arrays are yours (free them with
 * g_ptr_array_unref()); the futures in them are the ones you gave to
 * cg_caller_wait_async(), without a reference of their own.
 *
 * Returns: %TRUE with @done and @pending set, or %FALSE with
 *   %G_IO_ERROR_CANCELLED when the wait was cancelled (then @done and
 *   @pending are set to %NULL)
 *
 * Since: 0.1
 */
gboolean
cg_caller_wait_finish (GAsyncResult  *result,
                       GPtrArray    **done,
                       GPtrArray    **pending,
                       GError       **error)
{
  WaitMany *wait;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cg_caller_wait_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (done != NULL)
    *done = NULL;
  if (pending != NULL)
    *pending = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  wait = g_task_get_task_data (G_TASK (result));
  if (done != NULL)
    *done = borrowed_copy (wait->done);
  if (pending != NULL)
    *pending = borrowed_copy (wait->pending);

  return TRUE;
}
