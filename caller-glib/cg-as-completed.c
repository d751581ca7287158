/* cg-as-completed.c: futures in completion order, and waiting for many
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

/* How an iteration answers.
 *
 * Every watched future has a completion hook, attached when it is watched
 * (for a list, when the iteration is made). The hook runs on the
 * completing thread: it hands the future to the waiting next_async() call,
 * or puts it at the end of the ready queue, a ring of pointers that only
 * grows, so that a step allocates nothing.
 *
 * A call made on a thread whose running caller runs the thread-default
 * context (the usual case) is answered by the iteration itself, not by the
 * reply layer: the call is kept in the iteration (one at a time), and once
 * its answer is known an inbox node of the iteration is posted to that
 * caller. On that thread the node runs the callback with a result object
 * the iteration reuses from step to step. When the callback asks for the
 * next future and one is ready, that call is answered too, but only after
 * the callback has returned, by the same node: no main-loop iteration per
 * future, and still never from inside the next_async() call. A batch stops
 * after BATCH_USEC, so a main loop that draws frames keeps drawing; the
 * node was posted again when the call was answered, so the rest comes with
 * the next dispatch, or from a main loop nested in a callback.
 *
 * Calls made elsewhere (no callback, a thread without a caller, a stopped
 * caller) and calls that fail at once go through the reply layer, as every
 * `_async` call of the library. */

/* How long one node may go on answering calls that ask for a future that
 * is ready, before it leaves the rest to the next dispatch. */
#define BATCH_USEC 1000

typedef enum
{
  CALL_NONE,      /* no call */
  CALL_WAITING,   /* made, not answered */
  CALL_ANSWERED,  /* answered, its callback has not started */
} CallState;

/* The next_async() call of an iteration: there is at most one, from the
 * moment it is made until its callback starts. Under shared->lock. */
typedef struct
{
  CallState            state;
  guint                serial;     /* tells calls apart */
  CgAsCompleted       *self;       /* strong: a call keeps the iteration */
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  CgContextMap        *context;    /* captured when the call was made */
  CgCaller            *asker;      /* held (shared->asker keeps it); NULL: answered by @reply */
  CgReply              reply;      /* when no caller answers on the asking thread */
  GSource             *cancel_source;
  CgFuture            *answer;     /* strong; NULL with no error: the end */
  GError              *error;
} Call;

/* An inbox node that makes the asking thread run the answers. */
typedef struct
{
  CgInboxNode          node;
  struct _Shared      *shared;     /* strong while posted */
  CgCaller            *idle_caller; /* when it came through an idle source */
  gboolean             one_shot;   /* allocated for one post, else shared->poke */
} Poke;

/* State that the completion hooks and sources share with the iteration;
 * each holds a reference, so that the iteration can go away while futures
 * are still out. */
typedef struct _Shared
{
  gint             ref_count;  /* atomic (inline, so sanitizers see it) */
  GMutex           lock;

  /* Under the lock. */
  CgFuture       **ready;      /* done, not handed out yet: a ring, strong */
  guint            ready_head;
  guint            ready_length;
  guint            ready_size; /* 0 or a power of two */
  GHashTable      *watched;    /* not done yet; strong references */
  gboolean         closed;     /* cancelled or disposed: nothing comes out any more */
  Call             call;
  guint            next_serial;
  Poke             poke;       /* the node posted to the asking caller */
  gboolean         poke_posted;
  CgCaller        *poke_caller; /* where it is posted (no reference: it cannot go while posted) */
  GSource         *stop_source; /* the asking caller stops, while a call waits */
  CgCaller        *stop_caller; /* its caller (the source holds it) */
  GObject         *result;     /* the reusable result, when no callback has it */
  CgCaller        *asker;      /* the caller of the last call answered here, strong */
} Shared;

struct _CgAsCompleted
{
  GObject            parent_instance;

  Shared            *shared;
  gboolean           shield;
  CgFuture          *own_future; /* the job future of the creator, skipped */

