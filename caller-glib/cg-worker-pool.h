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

/**
 * CG_POOL_HARD_MAX_THREADS:
 *
 * The most threads the worker pool ever runs at once, whatever else
 * happens: the cap of cg_caller_set_max_pool_threads() cannot exceed it,
 * and neither can the threads the pool adds past its cap while workers
 * block in the library's own waits or the pool stays saturated (see the
 * section above).
 *
 * Since: 0.1
 */
#define CG_POOL_HARD_MAX_THREADS 256

/**
 * CgPoolStats:
 * @n_threads: pool worker threads alive, idle ones included
 * @n_idle: workers parked, waiting for a job
 * @n_blocked: workers whose job blocks in the library's own waits
 *   (cg_future_wait_sync()); they do not count against the cap
 * @n_queued: jobs waiting in the pool's queue for a worker
 * @jobs_run: jobs the pool's workers have run since the process started
 *   (counted when a worker comes back to the queue for more)
 * @current_wait_usec: how long the oldest job in the queue has waited
 *   so far, in microseconds; 0 when none waits
 * @longest_wait_usec: the longest a job has waited in the queue before a
 *   worker took it, since the process started, in microseconds
 * @max_threads: the cap, cg_caller_get_max_pool_threads()
 *
 * A snapshot of the worker pool's state, from cg_caller_get_pool_stats().
 * The counts are read together under the pool's lock.
 *
 * Since: 0.1
 */
typedef struct _CgPoolStats CgPoolStats;

struct _CgPoolStats
{
  guint   n_threads;
  guint   n_idle;
  guint   n_blocked;
  guint   n_queued;
  guint64 jobs_run;
  gint64  current_wait_usec;
  gint64  longest_wait_usec;
  guint   max_threads;

  /*< private >*/
  gpointer padding[4];
};

#define CG_TYPE_POOL_STATS (cg_pool_stats_get_type ())

CG_AVAILABLE_IN_0_1
GType        cg_pool_stats_get_type                (void) G_GNUC_CONST;
CG_AVAILABLE_IN_0_1
CgPoolStats *cg_pool_stats_copy                    (const CgPoolStats *stats);
CG_AVAILABLE_IN_0_1
void         cg_pool_stats_free                    (CgPoolStats    *stats);

CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_to_thread                      (CgJobFunc       func,
                                                    gpointer        user_data,
                                                    GDestroyNotify  destroy,
                                                    GError        **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_to_thread_full                 (CgJobFunc       func,
                                                    gpointer        user_data,
                                                    GDestroyNotify  destroy,
                                                    const char     *label,
                                                    gint            priority,
                                                    GCancellable   *cancellable,
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
CG_AVAILABLE_IN_0_1
guint     cg_caller_get_max_pool_threads           (void);
CG_AVAILABLE_IN_0_1
void      cg_caller_set_max_pool_threads           (guint           max_threads);
CG_AVAILABLE_IN_0_1
guint     cg_caller_get_default_max_pool_threads   (void);
CG_AVAILABLE_IN_0_1
void      cg_caller_get_pool_stats                 (CgPoolStats    *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CgPoolStats, cg_pool_stats_free)

G_END_DECLS
