/* cg-error.c: the error domains of caller-glib
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

/**
 * SECTION:cg-error
 * @title: Errors
 * @short_description: the error domains of caller-glib
 *
 * caller-glib reports every runtime failure as a #GError with a translated
 * message; programming errors (a %NULL where none is allowed) are
 * `g_return_if_fail()` criticals.
 *
 * A future's own outcome uses %CG_FUTURE_ERROR: %CG_FUTURE_ERROR_CANCELLED
 * when it was cancelled, %CG_FUTURE_ERROR_INVALID_STATE when it is read
 * before it is done or completed twice. Everything about callers and waits
 * uses %CG_CALLER_ERROR.
 *
 * |[<!-- language="C" -->
 * g_autoptr(GError) error = NULL;
 *
 * if (!cg_future_wait_sync (future, 1.0, CG_WAIT_FLAGS_NONE, NULL, &error))
 *   {
 *     if (g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT))
 *       g_print ("gave up after a second; the job was cancelled\n");
 *   }
 * ]|
 */

/**
 * cg_future_error_quark:
 *
 * The quark of the %CG_FUTURE_ERROR domain. Thread-safe.
 *
 * Returns: the quark
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (cg-future-error-quark, cg_future_error)

/**
 * cg_caller_error_quark:
 *
 * The quark of the %CG_CALLER_ERROR domain. Thread-safe.
 *
 * Returns: the quark
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (cg-caller-error-quark, cg_caller_error)
