/* cg-gio-bridge.h: futures from GIO _async/_finish pairs and GTasks
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
 * CgAsyncBeginFunc:
 * @source_object: (type GObject) (nullable): the object given to
 *   cg_future_new_from_async()
 * @cancellable: the future's cancellable; pass it to the `_async` call
 * @callback: (scope async): pass it to the `_async` call as its callback
 * @callback_data: (closure callback): pass it to the `_async` call as its
 *   user data
 * @user_data: (closure): the data given to cg_future_new_from_async()
 *
 * Starts a GIO-style asynchronous operation, for instance
 * `g_file_load_contents_async (source_object, cancellable, callback,
 * callback_data)`.
 *
 * Since: 0.1
 */
typedef void (*CgAsyncBeginFunc)  (gpointer             source_object,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             callback_data,
                                   gpointer             user_data);

/**
 * CgAsyncFinishFunc:
 * @source_object: (type GObject) (nullable): the object given to
 *   cg_future_new_from_async()
 * @result: the result to give to the `_finish` call
 * @future: the future to complete
 * @user_data: (closure): the data given to cg_future_new_from_async()
 *
 * Finishes the operation started by a #CgAsyncBeginFunc and reports its
 * outcome into @future with a `cg_future_return_*()` function. If it
 * reports nothing, @future completes with no value.
 *
 * Since: 0.1
 */
typedef void (*CgAsyncFinishFunc) (gpointer             source_object,
                                   GAsyncResult        *result,
                                   CgFuture            *future,
                                   gpointer             user_data);

CG_AVAILABLE_IN_0_1
CgFuture *cg_future_new_from_async          (gpointer             source_object,
                                             CgAsyncBeginFunc     begin,
                                             CgAsyncFinishFunc    finish,
                                             gpointer             user_data,
                                             GDestroyNotify       destroy);
CG_AVAILABLE_IN_0_1
void      cg_future_async_ready_callback    (GObject             *source_object,
                                             GAsyncResult        *result,
                                             gpointer             user_data);
CG_AVAILABLE_IN_0_1
void      cg_future_return_to_task          (CgFuture            *self,
                                             GTask               *task);

G_END_DECLS
