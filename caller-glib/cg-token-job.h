/* cg-token-job.h: jobs named by a number, run by one function a binding sets
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(CALLER_GLIB_INSIDE) && !defined(CG_COMPILATION)
# error "Only <caller-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "cg-types.h"

G_BEGIN_DECLS

/**
 * CgTokenRunner:
 * @future: (nullable): the job's future, to run the job; %NULL when the
 *   job is dropped without running
 * @token: the number the job was submitted with
 * @user_data: (closure): the data given to cg_set_token_runner()
 *
 * Runs, or forgets, the job a binding submitted as @token. Called exactly
 * once per token job: on the job's caller's thread to run it (complete
 * @future as a #CgJobFunc would), or, with @future %NULL, wherever the job
 * is dropped (its caller stopped before it ran, say).
 *
 * Since: 0.1
 */
typedef void (*CgTokenRunner) (CgFuture *future,
                               gsize     token,
                               gpointer  user_data);

CG_AVAILABLE_IN_0_1
void      cg_set_token_runner       (CgTokenRunner  runner,
                                     gpointer       user_data,
                                     GDestroyNotify destroy);
CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_call_soon_token (CgCaller      *self,
                                     gsize          token,
                                     GError       **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_to_thread_token (gsize          token,
                                     GError       **error);

G_END_DECLS
