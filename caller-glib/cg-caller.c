/* cg-caller.c: a thread's main context, open to calls from other threads:
 * the object, submitting work, starting and stopping
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include <string.h>

#include "cg-caller-internal.h"
#include "cg-context-private.h"
#include "cg-recycler-private.h"

/**
 * SECTION:cg-caller
 * @title: CgCaller
 * @short_description: a thread's main context, open to calls from other threads
 *
 * A #CgCaller is bound to one thread and that thread's #GMainContext. Any
 * thread hands it work with cg_caller_call_soon(), cg_caller_call_later()
 * or cg_caller_call_direct(); the work runs in the caller's thread, from
 * its main loop, and the #CgFuture it returns carries the outcome back.
 * There is at most one caller per thread.
 *
 * A caller comes into being in one of three ways:
 *
 * - cg_caller_start_new() starts a new thread with its own main context
 *   and loop: a named worker. It is the C counterpart of async_kernel's
 *   `Caller.start_new()`; its `backend` maps to the #GMainContext the
 *   thread runs (the @context argument, a new one by default), and the
 *   loop is always a plain GLib main loop iterating that context.
 * - cg_caller_get() with @create makes the caller of the current thread,
 *   bound to its thread-default main context, which someone else runs
 *   (GTK's main loop, say). Work submitted before cg_caller_start() is kept
 *   and runs once the caller is started and the context runs.
 * - cg_caller_get_instance() finds a caller by name, starting it if asked;
 *   %CG_CALLER_MAIN_THREAD is the caller of g_main_context_default().
 *
 * |[<!-- language="C" -->
 * static void
 * load_settings (CgFuture *future, gpointer user_data)
 * {
 *   // runs in the "io" thread
 *   cg_future_return_pointer (future, g_strdup ("dark"), g_free, NULL);
 * }
 *
 * static void
 * settings_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   CgFuture *future = CG_FUTURE (source);
 *   g_autoptr(GError) error = NULL;
 *
 *   // back in the main thread
 *   if (cg_future_wait_finish (future, result, &error))
 *     g_print ("theme: %s\n", (char *) cg_future_propagate_pointer (future, NULL));
 * }
 *
 * g_autoptr(CgCaller) io = cg_caller_start_new ("io", FALSE, NULL, &error);
 * g_autoptr(CgFuture) future = cg_caller_call_soon (io, load_settings, NULL, NULL, &error);
 * cg_future_wait_async (future, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL,
 *                       settings_loaded, NULL);
 * ]|
 *
 * How it works: a caller attaches one #GSource to its context. Other
 * threads push work into a lock-free inbox; the context is woken only when
 * it may be asleep, not once per job, and the source drains the inbox in
 * batches with a time budget of a few milliseconds, at a priority below
 * GTK's redraw by default (#CgCaller:priority), so a GTK main loop draws
 * between two batches and stays responsive. Delayed
 * work waits in one heap of deadlines per caller, not one #GSource each. A
 * caller thread started by cg_caller_start_new() spins briefly for more
 * work before it parks, and an idle caller uses no CPU.
 *
 * cg_caller_stop() refuses new work (%CG_CALLER_ERROR_CLOSED), cancels
 * every pending job (each future completes as cancelled and its job never
 * runs), closes its execution queues and cancels the running job. A
 * protected caller ignores stop requests unless they are forced.
 *
 * All functions of #CgCaller are thread-safe. Property notifications are
 * emitted on the thread that changes the state.
 */

/**
 * CgCaller:
 *
 * A thread's main context, open to jobs from other threads. An opaque
 * #GObject; read its state through its properties (#CgCaller:name,
 * #CgCaller:running and the others).
 *
 * Since: 0.1
 */

typedef struct
{
  CgInboxNode      node;
  CgDirectFunc   func;
  gpointer       data;
  GDestroyNotify destroy;
  CgCaller      *home;     /* where @destroy runs (thread-bound), or NULL */
} CgDirectCall;

/* Direct calls are kept for reuse once run: most are made on one thread
 * and run on another, where glibc's allocator would take a lock to free
 * them. */
static CgRecycler direct_call_recycler =
  CG_RECYCLER_INIT (G_STRUCT_OFFSET (CgDirectCall, node) + G_STRUCT_OFFSET (CgInboxNode, next),
                    g_free, CG_RECYCLER_SLOT_DIRECT_CALLS);

enum
{
  PROP_0,
  PROP_NAME,
  PROP_CONTEXT,
  PROP_THREAD,
  PROP_LOG_DOMAIN,
  PROP_PROTECTED,
  PROP_RUNNING,
  PROP_STOPPED,
  PROP_THREAD_BOUND,
  PROP_PRIORITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CgCaller, cg_caller, G_TYPE_OBJECT)

void
_cg_caller_notify_running (CgCaller *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* GObject --------------------------------------------------------------- */

static void
cg_caller_finalize (GObject *object)
{
  CgCaller *self = CG_CALLER (object);

  g_assert (self->source == NULL);
  g_assert (self->running_job == NULL);

  cg_timer_heap_clear (&self->timers);
  g_clear_pointer (&self->inflight, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->thread, g_thread_unref);
  g_clear_pointer (&self->thread_start, cg_thread_start_unref);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->log_domain, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready_cond);
  g_mutex_clear (&self->stop_lock);
  g_clear_pointer (&self->stop_sources, g_hash_table_unref);

  G_OBJECT_CLASS (cg_caller_parent_class)->finalize (object);
}

