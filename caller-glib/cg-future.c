/* cg-future.c: a result that another thread delivers
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-context-private.h"
#include "cg-future-private.h"
#include "cg-parking-private.h"
#include "cg-recycler-private.h"

/**
 * SECTION:cg-future
 * @title: CgFuture
 * @short_description: a result that another thread delivers
 *
 * A #CgFuture stands for the outcome of work that finishes later, usually
 * in another thread: a value, an error, or cancellation. It is what
 * cg_caller_call_soon() and its siblings return, and it implements
 * #GAsyncResult so it fits the GIO `_async`/`_finish` conventions.
 *
 * Every future belongs to one thread, its *owner*: the thread of the
 * #CgCaller that runs its job, or the thread that made it with
 * cg_future_new(). Its done callbacks always run on that thread.
 *
 * A future completes exactly once, with one of the GTask-style
 * `cg_future_return_*()` functions; a second completion fails with
 * %CG_FUTURE_ERROR_INVALID_STATE. Read the outcome with the matching
 * `cg_future_propagate_*()` function, as often as you like.
 *
 * |[<!-- language="C" -->
 * static void
 * add_numbers (CgFuture *future, gpointer user_data)
 * {
 *   cg_future_return_int (future, 2 + 3, NULL);
 * }
 *
 * g_autoptr(GError) error = NULL;
 * g_autoptr(CgCaller) worker = cg_caller_start_new ("worker", FALSE, NULL, &error);
 * g_autoptr(CgFuture) future = cg_caller_call_soon (worker, add_numbers, NULL, NULL, &error);
 *
 * if (cg_future_wait_sync (future, 5.0, CG_WAIT_FLAGS_NONE, NULL, &error))
 *   g_print ("%" G_GSSIZE_FORMAT "\n", cg_future_propagate_int (future, NULL));
 * ]|
 *
 * A job that completes its own future, as the one above does, sets its
 * outcome at once (a second completion fails), but the future becomes
 * done, for waiters, done callbacks and cg_future_is_done(), when the job
 * function has returned, as a GTask completed by its thread function
 * does. So a job should not complete its future and then wait for a
 * thread that waits for that future.
 *
 * Cancelling a future with cg_future_cancel() marks it cancelled at once and
 * cancels the #GCancellable of its job; the future becomes done when the job
 * ends (or when someone completes it), and then reports
 * %CG_FUTURE_ERROR_CANCELLED whatever value was set.
 *
 * All functions of #CgFuture are thread-safe unless they say otherwise.
 *
 * The library reuses a future once its last reference is gone, as a
 * cheaper new one: GObject's dispose runs as for any object (signal
 * handlers, weak references and #GWeakRef are dropped), but data attached
 * with g_object_set_data() stays with the object. Keep such data beside
 * the future rather than on it, and do not call g_object_run_dispose() on
 * a future. A future never emits #GObject::notify: the library keeps the
 * notify queue of a reused future frozen.
 */

/**
 * CgFuture:
 *
 * The outcome of work that finishes later: a value, an error or
 * cancellation, delivered on the future's own thread. An opaque
 * #GObject that implements #GAsyncResult; its fields are private.
 *
 * Since: 0.1
 */

struct _CgCallback
{
  CgCallback       *next;
  CgFutureCallback  func;
  gpointer          data;
  GDestroyNotify    destroy;
  gboolean          hook;
  CgContextMap     *context;   /* the registrant's context, for user callbacks */
  CgCaller         *home;      /* where @destroy runs (thread-bound), or NULL */
};

struct _CgFutureExtra
{
  CgCallback   *callbacks;    /* the future's, once it has this record */
  GString      *messages;
  GCancellable *cancellable;
  CgFuture     *awaiting;
  GObject      *attachment;   /* what a feature keeps with it (the CgJob of a job list) */
};

typedef struct
{
  CgInboxNode   node;
  CgFuture   *future;
  CgCallback *callbacks;
} CgDelivery;

typedef struct
{
  CgInboxNode     node;
  GCancellable *cancellable;
} CgCancelRequest;

static void cg_future_async_result_iface_init (GAsyncResultIface *iface);

/* See struct _CgFuture: what a pending future costs (W5). */
G_STATIC_ASSERT (GLIB_SIZEOF_VOID_P != 8 || sizeof (CgFuture) <= 96);

G_DEFINE_FINAL_TYPE_WITH_CODE (CgFuture, cg_future, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      cg_future_async_result_iface_init))

G_STATIC_ASSERT (sizeof (CgFuture) <= 128);

/* The caller a future is being made for, handed to instance_init
 * without the cost of a construct property. */
static CG_THREAD_LOCAL CgCaller *owner_for_init;

/* The layers above, see cg-future-private.h. */
static const CgOwnerFuncs *owner_funcs;
static const CgFutureJobFuncs *job_funcs;

void
_cg_future_set_owner_funcs (const CgOwnerFuncs *funcs)
{
  g_atomic_pointer_set (&owner_funcs, funcs);
}

void
_cg_future_set_job_funcs (const CgFutureJobFuncs *funcs)
{
  g_atomic_pointer_set (&job_funcs, funcs);
}

/* The owner functions; only for a future whose owner is a caller, which
 * cannot exist before the table is filled in. */
static inline const CgOwnerFuncs *
caller_funcs (void)
{
  return g_atomic_pointer_get (&owner_funcs);
}

/* The caller of @thread, or NULL: a reference. */
static CgCaller *
dup_caller_for_thread (GThread *thread)
{
  const CgOwnerFuncs *funcs = caller_funcs ();

  return funcs != NULL ? funcs->dup_for_thread (thread) : NULL;
}

/* The caller of this thread when it is thread-bound, or NULL. */
static CgCaller *
dup_bound_here (void)
{
  const CgOwnerFuncs *funcs = caller_funcs ();

  return funcs != NULL ? funcs->dup_bound_here () : NULL;
}

typedef struct
{
  CgInboxNode     node;
  GDestroyNotify  destroy;
  gpointer        data;
} HomeDestroy;

static void
home_destroy_node_func (CgInboxNode *node,
                        CgCaller    *caller,
                        gboolean     run)
{
  HomeDestroy *pending = (HomeDestroy *) node;

  pending->destroy (pending->data);
  g_free (pending);
}

/* Calls @destroy on @data on the thread of @home (taking the reference to
 * @home), or here when @home is NULL, here, or stopped: how a thread-bound
 * thread gets back the data it gave away. */
void
_cg_future_destroy_at_home (CgCaller       *home,
                            GDestroyNotify  destroy,
                            gpointer        data)
{
  HomeDestroy *pending;

  if (destroy == NULL || home == NULL || caller_funcs ()->is_owner_thread (home))
    {
      if (destroy != NULL)
        destroy (data);
      g_clear_object (&home);
      return;
    }

  pending = g_new (HomeDestroy, 1);
  pending->node.next = NULL;
  pending->node.func = home_destroy_node_func;
  pending->destroy = destroy;
  pending->data = data;
  if (!caller_funcs ()->post_node (home, &pending->node))
    home_destroy_node_func (&pending->node, NULL, TRUE);
  g_object_unref (home);
}

/* The owner is set when the future is made, except for a job waiting for
 * a pool worker (cg-worker-pool.c), whose owner is set once, when a worker
 * takes it: hence the atomic reads. */
static inline gboolean
owner_is_caller (CgFuture *self)
{
  return (g_atomic_int_get (&self->state) & CG_FUTURE_OWNER_IS_CALLER) != 0;
}

static inline gpointer
owner_peek (CgFuture *self)
{
  return g_atomic_pointer_get (&self->owner);
}

/* The future's rarely needed state, or NULL. Under the lock. */
static inline CgFutureExtra *
peek_extra (CgFuture *self)
{
  return (self->links & 1) ? (CgFutureExtra *) (self->links - 1) : NULL;
}

/* Where the future's list of done callbacks starts. Under the lock. */
static inline CgCallback **
callbacks_slot (CgFuture *self)
{
  CgFutureExtra *extra = peek_extra (self);

  return extra != NULL ? &extra->callbacks : &self->callbacks;
}

/* The future's rarely needed state, made if need be: the callbacks move
 * into it. Under the lock. */
static inline CgFutureExtra *
future_extra (CgFuture *self)
{
  CgFutureExtra *extra = peek_extra (self);

  if (extra == NULL)
    {
      G_STATIC_ASSERT (G_ALIGNOF (CgFutureExtra) > 1);
      extra = g_new0 (CgFutureExtra, 1);
      extra->callbacks = self->callbacks;
      self->links = (guintptr) extra | 1;
    }
  return extra;
}

/* Dropping a future can drop the last reference to the future it
 * followed (cg_future_return_future()), whose finalization drops the next
 * one, and so on down the chain: by recursion, a long chain would overflow
 * the stack. So a thread drops those references from a loop: a release
 * made while one is under way on the thread is queued for that loop. */
typedef struct
{
  GPtrArray *queued;
} ReleaseLoop;

static CG_THREAD_LOCAL ReleaseLoop *release_loop;

static void
release_followed (CgFuture *followed)
{
  ReleaseLoop loop = { NULL };

  if (followed == NULL)
    return;

  if (release_loop != NULL)
    {
      if (release_loop->queued == NULL)
        release_loop->queued = g_ptr_array_new ();
      g_ptr_array_add (release_loop->queued, followed);
      return;
    }

  release_loop = &loop;
  g_object_unref (followed);
  while (loop.queued != NULL && loop.queued->len > 0)
    g_object_unref (g_ptr_array_steal_index_fast (loop.queued, loop.queued->len - 1));
  release_loop = NULL;

  if (loop.queued != NULL)
    g_ptr_array_unref (loop.queued);
}

static void
outcome_clear (CgOutcomeKind  kind,
               CgOutcomeData *data)
{
  switch (kind)
    {
    case CG_OUTCOME_OWNED_POINTER:
      if (data->owned->destroy != NULL)
        data->owned->destroy (data->owned->data);
      g_free (data->owned);
      break;
    case CG_OUTCOME_VALUE:
      if (data->value != NULL)
        {
          g_value_unset (data->value);
          g_free (data->value);
        }
      break;
    case CG_OUTCOME_ERROR:
      g_clear_error (&data->error);
      break;
    case CG_OUTCOME_CHAINED:
      release_followed (g_steal_pointer (&data->chained));
      break;
    case CG_OUTCOME_NONE:
    case CG_OUTCOME_BOOLEAN:
    case CG_OUTCOME_INT:
    case CG_OUTCOME_CANCELLED:
    default:
      break;
    }
  memset (data, 0, sizeof *data);
}