  /* The generator, under shared->lock; has_generator does not change. */
  gboolean           has_generator;
  CgFutureGenerator  generator;
  gpointer           generator_data;
  GDestroyNotify     generator_destroy;
  guint              max_concurrent;
  gboolean           drawing;
};

G_DEFINE_FINAL_TYPE (CgAsCompleted, cg_as_completed, G_TYPE_OBJECT)

/* The result a callback gets ------------------------------------------------
 *
 * One per iteration, used again by the next step once the callback has
 * called cg_as_completed_next_finish(). A callback that keeps the result
 * to finish later keeps it to itself: the next step makes a new one. */

typedef struct
{
  GObject        parent_instance;

  CgAsCompleted *source;    /* strong while it carries an answer */
  gpointer       user_data;
  CgFuture      *future;    /* strong */
  GError        *error;
  gboolean       taken;     /* finish() took the answer */
} NextResult;

typedef GObjectClass NextResultClass;

static GType next_result_get_type (void);
static void next_result_async_result_init (GAsyncResultIface *iface);

G_DEFINE_TYPE_WITH_CODE (NextResult, next_result, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                next_result_async_result_init))

#define NEXT_RESULT(o) ((NextResult *) (o))
#define IS_NEXT_RESULT(o) (G_TYPE_CHECK_INSTANCE_TYPE ((o), next_result_get_type ()))

static gpointer
next_result_get_user_data (GAsyncResult *result)
{
  return NEXT_RESULT (result)->user_data;
}

static GObject *
next_result_get_source_object (GAsyncResult *result)
{
  NextResult *self = NEXT_RESULT (result);

  return self->source != NULL ? g_object_ref (G_OBJECT (self->source)) : NULL;
}

static gboolean
next_result_is_tagged (GAsyncResult *result,
                       gpointer      source_tag)
{
  return source_tag == cg_as_completed_next_async;
}

static void
next_result_async_result_init (GAsyncResultIface *iface)
{
  iface->get_user_data = next_result_get_user_data;
  iface->get_source_object = next_result_get_source_object;
  iface->is_tagged = next_result_is_tagged;
}

static void
next_result_finalize (GObject *object)
{
  NextResult *self = NEXT_RESULT (object);

  g_clear_object (&self->future);
  g_clear_error (&self->error);
  g_clear_object (&self->source);

  G_OBJECT_CLASS (next_result_parent_class)->finalize (object);
}

static void
next_result_class_init (NextResultClass *klass)
{
  klass->finalize = next_result_finalize;
}

static void
next_result_init (NextResult *self)
{
}

/* Shared state ----------------------------------------------------------- */

static Shared *
shared_new (void)
{
  Shared *shared = g_new0 (Shared, 1);

  shared->ref_count = 1;
  g_mutex_init (&shared->lock);
  shared->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  return shared;
}

static gpointer
shared_ref (Shared *shared)
{
  g_atomic_int_inc (&shared->ref_count);
  return shared;
}

static void ready_clear (Shared *shared);

static void
shared_unref (gpointer data)
{
  Shared *shared = data;

  if (!g_atomic_int_dec_and_test (&shared->ref_count))
    return;

  g_assert (shared->call.state == CALL_NONE);
  g_assert (!shared->poke_posted);
  g_assert (shared->stop_source == NULL);
  ready_clear (shared);
  g_free (shared->ready);
  g_clear_pointer (&shared->watched, g_hash_table_unref);
  g_clear_object (&shared->result);
  g_clear_object (&shared->asker);
  g_mutex_clear (&shared->lock);
  g_free (shared);
}

