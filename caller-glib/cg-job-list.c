/* cg-job-list.c: a list model of the jobs a thread has under way
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include <math.h>

#include "cg-caller-private.h"
#include "cg-job-list-private.h"

static guint observer_mark;

static void       forget_list      (CgCaller  *caller,
                                    CgJobList *list);
static CgJobList *dup_current_list (void);

/**
 * SECTION:cg-job-list
 * @title: Job lists
 * @short_description: a #GListModel of the jobs a thread has under way
 *
 * cg_caller_get_jobs() hands out a #GListModel of #CgJob items: the jobs
 * submitted from the caller's thread (with cg_caller_call_soon(),
 * cg_caller_call_later(), cg_caller_to_thread() or
 * cg_caller_to_thread_by_name(), to any caller) that are not done yet. An
 * item appears when its job is submitted and leaves once its future is
 * done; #GListModel::items-changed and the items' notifications are
 * emitted on the caller's thread, so a GTK application can bind the model
 * of its main-thread caller to a `GtkListView` as it is.
 *
 * A burst is coalesced, so that a list view does not redo its work once
 * per job: the first 8 jobs a thread submits between two turns of its
 * loop enter the model at once, one #GListModel::items-changed each; the
 * rest of the burst enters together when the caller next runs, with one
 * signal. A job that is done says so at once (#CgJob:state becomes
 * %CG_JOB_STATE_DONE) and leaves the model with the others that ended
 * meanwhile, one signal per run of neighbouring items, on the caller's
 * next turn; a job that ends before it entered the model may never
 * appear. The model always matches the signals it emitted.
 *
 * Each item carries the job's future, a label (given with
 * cg_future_set_label() right after submission, "job" until then), its
 * #CgJobState and a
 * progress fraction the job reports with cg_future_report_progress().
 *
 * |[<!-- language="C" -->
 * static void
 * hash_file (CgFuture *future, gpointer user_data)
 * {
 *   for (guint i = 0; i < n_blocks; i++)
 *     {
 *       hash_block (user_data, i);
 *       cg_future_report_progress (future, (i + 1) / (gdouble) n_blocks);
 *     }
 * }
 *
 * GListModel *jobs = cg_caller_get_jobs (main_caller);
 * gtk_list_view_set_model (view, GTK_SELECTION_MODEL (gtk_no_selection_new (jobs)));
 *
 * g_autoptr(CgFuture) future = cg_caller_to_thread (hash_file, path, NULL, &error);
 * cg_future_set_label (future, path);
 * ]|
 *
 * The list costs nothing while nobody asked for it: a submission looks at
 * one pointer of the submitting thread's caller.
 */

/**
 * CgJob:
 *
 * An item of the #GListModel of cg_caller_get_jobs(): one job that is not
 * done yet, with its future, label, #CgJobState and progress. Its fields
 * are private.
 *
 * Since: 0.1
 */

struct _CgJob
{
  GObject     parent_instance;

  CgFuture   *future;        /* strong */
  CgCaller   *caller;        /* strong: the list's caller */
  CgJobList  *list;          /* strong, atomic: until the job leaves the list or
                              * lets go of it (job_let_go()) */
  char       *label;         /* the list's thread */
  CgJobState  state;         /* the list's thread */
  gdouble     progress;      /* the list's thread */
  gint        reported;      /* atomic: millionths, from any thread */
  gint        report_posted; /* atomic */
  gboolean    leaving;       /* the list's thread: done, to leave at the next flush */
};

struct _CgJobList
{
  GObject    parent_instance;

  CgCaller  *caller;         /* strong */
  GPtrArray *items;          /* CgJob, strong; the caller's thread */

  /* Coalescing, all on the caller's thread (see list_flush()). */
  GPtrArray *pending;        /* CgJob, strong: submitted, not in @items yet */
  guint      n_leaving;      /* items of @items marked leaving */
  guint      immediate;      /* additions signalled at once since the last flush */
  gboolean   flush_posted;   /* a list_flush() is on its way */
};