static void
callbacks_free (CgCallback *list)
{
  while (list != NULL)
    {
      CgCallback *next = list->next;

      _cg_future_destroy_at_home (list->home, list->destroy, list->data);
      _cg_context_map_unref (list->context);
      g_free (list);
      list = next;
    }
}

/* Frees everything the future holds and zeroes its fields. */
static void
future_clear (CgFuture *self)
{
  CgFutureExtra *extra = peek_extra (self);

  outcome_clear (self->kind, &self->outcome);
  callbacks_free (*callbacks_slot (self));

  if (self->state & CG_FUTURE_SOURCE_WEAK)
    g_weak_ref_clear (&self->source_weak);
  else if (self->state & CG_FUTURE_ANSWER)
    g_clear_object (&self->source_object);
  else if (self->func_destroy != NULL)
    self->func_destroy (self->func_data);

  if (extra != NULL)
    {
      if (extra->messages != NULL)
        g_string_free (extra->messages, TRUE);
      g_clear_object (&extra->cancellable);
      release_followed (g_steal_pointer (&extra->awaiting));
      g_clear_object (&extra->attachment);
      g_free (extra);
    }

  if (self->owner != NULL)
    {
      if (self->state & CG_FUTURE_OWNER_IS_CALLER)
        g_object_unref (self->owner);
      else
        g_thread_unref (self->owner);
    }

  {
    guint8 notify_frozen = self->notify_frozen; /* stays with the object */

    memset (&self->node, 0, sizeof *self - G_STRUCT_OFFSET (CgFuture, node));
    self->notify_frozen = notify_frozen;
  }
}

/* Recycling ----------------------------------------------------------------
 *
 * Making and finalizing a GObject costs far more than the rest of a job:
 * the class reference counts shared by every thread, an allocation, and
 * the instance's initialisation. A future whose last reference goes away
 * is therefore kept for the next job: dispose() resurrects it into the
 * futures' recycler (cg-recycler-private.h), whose per-thread magazines
 * and shared depot make a future made on one thread and freed on another
 * cost one lock per batch, not per call.
 */

/* Drops a kept future for good (its thread ends): marked "do not
 * recycle" for dispose(), which the unref runs again. */
static void
future_drop (gpointer item)
{
  CgFuture *self = item;

  g_atomic_int_or (&self->state, CG_FUTURE_NO_RECYCLE);
  g_object_unref (self);
}

static CgRecycler future_recycler =
  CG_RECYCLER_INIT (G_STRUCT_OFFSET (CgFuture, node) + G_STRUCT_OFFSET (CgInboxNode, next),
                    future_drop, CG_RECYCLER_SLOT_FUTURES);

/* Unretrieved failures --------------------------------------------------------
 *
 * A future that failed and goes away without anyone having read its
 * error is reported once, to a handler the application can replace (the
 * default logs a message). Reading it (cg_future_check(), a
 * `propagate` function, a wait that gives the result, the chain of a
 * future that follows it) or adding a done callback counts; a
 * cancellation is never reported. */

/* The handler, with the thread-bound caller of the thread that set it (a
 * binding whose functions run on one thread: the handler runs there,
 * later, through that caller; never in the middle of a collection of the
 * binding's garbage, which may be what drops the future). */
typedef struct
{
  CgUnretrievedFailureFunc  func;
  gpointer                  data;
  GDestroyNotify            destroy;
  CgCaller                 *home;
} Handler;

static void
handler_free (gpointer user_data)
{
  Handler *handler = user_data;

  _cg_future_destroy_at_home (handler->home, handler->destroy, handler->data);
  g_free (handler);
}

static CgHook *unretrieved_handler;
static gint unretrieved_replaced;  /* atomic: the application chose */

/**
 * cg_set_unretrieved_failure_handler:
 * @handler: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   what to do with a failure nobody read, or %NULL to say nothing
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data once @handler is replaced
 *
 * A future that failed and is finalized without anyone having read its
 * error (no cg_future_check(), no `propagate` function, no wait for its
 * result, no done callback, no future that followed it) is reported once:
 * by default with cg_log_unretrieved_failure(), as asyncio says "exception
 * was never retrieved". Cancellations are not reported. This function
 * replaces that report for the whole process: to show it in a user
 * interface, to fail a test, or, with %NULL, to say nothing.
 *
 * @handler runs on the thread that drops the future's last reference;
 * set from a thread-bound thread (cg_caller_set_thread_bound(), as GJS
 * has), on that thread, from its main loop. Thread-safe.
 *
 * Since: 0.1
 */
void
cg_set_unretrieved_failure_handler (CgUnretrievedFailureFunc handler,
                                    gpointer                 user_data,
                                    GDestroyNotify           destroy)
{
  Handler *data = NULL;

  g_atomic_int_set (&unretrieved_replaced, TRUE);
  if (handler != NULL)
    {
      data = g_new0 (Handler, 1);
      data->func = handler;
      data->data = user_data;
      data->destroy = destroy;
      data->home = dup_bound_here ();
    }
  else if (destroy != NULL)
    {
      destroy (user_data);
    }
  _cg_hook_replace (&unretrieved_handler, data != NULL ? (gpointer) handler : NULL, data,
                    data != NULL ? handler_free : NULL);
}

/* A report on its way to a thread-bound thread. */
typedef struct
{
  CgInboxNode  node;
  CgHook      *hook;
  GError      *error;
  char        *label;
} Report;

static void
report_node_func (CgInboxNode *node,
                  CgCaller    *caller,
                  gboolean     run)
{
  Report *report = (Report *) node;
  Handler *handler = report->hook->data;

  if (run)
    handler->func (report->error, report->label, handler->data);
  _cg_hook_unref (report->hook);
  g_error_free (report->error);
  g_free (report->label);
  g_free (report);
}

static void
report_unretrieved (CgFuture *self)
{
  gint state = g_atomic_int_get (&self->state);
  g_autofree char *label = NULL;
  GObject *attachment;
  const GError *error;
  CgHook *hook;
  Handler *handler;

  if ((state & (CG_FUTURE_DONE | CG_FUTURE_RETRIEVED | CG_FUTURE_CANCELLED)) != CG_FUTURE_DONE ||
      self->kind != CG_OUTCOME_ERROR)
    return;
  g_atomic_int_or (&self->state, CG_FUTURE_RETRIEVED);  /* once */
  error = self->outcome.error;
  if (g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  hook = _cg_hook_dup (&unretrieved_handler);
  if (hook == NULL && g_atomic_int_get (&unretrieved_replaced))
    return;

  /* What a feature keeps with the future (a job list's CgJob) may know
   * the job's label. */
  attachment = _cg_future_dup_attachment (self);
  if (attachment != NULL &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (attachment), "label") != NULL)
    g_object_get (attachment, "label", &label, NULL);
  g_clear_object (&attachment);

  if (hook == NULL)
    {
      cg_log_unretrieved_failure (error, label, NULL);
      return;
    }
  handler = hook->data;
  if (handler->home == NULL)
    {
      handler->func (error, label, handler->data);
      _cg_hook_unref (hook);
      return;
    }

  {
    Report *report = g_new0 (Report, 1);

    report->node.func = report_node_func;
    report->hook = hook;
    report->error = g_error_copy (error);
    report->label = g_steal_pointer (&label);
    if (!caller_funcs ()->post_node (handler->home, &report->node))
      report_node_func (&report->node, NULL, FALSE);
  }
}

/**
 * cg_log_unretrieved_failure:
 * @error: the failure that nobody read
 * @label: (nullable): the job's label
 * @user_data: unused
 *
 * The report of a failure nobody read that the library makes unless
 * cg_set_unretrieved_failure_handler() replaced it: a message of the `Cg`
 * log domain. A handler of one's own can call it too, and setting it as
 * the handler restores the default. Thread-safe.
 *
 * Since: 0.1
 */
void
cg_log_unretrieved_failure (const GError *error,
                            const char   *label,
                            gpointer      user_data)
{
  g_return_if_fail (error != NULL);

  if (label != NULL)
    g_message (_("A future failed and nobody read its error (%s): %s"), label, error->message);
  else
    g_message (_("A future failed and nobody read its error: %s"), error->message);
}

/* The last reference to a future went away: GObject calls dispose() from
 * g_object_unref() with the reference it is about to drop. A future is
 * then kept for the next one a thread makes: GObject's own dispose() runs
 * first (it drops signal handlers, weak references and weak pointers, as
 * for any object that is disposed), then the future clears its own fields
 * and takes a reference for the recycler, which GObject allows: an object
 * that gains a reference in dispose() lives on. A future marked "do not
 * recycle" (emptied magazines, the thread's last moments), or one for
 * which neither the magazine nor the depot has room, is finalized by the
 * same g_object_unref(): a future is never kept only to be dropped again
 * later, which would cost a second pass through GObject's last unref. */
static void
cg_future_dispose (GObject *object)
{
  CgFuture *self = (CgFuture *) object; /* GObject calls it for a CgFuture only */

  /* For ThreadSanitizer builds only: the last unref follows every other
   * thread's unref of this object, which the sanitizer's GLib helper
   * (tests/sanitizers/tsan-glib.c) marks as a release on this address;
   * the sanitizer cannot see GObject's own atomic count. */
  _CG_TSAN_ACQUIRE (&object->ref_count);

  report_unretrieved (self);
  ((GObjectClass *) cg_future_parent_class)->dispose (object);

  if ((g_atomic_int_get (&self->state) & CG_FUTURE_NO_RECYCLE) ||
      !_cg_recycler_reserve (&future_recycler))
    return;

  if (!self->notify_frozen)
    {
      /* A future never emits GObject::notify (its one property does not
       * notify), and once recycled its notification queue stays frozen for
       * the rest of its life: the last g_object_unref() of an object
       * freezes the queue around dispose() and thaws it after, which costs
       * an allocation and two changes of the object's data list when no
       * queue exists yet, and only a count when one does. A recycled
       * future goes through that last unref once per use.
       * g_object_finalize() frees the queue. */
      g_object_freeze_notify (object);
      self->notify_frozen = TRUE;
    }
  future_clear (self);
  g_object_ref (object); /* resurrected: the recycler's reference */
  _cg_recycler_put (&future_recycler, self);
}

static void
cg_future_finalize (GObject *object)
{
  future_clear (CG_FUTURE (object));

  G_OBJECT_CLASS (cg_future_parent_class)->finalize (object);
}

enum
{
  PROP_0,
  PROP_THREAD,
  N_PROPS
};