/* The ready queue, under the lock. */
static void
ready_push (Shared   *shared,
            CgFuture *future)
{
  if (shared->ready_length == shared->ready_size)
    {
      guint size = MAX (shared->ready_size * 2, 16);
      CgFuture **ring = g_new (CgFuture *, size);

      for (guint i = 0; i < shared->ready_length; i++)
        ring[i] = shared->ready[(shared->ready_head + i) & (shared->ready_size - 1)];
      g_free (shared->ready);
      shared->ready = ring;
      shared->ready_head = 0;
      shared->ready_size = size;
    }

  shared->ready[(shared->ready_head + shared->ready_length) & (shared->ready_size - 1)] = future;
  shared->ready_length++;
}

static CgFuture *
ready_pop (Shared *shared)
{
  CgFuture *future;

  if (shared->ready_length == 0)
    return NULL;
  future = shared->ready[shared->ready_head];
  shared->ready_head = (shared->ready_head + 1) & (shared->ready_size - 1);
  shared->ready_length--;
  return future;
}

/* Drops what the queue holds: with the lock held, but a future's last
 * unref runs nothing of ours. */
static void
ready_clear (Shared *shared)
{
  CgFuture *future;

  while ((future = ready_pop (shared)) != NULL)
    g_object_unref (future);
}

/* Answers ------------------------------------------------------------------ */

/* What is left to do, once the lock is released, after a call was
 * answered. */
typedef struct
{
  Call      task;     /* a call answered through the reply layer, taken out */
  CgCaller *post_to;  /* a caller to post a node to (a reference) */
  gboolean  one_shot; /* a node of its own: shared->poke is posted elsewhere */
} Followup;

#define FOLLOWUP_INIT { { 0 }, NULL, FALSE }

static void poke_node_func (CgInboxNode *node, CgCaller *caller, gboolean run);
static void call_schedule_locked (Shared *shared, Followup *followup);

/* The waiting call is answered with @future or @error (both transfer
 * full; neither: the iteration is over). With the lock held. */
static void
call_answer_locked (Shared   *shared,
                    CgFuture *future,
                    GError   *error,
                    Followup *followup)
{
  Call *call = &shared->call;

  g_assert (call->state == CALL_WAITING);

  call->answer = future;
  call->error = error;

  if (call->asker == NULL)
    {
      /* The reply layer answers; the call stays pending until its
       * callback starts (next_task_done()). */
      followup->task = *call;
      memset (call, 0, sizeof *call);
      if (followup->task.callback != NULL)
        {
          call->state = CALL_ANSWERED;
          call->callback = followup->task.callback;
        }
      return;
    }

  call->state = CALL_ANSWERED;
  call_schedule_locked (shared, followup);
}

/* The answered call is run by the node posted to its asking caller (a node
 * that runs the callback of the previous step on that thread also looks
 * again when the callback returns): makes sure one is on its way. With
 * the lock held. */
static void
call_schedule_locked (Shared   *shared,
                      Followup *followup)
{
  Call *call = &shared->call;

  if (shared->poke_posted && shared->poke_caller == call->asker)
    return;

  followup->post_to = g_object_ref (call->asker);
  if (shared->poke_posted)
    {
      followup->one_shot = TRUE; /* the asking thread changed: rare */
    }
  else
    {
      shared->poke_posted = TRUE;
      shared->poke_caller = call->asker;
    }
}

static gboolean
poke_idle (gpointer data)
{
  Poke *poke = data;

  /* Paired with the release in poke_post(): the context's lock orders the
   * two, but TSan cannot see inside an uninstrumented iteration. */
  _CG_TSAN_ACQUIRE (poke);
  poke_node_func (&poke->node, poke->idle_caller, TRUE);
  return G_SOURCE_REMOVE;
}

/* Hands @poke to @caller's thread: through its inbox, or once it has
 * stopped, through its context, which its thread keeps running while it
 * owes answers (the call holds it). */
static void
poke_post (Poke     *poke,
           CgCaller *caller)
{
  GSource *source;

  poke->node.func = poke_node_func;
  poke->idle_caller = NULL;
  if (_cg_caller_post_node (caller, &poke->node))
    return;

  poke->idle_caller = g_object_ref (caller);
  source = g_idle_source_new ();
  _CG_TSAN_RELEASE (poke);
  g_source_set_callback (source, poke_idle, poke, NULL);
  g_source_set_static_name (source, "[caller-glib] as_completed answer after stop");
  g_source_attach (source, cg_caller_get_context (caller));
  g_source_unref (source);
}

