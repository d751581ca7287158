/* cg-token-job.c: jobs named by a number, run by one function a binding sets
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-job-private.h"

/**
 * SECTION:cg-token-job
 * @title: Token jobs
 * @short_description: jobs named by a number, run by one function a
 *   binding sets
 *
 * Through GObject-Introspection, every job a binding submits with
 * cg_caller_call_soon() makes a new callback (for Python, a closure of
 * libffi and PyGObject) and, once the job ran, enters the language again
 * just to free it. A binding that keeps its jobs itself can submit a
 * number instead: it installs one #CgTokenRunner with
 * cg_set_token_runner(), keeps each job's function under a number of its
 * choosing, and submits that number with cg_caller_call_soon_token() or
 * cg_caller_to_thread_token(). The runner is called once per job: to run
 * it, or to forget it when it is dropped. The job is a job like any other:
 * its future, its place in the caller's order, its cancellation, the job
 * list.
 *
 * The Python binding submits the jobs of its Caller.call_soon and
 * Caller.to_thread methods so.
 */

static CgHook *runner;

/**
 * cg_set_token_runner:
 * @runner: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the function that runs token jobs, or %NULL
 * @user_data: data for @runner
 * @destroy: (nullable): frees @user_data once @runner is replaced
 *
 * Installs the function that runs the jobs of cg_caller_call_soon_token()
 * and cg_caller_to_thread_token(), for the whole process. Meant for a
 * language binding, once, early; a token job that runs while no runner is
 * set is dropped with a critical warning.
 *
 * Thread-safe.
 *
 * Since: 0.1
 */
void
cg_set_token_runner (CgTokenRunner  runner_func,
                     gpointer       user_data,
                     GDestroyNotify destroy)
{
  _cg_hook_replace (&runner, runner_func, user_data, destroy);
}

static void
token_run (CgFuture *future,
           gpointer  data)
{
  CgHook *current = _cg_hook_dup (&runner);

  /* Running is the runner's one call: no drop call after it. */
  _cg_job_keep_data (future);
  if (current == NULL)
    {
      g_critical ("A token job ran, but no token runner is set (cg_set_token_runner())");
      return;
    }
  ((CgTokenRunner) current->func) (future, GPOINTER_TO_SIZE (data), current->data);
  _cg_hook_unref (current);
}

static void
token_drop (gpointer data)
{
  CgHook *current = _cg_hook_dup (&runner);

  if (current == NULL)
    return;
  ((CgTokenRunner) current->func) (NULL, GPOINTER_TO_SIZE (data), current->data);
  _cg_hook_unref (current);
}

/**
 * cg_caller_call_soon_token:
 * @self: a #CgCaller
 * @token: the number of the job, for the runner of cg_set_token_runner()
 * @error: return location for a #GError
 *
 * cg_caller_call_soon() for a job the token runner runs. When the caller
 * refuses it (it is stopped), the runner is told to forget @token before
 * this returns. Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_call_soon_token (CgCaller  *self,
                           gsize      token,
                           GError   **error)
{
  g_return_val_if_fail (CG_IS_CALLER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cg_caller_call_soon (self, token_run, GSIZE_TO_POINTER (token), token_drop, error);
}

/**
 * cg_caller_to_thread_token:
 * @token: the number of the job, for the runner of cg_set_token_runner()
 * @error: return location for a #GError
 *
 * cg_caller_to_thread() for a job the token runner runs, as
 * cg_caller_call_soon_token(). Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_to_thread_token (gsize     token,
                           GError  **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cg_caller_to_thread (token_run, GSIZE_TO_POINTER (token), token_drop, error);
}