static void
cg_future_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_THREAD:
      g_value_set_boxed (value, cg_future_get_thread (CG_FUTURE (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cg_future_class_init (CgFutureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cg_future_dispose;
  object_class->finalize = cg_future_finalize;
  object_class->get_property = cg_future_get_property;

  /**
   * CgFuture:thread:
   *
   * The thread the future belongs to; see cg_future_get_thread(). Set
   * when the future is made (cg_future_new_for_thread()).
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_THREAD,
                                   g_param_spec_boxed ("thread", NULL, NULL, G_TYPE_THREAD,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
cg_future_init (CgFuture *self)
{
  CgCaller *caller = owner_for_init;

  if (caller == NULL)
    {
      self->owner = g_thread_ref (g_thread_self ());
    }
  else if (caller == (gpointer) &owner_for_init)
    {
      /* A pool job: its owner comes with its worker. */
      self->state = CG_FUTURE_OWNER_IS_CALLER;
    }
  else
    {
      self->owner = g_object_ref (caller);
      self->state = CG_FUTURE_OWNER_IS_CALLER;
    }
}

static gpointer
cg_future_async_result_get_user_data (GAsyncResult *result)
{
  return NULL;
}

static GObject *
cg_future_async_result_get_source_object (GAsyncResult *result)
{
  CgFuture *self = CG_FUTURE (result);
  GObject *source = NULL;

  if (g_atomic_int_get (&self->state) & CG_FUTURE_SOURCE_WEAK)
    return g_weak_ref_get (&self->source_weak);

  _cg_future_lock (self);
  if ((g_atomic_int_get (&self->state) & CG_FUTURE_ANSWER) && self->source_object != NULL)
    source = g_object_ref (self->source_object);
  _cg_future_unlock (self);

  return source != NULL ? source : (GObject *) _cg_future_dup_owner_caller (self);
}

static gboolean
cg_future_async_result_is_tagged (GAsyncResult *result,
                                  gpointer      source_tag)
{
  CgFuture *self = CG_FUTURE (result);
  gboolean tagged;

  _cg_future_lock (self);
  tagged = (g_atomic_int_get (&self->state) & CG_FUTURE_ANSWER) &&
           self->source_tag == source_tag;
  _cg_future_unlock (self);

  return tagged;
}

static void
cg_future_async_result_iface_init (GAsyncResultIface *iface)
{
  iface->get_user_data = cg_future_async_result_get_user_data;
  iface->get_source_object = cg_future_async_result_get_source_object;
  iface->is_tagged = cg_future_async_result_is_tagged;
}

/**
 * cg_future_new:
 *
 * Makes a future that belongs to the current thread: its done callbacks
 * run on this thread. Complete it from any thread with a
 * `cg_future_return_*()` function.
 *
 * Returns: (transfer full): a new future
 *
 * Since: 0.1
 */
CgFuture *
cg_future_new (void)
{
  CgFuture *self = _cg_recycler_take (&future_recycler);

  if (self == NULL)
    return g_object_new (CG_TYPE_FUTURE, NULL);

  self->owner = g_thread_ref (g_thread_self ());
  return self;
}

/**
 * cg_future_new_for_thread:
 * @thread: (nullable): the thread the future belongs to, or %NULL for the
 *   current thread
 *
 * Makes a future that belongs to @thread: its done callbacks run there, so
 * a completion made elsewhere needs the #CgCaller of @thread to deliver
 * them.
 *
 * Returns: (transfer full): a new future
 *
 * Since: 0.1
 */
CgFuture *
cg_future_new_for_thread (GThread *thread)
{
  CgFuture *self = cg_future_new ();

  if (thread != NULL && thread != self->owner)
    {
      g_thread_unref (self->owner);
      self->owner = g_thread_ref (thread);
    }

  return self;
}

/* A future owned by @caller, or by the caller given later with
 * _cg_future_set_owner_caller() when @caller is NULL: for a job. */
CgFuture *
_cg_future_new_for_caller (CgCaller *caller)
{
  CgFuture *self = _cg_recycler_take (&future_recycler);

  if (G_LIKELY (self != NULL))
    {
      self->owner = caller != NULL ? g_object_ref (caller) : NULL;
      self->state = CG_FUTURE_OWNER_IS_CALLER;
    }
  else
    {
      owner_for_init = caller != NULL ? caller : (gpointer) &owner_for_init;
      self = g_object_new (CG_TYPE_FUTURE, NULL);
      owner_for_init = NULL;
    }

  return self;
}

/* What a feature keeps with the future while it lives (nullable): the
 * job list keeps the CgJob that stands for it. */
void
_cg_future_set_attachment (CgFuture *self,
                           GObject  *attachment)
{
  _cg_future_lock (self);
  g_set_object (&future_extra (self)->attachment, attachment);
  _cg_future_unlock (self);
}

GObject *
_cg_future_dup_attachment (CgFuture *self)
{
  GObject *attachment = NULL;

  _cg_future_lock (self);
  if (peek_extra (self) != NULL && peek_extra (self)->attachment != NULL)
    attachment = g_object_ref (peek_extra (self)->attachment);
  _cg_future_unlock (self);

  return attachment;
}

/* A future that answers an _async call of the library keeps what it
 * answers where a job keeps its function: it never has one. */
static void
mark_answer_locked (CgFuture *self)
{
  gint state = g_atomic_int_get (&self->state);

  g_assert (!(state & CG_FUTURE_HAS_JOB));
  if (!(state & CG_FUTURE_ANSWER))
    {
      self->source_tag = NULL;
      self->source_object = NULL;
      g_atomic_int_or (&self->state, CG_FUTURE_ANSWER);
    }
}

/* Marks a future that answers an _async call of the library, for
 * g_async_result_is_tagged(). */
void
_cg_future_set_source_tag (CgFuture *self,
                           gpointer  source_tag)
{
  _cg_future_lock (self);
  mark_answer_locked (self);
  self->source_tag = source_tag;
  _cg_future_unlock (self);
}

/* The object whose _async call the future answers (nullable): what
 * g_async_result_get_source_object() returns, and what _finish() checks. */
void
_cg_future_set_source_object (CgFuture *self,
                              gpointer  source_object)
{
  _cg_future_lock (self);
  mark_answer_locked (self);
  g_set_object (&self->source_object, source_object);
  _cg_future_unlock (self);
}

void
_cg_future_set_source_object_weak (CgFuture *self,
                                   gpointer  source_object)
{
  _cg_future_lock (self);
  mark_answer_locked (self);
  g_assert (self->source_object == NULL);
  g_weak_ref_init (&self->source_weak, source_object);
  /* For _cg_future_answers(), which compares addresses: a result kept
   * past its source's end could answer a new object at the same address,
   * which only a caller of a _finish() with a stale result could see. */
  self->source_object = source_object;
  g_atomic_int_or (&self->state, CG_FUTURE_SOURCE_WEAK);
  _cg_future_unlock (self);
}

/* Whether the future answers the _async call @source_tag of
 * @source_object. */
gboolean
_cg_future_answers (CgFuture *self,
                    gpointer  source_object,
                    gpointer  source_tag)
{
  gboolean answers;

  /* A result its source keeps never changes once made: no lock, which
   * the threads answered with it would pass between them. */
  if (g_atomic_int_get (&self->state) & CG_FUTURE_SOURCE_WEAK)
    return self->source_tag == source_tag && self->source_object == (GObject *) source_object;

  _cg_future_lock (self);
  answers = (g_atomic_int_get (&self->state) & CG_FUTURE_ANSWER) &&
            self->source_tag == source_tag &&
            self->source_object == (GObject *) source_object;
  _cg_future_unlock (self);

  return answers;
}

/* Gives a job made without a caller (a pool job) the worker that runs it;
 * once, before the job is posted to @caller. */
void
_cg_future_set_owner_caller (CgFuture *self,
                             CgCaller *caller)
{
  g_assert (owner_peek (self) == NULL);
  g_atomic_pointer_set (&self->owner, g_object_ref (caller));
}

/* The caller that owns @self, if its owner is one (not a reference). */
CgCaller *
_cg_future_peek_owner_caller (CgFuture *self)
{
  return owner_is_caller (self) ? owner_peek (self) : NULL;
}

/**
 * cg_future_get_thread:
 * @self: a #CgFuture
 *
 * The thread the future belongs to: where its done callbacks run and where
 * its job, if it has one, runs. A job of cg_caller_to_thread() that still
 * waits for a free worker has no thread yet.
 *
 * Returns: (transfer none) (nullable): the owner thread
 *
 * Since: 0.1
 */
GThread *
cg_future_get_thread (CgFuture *self)
{
  g_return_val_if_fail (CG_IS_FUTURE (self), NULL);

  if (owner_is_caller (self))
    {
      CgCaller *caller = owner_peek (self);

      return caller != NULL ? caller_funcs ()->get_thread (caller) : NULL;
    }
  return owner_peek (self);
}

gboolean
_cg_future_is_owner_thread (CgFuture *self)
{
  if (owner_is_caller (self))
    {
      CgCaller *caller = owner_peek (self);

      return caller != NULL && caller_funcs ()->is_owner_thread (caller);
    }
  return owner_peek (self) == (gpointer) _cg_thread_self ();
}

CgCaller *
_cg_future_dup_owner_caller (CgFuture *self)
{
  if (owner_is_caller (self))
    {
      CgCaller *caller = owner_peek (self);

      return caller != NULL ? g_object_ref (caller) : NULL;
    }
  return dup_caller_for_thread (owner_peek (self));
}

/**
 * cg_future_get_caller:
 * @self: a #CgFuture
 *
 * The #CgCaller of the future's thread, the counterpart of async_kernel's
 * `Future.get_caller()`.
 *
 * Returns: (transfer none) (nullable): the caller of the owner thread, or
 *   %NULL when that thread has none
 *
 * Since: 0.1
 */
CgCaller *
cg_future_get_caller (CgFuture *self)
{
  CgCaller *caller;

  g_return_val_if_fail (CG_IS_FUTURE (self), NULL);

  if (owner_is_caller (self))
    return owner_peek (self);

  /* The registry keeps the caller alive while it runs. */
  caller = dup_caller_for_thread (owner_peek (self));
  if (caller != NULL)
    g_object_unref (caller);
  return caller;
}

/**
 * cg_future_is_done:
 * @self: a #CgFuture
 *
 * Whether the future is completed: a value, an error or cancellation is
 * set. A cancelled future is done only once its job has ended or a value
 * was set after the cancellation. Lock-free.
 *
 * Returns: %TRUE when the future is done
 *
 * Since: 0.1
 */
gboolean
cg_future_is_done (CgFuture *self)
{
  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);

  return (g_atomic_int_get (&self->state) & CG_FUTURE_DONE) != 0;
}

/**
 * cg_future_is_cancelled:
 * @self: a #CgFuture
 *
 * Whether cg_future_cancel() succeeded on this future. Lock-free.
 *
 * Returns: %TRUE when the future is cancelled
 *
 * Since: 0.1
 */
gboolean
cg_future_is_cancelled (CgFuture *self)
{
  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);

  return (g_atomic_int_get (&self->state) & CG_FUTURE_CANCELLED) != 0;
}