static void
cg_caller_constructed (GObject *object)
{
  CgCaller *self = CG_CALLER (object);

  G_OBJECT_CLASS (cg_caller_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();
  if (self->log_domain == NULL)
    self->log_domain = g_strdup (G_LOG_DOMAIN);
  if (self->name == NULL)
    {
      self->name = _cg_caller_registry_make_name ();
    }
}

static void
cg_caller_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  CgCaller *self = CG_CALLER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;
    case PROP_THREAD:
      g_value_set_boxed (value, self->thread);
      break;
    case PROP_LOG_DOMAIN:
      g_value_set_string (value, self->log_domain);
      break;
    case PROP_PROTECTED:
      g_value_set_boolean (value, self->protected_);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, cg_caller_get_running (self));
      break;
    case PROP_STOPPED:
      g_value_set_boolean (value, cg_caller_get_stopped (self));
      break;
    case PROP_THREAD_BOUND:
      g_value_set_boolean (value, cg_caller_get_thread_bound (self));
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, cg_caller_get_priority (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cg_caller_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  CgCaller *self = CG_CALLER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;
    case PROP_LOG_DOMAIN:
      self->log_domain = g_value_dup_string (value);
      break;
    case PROP_PROTECTED:
      self->protected_ = g_value_get_boolean (value);
      break;
    case PROP_THREAD_BOUND:
      cg_caller_set_thread_bound (self, g_value_get_boolean (value));
      break;
    case PROP_PRIORITY:
      cg_caller_set_priority (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void caller_enter_job (CgCaller *self, CgFuture *future);
static void caller_leave_job (CgCaller *self, CgFuture *future);
static gboolean caller_drop_timer (CgCaller *self, CgFuture *future);
static void caller_track_chained (CgCaller *self, CgFuture *future);
static CgCaller *dup_bound_here (void);

/* What the layers below need of a caller (cg-future-private.h,
 * cg-job-private.h). */
/* A thread that ends stops the caller made for it by cg_caller_get() (and
 * left running): its jobs could never run again. */
static void
caller_thread_exits (CgCaller *self)
{
  if (!self->owns_thread && !_cg_caller_is_closed (self))
    _cg_caller_stop_now (self, TRUE);
}

static const CgOwnerFuncs owner_funcs = {
  _cg_caller_is_owner_thread,
  _cg_caller_is_closed,
  cg_caller_get_thread,
  cg_caller_get_name,
  _cg_caller_post_node,
  _cg_caller_dup_for_thread,
  dup_bound_here,
};

static const CgJobRunnerFuncs runner_funcs = {
  caller_enter_job,
  caller_leave_job,
  _cg_caller_is_closed,
  _cg_caller_post_node,
  caller_drop_timer,
  caller_track_chained,
};

static void
cg_caller_class_init (CgCallerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _cg_future_set_owner_funcs (&owner_funcs);
  _cg_caller_registry_set_thread_exit_func (caller_thread_exits);
  _cg_job_set_runner_funcs (&runner_funcs);

  object_class->constructed = cg_caller_constructed;
  object_class->finalize = cg_caller_finalize;
  object_class->get_property = cg_caller_get_property;
  object_class->set_property = cg_caller_set_property;

  /**
   * CgCaller:name:
   *
   * The caller's name, unique among running callers; see
   * cg_caller_get_instance().
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:context:
   *
   * The #GMainContext the caller's jobs run in: async_kernel's `backend`.
   *
   * Since: 0.1
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL, G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:thread:
   *
   * The thread the caller's jobs run in.
   *
   * Since: 0.1
   */
  properties[PROP_THREAD] =
    g_param_spec_boxed ("thread", NULL, NULL, G_TYPE_THREAD,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:log-domain:
   *
   * The log domain of the caller's messages (async_kernel's `log`), such as a
   * failing queued job.
   *
   * Since: 0.1
   */
  properties[PROP_LOG_DOMAIN] =
    g_param_spec_string ("log-domain", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:protected:
   *
   * A protected caller ignores cg_caller_stop() and cg_caller_stop_all()
   * unless they are forced.
   *
   * Since: 0.1
   */
  properties[PROP_PROTECTED] =
    g_param_spec_boolean ("protected", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:running:
   *
   * Whether the caller runs jobs: started and not stopped.
   *
   * Since: 0.1
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:stopped:
   *
   * Whether cg_caller_stop() has stopped the caller.
   *
   * Since: 0.1
   */
  properties[PROP_STOPPED] =
    g_param_spec_boolean ("stopped", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:thread-bound:
   *
   * Whether what the caller's thread hands to other threads must come
   * back to it: see cg_caller_set_thread_bound().
   *
   * Since: 0.1
   */
  properties[PROP_THREAD_BOUND] =
    g_param_spec_boolean ("thread-bound", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * CgCaller:priority:
   *
   * The priority of the caller's #GSource in its context, as for any
   * #GSource: a smaller number runs first. See cg_caller_set_priority().
   *
   * Since: 0.1
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL, G_MININT, G_MAXINT, CG_CALLER_PRIORITY_DEFAULT,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cg_caller_init (CgCaller *self)
{
  self->priority = CG_CALLER_PRIORITY_DEFAULT;
  g_mutex_init (&self->lock);
  g_mutex_init (&self->stop_lock);
  g_cond_init (&self->ready_cond);
  self->inflight = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

/* Running work ----------------------------------------------------------- */

const char *
_cg_caller_peek_log_domain (CgCaller *self)
{
  return self->log_domain;
}

/* Pool workers get their work through the pool, not by chance arrivals in
 * their inbox: they park at once when idle instead of spinning. */
void
_cg_caller_set_idle_spin (CgCaller *self,
                          gboolean  spin)
{
  g_atomic_int_set (&self->no_spin, !spin);
}

GMutex *
_cg_caller_get_lock (CgCaller *self)
{
  return &self->lock;
}

/* Thread-bound callers ------------------------------------------------------
 *
 * Some bindings can call and free the functions they hand out only on
 * their own thread (GJS: JavaScript runs on one thread). A thread whose
 * caller is thread-bound gets back what it gives to other threads: the
 * destroy notifies of its jobs and calls run on it, and so do the done
 * callbacks it adds to futures of other threads (cg-future.c). */

/* The caller of this thread when it is thread-bound and running, or NULL:
 * a reference. */
static CgCaller *
dup_bound_here (void)
{
  CgCaller *here = _cg_caller_peek_here ();

  if (here == NULL || !g_atomic_int_get (&here->thread_bound) ||
      !cg_caller_get_running (here) || !_cg_caller_is_owner_thread (here))
    return NULL;

  return g_object_ref (here);
}

typedef struct
{
  CgJobFunc       func;
  gpointer        data;
  GDestroyNotify  destroy;
  CgCaller       *home;
} HomeJob;

static void
home_job_run (CgFuture *future,
              gpointer  user_data)
{
  HomeJob *job = user_data;

  job->func (future, job->data);
}

static void
home_job_free (gpointer user_data)
{
  HomeJob *job = user_data;

  _cg_future_destroy_at_home (job->home, job->destroy, job->data);
  g_free (job);
}

/* Makes a job for @target (NULL: the pool) on the submitting thread: its
 * context is captured, the observers hear of it (the job list) before it
 * can start, and on a thread-bound thread its destroy notify is sent back
 * here. Not posted yet. */
CgFuture *
_cg_caller_make_job (CgCaller       *target,
                     CgJobFunc       func,
                     gpointer        user_data,
                     GDestroyNotify  destroy)
{
  CgFuture *job = _cg_job_new (target, func, user_data, destroy);
  CgCaller *home;

  _cg_job_announce (job);

  if (destroy != NULL && (home = dup_bound_here ()) != NULL)
    {
      HomeJob *wrapped;

      if (home == target)
        {
          g_object_unref (home);
        }
      else
        {
          wrapped = g_new (HomeJob, 1);
          wrapped->func = func;
          wrapped->data = user_data;
          wrapped->destroy = destroy;
          wrapped->home = home;
          job->func = home_job_run;
          job->func_data = wrapped;
          job->func_destroy = home_job_free;
        }
    }
  _cg_job_set_context (job, _cg_context_capture ());

  return job;
}

/* Hands a job future (and the reference given) to the caller; a stopped
 * caller drops it at once, as cancelled. */
gboolean
_cg_caller_post_job (CgCaller *self,
                     CgFuture *future)
{
  if (G_LIKELY (_cg_caller_post_node (self, &future->node)))
    return TRUE;

  _cg_job_discard (future, _("The caller was stopped before the job ran"));
  g_object_unref (future);
  return FALSE;
}

gboolean
_cg_caller_post_node (CgCaller  *self,
                      CgInboxNode *node)
{
  switch (cg_inbox_push (&self->inbox, node))
    {
    case CG_INBOX_PUSHED_WAKE:
      g_main_context_wakeup (self->context);
      return TRUE;
    case CG_INBOX_PUSHED:
      return TRUE;
    case CG_INBOX_CLOSED:
    default:
      return FALSE;
    }
}

static void
caller_enter_job (CgCaller *self,
                  CgFuture *future)
{
  g_object_ref (future);
  if (!g_atomic_pointer_compare_and_exchange (&self->running_job, NULL, future))
    g_object_unref (future); /* a nested main loop: the outer job stays tracked */
}

static void
caller_leave_job (CgCaller *self,
                  CgFuture *future)
{
  if (g_atomic_pointer_compare_and_exchange (&self->running_job, future, NULL))
    g_object_unref (future);
}

static void
untrack_chained (CgFuture *future,
                 gpointer  user_data)
{
  CgCaller *self = user_data;

  _cg_mutex_lock (&self->lock);
  g_hash_table_remove (self->inflight, future);
  _cg_mutex_unlock (&self->lock);
}

/* A job that returned a future is still in flight: stop() must cancel it. */
static void
caller_track_chained (CgCaller *self,
                      CgFuture *future)
{
  gboolean closed;

  _cg_mutex_lock (&self->lock);
  closed = _cg_caller_is_closed (self);
  if (!closed)
    g_hash_table_add (self->inflight, g_object_ref (future));
  _cg_mutex_unlock (&self->lock);

  if (closed)
    cg_future_cancel (future, _("The caller was stopped"));
  else
    _cg_future_add_hook (future, untrack_chained, g_object_ref (self), g_object_unref);
}

/* Stop hooks: features that keep something per caller (the execution
 * queues) let go of it when the caller stops. A fixed array, filled once
 * per feature and never emptied, so stop() reads it without a lock. */
static CgCallerStopHook stop_hooks[8];
static gint n_stop_hooks;
static GMutex stop_hooks_lock;

void
_cg_caller_add_stop_hook (CgCallerStopHook hook)
{
  _cg_mutex_lock (&stop_hooks_lock);
  g_assert (n_stop_hooks < (gint) G_N_ELEMENTS (stop_hooks));
  stop_hooks[n_stop_hooks] = hook;
  g_atomic_int_set (&n_stop_hooks, n_stop_hooks + 1);
  _cg_mutex_unlock (&stop_hooks_lock);
}

static void
run_stop_hooks (CgCaller *self)
{
  gint n = g_atomic_int_get (&n_stop_hooks);

  for (gint i = 0; i < n; i++)
    stop_hooks[i] (self);
}

/* Public API ------------------------------------------------------------- */

/**
 * cg_caller_get:
 * @thread: (nullable): the thread whose caller is wanted, or %NULL for the
 *   current thread
 * @create: make the caller of the current thread if it has none
 * @protected_: whether a caller made now is protected from stopping
 * @error: return location for a #GError
 *
 * The caller of a thread, the counterpart of async_kernel's `Caller(...)`.
 * With @create, the current thread gets one bound to its thread-default
 * #GMainContext (named %CG_CALLER_MAIN_THREAD when that is
 * g_main_context_default() or the thread is the main thread, unless a
 * caller has that name already); it accepts work at once but runs it only
 * after cg_caller_start(), from the loop that runs that context.
 *
 * Fails with %CG_CALLER_ERROR_NOT_FOUND when the thread has no caller and
 * @create is %FALSE, and with %CG_CALLER_ERROR_WRONG_THREAD when asked to
 * create one for another thread.
 *
 * Returns: (transfer full): the caller, or %NULL with @error set
 *
 * Since: 0.1
 */
CgCaller *
cg_caller_get (GThread   *thread,
               gboolean   create,
               gboolean   protected_,
               GError   **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autofree char *name = NULL;
  CgCaller *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (thread == NULL)
    thread = g_thread_self ();

  self = _cg_caller_dup_for_thread (thread);
  if (self != NULL)
    return self;

  if (!create)
    {
      g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND,
                           _("The thread has no caller; ask for one to be created"));
      return NULL;
    }

  if (thread != g_thread_self ())
    {
      g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD,
                           _("A caller can be created only for the current thread; "
                             "call this from the thread itself"));
      return NULL;
    }

  context = g_main_context_ref_thread_default ();
  if (context == g_main_context_default () || thread == _cg_main_thread ())
    {
      g_autoptr(CgCaller) main_caller = _cg_caller_registry_dup_by_name (CG_CALLER_MAIN_THREAD);

      if (main_caller == NULL)
        name = g_strdup (CG_CALLER_MAIN_THREAD);
    }

  self = g_object_new (CG_TYPE_CALLER,
                       "name", name,
                       "context", context,
                       "protected", protected_,
                       NULL);
  self->thread = g_thread_ref (thread);

  if (!_cg_caller_registry_add (self, error))
    {
      g_object_unref (self);
      /* Lost a race with another creator on this thread's behalf. */
      return _cg_caller_dup_for_thread (thread);
    }

  _cg_caller_bind_here (self);

  return self;
}

/* The current thread's caller (not a reference), or NULL with
 * %CG_CALLER_ERROR_NOT_FOUND: for the features whose futures other threads
 * complete through it. */
CgCaller *
_cg_caller_require_current (GError **error)
{
  CgCaller *caller = cg_caller_get_current ();

  if (caller == NULL)
    g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND,
                         _("The thread has no caller; ask for one to be created"));
  return caller;
}

/**
 * cg_caller_get_current:
 *
 * The caller of the current thread, if it has one.
 *
 * Returns: (transfer none) (nullable): the current thread's caller
 *
 * Since: 0.1
 */
CgCaller *
cg_caller_get_current (void)
{
  CgCaller *self = _cg_caller_peek_here ();

  if (self != NULL && !_cg_caller_is_closed (self))
    return self;

  /* The registry holds a reference while the caller runs. */
  self = _cg_caller_dup_for_thread (g_thread_self ());
  if (self != NULL)
    g_object_unref (self);
  return self;
}

/**
 * cg_caller_get_instance:
 * @name: (nullable): the caller's name; %NULL means %CG_CALLER_MAIN_THREAD
 * @create: start the caller when there is none by that name
 * @error: return location for a #GError
 *
 * Finds a running caller by name. With @create, a missing one is started:
 * %CG_CALLER_MAIN_THREAD as the caller of g_main_context_default(), bound
 * to the main thread and started (someone must run that context), any
 * other name with cg_caller_start_new().
 *
 * Fails with %CG_CALLER_ERROR_NOT_FOUND when there is none and @create is
 * %FALSE, and with %CG_CALLER_ERROR_EXISTS when %CG_CALLER_MAIN_THREAD is
 * to be made but the main thread has a caller already, bound to another
 * context (a thread has one caller at most).
 *
 * Returns: (transfer full): the caller, or %NULL with @error set
 *
 * Since: 0.1
 */
CgCaller *
cg_caller_get_instance (const char  *name,
                        gboolean     create,
                        GError     **error)
{
  CgCaller *self;

  g_return_val_if_fail (name == NULL || *name != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL)
    name = CG_CALLER_MAIN_THREAD;

  for (;;)
    {
      GError *local = NULL;

      self = _cg_caller_registry_dup_by_name (name);
      if (self != NULL)
        return self;

      if (!create)
        {
          g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND,
                       _("There is no caller named “%s”; ask for one to be created"),
                       name);
          return NULL;
        }

      if (g_str_equal (name, CG_CALLER_MAIN_THREAD))
        {
          g_autoptr(CgCaller) other = _cg_caller_dup_for_thread (_cg_main_thread ());

          /* One caller a thread: a main thread that serves another
           * context has no room for the caller of the default one. */
          if (other != NULL && !g_str_equal (other->name, CG_CALLER_MAIN_THREAD))
            {
              g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS,
                           _("The main thread has a caller already, “%s”, bound to "
                             "another main context; a thread has one caller at most"),
                           other->name);
              return NULL;
            }

          self = g_object_new (CG_TYPE_CALLER,
                               "name", name,
                               "context", g_main_context_default (),
                               NULL);
          self->thread = g_thread_ref (_cg_main_thread ());
          if (_cg_caller_registry_add (self, &local))
            {
              if (self->thread == g_thread_self ())
                _cg_caller_bind_here (self);
              _cg_caller_attach_source (self);
              _cg_caller_notify_running (self);
              return self;
            }
          g_object_unref (self);
          self = NULL;
        }
      else
        {
          self = cg_caller_start_new (name, FALSE, NULL, &local);
          if (self != NULL)
            return self;
        }

      /* Someone else made it first: look again. Anything else is final. */
      if (!g_error_matches (local, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS) ||
          (self = _cg_caller_registry_dup_by_name (name)) != NULL)
        {
          if (self != NULL)
            g_clear_error (&local);
          else
            g_propagate_error (error, local);
          return self;
        }
      g_clear_error (&local);
    }
}

/**
 * cg_caller_all_callers:
 * @running_only: list only the callers that are running
 *
 * The callers that have not been stopped, oldest first.
 *
 * Returns: (transfer full) (element-type CgCaller): the callers
 *
 * Since: 0.1
 */
GList *
cg_caller_all_callers (gboolean running_only)
{
  GList *callers = _cg_caller_registry_list (), *result = NULL;

  /* Newest first there: oldest first here. */
  for (GList *l = callers; l != NULL; l = l->next)
    if (!running_only || cg_caller_get_running (l->data))
      result = g_list_prepend (result, g_object_ref (l->data));
  g_list_free_full (callers, g_object_unref);

  return result;
}

typedef struct _StopAllHook StopAllHook;

struct _StopAllHook
{
  StopAllHook   *next;
  CgStopAllHook  func;
  gpointer       data;
};

/* Newest first; atomic. Hooks are never removed, so whoever read the head
 * may walk the list without a lock. */
static StopAllHook *stop_all_hooks;

void
_cg_caller_add_stop_all_hook (CgStopAllHook func,
                              gpointer      data)
{
  StopAllHook *hook = g_new (StopAllHook, 1);

  hook->func = func;
  hook->data = data;
  do
    hook->next = g_atomic_pointer_get (&stop_all_hooks);
  while (!g_atomic_pointer_compare_and_exchange (&stop_all_hooks, hook->next, hook));
}

static void
run_stop_all_hooks (StopAllHook *hooks,
                    gboolean     stopping,
                    gboolean     force)
{
  for (StopAllHook *hook = hooks; hook != NULL; hook = hook->next)
    hook->func (stopping, force, hook->data);
}

/**
 * cg_caller_stop_all:
 * @force: stop protected callers too
 *
 * Stops every unprotected caller (every caller with @force), newest
 * first, as cg_caller_stop() does.
 *
 * The workers of cg_caller_to_thread() are unprotected callers: once this
 * returns, no pool job submitted before it starts, and the jobs that were
 * waiting for a worker completed as cancelled. The pool serves later
 * calls again.
 *
 * Since: 0.1
 */
void
cg_caller_stop_all (gboolean force)
{
  StopAllHook *hooks = g_atomic_pointer_get (&stop_all_hooks);
  GList *callers, *l;

  run_stop_all_hooks (hooks, TRUE, force);

  callers = _cg_caller_registry_list ();
  for (l = callers; l != NULL; l = l->next)
    cg_caller_stop (l->data, force);

  g_list_free_full (callers, g_object_unref);

  run_stop_all_hooks (hooks, FALSE, force);
}

/**
 * cg_caller_start_new:
 * @name: (nullable): a name for the caller, unique among running callers;
 *   %NULL makes one up
 * @protected_: whether the caller is protected from stopping
 * @context: (nullable): the #GMainContext the new thread runs (async_kernel's
 *   `backend`), or %NULL for a new one; nobody else may run it
 * @error: return location for a #GError
 *
 * Starts a new thread that runs @context in a main loop, with a caller
 * bound to it, and returns once the caller accepts jobs.
 *
 * Fails with %CG_CALLER_ERROR_EXISTS when @name is taken.
 *
 * Returns: (transfer full): the running caller, or %NULL with @error set
 *
 * Since: 0.1
 */
CgCaller *
cg_caller_start_new (const char    *name,
                     gboolean       protected_,
                     GMainContext  *context,
                     GError       **error)
{
  g_autoptr(GMainContext) own_context = NULL;
  CgThreadStart *thread;
  CgCaller *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (name == NULL || *name != '\0', NULL);

  if (context == NULL)
    context = own_context = g_main_context_new ();

  self = g_object_new (CG_TYPE_CALLER,
                       "name", name,
                       "context", context,
                       "protected", protected_,
                       NULL);
  self->owns_thread = TRUE;

  if (!_cg_caller_registry_add (self, error))
    {
      g_atomic_int_set (&self->closed, 1);
      g_object_unref (self);
      return NULL;
    }

  thread = _cg_thread_spawn (self->name, _cg_caller_thread_main, g_object_ref (self), error);
  if (thread == NULL)
    {
      g_object_unref (self); /* the thread's reference */
      _cg_mutex_lock (&self->lock);
      self->ready = self->spawned = TRUE; /* nothing to wait for */
      g_cond_broadcast (&self->ready_cond);
      _cg_mutex_unlock (&self->lock);
      g_atomic_int_set (&self->closed, 1);
      _cg_caller_registry_remove (self);
      g_object_unref (self);
      return NULL;
    }
  /* Only now may stop() join the thread. */
  _cg_mutex_lock (&self->lock);
  self->thread_start = thread;
  self->spawned = TRUE;
  g_cond_broadcast (&self->ready_cond);
  while (!self->ready)
    _cg_cond_wait (&self->ready_cond, &self->lock);
  _cg_mutex_unlock (&self->lock);

  _cg_caller_notify_running (self);

  return self;
}


/**
 * cg_caller_start:
 * @self: a #CgCaller
 * @error: return location for a #GError
 *
 * Starts a caller made by cg_caller_get(): its jobs, including those
 * submitted before, run from now on whenever its context is iterated.
 * Starting a running caller does nothing.
 *
 * Fails with %CG_CALLER_ERROR_CLOSED when the caller is stopped.
 *
 * Returns: %TRUE when the caller runs
 *
 * Since: 0.1
 */
gboolean
cg_caller_start (CgCaller  *self,
                 GError   **error)
{
  gboolean was_started;

  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  was_started = g_atomic_int_get (&self->started);
  if (!_cg_caller_attach_source (self))
    {
      g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                   _("Caller “%s” is stopped; start a new one instead"), self->name);
      return FALSE;
    }

  if (!was_started)
    _cg_caller_notify_running (self);

  return TRUE;
}


static void
cancel_in_flight (CgCaller *self)
{
  CgFuture *job = g_atomic_pointer_exchange (&self->running_job, NULL);
  GHashTableIter iter;
  gpointer key;
  GPtrArray *chained;

  if (job != NULL)
    {
      cg_future_cancel (job, _("The caller was stopped"));
      g_object_unref (job);
    }

  chained = g_ptr_array_new_with_free_func (g_object_unref);
  _cg_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->inflight);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (chained, g_object_ref (key));
  _cg_mutex_unlock (&self->lock);

  /* A job that returned a future has ended: its future only waits. The
   * future it waits for may need this caller to complete, so complete the
   * job's future as cancelled now rather than leave it pending forever. */
  for (guint i = 0; i < chained->len; i++)
    _cg_job_abandon (g_ptr_array_index (chained, i), _("The caller was stopped"));
  g_ptr_array_unref (chained);
}

/**
 * cg_caller_stop:
 * @self: a #CgCaller
 * @force: stop it even if it is protected
 *
 * Stops the caller; a protected caller is left alone unless @force.
 *
 * From then on it refuses new work with %CG_CALLER_ERROR_CLOSED. Every
 * pending job is cancelled without running (its future completes as
 * cancelled and its destroy notify runs), the running job's future and
 * cancellable are cancelled (it completes as cancelled when it returns),
 * its execution queues close (dropping their waiting calls) and the caller
 * leaves the registry.
 *
 * For a caller started by cg_caller_start_new(), a call from another
 * thread blocks until the caller's thread has finished; a call from a job
 * of the caller returns at once and the thread ends after that job. For a
 * caller on a context someone else runs, the pending work is discarded on
 * the caller's thread the next time its context runs, or at once when
 * called on that thread or when the caller never started.
 *
 * The `_async` calls of the library made on the caller's thread still
 * answer, once each, on that thread: those that wait when the caller
 * stops (a lock, a future, several futures, the next future of a
 * #CgAsCompleted) give up with %CG_CALLER_ERROR_CLOSED. On the thread of
 * a cg_caller_start_new() caller, so do those made after the stop (by the
 * running job or a callback), and the thread runs its context until every
 * such answer has been delivered, before it ends. On a thread whose
 * context someone else runs, calls made after the stop work as on a
 * thread without a caller. A job blocked in
 * cg_future_wait_sync() is woken by the cancellation of its future; a job
 * blocked in anything else delays the end of its thread (and a stop from
 * another thread) until it returns: such a job should watch its
 * cg_future_get_cancellable().
 *
 * A thread that ends stops the caller made for it by cg_caller_get().
 *
 * Since: 0.1
 */
void
cg_caller_stop (CgCaller *self,
                gboolean  force)
{
  g_return_if_fail (CG_IS_CALLER (self));

  if (self->protected_ && !force)
    return;

  _cg_caller_stop_now (self, FALSE);
}

/* @thread_exits: called from the caller's thread as it ends. */
void
_cg_caller_stop_now (CgCaller *self,
             gboolean  thread_exits)
{
  CgInboxNode *pending;
  gboolean on_owner;

  g_object_ref (self);

  /* A caller of cg_caller_start_new() is in the registry (so stop_all()
   * can find it) a moment before its thread has set itself up. */
  if (self->owns_thread)
    {
      _cg_mutex_lock (&self->lock);
      while (!self->ready || !self->spawned)
        _cg_cond_wait (&self->ready_cond, &self->lock);
      _cg_mutex_unlock (&self->lock);
    }

  /* Only now: the thread of a new caller sets self->thread itself. */
  on_owner = thread_exits || _cg_caller_is_owner_thread (self);

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    {
      /* Stopped already; a second stop from outside still waits. */
      if (self->owns_thread && !on_owner && self->thread_start != NULL)
        _cg_thread_join (self->thread_start);
      g_object_unref (self);
      return;
    }

  _cg_caller_registry_remove (self);
  pending = cg_inbox_close (&self->inbox);
  cancel_in_flight (self);
  _cg_caller_fire_stop_sources (self);
  run_stop_hooks (self);

  if (on_owner || (!self->owns_thread && self->source == NULL))
    {
      _cg_caller_discard_list (self, pending);
      if (!self->owns_thread)
        {
          _cg_caller_detach_source (self);
          _cg_caller_discard_all (self);
        }
    }
  else
    {
      CgInboxNode **tail;

      /* Hand the pending work to the caller's thread, where its futures'
       * callbacks belong. */
      _cg_mutex_lock (&self->lock);
      tail = &self->orphans;
      while (*tail != NULL)
        tail = &(*tail)->next;
      *tail = pending;
      _cg_mutex_unlock (&self->lock);
    }

  if (self->owns_thread)
    {
      g_atomic_int_set (&self->quit, 1);
      g_main_context_wakeup (self->context);
      if (!on_owner)
        _cg_thread_join (self->thread_start);
    }
  else
    {
      g_main_context_wakeup (self->context);
    }

  g_atomic_int_set (&self->stopped, 1);
  _cg_caller_notify_running (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOPPED]);

  g_object_unref (self);
}

