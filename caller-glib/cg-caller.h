/* cg-caller.h: a thread's main context, open to calls from other threads
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

#define CG_TYPE_CALLER (cg_caller_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgCaller, cg_caller, CG, CALLER, GObject)

/**
 * CG_CALLER_MAIN_THREAD:
 *
 * The name of the caller of g_main_context_default(), as
 * cg_caller_get_instance() knows it.
 *
 * Since: 0.1
 */
#define CG_CALLER_MAIN_THREAD "MainThread"

/**
 * CG_CALLER_PRIORITY_DEFAULT:
 *
 * The priority a caller's #GSource has unless cg_caller_set_priority()
 * says otherwise: `G_PRIORITY_HIGH_IDLE + 21`, one below GTK's
 * `GDK_PRIORITY_REDRAW`. Input events and ordinary timeouts and I/O
 * (%G_PRIORITY_DEFAULT) still come before a caller's jobs, and GTK draws
 * a frame between two batches of them however many arrive, while plain
 * idle callbacks (%G_PRIORITY_DEFAULT_IDLE) come after.
 *
 * Since: 0.1
 */
#define CG_CALLER_PRIORITY_DEFAULT (G_PRIORITY_HIGH_IDLE + 21)

CG_AVAILABLE_IN_0_1
CgCaller     *cg_caller_get               (GThread       *thread,
                                           gboolean       create,
                                           gboolean       protected_,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
CgCaller     *cg_caller_get_current       (void);
CG_AVAILABLE_IN_0_1
CgCaller     *cg_caller_start_new         (const char    *name,
                                           gboolean       protected_,
                                           GMainContext  *context,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
CgCaller     *cg_caller_get_instance      (const char    *name,
                                           gboolean       create,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
GList        *cg_caller_all_callers       (gboolean       running_only);
CG_AVAILABLE_IN_0_1
void          cg_caller_stop_all          (gboolean       force);

CG_AVAILABLE_IN_0_1
gboolean      cg_caller_start             (CgCaller      *self,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
void          cg_caller_stop              (CgCaller      *self,
                                           gboolean       force);

CG_AVAILABLE_IN_0_1
const char   *cg_caller_get_name          (CgCaller      *self);
CG_AVAILABLE_IN_0_1
GMainContext *cg_caller_get_context       (CgCaller      *self);
CG_AVAILABLE_IN_0_1
GThread      *cg_caller_get_thread        (CgCaller      *self);
CG_AVAILABLE_IN_0_1
const char   *cg_caller_get_log_domain    (CgCaller      *self);
CG_AVAILABLE_IN_0_1
gboolean      cg_caller_get_protected     (CgCaller      *self);
CG_AVAILABLE_IN_0_1
gboolean      cg_caller_get_running       (CgCaller      *self);
CG_AVAILABLE_IN_0_1
gboolean      cg_caller_get_stopped       (CgCaller      *self);
CG_AVAILABLE_IN_0_1
gboolean      cg_caller_get_thread_bound  (CgCaller      *self);
CG_AVAILABLE_IN_0_1
void          cg_caller_set_thread_bound  (CgCaller      *self,
                                           gboolean       thread_bound);
CG_AVAILABLE_IN_0_1
gint          cg_caller_get_priority      (CgCaller      *self);
CG_AVAILABLE_IN_0_1
void          cg_caller_set_priority      (CgCaller      *self,
                                           gint           priority);

CG_AVAILABLE_IN_0_1
CgFuture     *cg_caller_call_soon         (CgCaller      *self,
                                           CgJobFunc      func,
                                           gpointer       user_data,
                                           GDestroyNotify destroy,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
CgFuture     *cg_caller_call_later        (CgCaller      *self,
                                           gdouble        delay,
                                           CgJobFunc      func,
                                           gpointer       user_data,
                                           GDestroyNotify destroy,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
CgFuture     *cg_caller_call_soon_full    (CgCaller      *self,
                                           CgJobFunc      func,
                                           gpointer       user_data,
                                           GDestroyNotify destroy,
                                           const char    *label,
                                           GCancellable  *cancellable,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
CgFuture     *cg_caller_call_later_full   (CgCaller      *self,
                                           gdouble        delay,
                                           CgJobFunc      func,
                                           gpointer       user_data,
                                           GDestroyNotify destroy,
                                           const char    *label,
                                           GCancellable  *cancellable,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_caller_call_direct       (CgCaller      *self,
                                           CgDirectFunc   func,
                                           gpointer       user_data,
                                           GDestroyNotify destroy,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_caller_call_sync         (CgCaller      *self,
                                           CgDirectFunc   func,
                                           gpointer       user_data,
                                           GCancellable  *cancellable,
                                           GError       **error);
CG_AVAILABLE_IN_0_1
CgFuture     *cg_caller_current_future    (void);


G_END_DECLS
