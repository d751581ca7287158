/* cg-thread-private.h: starting and joining the threads of the library
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-private.h"

G_BEGIN_DECLS

/* Starts a thread running @func (@data), through the spawner of
 * cg_set_thread_spawner() if there is one, else as a GLib thread. Returns
 * the thread's handle (drop it with cg_thread_start_unref()), or NULL with
 * @error set. */
CgThreadStart *_cg_thread_spawn (const char   *name,
                                 GThreadFunc   func,
                                 gpointer      data,
                                 GError      **error);

/* Waits until @func of the thread has returned; not from the thread itself.
 * Any number of threads may wait. */
void           _cg_thread_join  (CgThreadStart *thread);

G_END_DECLS