/**
 * cg_caller_get_name:
 * @self: a #CgCaller
 *
 * Gets the caller's name (#CgCaller:name), unique among running
 * callers.
 *
 * Returns: the caller's name
 *
 * Since: 0.1
 */
const char *
cg_caller_get_name (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);

  return self->name;
}

/**
 * cg_caller_get_context:
 * @self: a #CgCaller
 *
 * Gets the #GMainContext the caller runs its jobs in
 * (#CgCaller:context).
 *
 * Returns: (transfer none): the #GMainContext the caller's jobs run in
 *
 * Since: 0.1
 */
GMainContext *
cg_caller_get_context (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);

  return self->context;
}

/**
 * cg_caller_get_thread:
 * @self: a #CgCaller
 *
 * Gets the thread the caller runs its jobs in (#CgCaller:thread).
 *
 * Returns: (transfer none): the thread the caller's jobs run in
 *
 * Since: 0.1
 */
GThread *
cg_caller_get_thread (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);

  return self->thread;
}

/**
 * cg_caller_get_log_domain:
 * @self: a #CgCaller
 *
 * Gets the log domain of the caller's messages (#CgCaller:log-domain).
 *
 * Returns: the log domain of the caller's messages
 *
 * Since: 0.1
 */
const char *
cg_caller_get_log_domain (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);

  return self->log_domain;
}