static void
call_clear (Call *call)
{
  _cg_source_drop (&call->cancel_source);
  g_clear_pointer (&call->context, _cg_context_map_unref);
  g_clear_object (&call->answer);
  g_clear_error (&call->error);
  g_clear_object (&call->self);
}

/* No lock held. */
static void
followup_run (Shared   *shared,
              Followup *followup)
{
  Call *task = &followup->task;

  if (task->self != NULL)
    {
      _cg_source_drop (&task->cancel_source);
      if (task->error != NULL)
        _cg_reply_return_error (&task->reply, g_steal_pointer (&task->error));
      else
        _cg_reply_return_object (&task->reply, g_steal_pointer (&task->answer));
      call_clear (task);
    }

  if (followup->post_to != NULL)
    {
      Poke *poke;

      if (followup->one_shot)
        {
          poke = g_new0 (Poke, 1);
          poke->one_shot = TRUE;
        }
      else
        {
          poke = &shared->poke;
        }
      poke->shared = shared_ref (shared);
      poke_post (poke, followup->post_to);
      g_object_unref (followup->post_to);
    }
}

/* Runs one answered call: on its asking thread, no lock held. @result is
 * a result to use again, or NULL. */
static void
call_deliver (Shared  *shared,
              Call    *call,
              GObject *result)
{
  NextResult *next;
  CgContextMap *saved;

  _cg_source_drop (&call->cancel_source);

  if (result == NULL)
    result = g_object_new (next_result_get_type (), NULL);
  next = NEXT_RESULT (result);
  next->source = g_steal_pointer (&call->self);
  next->user_data = call->user_data;
  next->future = g_steal_pointer (&call->answer);
  next->error = g_steal_pointer (&call->error);
  next->taken = FALSE;

  /* The answer is being delivered: the caller's thread need not stay for
   * it any more. */
  _cg_caller_release (call->asker);
  call->asker = NULL;

  saved = _cg_context_enter (&call->context);
  call->callback ((GObject *) next->source, (GAsyncResult *) next, call->user_data);
  _cg_context_leave (&call->context, saved);
  g_clear_pointer (&call->context, _cg_context_map_unref);

  if (next->taken)
    {
      /* Finished: the next step can use it again. */
      CgAsCompleted *self = g_steal_pointer (&next->source);

      _cg_mutex_lock (&shared->lock);
      if (shared->result == NULL)
        shared->result = g_steal_pointer (&result);
      _cg_mutex_unlock (&shared->lock);

      g_clear_object (&result);
      g_object_unref (self);
    }
  else
    {
      /* Kept (or dropped) unfinished: it keeps its answer and source. */
      g_object_unref (result);
    }
}

/* The asking thread runs the answers owed to it, @caller's: those answered
 * before the node ran, and those its callbacks ask for that are ready at
 * once, for at most BATCH_USEC. */
static void
shared_deliver (Shared   *shared,
                CgCaller *caller)
{
  Followup followup = FOLLOWUP_INIT;
  gint64 start = 0;
  guint n = 0;

  for (;;)
    {
      Call call;
      GObject *result;

      _cg_mutex_lock (&shared->lock);
      if (shared->call.state != CALL_ANSWERED || shared->call.asker != caller)
        break;
      if (++n % 16 == 0)
        {
          gint64 now = g_get_monotonic_time ();

          if (start == 0)
            start = now;
          else if (now - start > BATCH_USEC)
            break;
        }
      call = shared->call;
      memset (&shared->call, 0, sizeof shared->call);
      result = g_steal_pointer (&shared->result);
      _cg_mutex_unlock (&shared->lock);

      call_deliver (shared, &call, result);
    }

  /* Out of time, or a call answered for another thread: its node must be
   * on the way (this one may have been it). */
  if (shared->call.state == CALL_ANSWERED && shared->call.asker != NULL)
    call_schedule_locked (shared, &followup);
  _cg_mutex_unlock (&shared->lock);

  followup_run (shared, &followup);
}