/* A thread that submits jobs sees the first few of them in its list at
 * once, each with its own items-changed; the rest of a burst it submits
 * before its loop runs again appear together, at the flush. */
#define LIST_IMMEDIATE_ADDS 8

/* A flush with more separate runs of leaving items than this emits one
 * items-changed for the whole changed range instead of one per run. */
#define LIST_MAX_RUN_SIGNALS 4

enum
{
  PROP_0,
  PROP_FUTURE,
  PROP_LABEL,
  PROP_STATE,
  PROP_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void cg_job_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE (CgJob, cg_job, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE_WITH_CODE (CgJobList, cg_job_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      cg_job_list_model_iface_init))

/* CgJob ------------------------------------------------------------------ */

static void
cg_job_finalize (GObject *object)
{
  CgJob *self = CG_JOB (object);

  g_clear_object (&self->future);
  g_clear_object (&self->caller);
  g_clear_object (&self->list);
  g_free (self->label);

  G_OBJECT_CLASS (cg_job_parent_class)->finalize (object);
}

static void
cg_job_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  CgJob *self = CG_JOB (object);

  switch (prop_id)
    {
    case PROP_FUTURE:
      g_value_set_object (value, self->future);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cg_job_class_init (CgJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cg_job_finalize;
  object_class->get_property = cg_job_get_property;

  /**
   * CgJob:future:
   *
   * The job's future.
   *
   * Since: 0.1
   */
  properties[PROP_FUTURE] =
    g_param_spec_object ("future", NULL, NULL, CG_TYPE_FUTURE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CgJob:label:
   *
   * What the job is, for people: see cg_future_set_label().
   *
   * Since: 0.1
   */
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * CgJob:state:
   *
   * Where the job stands.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CG_TYPE_JOB_STATE, CG_JOB_STATE_PENDING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * CgJob:progress:
   *
   * The fraction of its work the job reported done, from 0 to 1; see
   * cg_future_report_progress().
   *
   * Since: 0.1
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cg_job_init (CgJob *self)
{
}

/**
 * cg_job_get_future:
 * @self: a #CgJob
 *
 * Gets the future of the job the item stands for.
 *
 * Returns: (transfer none): the job's future
 *
 * Since: 0.1
 */
CgFuture *
cg_job_get_future (CgJob *self)
{
  g_return_val_if_fail (CG_IS_JOB (self), NULL);

  return self->future;
}

/**
 * cg_job_get_label:
 * @self: a #CgJob
 *
 * Read it on the thread of the list the job is in.
 *
 * Returns: (nullable): the job's label
 *
 * Since: 0.1
 */
const char *
cg_job_get_label (CgJob *self)
{
  g_return_val_if_fail (CG_IS_JOB (self), NULL);

  return self->label;
}

/**
 * cg_job_get_state:
 * @self: a #CgJob
 *
 * Read it on the thread of the list the job is in.
 *
 * Returns: where the job stands
 *
 * Since: 0.1
 */
CgJobState
cg_job_get_state (CgJob *self)
{
  g_return_val_if_fail (CG_IS_JOB (self), CG_JOB_STATE_DONE);

  return self->state;
}

/**
 * cg_job_get_progress:
 * @self: a #CgJob
 *
 * Read it on the thread of the list the job is in.
 *
 * Returns: the fraction of its work the job reported done
 *
 * Since: 0.1
 */
gdouble
cg_job_get_progress (CgJob *self)
{
  g_return_val_if_fail (CG_IS_JOB (self), 0.0);

  return self->progress;
}

/* CgJobList -------------------------------------------------------------- */

static GType
cg_job_list_get_item_type (GListModel *model)
{
  return CG_TYPE_JOB;
}

static guint
cg_job_list_get_n_items (GListModel *model)
{
  return CG_JOB_LIST (model)->items->len;
}

static gpointer
cg_job_list_get_item (GListModel *model,
                      guint       position)
{
  CgJobList *self = CG_JOB_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
cg_job_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = cg_job_list_get_item_type;
  iface->get_n_items = cg_job_list_get_n_items;
  iface->get_item = cg_job_list_get_item;
}

static void
cg_job_list_dispose (GObject *object)
{
  CgJobList *self = CG_JOB_LIST (object);

  if (self->caller != NULL)
    forget_list (self->caller, self);

  G_OBJECT_CLASS (cg_job_list_parent_class)->dispose (object);
}

static void
cg_job_list_finalize (GObject *object)
{
  CgJobList *self = CG_JOB_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_object (&self->caller);

  G_OBJECT_CLASS (cg_job_list_parent_class)->finalize (object);
}

static void
cg_job_list_class_init (CgJobListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cg_job_list_dispose;
  object_class->finalize = cg_job_list_finalize;
}

static void
cg_job_list_init (CgJobList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Tracking, from the library ---------------------------------------------- */

/* Runs @func with @job on the list's thread (right now when on it). A
 * stopped caller runs nothing more: then the change is dropped, and the
 * reference given with the call is released by call_direct() itself. */
static void
on_list_thread (CgJob        *job,
                CgDirectFunc  func)
{
  CgCaller *caller = job->caller;

  if (_cg_caller_is_owner_thread (caller))
    {
      func (job);
      return;
    }

  cg_caller_call_direct (caller, func, g_object_ref (job), g_object_unref, NULL);
}

/* Coalescing ----------------------------------------------------------------
 *
 * A burst of submissions and completions would cost one items-changed
 * each, and a list view redoes some work for every one. Instead, on the
 * caller's thread:
 *
 * - the first LIST_IMMEDIATE_ADDS submissions since the last flush enter
 *   the model at once (a thread that submits a job or two sees them in
 *   its list right away); later ones wait in @pending, outside the model;
 * - a job that is done is marked leaving (its state says DONE at once)
 *   and stays in the model until the flush;
 * - the first change posts one list_flush() to the caller, which runs it
 *   from its loop after what has already arrived: it takes the leaving
 *   items out (one items-changed per run of neighbours, and completions
 *   of a burst come roughly in order, so usually one), then appends the
 *   pending ones with one more. A job whose end reached the thread before
 *   the flush that would have added it never appears.
 *
 * So a burst costs a few signals per batch of the caller, and the model
 * always matches what its signals said. */

static void list_flush (gpointer data);

static void
list_flush_ensure (CgJobList *list)
{
  if (list->flush_posted)
    return;
  list->flush_posted = TRUE;
  /* Refused once the caller stopped: then the model no longer changes. */
  cg_caller_call_direct (list->caller, list_flush, g_object_ref (list), g_object_unref, NULL);
}

/* Takes the leaving items out of the model, then appends the pending
 * ones. Handlers may submit more jobs (appended behind) meanwhile. */
static void
list_flush (gpointer data)
{
  CgJobList *list = data;
  g_autoptr(GPtrArray) adds = g_steal_pointer (&list->pending);
  guint runs = 0, first = G_MAXUINT, old_len = list->items->len;

  list->pending = g_ptr_array_new_with_free_func (g_object_unref);
  list->flush_posted = FALSE;
  list->immediate = 0;

  if (list->n_leaving > 0)
    {
      list->n_leaving = 0;
      for (guint i = 0; i < old_len; i++)
        {
          CgJob *job = g_ptr_array_index (list->items, i);

          if (job->leaving && (i == 0 || !((CgJob *) g_ptr_array_index (list->items, i - 1))->leaving))
            {
              runs++;
              first = MIN (first, i);
            }
        }
    }

  if (runs > LIST_MAX_RUN_SIGNALS)
    {
      /* Many scattered removals: compact, append, one signal for the
       * range from the first removed item on. */
      guint kept = first;

      for (guint i = first; i < old_len; i++)
        {
          CgJob *job = g_ptr_array_index (list->items, i);

          if (job->leaving)
            g_object_unref (job);
          else
            list->items->pdata[kept++] = job;
        }
      g_ptr_array_set_free_func (list->items, NULL);
      g_ptr_array_set_size (list->items, kept);
      g_ptr_array_set_free_func (list->items, g_object_unref);
      for (guint i = 0; i < adds->len; i++)
        {
          CgJob *job = g_ptr_array_index (adds, i);

          if (!job->leaving)
            g_ptr_array_add (list->items, g_object_ref (job));
        }
      g_list_model_items_changed (G_LIST_MODEL (list), first, old_len - first,
                                  list->items->len - first);
      return;
    }

  /* A few runs: one signal each, from the last, so that the positions of
   * the earlier ones still hold. */
  for (guint end = old_len; runs > 0 && end > 0; )
    {
      guint start;

      if (!((CgJob *) g_ptr_array_index (list->items, end - 1))->leaving)
        {
          end--;
          continue;
        }
      start = end - 1;
      while (start > 0 && ((CgJob *) g_ptr_array_index (list->items, start - 1))->leaving)
        start--;
      g_ptr_array_remove_range (list->items, start, end - start);
      g_list_model_items_changed (G_LIST_MODEL (list), start, end - start, 0);
      end = start;
      runs--;
    }

  if (adds->len > 0)
    {
      guint position = list->items->len;

      for (guint i = 0; i < adds->len; i++)
        {
          CgJob *job = g_ptr_array_index (adds, i);

          if (!job->leaving)
            g_ptr_array_add (list->items, g_object_ref (job));
        }
      if (list->items->len > position)
        g_list_model_items_changed (G_LIST_MODEL (list), position, 0,
                                    list->items->len - position);
    }
}

static void
job_leave (gpointer data)
{
  CgJob *job = data;
  CgJobList *list = g_atomic_pointer_get (&job->list);

  if (list == NULL)
    return;

  job->state = CG_JOB_STATE_DONE;
  g_object_notify_by_pspec (G_OBJECT (job), properties[PROP_STATE]);

  /* The future and its job refer to each other while the job is listed;
   * the job keeps its future, the future lets go of the job. */
  _cg_future_set_attachment (job->future, NULL);

  /* The model (or the pending additions) keeps the item until the flush;
   * the job lets go of the list now. */
  if (!job->leaving)
    {
      job->leaving = TRUE;
      list->n_leaving++;
      list_flush_ensure (list);
    }
  g_atomic_pointer_set (&job->list, NULL);
  g_object_unref (list);
}

/* The destroy notify of job_leave(), and what is left of it when the
 * list's caller was stopped before it could run: the item then stays in
 * the model (which changes only on the caller's thread, and that runs
 * nothing more), but the job lets go of the list and the future lets go of
 * the job, so that the model, its items, their futures and the caller are
 * all freed once whoever holds the model drops it. Any thread. */
static void
job_let_go (gpointer data)
{
  CgJob *job = data;
  CgJobList *list = g_atomic_pointer_exchange (&job->list, NULL);

  if (list != NULL)
    {
      _cg_future_set_attachment (job->future, NULL);
      g_object_unref (list);
    }
  g_object_unref (job);
}

static void
job_leave_later (gpointer data)
{
  CgJob *job = data;

  /* Always from the loop: the completion may come in the middle of user
   * code that iterates the model. When the list's caller is stopped,
   * call_direct() runs job_let_go() at once instead. */
  cg_caller_call_direct (job->caller, job_leave, g_object_ref (job), job_let_go, NULL);
}

static void
job_done_hook (CgFuture *future,
               gpointer  user_data)
{
  job_leave_later (user_data);
}

/* Called on the submitting thread with a job future it just made. */
static void
job_submitted (CgFuture *future)
{
  CgJobList *list = dup_current_list ();
  CgJob *job;

  if (G_LIKELY (list == NULL))
    return;

  job = g_object_new (CG_TYPE_JOB, NULL);
  job->future = g_object_ref (future);
  job->caller = g_object_ref (list->caller);
  job->list = list; /* takes the reference */
  job->label = g_strdup (_("job"));
  _cg_future_set_attachment (future, G_OBJECT (job));
  _cg_job_observe (future, observer_mark);

  if (list->pending->len == 0 && list->immediate < LIST_IMMEDIATE_ADDS)
    {
      list->immediate++;
      g_ptr_array_add (list->items, g_object_ref (job));
      g_list_model_items_changed (G_LIST_MODEL (list), list->items->len - 1, 0, 1);
    }
  else
    {
      g_ptr_array_add (list->pending, g_object_ref (job));
    }
  list_flush_ensure (list);

  _cg_future_add_hook (future, job_done_hook, job, g_object_unref);
}

static void
job_set_running (gpointer data)
{
  CgJob *job = data;

  if (job->state != CG_JOB_STATE_PENDING || g_atomic_pointer_get (&job->list) == NULL)
    return;
  job->state = CG_JOB_STATE_RUNNING;
  g_object_notify_by_pspec (G_OBJECT (job), properties[PROP_STATE]);
}

/* Called when the job of a tracked future starts, on its caller's thread. */
static void
job_started (CgFuture *future)
{
  g_autoptr(CgJob) job = (CgJob *) _cg_future_dup_attachment (future);

  if (job != NULL)
    on_list_thread (job, job_set_running);
}

static const CgJobObserver job_observer = {
  job_submitted,
  job_started,
  NULL,
};

/* The list of each caller whose list someone asked for is kept as qdata
 * of the caller (without a reference: the list's dispose forgets it). The
 * job observer is registered when the first list is made, and counts the
 * lists alive, so that a submission costs one read while there is none. */
static gint lists_alive;

static GQuark
list_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    {
      observer_mark = _cg_job_add_observer (&job_observer);
      g_once_init_leave (&quark, g_quark_from_static_string ("cg-job-list"));
    }
  return (GQuark) quark;
}

/* The job list of @caller, made on first request: a reference. */
static CgJobList *
ensure_list (CgCaller *caller)
{
  GQuark quark = list_quark ();
  GMutex *lock = _cg_caller_get_lock (caller);
  CgJobList *list;

  _cg_mutex_lock (lock);
  list = g_object_get_qdata (G_OBJECT (caller), quark);
  if (list != NULL)
    {
      g_object_ref (list);
    }
  else
    {
      list = g_object_new (CG_TYPE_JOB_LIST, NULL);
      list->caller = g_object_ref (caller);
      g_object_set_qdata (G_OBJECT (caller), quark, list);
      g_atomic_int_inc (&lists_alive);
    }
  _cg_mutex_unlock (lock);

  return list;
}

static void
forget_list (CgCaller  *caller,
             CgJobList *list)
{
  GMutex *lock = _cg_caller_get_lock (caller);

  _cg_mutex_lock (lock);
  if (g_object_get_qdata (G_OBJECT (caller), list_quark ()) == list)
    {
      g_object_set_qdata (G_OBJECT (caller), list_quark (), NULL);
      g_atomic_int_add (&lists_alive, -1);
    }
  _cg_mutex_unlock (lock);
}

/* The job list of the current thread's caller, if someone asked for one:
 * a reference. */
static CgJobList *
dup_current_list (void)
{
  CgCaller *here;
  CgJobList *list;
  GMutex *lock;

  if (G_LIKELY (g_atomic_int_get (&lists_alive) == 0))
    return NULL;
  here = _cg_caller_peek_here ();
  if (here == NULL)
    return NULL;

  lock = _cg_caller_get_lock (here);
  _cg_mutex_lock (lock);
  list = g_object_get_qdata (G_OBJECT (here), list_quark ());
  if (list != NULL && !_cg_caller_is_closed (here))
    g_object_ref (list);
  else
    list = NULL;
  _cg_mutex_unlock (lock);

  return list;
}

static void
job_apply_progress (gpointer data)
{
  CgJob *job = data;
  gdouble progress;

  g_atomic_int_set (&job->report_posted, 0);
  progress = g_atomic_int_get (&job->reported) / 1e6;
  if (g_atomic_pointer_get (&job->list) == NULL || progress == job->progress)
    return;
  job->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (job), properties[PROP_PROGRESS]);
}

/* Public API -------------------------------------------------------------- */

/**
 * cg_caller_get_jobs:
 * @self: a #CgCaller
 *
 * A #GListModel of #CgJob items: the jobs submitted from the caller's
 * thread that are not done yet, as the section above describes. The model
 * and its items change only on the caller's thread; use it there. Every
 * call returns the same model while it lives.
 *
 * Once the caller is stopped its thread runs nothing more, so the model no
 * longer changes: a job that ends after the stop stays in it as it was.
 * Its items hold their futures (and the model holds the caller) only for
 * as long as someone holds the model.
 *
 * Returns: (transfer full): the model of the caller's jobs
 *
 * Since: 0.1
 */
GListModel *
cg_caller_get_jobs (CgCaller *self)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);

  return G_LIST_MODEL (ensure_list (self));
}

typedef struct
{
  CgJob *job;
  char  *label;
} LabelChange;

static void
label_change_free (LabelChange *change)
{
  g_object_unref (change->job);
  g_free (change->label);
  g_free (change);
}

/* On the list's thread. */
static void
label_change_apply (gpointer data)
{
  LabelChange *change = data;
  CgJob *job = change->job;

  if (g_strcmp0 (job->label, change->label) != 0)
    {
      g_free (job->label);
      job->label = g_steal_pointer (&change->label);
      g_object_notify_by_pspec (G_OBJECT (job), properties[PROP_LABEL]);
    }
  label_change_free (change);
}

/**
 * cg_future_set_label:
 * @self: a #CgFuture
 * @label: (nullable): what the job is, for people
 *
 * Gives the #CgJob of a job future its label; call it right after
 * submitting the job (from another thread, the label changes on the list's
 * thread a moment later). A future that no #CgJob list tracks ignores it.
 * Thread-safe.
 *
 * Since: 0.1
 */
void
cg_future_set_label (CgFuture   *self,
                     const char *label)
{
  g_autoptr(CgJob) job = NULL;
  LabelChange *change;

  g_return_if_fail (CG_IS_FUTURE (self));

  job = (CgJob *) _cg_future_dup_attachment (self);
  if (job == NULL)
    return;

  change = g_new (LabelChange, 1);
  change->job = g_steal_pointer (&job);
  change->label = g_strdup (label);

  if (_cg_caller_is_owner_thread (change->job->caller))
    label_change_apply (change);
  else if (!cg_caller_call_direct (change->job->caller, label_change_apply, change, NULL, NULL))
    label_change_free (change);
}

/**
 * cg_future_report_progress:
 * @self: a #CgFuture
 * @fraction: how much of its work the job has done, from 0 to 1
 *
 * Reports a job's progress to the #CgJob list that tracks it (if any),
 * typically from inside the job. Thread-safe and cheap: reports made
 * faster than the list's thread takes them are folded into one.
 *
 * Since: 0.1
 */
void
cg_future_report_progress (CgFuture *self,
                           gdouble   fraction)
{
  g_autoptr(CgJob) job = NULL;

  g_return_if_fail (CG_IS_FUTURE (self));

  job = (CgJob *) _cg_future_dup_attachment (self);
  if (job == NULL)
    return;

  if (isnan (fraction))
    fraction = 0.0;
  g_atomic_int_set (&job->reported, (gint) (CLAMP (fraction, 0.0, 1.0) * 1e6));
  if (g_atomic_int_compare_and_exchange (&job->report_posted, 0, 1))
    on_list_thread (job, job_apply_progress);
}