/**
 * cg_caller_get_protected:
 * @self: a #CgCaller
 *
 * Gets whether the caller is protected from unforced stops
 * (#CgCaller:protected).
 *
 * Returns: whether the caller ignores unforced stop requests
 *
 * Since: 0.1
 */
gboolean
cg_caller_get_protected (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);

  return self->protected_;
}

/**
 * cg_caller_get_running:
 * @self: a #CgCaller
 *
 * Gets whether the caller runs jobs (#CgCaller:running).
 *
 * Returns: whether the caller runs jobs: started and not stopped
 *
 * Since: 0.1
 */
gboolean
cg_caller_get_running (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);

  return g_atomic_int_get (&self->started) && !g_atomic_int_get (&self->closed);
}

/**
 * cg_caller_get_stopped:
 * @self: a #CgCaller
 *
 * Gets whether the caller was stopped (#CgCaller:stopped).
 *
 * Returns: whether the caller was stopped
 *
 * Since: 0.1
 */
gboolean
cg_caller_get_stopped (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);

  return g_atomic_int_get (&self->closed) != 0;
}

static void
set_closed_error (CgCaller  *self,
                  GError   **error)
{
  g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
               _("Caller “%s” is stopped and takes no new jobs"), self->name);
}

/* Whether @self takes new work: not when it is stopped. On refusal
 * @destroy runs and @error says why. */
