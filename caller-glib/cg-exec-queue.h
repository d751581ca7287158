/* cg-exec-queue.h: execution queues, one FIFO per function
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
 * CG_DEFAULT_MAX_BUFFER_SIZE:
 *
 * The default of cg_caller_get_max_buffer_size(), as in async_kernel.
 *
 * Since: 0.1
 */
#define CG_DEFAULT_MAX_BUFFER_SIZE 1000

CG_AVAILABLE_IN_0_1
guint     cg_caller_get_max_buffer_size   (void);
CG_AVAILABLE_IN_0_1
void      cg_caller_set_max_buffer_size   (guint                max_buffer_size);

CG_AVAILABLE_IN_0_1
gboolean  cg_caller_queue_call            (CgCaller            *self,
                                           CgJobFunc            func,
                                           GObject             *instance,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy,
                                           gint                 max_buffer_size,
                                           GError             **error);
CG_AVAILABLE_IN_0_1
void      cg_caller_queue_call_async      (CgCaller            *self,
                                           CgJobFunc            func,
                                           GObject             *instance,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy,
                                           gint                 max_buffer_size,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             callback_data);
CG_AVAILABLE_IN_0_1
gboolean  cg_caller_queue_call_finish     (CgCaller            *self,
                                           GAsyncResult        *result,
                                           GError             **error);
CG_AVAILABLE_IN_0_1
gboolean  cg_caller_queue_close           (CgCaller            *self,
                                           CgJobFunc            func,
                                           GObject             *instance);
CG_AVAILABLE_IN_0_1
gboolean  cg_caller_queue_call_named      (CgCaller            *self,
                                           const char          *name,
                                           GObject             *instance,
                                           CgJobFunc            func,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy,
                                           gint                 max_buffer_size,
                                           GError             **error);
CG_AVAILABLE_IN_0_1
void      cg_caller_queue_call_named_async (CgCaller           *self,
                                           const char          *name,
                                           GObject             *instance,
                                           CgJobFunc            func,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy,
                                           gint                 max_buffer_size,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             callback_data);
CG_AVAILABLE_IN_0_1
gboolean  cg_caller_queue_close_named     (CgCaller            *self,
                                           const char          *name,
                                           GObject             *instance);
CG_AVAILABLE_IN_0_1
gboolean  cg_caller_queue_exists_named    (CgCaller            *self,
                                           const char          *name,
                                           GObject             *instance);
CG_AVAILABLE_IN_0_1
gboolean  cg_caller_queue_exists          (CgCaller            *self,
                                           CgJobFunc            func,
                                           GObject             *instance);

G_END_DECLS
