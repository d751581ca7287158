/* cg-async-lock.h: asynchronous locks that follow contexts
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

#define CG_TYPE_ASYNC_LOCK (cg_async_lock_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_DERIVABLE_TYPE (CgAsyncLock, cg_async_lock, CG, ASYNC_LOCK, GObject)

/**
 * CgAsyncLockClass:
 * @parent_class: the parent class
 *
 * The class of #CgAsyncLock.
 *
 * Since: 0.1
 */
struct _CgAsyncLockClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

#define CG_TYPE_REENTRANT_ASYNC_LOCK (cg_reentrant_async_lock_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgReentrantAsyncLock, cg_reentrant_async_lock, CG, REENTRANT_ASYNC_LOCK,
                      CgAsyncLock)

CG_AVAILABLE_IN_0_1
CgAsyncLock          *cg_async_lock_new                (void);
CG_AVAILABLE_IN_0_1
CgReentrantAsyncLock *cg_reentrant_async_lock_new      (void);

CG_AVAILABLE_IN_0_1
void                  cg_async_lock_acquire_async      (CgAsyncLock         *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
CG_AVAILABLE_IN_0_1
gboolean              cg_async_lock_acquire_finish     (CgAsyncLock         *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
CG_AVAILABLE_IN_0_1
gboolean              cg_async_lock_release            (CgAsyncLock         *self,
                                                        GError             **error);
CG_AVAILABLE_IN_0_1
gboolean              cg_async_lock_is_in_context      (CgAsyncLock         *self);
CG_AVAILABLE_IN_0_1
guint                 cg_async_lock_get_count          (CgAsyncLock         *self);
CG_AVAILABLE_IN_0_1
gboolean              cg_async_lock_get_reentrant      (CgAsyncLock         *self);

G_END_DECLS
