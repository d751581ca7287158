/* cg-thread.h: who starts the threads of the library
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(CALLER_GLIB_INSIDE) && !defined(CG_COMPILATION)
# error "Only <caller-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "cg-types.h"

G_BEGIN_DECLS

#define CG_TYPE_THREAD_START (cg_thread_start_get_type ())

/**
 * CgThreadStart:
 *
 * A thread the library wants started: give it to a new thread, which
 * calls cg_thread_start_run(). See cg_set_thread_spawner(). Its fields are
 * private.
 *
 * Since: 0.1
 */
typedef struct _CgThreadStart CgThreadStart;

/**
 * CgThreadSpawner:
 * @start: the thread to start; take a reference to keep it
 * @user_data: (closure): the data given to cg_set_thread_spawner()
 *
 * Starts a new thread that calls cg_thread_start_run (@start) once, as
 * soon as it can. Called on the thread that needs the new one, with no
 * lock of the library held.
 *
 * Returns: %TRUE if a thread was started; %FALSE to have the library
 *   start a GLib thread itself
 *
 * Since: 0.1
 */
typedef gboolean (*CgThreadSpawner) (CgThreadStart *start,
                                     gpointer       user_data);

CG_AVAILABLE_IN_0_1
GType          cg_thread_start_get_type (void) G_GNUC_CONST;
CG_AVAILABLE_IN_0_1
CgThreadStart *cg_thread_start_ref      (CgThreadStart  *self);
CG_AVAILABLE_IN_0_1
void           cg_thread_start_unref    (CgThreadStart  *self);
CG_AVAILABLE_IN_0_1
const char    *cg_thread_start_get_name (CgThreadStart  *self);
CG_AVAILABLE_IN_0_1
void           cg_thread_start_run      (CgThreadStart  *self);

CG_AVAILABLE_IN_0_1
void           cg_set_thread_spawner    (CgThreadSpawner spawner,
                                         gpointer        user_data,
                                         GDestroyNotify  destroy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CgThreadStart, cg_thread_start_unref)

G_END_DECLS
