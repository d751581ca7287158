/* cg-caller-private.h: what the rest of the library knows of CgCaller
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-caller.h"
#include "cg-inbox-private.h"

G_BEGIN_DECLS

gboolean    _cg_caller_post_node        (CgCaller   *self,
                                         CgInboxNode  *node);
gboolean    _cg_caller_is_owner_thread  (CgCaller   *self);
gboolean    _cg_caller_is_closed        (CgCaller   *self);
CgCaller   *_cg_caller_dup_for_thread   (GThread    *thread);
void        _cg_caller_track_chained    (CgCaller   *self,
                                         CgFuture   *future);
void        _cg_caller_enter_job        (CgCaller   *self,
                                         CgFuture   *future);
void        _cg_caller_leave_job        (CgCaller   *self,
                                         CgFuture   *future);
const char *_cg_caller_peek_log_domain  (CgCaller   *self);

/* The caller's lock guards its execution queues too (cg-exec-queue.c). */
void        _cg_caller_set_idle_spin    (CgCaller   *self,
                                         gboolean    spin);
GMutex     *_cg_caller_get_lock         (CgCaller   *self);
GHashTable *_cg_caller_get_queues       (CgCaller   *self);
GHashTable *_cg_exec_queue_table_new    (void);
void        _cg_exec_queue_close_all    (CgCaller   *self);
struct _CgJobList;
struct _CgJobList *_cg_caller_ensure_jobs      (CgCaller          *self);
void               _cg_caller_forget_jobs      (CgCaller          *self,
                                                struct _CgJobList *list);
struct _CgJobList *_cg_caller_dup_current_jobs (void);
gboolean    _cg_is_javascript_closure   (GDestroyNotify destroy);
gboolean    _cg_check_javascript_stays  (GDestroyNotify destroy,
                                         CgCaller      *target,
                                         GError       **error);
CgCaller   *_cg_caller_home_for_destroy (GDestroyNotify destroy,
                                         CgCaller      *target);
void        _cg_caller_destroy_at_home  (CgCaller      *home,
                                         GDestroyNotify destroy,
                                         gpointer       data);
void        _cg_caller_wrap_job_home    (CgCaller      *target,
                                         CgJobFunc     *func,
                                         gpointer      *data,
                                         GDestroyNotify *destroy);
gboolean    _cg_caller_post_job         (CgCaller   *self,
                                         CgFuture   *future);
gboolean    _cg_caller_drop_timer       (CgCaller   *self,
                                         CgFuture   *future);

/* Answers owed to a caller's thread (see cg-caller.c). */
CgCaller   *_cg_caller_dup_serving_here (void);
void        _cg_caller_hold             (CgCaller   *self);
void        _cg_caller_release          (CgCaller   *self);
GSource    *_cg_caller_stop_source_new  (CgCaller   *self);

/* cg_caller_stop_all() tells the parts of the library that start callers
 * of their own, so that they start none while it runs: a hook runs with
 * @stopping TRUE before the first caller is stopped and with FALSE once
 * all are, on the thread that called stop_all(), with its @force. Hooks
 * cannot be removed. */
typedef void (*CgStopAllHook) (gboolean stopping,
                               gboolean force,
                               gpointer user_data);
void        _cg_caller_add_stop_all_hook (CgStopAllHook hook,
                                          gpointer      user_data);

G_END_DECLS
