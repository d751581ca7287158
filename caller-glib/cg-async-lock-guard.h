/* cg-async-lock-guard.h: holding an asynchronous lock through a guard
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

#include "cg-async-lock.h"

G_BEGIN_DECLS

#define CG_TYPE_ASYNC_LOCK_GUARD (cg_async_lock_guard_get_type ())

/**
 * CgAsyncLockGuard:
 *
 * One holding of a #CgAsyncLock, from
 * cg_async_lock_acquire_guarded_finish(): the lock is given back by
 * cg_async_lock_guard_release() or when the last reference goes. Its fields
 * are private.
 *
 * Since: 0.1
 */
typedef struct _CgAsyncLockGuard CgAsyncLockGuard;

CG_AVAILABLE_IN_0_1
GType             cg_async_lock_guard_get_type         (void) G_GNUC_CONST;

CG_AVAILABLE_IN_0_1
void              cg_async_lock_acquire_guarded_async  (CgAsyncLock         *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
CG_AVAILABLE_IN_0_1
CgAsyncLockGuard *cg_async_lock_acquire_guarded_finish (CgAsyncLock         *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

CG_AVAILABLE_IN_0_1
CgAsyncLockGuard *cg_async_lock_guard_ref              (CgAsyncLockGuard    *self);
CG_AVAILABLE_IN_0_1
void              cg_async_lock_guard_unref            (CgAsyncLockGuard    *self);
CG_AVAILABLE_IN_0_1
gboolean          cg_async_lock_guard_release          (CgAsyncLockGuard    *self,
                                                        GError             **error);
CG_AVAILABLE_IN_0_1
CgAsyncLock      *cg_async_lock_guard_get_lock         (CgAsyncLockGuard    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CgAsyncLockGuard, cg_async_lock_guard_unref)

G_END_DECLS
