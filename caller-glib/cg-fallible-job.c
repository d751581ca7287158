/* cg-fallible-job.c: jobs that report a failure by throwing a GError
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

/**
 * SECTION:cg-fallible-job
 * @title: Fallible jobs
 * @short_description: jobs that report a failure by throwing a GError
 *
 * A #CgJobFunc reports a failure with cg_future_return_error(), and the
 * `return` functions themselves may fail, so in a language whose functions
 * throw (Vala, JavaScript) every job needs a try/catch. A
 * #CgFallibleJobFunc throws instead: the library fails its future with the
 * error.
 *
 * |[<!-- language="Vala" -->
 * var future = caller.call_soon_fallible ((f) => {
 *     f.return_int (parse_header (path));   // parse_header () throws
 * });
 * ]|
 */

typedef struct
{
  CgFallibleJobFunc func;
  gpointer          data;
  GDestroyNotify    destroy;
} Fallible;

static void
fallible_run (CgFuture *future,
              gpointer  user_data)
{
  Fallible *job = user_data;
  GError *error = NULL;

  job->func (future, job->data, &error);
  if (error != NULL && !cg_future_is_done (future))
    cg_future_return_error (future, error, NULL);  /* takes it; fails if done meanwhile */
  else
    g_clear_error (&error);
}

static void
fallible_free (gpointer user_data)
{
  Fallible *job = user_data;

  if (job->destroy != NULL)
    job->destroy (job->data);
  g_free (job);
}

static Fallible *
fallible_new (CgFallibleJobFunc func,
              gpointer          user_data,
              GDestroyNotify    destroy)
{
  Fallible *job = g_new (Fallible, 1);

  job->func = func;
  job->data = user_data;
  job->destroy = destroy;
  return job;
}

/**
 * cg_caller_call_soon_fallible:
 * @self: a #CgCaller
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @error: return location for a #GError
 *
 * cg_caller_call_soon() for a job that may throw: a failure it sets fails
 * its future, unless the job completed the future already. Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_call_soon_fallible (CgCaller           *self,
                              CgFallibleJobFunc   func,
                              gpointer            user_data,
                              GDestroyNotify      destroy,
                              GError            **error)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cg_caller_call_soon (self, fallible_run, fallible_new (func, user_data, destroy),
                              fallible_free, error);
}

/**
 * cg_caller_to_thread_fallible:
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @error: return location for a #GError
 *
 * cg_caller_to_thread() for a job that may throw, as
 * cg_caller_call_soon_fallible(). Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_to_thread_fallible (CgFallibleJobFunc   func,
                              gpointer            user_data,
                              GDestroyNotify      destroy,
                              GError            **error)
{
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cg_caller_to_thread (fallible_run, fallible_new (func, user_data, destroy),
                              fallible_free, error);
}