static gboolean
accepts_work (CgCaller        *self,
              gpointer         user_data,
              GDestroyNotify   destroy,
              GError         **error)
{
  if (!_cg_caller_is_closed (self))
    return TRUE;

  set_closed_error (self, error);
  if (destroy != NULL)
    destroy (user_data);
  return FALSE;
}

static CgFuture *
submit_job (CgCaller       *self,
            gint64          deadline,
            CgJobFunc       func,
            gpointer        user_data,
            GDestroyNotify  destroy,
            GError        **error)
{
  return _cg_caller_submit (self, deadline, func, user_data, destroy, NULL, NULL, error);
}

/**
 * cg_caller_call_soon:
 * @self: a #CgCaller
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @error: return location for a #GError
 *
 * Runs @func in the caller's thread, from its main loop, and returns the
 * future of its outcome. Jobs that one thread submits to one caller start
 * in the order of submission. A job whose future is cancelled before it
 * starts never runs.
 *
 * Fails with %CG_CALLER_ERROR_CLOSED when the caller is stopped (then
 * @destroy runs at once).
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_call_soon (CgCaller        *self,
                     CgJobFunc        func,
                     gpointer         user_data,
                     GDestroyNotify   destroy,
                     GError         **error)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return submit_job (self, 0, func, user_data, destroy, error);
}

static void
delayed_node_func (CgInboxNode *node,
                   CgCaller  *caller,
                   gboolean   run)
{
  CgFuture *future = _cg_job_from_node (node);
  gint64 deadline = _cg_future_get_deadline (future);

  node->func = _cg_job_node_func;
  /* Cancelled or completed on its way here: it never waits for its
   * deadline. */
  if (!run || deadline == 0 || cg_future_is_cancelled (future))
    {
      node->func (node, caller, run);
      return;
    }

  _cg_mutex_lock (&caller->lock);
  cg_timer_heap_push (&caller->timers, deadline, node);
  _cg_mutex_unlock (&caller->lock);
}