/* Done callbacks ------------------------------------------------------- */

static void
run_callbacks (CgFuture   *self,
               CgCallback *list)
{
  while (list != NULL)
    {
      CgCallback *next = list->next;

      if (list->hook)
        {
          list->func (self, list->data);
        }
      else
        {
          CgContextMap *saved = _cg_context_enter (&list->context);

          list->func (self, list->data);
          _cg_context_leave (&list->context, saved);
        }
      _cg_future_destroy_at_home (list->home, list->destroy, list->data);
      _cg_context_map_unref (list->context);
      g_free (list);
      list = next;
    }
}

static void
delivery_node_func (CgInboxNode *node,
                    CgCaller  *caller,
                    gboolean   run)
{
  CgDelivery *delivery = (CgDelivery *) node;

  /* Also when the caller is stopping: callbacks are never dropped. */
  run_callbacks (delivery->future, delivery->callbacks);
  g_object_unref (delivery->future);
  g_free (delivery);
}

static gboolean
delivery_idle (gpointer data)
{
  delivery_node_func (data, NULL, TRUE);
  return G_SOURCE_REMOVE;
}

/* Hands @list (newest first) to the owner thread. */
static void
deliver_callbacks (CgFuture   *self,
                   CgCallback *list,
                   CgCaller   *via)
{
  CgDelivery *delivery = g_new0 (CgDelivery, 1);
  g_autoptr(CgCaller) owner = via != NULL ? g_object_ref (via) : _cg_future_dup_owner_caller (self);

  delivery->node.func = delivery_node_func;
  delivery->future = g_object_ref (self);
  delivery->callbacks = list;

  if (owner != NULL && caller_funcs ()->post_node (owner, &delivery->node))
    return;

  if (_cg_future_is_owner_thread (self))
    {
      /* No caller on this thread: the thread-default context stands in. */
      GSource *source = g_idle_source_new ();
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

      g_source_set_callback (source, delivery_idle, delivery, NULL);
      g_source_set_static_name (source, "[caller-glib] done callbacks");
      g_source_attach (source, context);
      g_source_unref (source);
      return;
    }

  /* The owner thread has no running caller any more, so nothing can
   * deliver there; running them here is better than losing them. */
  g_debug ("Future %p: its thread has no running caller; running its done "
           "callbacks on the completing thread", self);
  delivery_node_func (&delivery->node, NULL, TRUE);
}

/* The completions a thread has under way, as an explicit stack.
 *
 * A future that follows another (cg_future_return_future()) completes from
 * a hook of the one it follows, and may itself be followed: completing the
 * last future of a chain completes the whole chain. Done by plain
 * recursion, that costs a few stack frames per link and overflows the
 * stack long before the longest chain the library accepts. So the hooks of
 * a completion run from a loop over a stack of frames, one frame per
 * future being completed: when a chain hook, run by that loop, completes
 * the future that follows, it pushes that future's frame and returns, and
 * the loop goes on with the new frame before the rest of the old one. That
 * is the order recursion gives, without its depth: every hook and done
 * callback runs at the same point, on the same thread, as before. */
typedef struct _DispatchFrame DispatchFrame;
struct _DispatchFrame
{
  DispatchFrame *parent;
  CgFuture      *future;   /* a reference */
  CgCallback    *hooks;    /* still to run, newest first */
  CgCallback    *user;     /* newest first */
  gboolean       owner_thread;
  CgCaller      *via;      /* a reference, or NULL */
  gboolean       on_heap;
};

typedef struct
{
  DispatchFrame *top;
} DispatchStack;

/* Set by the loop only while it runs a chain hook, for that hook alone. */
static CG_THREAD_LOCAL DispatchStack *chain_hook_stack;

static void chain_hook (CgFuture *other,
                        gpointer  user_data);

static void
dispatch_frame_init (DispatchFrame *frame,
                     CgFuture      *self,
                     CgCallback    *list,
                     gboolean       owner_thread,
                     CgCaller      *via)
{
  CgCallback *hooks_tail = NULL, *user_tail = NULL;

  frame->parent = NULL;
  frame->future = g_object_ref (self);
  frame->hooks = NULL;
  frame->user = NULL;
  frame->owner_thread = owner_thread;
  frame->via = via != NULL ? g_object_ref (via) : NULL;
  frame->on_heap = FALSE;

  /* Split the list, keeping its newest-first order in both parts. */
  while (list != NULL)
    {
      CgCallback *next = list->next;

      list->next = NULL;
      if (list->hook)
        {
          if (hooks_tail != NULL)
            hooks_tail->next = list;
          else
            frame->hooks = list;
          hooks_tail = list;
        }
      else
        {
          if (user_tail != NULL)
            user_tail->next = list;
          else
            frame->user = list;
          user_tail = list;
        }
      list = next;
    }
}

/* Runs the hooks and done callbacks of every frame on @stack, innermost
 * first, until the stack is empty. */
static void
dispatch_stack_run (DispatchStack *stack)
{
  DispatchFrame *frame;

  while ((frame = stack->top) != NULL)
    {
      CgCallback *hook = frame->hooks;

      if (hook != NULL)
        {
          frame->hooks = hook->next;
          hook->next = NULL;
          if (hook->func == chain_hook)
            chain_hook_stack = stack;
          run_callbacks (frame->future, hook);
          chain_hook_stack = NULL;
          continue;
        }

      stack->top = frame->parent;
      if (frame->user != NULL)
        {
          if (frame->owner_thread)
            run_callbacks (frame->future, frame->user);
          else
            deliver_callbacks (frame->future, frame->user, frame->via);
        }
      g_clear_object (&frame->via);
      g_object_unref (frame->future);
      if (frame->on_heap)
        g_free (frame);
    }
}

/* Runs the hooks of @self, then its done callbacks on the owner thread or
 * hands them there. With @stack, from a chain hook that the loop of
 * @stack runs: only queues them there, as the next thing that loop does. */
static void
dispatch_callbacks (CgFuture      *self,
                    CgCallback    *list,
                    gboolean       owner_thread,
                    CgCaller      *via,
                    DispatchStack *stack)
{
  DispatchStack own = { NULL };
  DispatchFrame first;

  if (stack != NULL)
    {
      DispatchFrame *frame = g_new (DispatchFrame, 1);

      dispatch_frame_init (frame, self, list, owner_thread, via);
      frame->on_heap = TRUE;
      frame->parent = stack->top;
      stack->top = frame;
      return;
    }

  dispatch_frame_init (&first, self, list, owner_thread, via);
  own.top = &first;
  dispatch_stack_run (&own);
}

/* Completion ------------------------------------------------------------ */


static gboolean
complete_full (CgFuture      *self,
               CgOutcomeKind  kind,
               CgOutcomeData *data,
               gboolean       from_api,
               DispatchStack *stack,
               GError       **error)
{
  gboolean owner_thread = _cg_future_is_owner_thread (self);
  g_autoptr(CgCaller) via = NULL;
  CgCallback *callbacks;
  gint state;
  guint old;

  if (!owner_thread)
    {
      via = _cg_future_dup_owner_caller (self);
      if (from_api && (via == NULL || caller_funcs ()->is_closed (via)))
        {
          outcome_clear (kind, data);
          if (via == NULL)
            g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND,
                         _("The future belongs to a thread that has no caller, so "
                           "it can only be completed on that thread; make a caller "
                           "for that thread first"));
          else
            g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                         _("The future belongs to caller “%s”, which is stopped; "
                           "it can only be completed on its own thread"),
                         caller_funcs ()->get_name (via));
          return FALSE;
        }
    }

  _cg_future_lock (self);
  state = g_atomic_int_get (&self->state);
  if (state & (CG_FUTURE_DONE | CG_FUTURE_DEFERRED))
    {
      _cg_future_unlock (self);
      outcome_clear (kind, data);
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           _("The future is already done; a future can be completed "
                             "only once"));
      return FALSE;
    }

  if (state & CG_FUTURE_CANCELLED)
    {
      /* Setting a value after cancel() completes the future as cancelled. */
      outcome_clear (kind, data);
      kind = CG_OUTCOME_CANCELLED;
    }

  self->kind = kind;
  self->outcome = *data;

  /* Completed by its own job while the job runs: the outcome is kept, and
   * the future becomes done when the job returns (_cg_future_publish()),
   * as a GTask its thread function completes does. A job of a language
   * binding completes its future from inside the binding's call, holding
   * the binding's interpreter lock: a waiter that saw it done there would
   * only wait for that lock. */
  if (from_api && (state & CG_FUTURE_RUNNING) && _cg_future_current_job () == self)
    {
      g_atomic_int_or (&self->state, CG_FUTURE_DEFERRED);
      _cg_future_unlock (self);
      return TRUE;
    }

  callbacks = *callbacks_slot (self);
  *callbacks_slot (self) = NULL;
  old = g_atomic_int_or (&self->state, CG_FUTURE_DONE);
  _cg_future_unlock (self);

  if (old & CG_FUTURE_WAITERS)
    _cg_parking_wake (self);

  if (callbacks != NULL)
    dispatch_callbacks (self, callbacks, owner_thread, via, stack);

  return TRUE;
}

void
_cg_future_publish (CgFuture *self)
{
  g_autoptr(CgCaller) via = NULL;
  CgCallback *callbacks;
  gboolean owner_thread;
  guint old;

  if (!(g_atomic_int_get (&self->state) & CG_FUTURE_DEFERRED))
    return;

  _cg_future_lock (self);
  callbacks = *callbacks_slot (self);
  *callbacks_slot (self) = NULL;
  old = g_atomic_int_or (&self->state, CG_FUTURE_DONE);
  g_atomic_int_and (&self->state, ~CG_FUTURE_DEFERRED);
  _cg_future_unlock (self);

  if (old & CG_FUTURE_WAITERS)
    _cg_parking_wake (self);

  if (callbacks != NULL)
    {
      owner_thread = _cg_future_is_owner_thread (self);
      if (!owner_thread)
        via = _cg_future_dup_owner_caller (self);
      dispatch_callbacks (self, callbacks, owner_thread, via, NULL);
    }
}

static gboolean
complete (CgFuture      *self,
          CgOutcomeKind  kind,
          CgOutcomeData *data,
          gboolean       from_api,
          GError       **error)
{
  return complete_full (self, kind, data, from_api, NULL, error);
}

