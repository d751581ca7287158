/* cg-types.h: the types every part of caller-glib refers to
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

#include "cg-version-macros.h"

G_BEGIN_DECLS

typedef struct _CgFuture CgFuture;
typedef struct _CgCaller CgCaller;

/**
 * SECTION:cg-types
 * @title: Common types
 * @short_description: the callbacks and flags that callers and futures share
 *
 * The function types that hold the work you hand to a #CgCaller, and the
 * flags and constants of waiting for a #CgFuture.
 *
 * A job is a #CgJobFunc: it gets its future and reports its outcome into
 * it. A job may block when it runs in a worker (cg_caller_to_thread()); on
 * a caller that serves a user interface it should stay short.
 *
 * |[<!-- language="C" -->
 * // A CgJobFunc: reports its outcome into its future.
 * static void
 * count_words (CgFuture *future, gpointer user_data)
 * {
 *   g_auto(GStrv) words = g_strsplit (user_data, " ", -1);
 *
 *   cg_future_return_int (future, g_strv_length (words), NULL);
 * }
 *
 * // A CgFutureCallback: runs on the future's thread once it is done.
 * static void
 * counted (CgFuture *future, gpointer user_data)
 * {
 *   g_autoptr(GError) error = NULL;
 *   gssize n = cg_future_propagate_int (future, &error);
 *
 *   if (error == NULL)
 *     g_print ("%" G_GSSIZE_FORMAT " words\n", n);
 * }
 *
 * g_autoptr(CgFuture) future = cg_caller_call_soon (caller, count_words,
 *                                                   g_strdup ("one two three"),
 *                                                   g_free, &error);
 * cg_future_add_done_callback (future, counted, NULL, NULL);
 * ]|
 */

/**
 * CgJobFunc:
 * @future: the future of the job; complete it with one of the
 *   `cg_future_return_*()` functions
 * @user_data: (closure): the data given when the job was submitted
 *
 * A job run by a #CgCaller in its thread, as submitted with
 * cg_caller_call_soon() or cg_caller_call_later().
 *
 * The job reports its outcome through @future: cg_future_return_value() and
 * its typed siblings, cg_future_return_error() for a failure, or
 * cg_future_return_future() to finish only when another future does. A job
 * that returns without doing any of these completes its future with no
 * value (cg_future_propagate_pointer() gives %NULL).
 *
 * A long job should watch cg_future_get_cancellable() and stop early when
 * it is cancelled; whatever it reports then, its future completes as
 * cancelled.
 *
 * Since: 0.1
 */
typedef void (*CgJobFunc) (CgFuture *future,
                           gpointer  user_data);

/**
 * CgDirectFunc:
 * @user_data: (closure): the data given to cg_caller_call_direct()
 *
 * A lightweight call run by cg_caller_call_direct(): no future, no context.
 *
 * Since: 0.1
 */
typedef void (*CgDirectFunc) (gpointer user_data);

/**
 * CgFutureCallback:
 * @future: the future that is done
 * @user_data: (closure): the data given with the callback
 *
 * A done callback, see cg_future_add_done_callback(). It runs on the thread
 * of @future.
 *
 * Since: 0.1
 */
typedef void (*CgFutureCallback) (CgFuture *future,
                                  gpointer  user_data);

/**
 * CgWaitFlags:
 * @CG_WAIT_FLAGS_NONE: no flags: a timeout or a cancelled wait cancels the
 *   future, and the wait reports the future's failure
 * @CG_WAIT_FLAGS_SHIELD: a timeout or a cancelled wait leaves the future
 *   alone
 * @CG_WAIT_FLAGS_NO_RESULT: the wait succeeds once the future is done,
 *   whatever its outcome (async_kernel's `result=False`)
 *
 * How cg_future_wait_async() and cg_future_wait_sync() behave.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  CG_WAIT_FLAGS_NONE      = 0,
  CG_WAIT_FLAGS_SHIELD    = 1 << 0,
  CG_WAIT_FLAGS_NO_RESULT = 1 << 1,
} CgWaitFlags;

/**
 * CG_TIMEOUT_INFINITE:
 *
 * A timeout, in seconds, that never expires: any negative timeout means
 * "wait for as long as it takes".
 *
 * Since: 0.1
 */
#define CG_TIMEOUT_INFINITE (-1.0)

G_END_DECLS