/* On the caller's thread: takes the delayed job @future out of the timer
 * heap and drops it there and then, as it would be at its deadline; FALSE
 * when it is not in the heap (not there yet, or reached already). */
static gboolean
caller_drop_timer (CgCaller *self,
                   CgFuture *future)
{
  gboolean removed;

  _cg_mutex_lock (&self->lock);
  removed = cg_timer_heap_remove (&self->timers, &future->node);
  _cg_mutex_unlock (&self->lock);

  if (removed)
    future->node.func (&future->node, self, !_cg_caller_is_closed (self));

  return removed;
}

/* The deadline of a job delayed by @delay seconds: never 0, so that even a
 * job with no delay goes through the timer heap, and jobs whose time has
 * come start in the order of their deadlines, whatever the delays. */
gint64
_cg_caller_deadline_after (gdouble delay)
{
  return MAX (g_get_monotonic_time () + (gint64) (delay * G_USEC_PER_SEC), 1);
}

/**
 * cg_caller_call_later:
 * @self: a #CgCaller
 * @delay: seconds to wait at least, from now; not negative
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @error: return location for a #GError
 *
 * As cg_caller_call_soon(), but the job starts no earlier than @delay
 * seconds after this call. Jobs whose time has come start in the order of
 * their deadlines. All delayed jobs of a caller share one timer.
 *
 * Cancelling the future of a job that has not started drops the job at
 * once, not at its deadline: the future completes as cancelled and
 * @destroy runs, on the caller's thread, as soon as the caller gets to it.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_call_later (CgCaller        *self,
                      gdouble          delay,
                      CgJobFunc        func,
                      gpointer         user_data,
                      GDestroyNotify   destroy,
                      GError         **error)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (delay >= 0 && delay <= (gdouble) (G_MAXINT64 / 4 / G_USEC_PER_SEC), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return submit_job (self, _cg_caller_deadline_after (delay), func, user_data, destroy, error);
}

/* Submits a job (with a @deadline, or 0 for none) to @self; @prepare, if
 * given, sees the job's future before it is posted, so that what it
 * attaches is there before the job can start (cg-caller-options.c). */
