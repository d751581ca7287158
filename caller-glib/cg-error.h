/* cg-error.h: the error domains of caller-glib
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(CALLER_GLIB_INSIDE) && !defined(CG_COMPILATION)
# error "Only <caller-glib.h> can be included directly."
#endif

#include <glib.h>

#include "cg-version-macros.h"

G_BEGIN_DECLS

/**
 * CG_FUTURE_ERROR:
 *
 * The error domain of a #CgFuture's outcome: the counterparts of async_kernel's
 * `FutureCancelledError` and `InvalidStateError`. See #CgFutureError.
 *
 * Since: 0.1
 */
#define CG_FUTURE_ERROR (cg_future_error_quark ())

/**
 * CG_CALLER_ERROR:
 *
 * The error domain of #CgCaller and of waits. See #CgCallerError.
 *
 * Since: 0.1
 */
#define CG_CALLER_ERROR (cg_caller_error_quark ())

/**
 * CgFutureError:
 * @CG_FUTURE_ERROR_CANCELLED: the future was cancelled; the message joins
 *   every cancel message with a newline
 * @CG_FUTURE_ERROR_INVALID_STATE: the operation does not fit the future's
 *   state: completing it twice, or reading the result of a future that is
 *   not done
 *
 * Errors of the %CG_FUTURE_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum
{
  CG_FUTURE_ERROR_CANCELLED,
  CG_FUTURE_ERROR_INVALID_STATE,
} CgFutureError;

/**
 * CgCallerError:
 * @CG_CALLER_ERROR_CLOSED: the caller is stopped and takes no new work
 * @CG_CALLER_ERROR_NOT_FOUND: no caller exists for that thread or name
 * @CG_CALLER_ERROR_EXISTS: a caller with that name (or for that thread)
 *   exists already
 * @CG_CALLER_ERROR_WRONG_THREAD: the call was made from a thread where it
 *   cannot work (it would deadlock, or it belongs to another thread)
 * @CG_CALLER_ERROR_WOULD_BLOCK: a buffer is full
 * @CG_CALLER_ERROR_TIMED_OUT: a wait ran out of time
 * @CG_CALLER_ERROR_NOT_REENTRANT: a lock held by the current context was
 *   acquired again
 * @CG_CALLER_ERROR_INVALID_ARGUMENT: an argument is out of range
 * @CG_CALLER_ERROR_FAILED: the operation failed for another reason
 *
 * Errors of the %CG_CALLER_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum
{
  CG_CALLER_ERROR_CLOSED,
  CG_CALLER_ERROR_NOT_FOUND,
  CG_CALLER_ERROR_EXISTS,
  CG_CALLER_ERROR_WRONG_THREAD,
  CG_CALLER_ERROR_WOULD_BLOCK,
  CG_CALLER_ERROR_TIMED_OUT,
  CG_CALLER_ERROR_NOT_REENTRANT,
  CG_CALLER_ERROR_INVALID_ARGUMENT,
  CG_CALLER_ERROR_FAILED,
} CgCallerError;

CG_AVAILABLE_IN_0_1
GQuark cg_future_error_quark (void);
CG_AVAILABLE_IN_0_1
GQuark cg_caller_error_quark (void);

G_END_DECLS