/* On the asking thread; also when its caller stops (@run FALSE): an
 * answer is never dropped. */
static void
poke_node_func (CgInboxNode *node,
                CgCaller    *caller,
                gboolean     run)
{
  Poke *poke = (Poke *) node;
  Shared *shared = poke->shared;
  CgCaller *idle_caller = g_steal_pointer (&poke->idle_caller);

  if (poke->one_shot)
    {
      g_free (poke);
    }
  else
    {
      _cg_mutex_lock (&shared->lock);
      shared->poke_posted = FALSE;
      shared->poke_caller = NULL;
      _cg_mutex_unlock (&shared->lock);
    }

  shared_deliver (shared, caller);

  g_clear_object (&idle_caller);
  shared_unref (shared);
}

/* A watched future is done: it comes out next, or waits its turn. Runs on
 * the completing thread. */
static void
future_done_hook (CgFuture *future,
                  gpointer  user_data)
{
  Shared *shared = user_data;
  Followup followup = FOLLOWUP_INIT;

  _cg_mutex_lock (&shared->lock);
  if (shared->closed || !g_hash_table_steal (shared->watched, future))
    {
      _cg_mutex_unlock (&shared->lock);
      return;
    }

  /* The reference the table held moves on with the future. */
  if (shared->call.state == CALL_WAITING)
    call_answer_locked (shared, future, NULL, &followup); /* nothing else is ready */
  else
    ready_push (shared, future);
  _cg_mutex_unlock (&shared->lock);

  followup_run (shared, &followup);
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

  if (!self->has_generator)
    return;

  for (;;)
    {
      CgFutureGenerator generator;
      gpointer data;
      GDestroyNotify destroy = NULL;
      CgFuture *future;
      guint outstanding;

      _cg_mutex_lock (&shared->lock);
      outstanding = g_hash_table_size (shared->watched) + shared->ready_length;
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
 * @cancel_futures is FALSE). A waiting next_async() fails with @error
 * (transfer full). With @expected_serial (not 0), only when that call
 * waits. */
static void
as_completed_close (CgAsCompleted *self,
                    guint          expected_serial,
                    gboolean       cancel_futures,
                    GError        *error)
{
  Shared *shared = self->shared;
  Followup followup = FOLLOWUP_INIT;
  GHashTable *watched;
  GHashTableIter iter;
  gpointer key;
  GSource *stop_source;
  gpointer generator_data = NULL;
  GDestroyNotify generator_destroy = NULL;

  _cg_mutex_lock (&shared->lock);
  if (shared->closed ||
      (expected_serial != 0 &&
       (shared->call.state != CALL_WAITING || shared->call.serial != expected_serial)))
    {
      _cg_mutex_unlock (&shared->lock);
      g_clear_error (&error);
      return;
    }
  shared->closed = TRUE;
  if (shared->call.state == CALL_WAITING)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("The iteration over futures as they complete was "
                                       "cancelled"));
      call_answer_locked (shared, NULL, g_steal_pointer (&error), &followup);
    }
  watched = g_steal_pointer (&shared->watched);
  shared->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  ready_clear (shared);
  stop_source = g_steal_pointer (&shared->stop_source);
  shared->stop_caller = NULL;
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

  if (stop_source != NULL)
    {
      g_source_destroy (stop_source);
      g_source_unref (stop_source);
    }

  if (generator_destroy != NULL)
    generator_destroy (generator_data);

  followup_run (shared, &followup);
  g_clear_error (&error);
}

/* GObject --------------------------------------------------------------- */

