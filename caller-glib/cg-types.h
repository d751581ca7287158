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
 */
typedef void (*CgJobFunc) (CgFuture *future,
                           gpointer  user_data);

/**
 * CgDirectFunc:
 * @user_data: (closure): the data given to cg_caller_call_direct()
 *
 * A lightweight call run by cg_caller_call_direct(): no future, no context.
 */
typedef void (*CgDirectFunc) (gpointer user_data);

/**
 * CgFutureCallback:
 * @future: the future that is done
 * @user_data: (closure): the data given with the callback
 *
 * A done callback, see cg_future_add_done_callback(). It runs on the thread
 * of @future.
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
 *   whatever its outcome (the seed's `result=False`)
 *
 * How cg_future_wait_async() and cg_future_wait_sync() behave.
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
 */
#define CG_TIMEOUT_INFINITE (-1.0)

G_END_DECLS
