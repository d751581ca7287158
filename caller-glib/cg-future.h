/* cg-future.h: a result that another thread delivers
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

#define CG_TYPE_FUTURE (cg_future_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgFuture, cg_future, CG, FUTURE, GObject)

CG_AVAILABLE_IN_0_1
CgFuture     *cg_future_new                   (void);
CG_AVAILABLE_IN_0_1
CgFuture     *cg_future_new_for_thread        (GThread           *thread);
CG_AVAILABLE_IN_0_1
GThread      *cg_future_get_thread            (CgFuture          *self);
CG_AVAILABLE_IN_0_1
CgCaller     *cg_future_get_caller            (CgFuture          *self);

CG_AVAILABLE_IN_0_1
gboolean      cg_future_is_done               (CgFuture          *self);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_is_cancelled          (CgFuture          *self);

CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_value          (CgFuture          *self,
                                               const GValue      *value,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_boolean        (CgFuture          *self,
                                               gboolean           value,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_int            (CgFuture          *self,
                                               gssize             value,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_pointer        (CgFuture          *self,
                                               gpointer           value,
                                               GDestroyNotify     destroy,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_object         (CgFuture          *self,
                                               GObject           *object,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_string         (CgFuture          *self,
                                               const char        *string,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_double         (CgFuture          *self,
                                               gdouble            number,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_error          (CgFuture          *self,
                                               GError            *failure,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_new_error      (CgFuture          *self,
                                               GQuark             domain,
                                               gint               code,
                                               GError           **error,
                                               const char        *format,
                                               ...) G_GNUC_PRINTF (5, 6);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_return_future         (CgFuture          *self,
                                               CgFuture          *other,
                                               GError           **error);

CG_AVAILABLE_IN_0_1
gboolean      cg_future_propagate_value       (CgFuture          *self,
                                               GValue            *value,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_propagate_boolean     (CgFuture          *self,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gssize        cg_future_propagate_int         (CgFuture          *self,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gpointer      cg_future_propagate_pointer     (CgFuture          *self,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
GObject      *cg_future_propagate_object      (CgFuture          *self,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
char         *cg_future_propagate_string      (CgFuture          *self,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gdouble       cg_future_propagate_double      (CgFuture          *self,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_check                 (CgFuture          *self,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
GError       *cg_future_dup_exception         (CgFuture          *self,
                                               GError           **error);

CG_AVAILABLE_IN_0_1
gboolean      cg_future_cancel                (CgFuture          *self,
                                               const char        *message);
CG_AVAILABLE_IN_0_1
GCancellable *cg_future_get_cancellable       (CgFuture          *self);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_set_cancellable       (CgFuture          *self,
                                               GCancellable      *cancellable,
                                               GError           **error);

CG_AVAILABLE_IN_0_1
void          cg_future_add_done_callback     (CgFuture          *self,
                                               CgFutureCallback   callback,
                                               gpointer           user_data,
                                               GDestroyNotify     destroy);
CG_AVAILABLE_IN_0_1
guint         cg_future_remove_done_callback  (CgFuture          *self,
                                               CgFutureCallback   callback,
                                               gpointer           user_data);
/**
 * CgUnretrievedFailureFunc:
 * @error: the failure that nobody read
 * @label: (nullable): the job's label, when a job list knew it
 * @user_data: the data given with the handler
 *
 * The handler of cg_set_unretrieved_failure_handler().
 *
 * Since: 0.1
 */
typedef void (*CgUnretrievedFailureFunc) (const GError *error,
                                          const char   *label,
                                          gpointer      user_data);

CG_AVAILABLE_IN_0_1
void          cg_set_unretrieved_failure_handler (CgUnretrievedFailureFunc handler,
                                                  gpointer                 user_data,
                                                  GDestroyNotify           destroy);
CG_AVAILABLE_IN_0_1
void          cg_log_unretrieved_failure     (const GError             *error,
                                              const char               *label,
                                              gpointer                  user_data);

CG_AVAILABLE_IN_0_1
void          cg_future_add_completion_hook   (CgFuture          *self,
                                               CgFutureCallback   callback,
                                               gpointer           user_data,
                                               GDestroyNotify     destroy);

CG_AVAILABLE_IN_0_1
void          cg_future_wait_async            (CgFuture          *self,
                                               gdouble            timeout,
                                               CgWaitFlags        flags,
                                               GCancellable      *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer           user_data);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_wait_finish           (CgFuture          *self,
                                               GAsyncResult      *result,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_wait_sync             (CgFuture          *self,
                                               gdouble            timeout,
                                               CgWaitFlags        flags,
                                               GCancellable      *cancellable,
                                               GError           **error);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_wait_sync_value       (CgFuture          *self,
                                               gdouble            timeout,
                                               CgWaitFlags        flags,
                                               GCancellable      *cancellable,
                                               GValue            *value,
                                               GError           **error);

CG_AVAILABLE_IN_0_1
guint         cg_future_add_done_callback_full (CgFuture         *self,
                                                CgFutureCallback  callback,
                                                gpointer          user_data,
                                                GDestroyNotify    destroy);
CG_AVAILABLE_IN_0_1
gboolean      cg_future_remove_done_callback_by_id (CgFuture     *self,
                                                    guint         id);


G_END_DECLS