static void
cg_as_completed_dispose (GObject *object)
{
  CgAsCompleted *self = CG_AS_COMPLETED (object);

  /* An iteration left unfinished cancels what it still watches. */
  as_completed_close (self, 0, TRUE, NULL);

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
  self->has_generator = TRUE;
  self->generator = generator;
  self->generator_data = user_data;
  self->generator_destroy = destroy;
  self->max_concurrent = (guint) MAX (max_concurrent, 1);

  return self;
}

/* The GCancellable of the waiting call was cancelled. */
static gboolean
call_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  Shared *shared = user_data;
  GSource *source = g_main_current_source ();
  CgAsCompleted *self = NULL;
  GError *error = NULL;
  guint serial = 0;

  _cg_mutex_lock (&shared->lock);
  if (shared->call.state == CALL_WAITING && shared->call.cancel_source == source)
    {
      self = g_object_ref (shared->call.self);
      serial = shared->call.serial;
    }
  _cg_mutex_unlock (&shared->lock);

  if (self != NULL)
    {
      g_cancellable_set_error_if_cancelled (cancellable, &error);
      as_completed_close (self, serial, TRUE, error);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* The caller of the asking thread stopped: a call that waits there ends
 * the iteration as if cancelled, with an error that says why. */
static gboolean
asker_stopped_cb (gpointer user_data)
{
  Shared *shared = user_data;
  GSource *source = g_main_current_source ();
  CgAsCompleted *self = NULL;
  guint serial = 0;

  _cg_mutex_lock (&shared->lock);
  if (shared->call.state == CALL_WAITING && shared->stop_source == source &&
      shared->call.asker == shared->stop_caller)
    {
      self = g_object_ref (shared->call.self);
      serial = shared->call.serial;
    }
  _cg_mutex_unlock (&shared->lock);

  if (self != NULL)
    {
      as_completed_close (self, serial, TRUE, _cg_reply_new_closed_error ());
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* The call @serial waits: watches @cancellable (nullable) for it, and the
 * caller of this thread, @asker (nullable), for as long as the iteration
 * is asked from there. On the asking thread, no lock held. */
static void
call_watch_limits (Shared       *shared,
                   guint         serial,
                   GCancellable *cancellable,
                   CgCaller     *asker)
{
  GSource *source;
  gboolean wanted;

  if (cancellable != NULL)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

      source = g_cancellable_source_new (cancellable);
      g_source_set_callback (source, G_SOURCE_FUNC (call_cancelled_cb), shared_ref (shared),
                             shared_unref);
      g_source_set_static_name (source, "[caller-glib] as_completed cancelled");
      g_source_attach (source, context);

      _cg_mutex_lock (&shared->lock);
      wanted = shared->call.state == CALL_WAITING && shared->call.serial == serial;
      if (wanted)
        shared->call.cancel_source = source;
      _cg_mutex_unlock (&shared->lock);

      if (!wanted)
        _cg_source_drop (&source); /* answered meanwhile */
    }

  if (asker != NULL)
    {
      GSource *old;

      _cg_mutex_lock (&shared->lock);
      wanted = shared->stop_caller != asker && !shared->closed;
      _cg_mutex_unlock (&shared->lock);
      if (!wanted)
        return;

      /* Stays while the iteration is asked from this thread: the next
       * calls need no source of their own. */
      source = _cg_caller_stop_source_new (asker);
      g_source_set_callback (source, asker_stopped_cb, shared_ref (shared), shared_unref);
      g_source_attach (source, cg_caller_get_context (asker));

      _cg_mutex_lock (&shared->lock);
      if (shared->closed)
        {
          old = source;
        }
      else
        {
          old = shared->stop_source;
          shared->stop_source = source;
          shared->stop_caller = asker;
        }
      _cg_mutex_unlock (&shared->lock);

      _cg_source_drop (&old);
    }
}

/* The caller of this thread, when it runs the thread-default context and
 * has not stopped: the calls made here that the iteration answers
 * itself. No reference. */
static CgCaller *
peek_asking_caller (void)
{
  CgCaller *here = _cg_caller_peek_here ();
  GMainContext *context;

  if (here == NULL || _cg_caller_is_closed (here))
    return NULL;
  context = g_main_context_get_thread_default ();
  if (context == NULL)
    context = g_main_context_default ();
  return cg_caller_get_context (here) == context ? here : NULL;
}

/* The callback of a call answered through the reply layer: the call is
 * no longer pending once its callback starts. */
static void
next_task_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Shared *shared = CG_AS_COMPLETED (source)->shared;
  GAsyncReadyCallback callback = (GAsyncReadyCallback) g_task_get_task_data (G_TASK (result));

  if (callback != NULL)
    {
      callback (source, result, user_data); /* G_IO_ERROR_PENDING */
      return;
    }

  _cg_mutex_lock (&shared->lock);
  g_assert (shared->call.state == CALL_ANSWERED && shared->call.asker == NULL);
  callback = shared->call.callback;
  memset (&shared->call, 0, sizeof shared->call);
  _cg_mutex_unlock (&shared->lock);

  callback (source, result, user_data);
}

/* Answers a call that cannot be made with @error, through the reply
 * layer. */
static void
next_fail (CgAsCompleted       *self,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data,
           GError              *error)
{
  CgReply reply;

  _cg_reply_init (&reply, self, cancellable, callback, user_data, cg_as_completed_next_async);
  _cg_reply_return_error (&reply, error);
}

static GError *
new_pending_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PENDING,
                              _("The iteration is already waiting for the next future; ask "
                                "for another once that wait has finished"));
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
 * One call may be pending at a time, from when it is made until its
 * callback starts; a second one fails with %G_IO_ERROR_PENDING. The
 * callback may ask for the next future: when one is ready, that answer
 * comes as soon as the callback has returned.
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
  Followup followup = FOLLOWUP_INIT;
  CgCaller *here, *old_asker = NULL;
  CgReply reply = { 0 };
  CgFuture *future;
  Call *call;
  guint serial;
  gboolean waiting;

  g_return_if_fail (CG_IS_AS_COMPLETED (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  shared = self->shared;

  /* Answered by the iteration on this thread, through its caller, or by
   * the reply layer. */
  here = callback != NULL ? peek_asking_caller () : NULL;
  if (here == NULL || g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(CgCaller) stopped = NULL;
      GError *error = NULL;

      /* Here a caller that serves this thread has stopped: nothing would
       * wait for an answer on its behalf. */
      if (callback != NULL && here == NULL)
        stopped = _cg_caller_dup_serving_here ();
      if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
          (stopped != NULL && (error = _cg_reply_new_closed_error ())))
        {
          as_completed_close (self, 0, TRUE, NULL);
          next_fail (self, cancellable, callback, user_data, error);
          return;
        }

      here = NULL;
      _cg_reply_init (&reply, self, cancellable, callback != NULL ? next_task_done : NULL,
                      user_data, cg_as_completed_next_async);
      g_assert (_cg_reply_deliverable (&reply));
    }

  _cg_mutex_lock (&shared->lock);
  if (shared->call.state != CALL_NONE)
    {
      _cg_mutex_unlock (&shared->lock);
      if (reply.task != NULL)
        {
          /* This answer is not the pending call's: its callback goes
           * with it. */
          if (callback != NULL)
            g_task_set_task_data (reply.task, (gpointer) callback, NULL);
          _cg_reply_return_error (&reply, new_pending_error ());
        }
      else
        {
          next_fail (self, cancellable, callback, user_data, new_pending_error ());
        }
      return;
    }

  call = &shared->call;
  call->state = CALL_WAITING;
  if (++shared->next_serial == 0)
    shared->next_serial = 1;
  call->serial = serial = shared->next_serial;
  call->self = g_object_ref (self);
  call->callback = callback;
  call->user_data = user_data;
  if (here != NULL)
    {
      call->context = _cg_context_capture ();
      if (shared->asker != here)
        {
          old_asker = shared->asker;
          shared->asker = g_object_ref (here);
        }
      call->asker = here;
      _cg_caller_hold (here);
    }
  else
    {
      call->reply = reply;
    }

  if (shared->closed)
    call_answer_locked (shared, NULL, NULL, &followup);
  else if ((future = ready_pop (shared)) != NULL)
    call_answer_locked (shared, future, NULL, &followup);
  waiting = call->state == CALL_WAITING;
  _cg_mutex_unlock (&shared->lock);

  g_clear_object (&old_asker);
  followup_run (shared, &followup);

  /* Handing a future out makes room for the generator; a future drawn
   * now that is done already goes straight to the waiting call. */
  as_completed_top_up (self);

  if (!waiting)
    return;

  _cg_mutex_lock (&shared->lock);
  waiting = call->state == CALL_WAITING && call->serial == serial;
  if (waiting && g_hash_table_size (shared->watched) == 0 && shared->ready_length == 0 &&
      self->generator == NULL && !self->drawing)
    {
      call_answer_locked (shared, NULL, NULL, &followup); /* every future came out */
      waiting = FALSE;
    }
  _cg_mutex_unlock (&shared->lock);

  followup_run (shared, &followup);

  if (waiting)
    call_watch_limits (shared, serial, cancellable, here);
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
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (IS_NEXT_RESULT (result))
    {
      NextResult *next = NEXT_RESULT (result);

      g_return_val_if_fail (next->source == self, NULL);
      g_return_val_if_fail (!next->taken, NULL);

      next->taken = TRUE;
      if (next->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&next->error));
          return NULL;
        }
      return g_steal_pointer (&next->future);
    }

  g_return_val_if_fail (_cg_reply_is_valid (result, self, cg_as_completed_next_async), NULL);

  return _cg_reply_propagate_object (result, error);
}

