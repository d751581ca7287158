/* cg-caller-options.c: jobs with options given at submission
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-private.h"

typedef struct
{
  const char   *label;
  GCancellable *cancellable;
} Options;

/* Runs before the job is posted: nothing can start without them. */
static void
apply_options (CgFuture *job,
               gpointer  data)
{
  Options *options = data;

  if (options->label != NULL)
    cg_future_set_label (job, options->label);
  if (options->cancellable != NULL)
    _cg_job_link_cancellable (job, options->cancellable);
}

/**
 * cg_caller_call_soon_full:
 * @self: a #CgCaller
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @label: (nullable): what the job is, for people: its label in the job
 *   list of the submitting thread's caller (cg_caller_get_jobs())
 * @cancellable: (nullable): cancels the job
 * @error: return location for a #GError
 *
 * cg_caller_call_soon() with options given at submission, so that nothing
 * has to be attached to the future after its job may have started, as
 * cg_caller_to_thread_full() does for the pool: @label is the job's label
 * before this returns, and @cancellable is the future's cancellable before
 * the job can start; cancelling it cancels the job (one that has not
 * started never runs), and cancelling the future cancels it.
 *
 * Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_call_soon_full (CgCaller        *self,
                          CgJobFunc        func,
                          gpointer         user_data,
                          GDestroyNotify   destroy,
                          const char      *label,
                          GCancellable    *cancellable,
                          GError         **error)
{
  Options options = { label, cancellable };

  g_return_val_if_fail (CG_IS_CALLER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _cg_caller_submit (self, 0, func, user_data, destroy, apply_options, &options, error);
}

/**
 * cg_caller_call_later_full:
 * @self: a #CgCaller
 * @delay: seconds to wait at least, from now; not negative
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @label: (nullable): the job's label, as for cg_caller_call_soon_full()
 * @cancellable: (nullable): cancels the job
 * @error: return location for a #GError
 *
 * cg_caller_call_later() with options given at submission, as
 * cg_caller_call_soon_full(). Cancelling @cancellable before the job's time
 * drops it at once, as cancelling its future does.
 *
 * Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_call_later_full (CgCaller        *self,
                           gdouble          delay,
                           CgJobFunc        func,
                           gpointer         user_data,
                           GDestroyNotify   destroy,
                           const char      *label,
                           GCancellable    *cancellable,
                           GError         **error)
{
  Options options = { label, cancellable };

  g_return_val_if_fail (CG_IS_CALLER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (delay >= 0 && delay <= (gdouble) (G_MAXINT64 / 4 / G_USEC_PER_SEC), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _cg_caller_submit (self, _cg_caller_deadline_after (delay), func, user_data, destroy,
                            apply_options, &options, error);
}
