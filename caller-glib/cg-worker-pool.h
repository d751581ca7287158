/* cg-worker-pool.h: running jobs in pooled worker threads
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
 * CG_DEFAULT_MAX_IDLE_POOL_INSTANCES:
 *
 * The default of cg_caller_get_max_idle_pool_instances(), as in async_kernel.
 *
 * Since: 0.1
 */
#define CG_DEFAULT_MAX_IDLE_POOL_INSTANCES 10

CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_to_thread                      (CgJobFunc       func,
                                                    gpointer        user_data,
                                                    GDestroyNotify  destroy,
                                                    GError        **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_to_thread_by_name              (const char     *name,
                                                    CgJobFunc       func,
                                                    gpointer        user_data,
                                                    GDestroyNotify  destroy,
                                                    GError        **error);
CG_AVAILABLE_IN_0_1
guint     cg_caller_get_max_idle_pool_instances    (void);
CG_AVAILABLE_IN_0_1
void      cg_caller_set_max_idle_pool_instances    (guint           max_idle);

G_END_DECLS