/**
 * cg_as_completed_try_next:
 * @self: a #CgAsCompleted
 * @finished: (out) (optional): %TRUE when the iteration is over
 *
 * The next future that is done, if there is one, without waiting: for code
 * that, woken by cg_as_completed_next_async(), takes every other future
 * that completed meanwhile in the same turn (a language binding pays for
 * each asynchronous call). Handing a future out draws from the generator
 * again, as cg_as_completed_next_async() does. While a
 * cg_as_completed_next_async() is pending, gives nothing.
 *
 * Thread-safe; the generator is drawn on the calling thread.
 *
 * Returns: (transfer full) (nullable): a done future, or %NULL when none is
 *   done yet, or when the iteration is over (then @finished is %TRUE)
 *
 * Since: 0.1
 */
CgFuture *
cg_as_completed_try_next (CgAsCompleted *self,
                          gboolean      *finished)
{
  Shared *shared;
  CgFuture *future = NULL;
  gboolean over;

  if (finished != NULL)
    *finished = FALSE;
  g_return_val_if_fail (CG_IS_AS_COMPLETED (self), NULL);

  shared = self->shared;
  /* Taking one makes room for the generator; a first draw (or this one)
   * may bring futures that are done already. */
  for (guint attempt = 0; attempt < 2 && future == NULL; attempt++)
    {
      _cg_mutex_lock (&shared->lock);
      if (!shared->closed && shared->call.state == CALL_NONE)
        future = ready_pop (shared);
      _cg_mutex_unlock (&shared->lock);

      as_completed_top_up (self);
    }
  if (future != NULL)
    return future;

  _cg_mutex_lock (&shared->lock);
  over = shared->closed ||
         (g_hash_table_size (shared->watched) == 0 && shared->ready_length == 0 &&
          self->generator == NULL && !self->drawing);
  _cg_mutex_unlock (&shared->lock);

  if (finished != NULL)
    *finished = over;
  return NULL;
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

  as_completed_close (self, 0, TRUE, NULL);
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