/**
 * cg_future_return_value:
 * @self: a #CgFuture
 * @value: the result; it is copied
 * @error: return location for a #GError
 *
 * Completes the future with a copy of @value. As every `return` function:
 * thread-safe; fails with %CG_FUTURE_ERROR_INVALID_STATE when the future is
 * already done; completes the future as cancelled when it was cancelled;
 * runs the done callbacks right away on the owner thread, or hands them to
 * the owner thread's caller from another thread (which fails with
 * %CG_CALLER_ERROR_NOT_FOUND when that thread has no caller). Called by the
 * future's own job while it runs, it makes the future done once the job
 * has returned (see #CgFuture).
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_value (CgFuture      *self,
                        const GValue  *value,
                        GError       **error)
{
  CgOutcomeData data = { 0 };

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data.value = g_new0 (GValue, 1);
  g_value_init (data.value, G_VALUE_TYPE (value));
  g_value_copy (value, data.value);

  return complete (self, CG_OUTCOME_VALUE, &data, TRUE, error);
}

/**
 * cg_future_return_boolean:
 * @self: a #CgFuture
 * @value: the result
 * @error: return location for a #GError
 *
 * Completes the future with a boolean, as cg_future_return_value() does.
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_boolean (CgFuture  *self,
                          gboolean   value,
                          GError   **error)
{
  CgOutcomeData data = { 0 };

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data.boolean = !!value;
  return complete (self, CG_OUTCOME_BOOLEAN, &data, TRUE, error);
}

/**
 * cg_future_return_int:
 * @self: a #CgFuture
 * @value: the result
 * @error: return location for a #GError
 *
 * Completes the future with an integer, as cg_future_return_value() does.
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_int (CgFuture  *self,
                      gssize     value,
                      GError   **error)
{
  CgOutcomeData data = { 0 };

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data.integer = value;
  return complete (self, CG_OUTCOME_INT, &data, TRUE, error);
}

/**
 * cg_future_return_pointer:
 * @self: a #CgFuture
 * @value: (transfer full) (nullable): the result
 * @destroy: (nullable): frees @value once the future is finalized
 * @error: return location for a #GError
 *
 * Completes the future with a pointer, as cg_future_return_value() does.
 * The future owns @value: @destroy runs exactly once, when the future is
 * finalized, or at once if the future could not take it (already done, or
 * cancelled).
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_pointer (CgFuture        *self,
                          gpointer         value,
                          GDestroyNotify   destroy,
                          GError         **error)
{
  CgOutcomeKind kind = CG_OUTCOME_POINTER;
  CgOutcomeData data = { 0 };

  /* The outcome has room for a pointer; one with a destroy notify takes a
   * record of its own. */
  if (destroy != NULL)
    {
      kind = CG_OUTCOME_OWNED_POINTER;
      data.owned = g_new (CgOwnedPointer, 1);
      data.owned->data = value;
      data.owned->destroy = destroy;
    }
  else
    {
      data.pointer = value;
    }

  if (!CG_IS_FUTURE (self) || (error != NULL && *error != NULL))
    {
      outcome_clear (kind, &data);
      g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
      g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
    }

  return complete (self, kind, &data, TRUE, error);
}

/**
 * cg_future_return_object:
 * @self: a #CgFuture
 * @object: (type GObject) (transfer none) (nullable): the result
 * @error: return location for a #GError
 *
 * Completes the future with an object, as cg_future_return_value() does;
 * the future keeps a reference.
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_object (CgFuture  *self,
                         GObject   *object,
                         GError   **error)
{
  CgOutcomeData data = { 0 };

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (object == NULL || G_IS_OBJECT (object), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data.value = g_new0 (GValue, 1);
  g_value_init (data.value, object != NULL ? G_OBJECT_TYPE (object) : G_TYPE_OBJECT);
  g_value_set_object (data.value, object);

  return complete (self, CG_OUTCOME_VALUE, &data, TRUE, error);
}

/**
 * cg_future_return_error:
 * @self: a #CgFuture
 * @failure: (transfer full): the failure of the work
 * @error: return location for a #GError about the completion itself
 *
 * Completes the future with a failure, as cg_future_return_value() does;
 * the future owns @failure. Readers get a copy of it.
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_error (CgFuture  *self,
                        GError    *failure,
                        GError   **error)
{
  CgOutcomeData data = { 0 };

  if (!CG_IS_FUTURE (self) || failure == NULL || (error != NULL && *error != NULL))
    {
      g_clear_error (&failure);
      g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
      g_return_val_if_fail (failure != NULL, FALSE);
      g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
    }

  data.error = failure;
  return complete (self, CG_OUTCOME_ERROR, &data, TRUE, error);
}

/**
 * cg_future_return_new_error:
 * @self: a #CgFuture
 * @domain: the error domain of the failure
 * @code: the error code of the failure
 * @error: return location for a #GError about the completion itself
 * @format: printf()-style format of the failure's message
 * @...: the format's arguments
 *
 * Completes the future with a new failure, as cg_future_return_error() does.
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_new_error (CgFuture    *self,
                            GQuark       domain,
                            gint         code,
                            GError     **error,
                            const char  *format,
                            ...)
{
  GError *failure;
  va_list args;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  va_start (args, format);
  failure = g_error_new_valist (domain, code, format, args);
  va_end (args);

  return cg_future_return_error (self, failure, error);
}

/* Chaining ------------------------------------------------------------- */

static void
chain_hook (CgFuture *other,
            gpointer  user_data)
{
  CgFuture *self = user_data;
  DispatchStack *stack = chain_hook_stack;
  CgOutcomeData data = { 0 };

  /* The loop that runs this hook, if one does, takes the completion of
   * @self: see dispatch_stack_run(). */
  chain_hook_stack = NULL;

  /* A cancelled outcome travels as cancellation, with its messages; when
   * @self was cancelled first, its cancel reached @other from here. */
  if (cg_future_is_cancelled (other) && !cg_future_is_cancelled (self))
    {
      g_autofree char *message = _cg_future_dup_cancel_message (other);
      cg_future_cancel (self, message);
    }

  data.chained = g_object_ref (other);
  complete_full (self, CG_OUTCOME_CHAINED, &data, FALSE, stack, NULL);
}

/* Whether @self waits, directly or through others, for @target. */
static gboolean
waits_for (CgFuture *self,
           CgFuture *target)
{
  g_autoptr(CgFuture) current = g_object_ref (self);

  for (guint depth = 0; depth < 100000; depth++)
    {
      CgFuture *next = NULL;

      if (current == target)
        return TRUE;
      _cg_future_lock (current);
      if (peek_extra (current) != NULL && peek_extra (current)->awaiting != NULL)
        next = g_object_ref (peek_extra (current)->awaiting);
      _cg_future_unlock (current);
      if (next == NULL)
        return FALSE;
      g_object_unref (current);
      current = next;
    }

  return TRUE; /* absurdly deep: refuse rather than risk a cycle */
}

/**
 * cg_future_return_future:
 * @self: a #CgFuture
 * @other: the future whose outcome @self takes
 * @error: return location for a #GError
 *
 * Makes @self complete with the outcome of @other once @other is done: the
 * C form of a job that returns an awaitable. A job that calls it ends
 * without completing its future; the future completes when @other does.
 * Cancelling @self cancels @other too.
 *
 * Fails with %CG_FUTURE_ERROR_INVALID_STATE when @self is done or chained
 * already, or when @other is @self.
 *
 * Returns: %TRUE when @self now follows @other
 *
 * Since: 0.1
 */
gboolean
cg_future_return_future (CgFuture  *self,
                         CgFuture  *other,
                         GError   **error)
{
  gint state;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (CG_IS_FUTURE (other), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self == other || waits_for (other, self))
    {
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           _("A future cannot wait for itself"));
      return FALSE;
    }

  _cg_future_lock (self);
  state = g_atomic_int_get (&self->state);
  if (state & (CG_FUTURE_DONE | CG_FUTURE_DEFERRED | CG_FUTURE_CHAINED))
    {
      _cg_future_unlock (self);
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           (state & (CG_FUTURE_DONE | CG_FUTURE_DEFERRED))
                             ? _("The future is already done; a future can be completed only once")
                             : _("The future already follows another future"));
      return FALSE;
    }
  g_atomic_int_or (&self->state, CG_FUTURE_CHAINED);
  future_extra (self)->awaiting = g_object_ref (other);
  _cg_future_unlock (self);

  if (state & CG_FUTURE_HAS_JOB)
    job_funcs->chained (self);

  _cg_future_add_hook (other, chain_hook, g_object_ref (self), g_object_unref);

  if (state & CG_FUTURE_CANCELLED)
    {
      g_autofree char *message = _cg_future_dup_cancel_message (self);
      cg_future_cancel (other, message);
    }

  return TRUE;
}

/* Reading --------------------------------------------------------------- */

void
_cg_future_set_deadline (CgFuture *self,
                         gint64    deadline)
{
  self->outcome.deadline = deadline;
  g_atomic_int_or (&self->state, CG_FUTURE_DELAYED);
}

gint64
_cg_future_get_deadline (CgFuture *self)
{
  gint64 deadline = 0;

  _cg_future_lock (self);
  if (!(g_atomic_int_get (&self->state) & (CG_FUTURE_DONE | CG_FUTURE_DEFERRED)) &&
      self->kind == CG_OUTCOME_NONE)
    deadline = self->outcome.deadline;
  _cg_future_unlock (self);

  return deadline;
}

char *
_cg_future_dup_cancel_message (CgFuture *self)
{
  char *message = NULL;

  _cg_future_lock (self);
  if (peek_extra (self) != NULL && peek_extra (self)->messages != NULL)
    message = g_strdup (peek_extra (self)->messages->str);
  _cg_future_unlock (self);

  return message;
}

static void
set_cancelled_error (CgFuture  *self,
                     GError   **error)
{
  g_autofree char *message = _cg_future_dup_cancel_message (self);

  if (message != NULL)
    g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED, message);
  else
    g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED,
                         _("The future was cancelled"));
}

/* The future that holds the outcome (following chains), or NULL with
 * @error set when the outcome is cancellation, a failure, or missing. */
