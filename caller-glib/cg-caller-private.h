/* cg-caller-private.h: what the rest of the library knows of CgCaller
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-job-private.h"

G_BEGIN_DECLS

gboolean    _cg_caller_post_node        (CgCaller   *self,
                                         CgInboxNode *node);
gboolean    _cg_caller_post_job         (CgCaller   *self,
                                         CgFuture   *future);
typedef void (*CgJobPrepareFunc) (CgFuture *job,
                                  gpointer  data);
CgFuture   *_cg_caller_submit           (CgCaller         *self,
                                         gint64            deadline,
                                         CgJobFunc         func,
                                         gpointer          user_data,
                                         GDestroyNotify    destroy,
                                         CgJobPrepareFunc  prepare,
                                         gpointer          prepare_data,
                                         GError          **error);
gint64      _cg_caller_deadline_after   (gdouble           delay);
CgFuture   *_cg_caller_make_job         (CgCaller      *target,
                                         CgJobFunc      func,
                                         gpointer       user_data,
                                         GDestroyNotify destroy);
gboolean    _cg_caller_is_owner_thread  (CgCaller   *self);
gboolean    _cg_caller_is_closed        (CgCaller   *self);
CgCaller   *_cg_caller_dup_for_thread   (GThread    *thread);
CgCaller   *_cg_caller_peek_here        (void);
CgCaller   *_cg_caller_require_current  (GError    **error);
const char *_cg_caller_peek_log_domain  (CgCaller   *self);
void        _cg_caller_set_idle_spin    (CgCaller   *self,
                                         gboolean    spin);

/* Work from elsewhere than the inbox, for a caller of
 * cg_caller_start_new() (the pool's workers): its thread calls @func
 * between iterations of its loop, instead of spinning. @func runs what it
 * finds and returns TRUE when it did something: the loop then runs what
 * the inbox holds without blocking and calls it again. FALSE: nothing to
 * do, the thread blocks in its main context until something wakes it
 * (its inbox, or g_main_context_wakeup() from whoever has work for it).
 * Set once; @data must live as long as the caller. */
typedef gboolean (*CgCallerWorkFunc) (CgCaller *caller,
                                      gpointer  data);
void        _cg_caller_set_work_func    (CgCaller        *self,
                                         CgCallerWorkFunc func,
                                         gpointer         data);

/* The caller's lock: features that keep state per caller (the execution
 * queues) may guard it with this lock, held briefly, calling nothing of
 * the caller while they hold it. */
GMutex     *_cg_caller_get_lock         (CgCaller   *self);

/* Runs on the thread that stops @caller, once it refuses new work and
 * before its pending work is dropped. Hooks cannot be removed. */
typedef void (*CgCallerStopHook) (CgCaller *caller);
void        _cg_caller_add_stop_hook    (CgCallerStopHook hook);

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