CgFuture *
_cg_caller_submit (CgCaller         *self,
                   gint64            deadline,
                   CgJobFunc         func,
                   gpointer          user_data,
                   GDestroyNotify    destroy,
                   CgJobPrepareFunc  prepare,
                   gpointer          prepare_data,
                   GError          **error)
{
  CgFuture *future;

  if (!accepts_work (self, user_data, destroy, error))
    return NULL;
  future = _cg_caller_make_job (self, func, user_data, destroy);
  if (deadline != 0)
    {
      _cg_future_set_deadline (future, deadline);
      future->node.func = delayed_node_func;
    }
  if (prepare != NULL)
    prepare (future, prepare_data);

  /* The inbox's reference, dropped once the job ran or was discarded. */
  g_object_ref (future);
  if (G_LIKELY (_cg_caller_post_node (self, &future->node)))
    return future;

  _cg_job_discard (future, _("The caller was stopped before the job ran"));
  g_object_unref (future);
  g_object_unref (future);
  set_closed_error (self, error);
  return NULL;
}

static void
direct_node_func (CgInboxNode *node,
                  CgCaller  *caller,
                  gboolean   run)
{
  CgDirectCall *call = (CgDirectCall *) node;

  if (run)
    call->func (call->data);
  _cg_future_destroy_at_home (call->home, call->destroy, call->data);
  if (!_cg_recycler_give (&direct_call_recycler, call))
    g_free (call);
}