static CgFuture *
resolve (CgFuture  *self,
         GError   **error)
{
  for (;;)
    {
      gint state = g_atomic_int_get (&self->state);

      if (state & CG_FUTURE_CANCELLED)
        {
          set_cancelled_error (self, error);
          return NULL;
        }

      if (!(state & CG_FUTURE_DONE))
        {
          g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                               _("The future is not done yet; wait for it before "
                                 "reading its result"));
          return NULL;
        }

      switch ((CgOutcomeKind) self->kind)
        {
        case CG_OUTCOME_CHAINED:
          self = self->outcome.chained;
          continue;
        case CG_OUTCOME_ERROR:
          g_atomic_int_or (&self->state, CG_FUTURE_RETRIEVED);
          g_propagate_error (error, g_error_copy (self->outcome.error));
          return NULL;
        case CG_OUTCOME_CANCELLED:
          set_cancelled_error (self, error);
          return NULL;
        case CG_OUTCOME_NONE:
        case CG_OUTCOME_POINTER:
        case CG_OUTCOME_OWNED_POINTER:
        case CG_OUTCOME_BOOLEAN:
        case CG_OUTCOME_INT:
        case CG_OUTCOME_VALUE:
        default:
          return self;
        }
    }
}

static void
set_type_error (GError     **error,
                const char  *message)
{
  g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE, message);
}

/* The result of @self when it is a #GValue holding @type; %NULL otherwise,
 * with @error set to the future's failure or to @type_message. A future
 * done with no value gives %NULL and no error when @none_ok. */
static const GValue *
resolve_value_of (CgFuture    *self,
                  GType        type,
                  gboolean     none_ok,
                  const char  *type_message,
                  GError     **error)
{
  CgFuture *holder = resolve (self, error);

  if (holder == NULL || (none_ok && holder->kind == CG_OUTCOME_NONE))
    return NULL;
  if (holder->kind == CG_OUTCOME_VALUE && G_VALUE_HOLDS (holder->outcome.value, type))
    return holder->outcome.value;

  set_type_error (error, type_message);
  return NULL;
}

/**
 * cg_future_check:
 * @self: a #CgFuture
 * @error: return location for the future's failure
 *
 * Like `Future.result()` of async_kernel, without the value: fails with the future's error
 * when it failed, %CG_FUTURE_ERROR_CANCELLED when it was cancelled (done or
 * not), %CG_FUTURE_ERROR_INVALID_STATE when it is not done.
 *
 * Returns: %TRUE when the future is done and succeeded
 *
 * Since: 0.1
 */
gboolean
cg_future_check (CgFuture  *self,
                 GError   **error)
{
  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return resolve (self, error) != NULL;
}

/**
 * cg_future_propagate_value:
 * @self: a #CgFuture
 * @value: (out caller-allocates): an uninitialised #GValue that receives a
 *   copy of the result
 * @error: return location for the future's failure
 *
 * Reads the result as a #GValue, whatever `return` function set it: a
 * boolean or integer result comes as %G_TYPE_BOOLEAN or %G_TYPE_INT64, a
 * pointer or no value as %G_TYPE_POINTER. Fails as cg_future_check() does.
 *
 * Returns: %TRUE when @value was set
 *
 * Since: 0.1
 */
