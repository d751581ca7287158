/* cgtest.h: a small native library for the GJS tests of caller-glib
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <caller-glib.h>

G_BEGIN_DECLS

CgFuture *cg_test_native_work            (gint          value,
                                          gdouble       seconds);
CgFuture *cg_test_native_work_pooled     (gint          value,
                                          gdouble       seconds);
CgFuture *cg_test_native_work_on         (CgCaller     *caller,
                                          gint          value,
                                          gdouble       seconds,
                                          GError      **error);
CgFuture *cg_test_native_fail            (const char   *message,
                                          gdouble       seconds);
CgFuture *cg_test_native_echo_string     (const char   *text,
                                          gdouble       seconds);
CgFuture *cg_test_native_hold_lock       (CgAsyncLock  *lock,
                                          gdouble       seconds,
                                          CgFuture    **acquired);
guint     cg_test_get_cancelled_count    (void);
gboolean  cg_test_is_main_thread         (void);

G_END_DECLS