/**
 * cg_caller_call_direct:
 * @self: a #CgCaller
 * @func: (scope notified) (closure user_data) (destroy destroy): the call
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the call has run or was
 *   dropped
 * @error: return location for a #GError
 *
 * Runs @func in the caller's thread, like cg_caller_call_soon() but
 * lighter: no future and no context copy. Use it for small calls whose
 * outcome nobody waits for.
 *
 * Fails with %CG_CALLER_ERROR_CLOSED when the caller is stopped (then
 * @destroy runs at once).
 *
 * Returns: %TRUE when the call was queued
 *
 * Since: 0.1
 */
gboolean
cg_caller_call_direct (CgCaller        *self,
                       CgDirectFunc     func,
                       gpointer         user_data,
                       GDestroyNotify   destroy,
                       GError         **error)
{
  CgDirectCall *call;

  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!accepts_work (self, user_data, destroy, error))
    return FALSE;

  call = _cg_recycler_take (&direct_call_recycler);
  if (call == NULL)
    call = g_new (CgDirectCall, 1);
  call->node.next = NULL;
  call->node.func = direct_node_func;
  call->func = func;
  call->data = user_data;
  call->destroy = destroy;
  call->home = destroy != NULL ? dup_bound_here () : NULL;
  if (call->home == self)
    g_clear_object (&call->home);

  if (G_LIKELY (_cg_caller_post_node (self, &call->node)))
    return TRUE;

  direct_node_func (&call->node, self, FALSE);
  set_closed_error (self, error);
  return FALSE;
}

/**
 * cg_caller_set_thread_bound:
 * @self: a #CgCaller
 * @thread_bound: whether the caller's thread is thread-bound
 *
 * Declares that the functions and data that the caller's thread hands to
 * the library can be called and freed on this thread only, as with a
 * binding whose functions run on one thread alone (docs/gjs.md says how a
 * GJS program uses it). Set it on the caller of such a thread before it
 * hands out work; then, while
 * the caller runs:
 *
 * - the destroy notify of a job or call that this thread gives to another
 *   thread (cg_caller_call_soon(), cg_caller_call_later(),
 *   cg_caller_call_direct(), cg_caller_to_thread()) runs back on this
 *   thread, through this caller;
 * - a done callback that this thread adds to a future of another thread
 *   (cg_future_add_done_callback()) runs on this thread instead of the
 *   future's, and so does its destroy notify.
 *
 * The job itself still runs where it is sent: give other threads only
 * functions that can run there (native code), and await their futures.
 *
 * Without it, the rule is GLib's: a destroy notify runs on the thread
 * that is done with the data (where the job ran or was dropped, where
 * the callback ran), and a done callback runs on the future's thread.
 *
 * Thread-safe.
 *
 * Since: 0.1
 */
void
cg_caller_set_thread_bound (CgCaller *self,
                            gboolean  thread_bound)
{
  g_return_if_fail (CG_IS_CALLER (self));

  thread_bound = !!thread_bound;
  if (g_atomic_int_exchange (&self->thread_bound, thread_bound) != thread_bound)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_BOUND]);
}

/**
 * cg_caller_get_thread_bound:
 * @self: a #CgCaller
 *
 * Whether the caller is thread-bound; see cg_caller_set_thread_bound().
 * Thread-safe.
 *
 * Returns: %TRUE when the caller is thread-bound
 *
 * Since: 0.1
 */
gboolean
cg_caller_get_thread_bound (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);

  return g_atomic_int_get (&self->thread_bound) != 0;
}

/**
 * cg_caller_set_priority:
 * @self: a #CgCaller
 * @priority: the priority of the caller's #GSource, such as
 *   %CG_CALLER_PRIORITY_DEFAULT or %G_PRIORITY_DEFAULT
 *
 * Sets the priority at which the caller's context runs its jobs, the
 * done callbacks it delivers and the answers of cg_future_wait_async()
 * and other `_async` calls made on its thread, against the context's
 * other sources. The caller runs what has arrived in batches of a few
 * milliseconds at most and then goes back to its loop; the priority says
 * what the loop does before the next batch.
 *
 * The default, %CG_CALLER_PRIORITY_DEFAULT, is one below GTK's
 * `GDK_PRIORITY_REDRAW`: input events come first, and GTK draws a frame
 * between two batches however many completions a burst of pool jobs sends
 * back. With %G_PRIORITY_DEFAULT the caller competes with input and
 * timeouts as an ordinary source does, and a steady flow of work holds
 * back redraws until it dries up (docs/gtk.md and docs/performance.md,
 * workload W9, show the difference). The higher the number, the more the
 * caller's jobs wait when the loop is busy with anything else.
 *
 * Thread-safe; takes effect from the next iteration of the context.
 *
 * Since: 0.1
 */
void
cg_caller_set_priority (CgCaller *self,
                        gint      priority)
{
  gboolean changed;

  g_return_if_fail (CG_IS_CALLER (self));

  _cg_mutex_lock (&self->lock);
  changed = g_atomic_int_exchange (&self->priority, priority) != priority;
  if (changed && self->source != NULL)
    g_source_set_priority (self->source, priority);
  _cg_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

/**
 * cg_caller_get_priority:
 * @self: a #CgCaller
 *
 * The priority of the caller's #GSource; see cg_caller_set_priority().
 * Thread-safe.
 *
 * Returns: the caller's priority
 *
 * Since: 0.1
 */
gint
cg_caller_get_priority (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), CG_CALLER_PRIORITY_DEFAULT);

  return g_atomic_int_get (&self->priority);
}

/**
 * cg_caller_current_future:
 *
 * Inside a job run by a caller, that job's future; async_kernel's
 * `Caller.current_future()`.
 *
 * Returns: (transfer none) (nullable): the running job's future, or %NULL
 *   outside a job
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_current_future (void)
{
  return _cg_job_current ();
}