gboolean
cg_future_propagate_value (CgFuture  *self,
                           GValue    *value,
                           GError   **error)
{
  CgFuture *holder;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (value != NULL && !G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  holder = resolve (self, error);
  if (holder == NULL)
    return FALSE;

  switch ((CgOutcomeKind) holder->kind)
    {
    case CG_OUTCOME_VALUE:
      g_value_init (value, G_VALUE_TYPE (holder->outcome.value));
      g_value_copy (holder->outcome.value, value);
      break;
    case CG_OUTCOME_BOOLEAN:
      g_value_init (value, G_TYPE_BOOLEAN);
      g_value_set_boolean (value, holder->outcome.boolean);
      break;
    case CG_OUTCOME_INT:
      g_value_init (value, G_TYPE_INT64);
      g_value_set_int64 (value, holder->outcome.integer);
      break;
    case CG_OUTCOME_POINTER:
    case CG_OUTCOME_OWNED_POINTER:
      g_value_init (value, G_TYPE_POINTER);
      g_value_set_pointer (value, _cg_future_peek_pointer (holder));
      break;
    case CG_OUTCOME_NONE:
    default:
      g_value_init (value, G_TYPE_POINTER);
      break;
    }

  return TRUE;
}

/**
 * cg_future_propagate_boolean:
 * @self: a #CgFuture
 * @error: return location for the future's failure
 *
 * Reads a boolean result. Fails as cg_future_check() does, or with
 * %CG_FUTURE_ERROR_INVALID_STATE when the result is not a boolean.
 *
 * Returns: the result, or %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
cg_future_propagate_boolean (CgFuture  *self,
                             GError   **error)
{
  CgFuture *holder;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  holder = resolve (self, error);
  if (holder == NULL)
    return FALSE;

  if (holder->kind == CG_OUTCOME_BOOLEAN)
    return holder->outcome.boolean;
  if (holder->kind == CG_OUTCOME_VALUE && G_VALUE_HOLDS_BOOLEAN (holder->outcome.value))
    return g_value_get_boolean (holder->outcome.value);

  set_type_error (error, _("The result of the future is not a boolean; read it "
                            "as the type it holds"));
  return FALSE;
}

/**
 * cg_future_propagate_int:
 * @self: a #CgFuture
 * @error: return location for the future's failure
 *
 * Reads an integer result (also from a #GValue of an integer type). Fails
 * as cg_future_check() does, or with %CG_FUTURE_ERROR_INVALID_STATE when
 * the result is not an integer.
 *
 * Returns: the result, or -1 with @error set
 *
 * Since: 0.1
 */
gssize
cg_future_propagate_int (CgFuture  *self,
                         GError   **error)
{
  CgFuture *holder;

  g_return_val_if_fail (CG_IS_FUTURE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  holder = resolve (self, error);
  if (holder == NULL)
    return -1;

  if (holder->kind == CG_OUTCOME_INT)
    return holder->outcome.integer;

  if (holder->kind == CG_OUTCOME_VALUE)
    {
      GType type = G_VALUE_TYPE (holder->outcome.value);

      if (type == G_TYPE_INT || type == G_TYPE_UINT || type == G_TYPE_LONG ||
          type == G_TYPE_ULONG || type == G_TYPE_INT64 || type == G_TYPE_UINT64 ||
          type == G_TYPE_CHAR || type == G_TYPE_UCHAR)
        {
          g_auto(GValue) as_int = G_VALUE_INIT;

          g_value_init (&as_int, G_TYPE_INT64);
          g_value_transform (holder->outcome.value, &as_int);
          return (gssize) g_value_get_int64 (&as_int);
        }
    }

  set_type_error (error, _("The result of the future is not an integer; read it "
                            "as the type it holds"));
  return -1;
}

/**
 * cg_future_propagate_pointer:
 * @self: a #CgFuture
 * @error: return location for the future's failure
 *
 * Reads a pointer result. The future keeps owning it: it stays valid while
 * the future lives. A future completed with no value gives %NULL. Fails as
 * cg_future_check() does.
 *
 * Returns: (transfer none) (nullable): the result
 *
 * Since: 0.1
 */
gpointer
cg_future_propagate_pointer (CgFuture  *self,
                             GError   **error)
{
  CgFuture *holder;

  g_return_val_if_fail (CG_IS_FUTURE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  holder = resolve (self, error);
  if (holder == NULL)
    return NULL;

  switch ((CgOutcomeKind) holder->kind)
    {
    case CG_OUTCOME_POINTER:
    case CG_OUTCOME_OWNED_POINTER:
      return _cg_future_peek_pointer (holder);
    case CG_OUTCOME_VALUE:
      if (G_VALUE_HOLDS_POINTER (holder->outcome.value) ||
          G_VALUE_HOLDS_BOXED (holder->outcome.value) ||
          G_VALUE_HOLDS_OBJECT (holder->outcome.value) ||
          G_VALUE_HOLDS_STRING (holder->outcome.value))
        return g_value_peek_pointer (holder->outcome.value);
      set_type_error (error, _("The result of the future is not a pointer; read it "
                            "as the type it holds"));
      return NULL;
    case CG_OUTCOME_NONE:
      return NULL;
    default:
      set_type_error (error, _("The result of the future is not a pointer; read it "
                            "as the type it holds"));
      return NULL;
    }
}

/**
 * cg_future_propagate_object:
 * @self: a #CgFuture
 * @error: return location for the future's failure
 *
 * Reads an object result. A future completed with no value gives %NULL.
 * Fails as cg_future_check() does, or with %CG_FUTURE_ERROR_INVALID_STATE
 * when the result is not an object.
 *
 * Returns: (transfer full) (nullable): the result
 *
 * Since: 0.1
 */
GObject *
cg_future_propagate_object (CgFuture  *self,
                            GError   **error)
{
  const GValue *value;

  g_return_val_if_fail (CG_IS_FUTURE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  value = resolve_value_of (self, G_TYPE_OBJECT, TRUE,
                            _("The result of the future is not an object; read it "
                              "as the type it holds"), error);
  return value != NULL ? g_value_dup_object (value) : NULL;
}

/**
 * cg_future_return_string:
 * @self: a #CgFuture
 * @string: (nullable): the result; it is copied
 * @error: return location for a #GError
 *
 * Completes the future with a copy of @string, a #GValue of
 * %G_TYPE_STRING; see cg_future_return_value().
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_string (CgFuture    *self,
                         const char  *string,
                         GError     **error)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, string);
  return cg_future_return_value (self, &value, error);
}

/**
 * cg_future_return_double:
 * @self: a #CgFuture
 * @number: the result
 * @error: return location for a #GError
 *
 * Completes the future with @number, a #GValue of %G_TYPE_DOUBLE; see
 * cg_future_return_value().
 *
 * Returns: %TRUE when the future was completed
 *
 * Since: 0.1
 */
gboolean
cg_future_return_double (CgFuture  *self,
                         gdouble    number,
                         GError   **error)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_value_init (&value, G_TYPE_DOUBLE);
  g_value_set_double (&value, number);
  return cg_future_return_value (self, &value, error);
}

/**
 * cg_future_propagate_string:
 * @self: a #CgFuture
 * @error: return location for the future's failure
 *
 * Reads a string result. Fails as cg_future_check() does, or with
 * %CG_FUTURE_ERROR_INVALID_STATE when the result is not a string.
 *
 * Returns: (transfer full) (nullable): a copy of the string (%NULL for a
 *   %NULL string), or %NULL with @error set
 *
 * Since: 0.1
 */
char *
cg_future_propagate_string (CgFuture  *self,
                            GError   **error)
{
  const GValue *value;

  g_return_val_if_fail (CG_IS_FUTURE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  value = resolve_value_of (self, G_TYPE_STRING, FALSE,
                            _("The result of the future is not a string; read it "
                              "as the type it holds"), error);
  return value != NULL ? g_value_dup_string (value) : NULL;
}

/**
 * cg_future_propagate_double:
 * @self: a #CgFuture
 * @error: return location for the future's failure
 *
 * Reads a floating-point result (also from an integer result). Fails as
 * cg_future_check() does, or with %CG_FUTURE_ERROR_INVALID_STATE when the
 * result is not a number.
 *
 * Returns: the result, or 0 with @error set
 *
 * Since: 0.1
 */
gdouble
cg_future_propagate_double (CgFuture  *self,
                            GError   **error)
{
  CgFuture *holder;

  g_return_val_if_fail (CG_IS_FUTURE (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  holder = resolve (self, error);
  if (holder == NULL)
    return 0;

  if (holder->kind == CG_OUTCOME_INT)
    return (gdouble) holder->outcome.integer;
  if (holder->kind == CG_OUTCOME_VALUE)
    {
      g_auto(GValue) number = G_VALUE_INIT;

      g_value_init (&number, G_TYPE_DOUBLE);
      if (g_value_transform (holder->outcome.value, &number) &&
          !G_VALUE_HOLDS_STRING (holder->outcome.value) &&
          !G_VALUE_HOLDS_BOOLEAN (holder->outcome.value))
        return g_value_get_double (&number);
    }

  set_type_error (error, _("The result of the future is not a number; read it "
                            "as the type it holds"));
  return 0;
}

/**
 * cg_future_dup_exception:
 * @self: a #CgFuture
 * @error: return location for a #GError: %CG_FUTURE_ERROR_CANCELLED when
 *   the future was cancelled, %CG_FUTURE_ERROR_INVALID_STATE when it is
 *   not done
 *
 * Like `Future.exception()` of async_kernel: the failure the future completed with.
 *
 * Returns: (transfer full) (nullable): a copy of the failure, or %NULL when
 *   the future succeeded (or when @error is set)
 *
 * Since: 0.1
 */
GError *
cg_future_dup_exception (CgFuture  *self,
                         GError   **error)
{
  GError *local = NULL;

  g_return_val_if_fail (CG_IS_FUTURE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (resolve (self, &local) != NULL)
    return NULL;

  if (local->domain == CG_FUTURE_ERROR)
    {
      /* Cancelled or not done: that is about the future, not its outcome,
       * unless the failure itself came from the work. */
      gint state = g_atomic_int_get (&self->state);

      if ((state & CG_FUTURE_CANCELLED) || !(state & CG_FUTURE_DONE))
        {
          g_propagate_error (error, local);
          return NULL;
        }
    }

  return local;
}

/* Cancellation ---------------------------------------------------------- */

static void
cancel_request_node_func (CgInboxNode *node,
                          CgCaller  *caller,
                          gboolean   run)
{
  CgCancelRequest *request = (CgCancelRequest *) node;

  g_cancellable_cancel (request->cancellable);
  g_object_unref (request->cancellable);
  g_free (request);
}

static void
cancel_cancellable (CgFuture     *self,
                    GCancellable *cancellable,
                    gboolean      running)
{
  /* A job that runs right now keeps its thread busy until it returns, so
   * its cancellable must change from here or the job could never see it. */
  if (!running && !_cg_future_is_owner_thread (self))
    {
      g_autoptr(CgCaller) owner = _cg_future_dup_owner_caller (self);

      if (owner != NULL)
        {
          CgCancelRequest *request = g_new0 (CgCancelRequest, 1);

          request->node.func = cancel_request_node_func;
          request->cancellable = g_object_ref (cancellable);
          if (caller_funcs ()->post_node (owner, &request->node))
            return;
          g_object_unref (request->cancellable);
          g_free (request);
        }
    }

  g_cancellable_cancel (cancellable);
}

/* Cancels @self alone; *@awaiting receives a reference to the future it
 * follows, if any, which cancelling @self cancels in turn. */
static gboolean
cancel_one (CgFuture    *self,
            const char  *message,
            CgFuture   **awaiting)
{
  GCancellable *cancellable = NULL;
  gint state;

  _cg_future_lock (self);
  state = g_atomic_int_get (&self->state);
  if (state & (CG_FUTURE_DONE | CG_FUTURE_DEFERRED))
    {
      _cg_future_unlock (self);
      return (state & CG_FUTURE_CANCELLED) != 0;
    }

  if (message != NULL)
    {
      CgFutureExtra *extra = future_extra (self);

      if (extra->messages == NULL)
        extra->messages = g_string_new (message);
      else
        g_string_append_printf (extra->messages, "\n%s", message);
    }
  g_atomic_int_or (&self->state, CG_FUTURE_CANCELLED);

  if (peek_extra (self) != NULL)
    {
      CgFutureExtra *extra = peek_extra (self);

      if (extra->cancellable != NULL)
        cancellable = g_object_ref (extra->cancellable);
      if (extra->awaiting != NULL)
        *awaiting = g_object_ref (extra->awaiting);
    }
  _cg_future_unlock (self);

  if (cancellable != NULL)
    {
      cancel_cancellable (self, cancellable, (state & CG_FUTURE_RUNNING) != 0);
      g_object_unref (cancellable);
    }

  /* The job layer may drop a job that has not started now, rather than
   * when its caller reaches it (cg-job.c). The first cancel asks for that;
   * later ones only add their messages. */
  if ((state & CG_FUTURE_HAS_JOB) &&
      !(state & (CG_FUTURE_RUNNING | CG_FUTURE_CHAINED | CG_FUTURE_CANCELLED)))
    job_funcs->cancelled (self);

  return TRUE;
}

/**
 * cg_future_cancel:
 * @self: a #CgFuture
 * @message: (nullable): why it is cancelled
 *
 * Cancels the future if it is not done: it is marked cancelled at once,
 * @message is added to its cancel messages (those of several calls are
 * joined by a newline), and its #GCancellable is cancelled: on the owner
 * thread, or at once when its job is executing right now (the job's thread
 * is busy until the job returns).
 *
 * This does not complete the future: it becomes done when its job ends
 * (whatever the job reports, as cancelled), when a job that had not
 * started is reached by its caller (it never runs; a delayed job is
 * reached at once, not at its deadline), or when someone completes it. A
 * future that is done already is left alone.
 *
 * Thread-safe.
 *
 * Returns: whether the future is cancelled (cg_future_is_cancelled())
 *
 * Since: 0.1
 */
gboolean
cg_future_cancel (CgFuture   *self,
                  const char *message)
{
  CgFuture *awaiting = NULL;
  gboolean cancelled;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);

  cancelled = cancel_one (self, message, &awaiting);

  /* Down a chain of cg_future_return_future() in a loop, not by
   * recursion: a chain may be far longer than the stack is deep. */
  while (awaiting != NULL)
    {
      CgFuture *current = awaiting;

      awaiting = NULL;
      if (!cg_future_is_cancelled (current))
        cancel_one (current, message, &awaiting);
      g_object_unref (current);
    }

  return cancelled;
}

/**
 * cg_future_get_cancellable:
 * @self: a #CgFuture
 *
 * The #GCancellable that cg_future_cancel() cancels: the one given to
 * cg_future_set_cancellable(), or one made on first request. A job passes
 * it to the GIO calls it makes, or checks it in its loops. Once the future
 * is cancelled it is cancelled too.
 *
 * Returns: (transfer none): the future's cancellable
 *
 * Since: 0.1
 */
GCancellable *
cg_future_get_cancellable (CgFuture *self)
{
  GCancellable *cancellable;
  gboolean made = FALSE;

  g_return_val_if_fail (CG_IS_FUTURE (self), NULL);

  _cg_future_lock (self);
  cancellable = future_extra (self)->cancellable;
  if (cancellable == NULL)
    {
      cancellable = peek_extra (self)->cancellable = g_cancellable_new ();
      made = TRUE;
    }
  _cg_future_unlock (self);

  if (made && cg_future_is_cancelled (self))
    g_cancellable_cancel (cancellable);

  return cancellable;
}

/**
 * cg_future_set_cancellable:
 * @self: a #CgFuture
 * @cancellable: the cancellable to cancel with the future
 * @error: return location for a #GError
 *
 * Like `Future.set_cancel_scope()` of async_kernel: @cancellable is cancelled when the
 * future is. Fails with %CG_FUTURE_ERROR_INVALID_STATE when the future is
 * cancelled already or has a cancellable already (given before, or made by
 * cg_future_get_cancellable()).
 *
 * Returns: %TRUE when @cancellable was taken
 *
 * Since: 0.1
 */
gboolean
cg_future_set_cancellable (CgFuture      *self,
                           GCancellable  *cancellable,
                           GError       **error)
{
  gint state;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _cg_future_lock (self);
  state = g_atomic_int_get (&self->state);
  if (state & CG_FUTURE_CANCELLED)
    {
      _cg_future_unlock (self);
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           _("The future is already cancelled"));
      return FALSE;
    }
  if (peek_extra (self) != NULL && peek_extra (self)->cancellable != NULL)
    {
      _cg_future_unlock (self);
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           _("The future already has a cancellable"));
      return FALSE;
    }
  future_extra (self)->cancellable = g_object_ref (cancellable);
  _cg_future_unlock (self);

  return TRUE;
}

/* Callbacks ------------------------------------------------------------- */

static CgCallback *
callback_new (CgFutureCallback func,
              gpointer         data,
              GDestroyNotify   destroy,
              gboolean         hook)
{
  CgCallback *callback = g_new (CgCallback, 1);

  callback->next = NULL;
  callback->func = func;
  callback->data = data;
  callback->destroy = destroy;
  callback->hook = hook;
  callback->context = hook ? NULL : _cg_context_capture ();
  callback->home = hook || destroy == NULL ? NULL : dup_bound_here ();

  return callback;
}

typedef struct
{
  CgInboxNode       node;
  CgFutureCallback  func;
  gpointer          data;
  GDestroyNotify    destroy;
  CgCaller         *home;
  CgContextMap     *context;
  CgFuture         *future;
} HomeCallback;

static void
home_callback_free (gpointer user_data)
{
  HomeCallback *call = user_data;

  if (call->destroy != NULL)
    call->destroy (call->data);
  _cg_context_map_unref (call->context);
  g_clear_object (&call->future);
  g_clear_object (&call->home);
  g_free (call);
}

/* On the thread-bound thread: runs the callback (unless its caller is
 * stopping), then frees it there. */
static void
home_callback_node_func (CgInboxNode *node,
                         CgCaller    *caller,
                         gboolean     run)
{
  HomeCallback *call = (HomeCallback *) node;

  if (run)
    {
      CgContextMap *saved = _cg_context_enter (&call->context);

      call->func (call->future, call->data);
      _cg_context_leave (&call->context, saved);
    }
  home_callback_free (call);
}

/* The completion hook of a done callback added on a thread-bound thread
 * for a future of another thread: sends it home. */
static void
home_callback_hook (CgFuture *future,
                    gpointer  user_data)
{
  HomeCallback *call = user_data;
  HomeCallback *copy = g_memdup2 (call, sizeof *call);

  /* The hook's own copy keeps nothing: the posted one owns it all. */
  call->destroy = NULL;
  call->context = NULL;
  call->home = NULL;
  copy->future = g_object_ref (future);
  copy->node.next = NULL;
  copy->node.func = home_callback_node_func;

  /* Run and free happen together on the thread-bound thread. When its
   * caller has stopped, the callback cannot run there: it is dropped. */
  if (!caller_funcs ()->post_node (copy->home, &copy->node))
    home_callback_free (copy);
}

/**
 * cg_future_add_done_callback:
 * @self: a #CgFuture
 * @callback: (scope notified) (closure user_data) (destroy destroy): called
 *   with the future once it is done
 * @user_data: data for @callback
 * @destroy: (nullable): frees @user_data after the call
 *
 * Calls @callback once the future is done, on the future's thread.
 * Callbacks run in the reverse order of their registration. A completion
 * made on the owner thread runs them before it returns; one made on
 * another thread hands them to the owner thread's #CgCaller. On a future
 * that is done already, @callback is scheduled through that caller (or the
 * owner thread's default main context), never called from here.
 *
 * On a thread whose caller is thread-bound (cg_caller_set_thread_bound()),
 * a callback added for a future of another thread runs on this thread
 * instead, through its caller, and is dropped if that caller has stopped.
 *
 * Thread-safe; @callback still runs on the owner thread.
 *
 * Since: 0.1
 */
void
cg_future_add_done_callback (CgFuture         *self,
                             CgFutureCallback  callback,
                             gpointer          user_data,
                             GDestroyNotify    destroy)
{
  CgCallback *entry;

  g_return_if_fail (CG_IS_FUTURE (self));
  g_return_if_fail (callback != NULL);

  /* Whoever listens takes care of a failure. */
  g_atomic_int_or (&self->state, CG_FUTURE_RETRIEVED);
  if (!_cg_future_is_owner_thread (self))
    {
      CgCaller *home = dup_bound_here ();

      if (home != NULL)
        {
          HomeCallback *call = g_new0 (HomeCallback, 1);

          call->func = callback;
          call->data = user_data;
          call->destroy = destroy;
          call->home = home;
          call->context = _cg_context_capture ();
          _cg_future_add_hook (self, home_callback_hook, call, home_callback_free);
          return;
        }
    }

  entry = callback_new (callback, user_data, destroy, FALSE);

  _cg_future_lock (self);
  if (!(g_atomic_int_get (&self->state) & CG_FUTURE_DONE))
    {
      entry->next = *callbacks_slot (self);
      *callbacks_slot (self) = entry;
      _cg_future_unlock (self);
      return;
    }
  _cg_future_unlock (self);

  deliver_callbacks (self, entry, NULL);
}

static guint
remove_callbacks (CgFuture         *self,
                  CgFutureCallback  callback,
                  gpointer          user_data,
                  gboolean          hook)
{
  CgCallback **link, *removed = NULL;
  guint n = 0;

  _cg_future_lock (self);
  link = callbacks_slot (self);
  while (*link != NULL)
    {
      CgCallback *entry = *link;

      if (entry->func == callback && entry->data == user_data && entry->hook == hook)
        {
          *link = entry->next;
          entry->next = removed;
          removed = entry;
          n++;
        }
      else
        {
          link = &entry->next;
        }
    }
  _cg_future_unlock (self);

  callbacks_free (removed);

  return n;
}

/**
 * cg_future_remove_done_callback:
 * @self: a #CgFuture
 * @callback: (scope call): the callback to remove
 * @user_data: the data it was added with
 *
 * Removes every registration of @callback with @user_data that has not run
 * yet, calling their destroy notifies. Thread-safe.
 *
 * Returns: how many registrations were removed
 *
 * Since: 0.1
 */
guint
cg_future_remove_done_callback (CgFuture         *self,
                                CgFutureCallback  callback,
                                gpointer          user_data)
{
  g_return_val_if_fail (CG_IS_FUTURE (self), 0);
  g_return_val_if_fail (callback != NULL, 0);

  return remove_callbacks (self, callback, user_data, FALSE);
}

/**
 * cg_future_add_completion_hook:
 * @self: a #CgFuture
 * @callback: (scope notified) (closure user_data) (destroy destroy): called
 *   with the future once it is done
 * @user_data: data for @callback
 * @destroy: (nullable): frees @user_data after the call
 *
 * Calls @callback on whichever thread completes the future, at the moment
 * it completes, or right now on the calling thread if it is done already.
 * Unlike cg_future_add_done_callback() it needs no caller on the owner
 * thread and costs no thread hop: it is meant for bridges to other event
 * loops (asyncio's `loop.call_soon_threadsafe()`, a #GTask of another context)
 * and must stay short and must not block. Thread-safe.
 *
 * Since: 0.1
 */
void
cg_future_add_completion_hook (CgFuture         *self,
                               CgFutureCallback  callback,
                               gpointer          user_data,
                               GDestroyNotify    destroy)
{
  g_return_if_fail (CG_IS_FUTURE (self));
  g_return_if_fail (callback != NULL);

  _cg_future_add_hook (self, callback, user_data, destroy);
}

/* A hook is a done callback for the library's own use: it runs on the
 * thread that completes the future, right away, and on an already done
 * future it runs at once on the calling thread. */
void
_cg_future_add_hook (CgFuture         *self,
                     CgFutureCallback  hook,
                     gpointer          user_data,
                     GDestroyNotify    destroy)
{
  CgCallback *entry = callback_new (hook, user_data, destroy, TRUE);

  _cg_future_lock (self);
  if (!(g_atomic_int_get (&self->state) & CG_FUTURE_DONE))
    {
      entry->next = *callbacks_slot (self);
      *callbacks_slot (self) = entry;
      _cg_future_unlock (self);
      return;
    }
  _cg_future_unlock (self);

  g_object_ref (self);
  run_callbacks (self, entry);
  g_object_unref (self);
}

guint
_cg_future_remove_hook (CgFuture         *self,
                        CgFutureCallback  hook,
                        gpointer          user_data)
{
  return remove_callbacks (self, hook, user_data, TRUE);
}

/* The layers above --------------------------------------------------------- */

/* The job running on this thread, or NULL. */
CgFuture *
_cg_future_current_job (void)
{
  const CgFutureJobFuncs *funcs = g_atomic_pointer_get (&job_funcs);

  return funcs != NULL ? funcs->current () : NULL;
}

/* Completes @self with no value: as cancelled when it was cancelled. For
 * the layer that runs the work of a future, once that work has ended
 * without completing it. Does nothing to a future that is done already. */
void
_cg_future_settle (CgFuture *self)
{
  CgOutcomeData data = { 0 };

  if (!cg_future_is_done (self))
    complete (self, CG_OUTCOME_NONE, &data, FALSE, NULL);
}

/* Done callbacks by id ---------------------------------------------------- */

/* A done callback of cg_future_add_done_callback_full(): the id is what
 * finds it again, for bindings whose callbacks reach C as a new function
 * pointer or new data on every call. */
typedef struct
{
  guint             id;
  CgFutureCallback  func;
  gpointer          data;
  GDestroyNotify    destroy;
} IdCallback;

static void
id_callback_run (CgFuture *future,
                 gpointer  user_data)
{
  IdCallback *entry = user_data;

  entry->func (future, entry->data);
}

static void
id_callback_free (gpointer user_data)
{
  IdCallback *entry = user_data;

  if (entry->destroy != NULL)
    entry->destroy (entry->data);
  g_free (entry);
}

/* Whether the registration (@func, @data) is the one of @id. */
static gboolean
id_callback_matches (CgFutureCallback  func,
                     gpointer          data,
                     guint             id)
{
  if (func == home_callback_hook)
    {
      HomeCallback *call = data;

      func = call->func;
      data = call->data;
    }

  return func == id_callback_run && ((IdCallback *) data)->id == id;
}

/**
 * cg_future_add_done_callback_full:
 * @self: a #CgFuture
 * @callback: (scope notified) (closure user_data) (destroy destroy): called
 *   with the future once it is done
 * @user_data: data for @callback
 * @destroy: (nullable): frees @user_data after the call or the removal
 *
 * As cg_future_add_done_callback() (same thread, order and context), and
 * returns an id that cg_future_remove_done_callback_by_id() takes. It is
 * for bindings, where a function reaches C as a new pointer on every call
 * so that cg_future_remove_done_callback() cannot find it again: they keep
 * the ids of the functions they were given. Ids are unique in the process
 * (until 2^32 registrations wrap them) and never 0. Thread-safe.
 *
 * Returns: the id of the registration
 *
 * Since: 0.1
 */
guint
cg_future_add_done_callback_full (CgFuture         *self,
                                  CgFutureCallback  callback,
                                  gpointer          user_data,
                                  GDestroyNotify    destroy)
{
  static guint last_id;
  IdCallback *entry;
  guint id;

  g_return_val_if_fail (CG_IS_FUTURE (self), 0);
  g_return_val_if_fail (callback != NULL, 0);

  do
    id = (guint) g_atomic_int_add ((gint *) &last_id, 1) + 1;
  while (id == 0);

  entry = g_new (IdCallback, 1);
  entry->id = id;
  entry->func = callback;
  entry->data = user_data;
  entry->destroy = destroy;
  cg_future_add_done_callback (self, id_callback_run, entry, id_callback_free);

  return id;
}

/**
 * cg_future_remove_done_callback_by_id:
 * @self: a #CgFuture
 * @id: an id that cg_future_add_done_callback_full() returned for @self
 *
 * Removes the registration @id unless its callback ran or is scheduled to
 * run (the future is done), calling its destroy notify as
 * cg_future_remove_done_callback() does.
 * An id of another future, or one removed already, is no error: nothing
 * happens. Thread-safe.
 *
 * Returns: %TRUE when the registration was removed
 *
 * Since: 0.1
 */
gboolean
cg_future_remove_done_callback_by_id (CgFuture *self,
                                      guint     id)
{
  CgCallback **link, *removed = NULL;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (id != 0, FALSE);

  _cg_future_lock (self);
  for (link = callbacks_slot (self); *link != NULL; link = &(*link)->next)
    {
      if (id_callback_matches ((*link)->func, (*link)->data, id))
        {
          removed = *link;
          *link = removed->next;
          removed->next = NULL;
          break;
        }
    }
  _cg_future_unlock (self);

  callbacks_free (removed);

  return removed != NULL;
}
