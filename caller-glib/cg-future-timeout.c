/* cg-future-timeout.c: timeouts as futures
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-private.h"

/**
 * SECTION:cg-future-timeout
 * @title: Timeouts
 * @short_description: timeouts as futures
 *
 * cg_future_new_timeout() makes a future that fails with
 * %CG_CALLER_ERROR_TIMED_OUT after a delay, and cg_future_with_timeout()
 * one that follows another future but fails so, and cancels that future,
 * when the delay passes first. Both are delayed jobs of the current
 * thread's caller: its one timer serves them all, with no #GSource each,
 * and cancelling one drops its timer at once.
 *
 * |[<!-- language="C" -->
 * g_autoptr(CgFuture) answer = cg_future_with_timeout (slow_query, 2.0, &error);
 * // completes with slow_query's outcome, or fails with TIMED_OUT after 2 s
 * // (and cancels slow_query then)
 * ]|
 */

static void
time_out (CgFuture *future,
          gpointer  user_data)
{
  cg_future_return_new_error (future, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT, NULL,
                              "%s", _("The time ran out"));
}

/**
 * cg_future_new_timeout:
 * @seconds: the delay in seconds; not negative
 * @error: return location for a #GError
 *
 * A future that fails with %CG_CALLER_ERROR_TIMED_OUT once @seconds have
 * passed: a delayed job of the current thread's caller (see the section's
 * description). Cancelling it drops its timer and completes it as
 * cancelled. Fails with %CG_CALLER_ERROR_NOT_FOUND on a thread without a
 * caller, and as cg_caller_call_later() does.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_new_timeout (gdouble   seconds,
                       GError  **error)
{
  CgCaller *caller;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  caller = _cg_caller_require_current (error);
  if (caller == NULL)
    return NULL;
  return cg_caller_call_later (caller, seconds, time_out, NULL, NULL, error);
}

/* The timer of cg_future_with_timeout() and what it needs. */
typedef struct
{
  CgFuture *result;
  CgFuture *followed;
} Expiry;

static void
expiry_free (gpointer data)
{
  Expiry *expiry = data;

  g_object_unref (expiry->result);
  g_object_unref (expiry->followed);
  g_free (expiry);
}

/* Time is up: unless the result is done, cancel what it follows, then fail
 * it with TIMED_OUT (in that order: whoever hears of the result sees the
 * followed future cancelled already). */
static void
expire (CgFuture *timer,
        gpointer  user_data)
{
  Expiry *expiry = user_data;

  if (cg_future_is_done (expiry->result))
    return;
  cg_future_cancel (expiry->followed, _("The time ran out"));
  cg_future_return_new_error (expiry->result, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT, NULL,
                              "%s", _("The time ran out"));
}

/* On the result's completion: its timer is no longer needed. */
static void
drop_timer (CgFuture *result,
            gpointer  user_data)
{
  cg_future_cancel (user_data, NULL);
}

/**
 * cg_future_with_timeout:
 * @future: the future to follow
 * @seconds: the delay in seconds; not negative
 * @error: return location for a #GError
 *
 * A future of the current thread that completes with the outcome of
 * @future, or, when @seconds pass first, fails with
 * %CG_CALLER_ERROR_TIMED_OUT and cancels @future. Cancelling it cancels
 * @future (as cg_future_return_future() does). Its timer is a delayed job
 * of the current thread's caller, dropped as soon as the result is done.
 * Fails with %CG_CALLER_ERROR_NOT_FOUND on a thread without a caller.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_with_timeout (CgFuture  *future,
                        gdouble    seconds,
                        GError   **error)
{
  g_autoptr(CgFuture) result = NULL;
  Expiry *expiry;
  CgFuture *timer;
  CgCaller *caller;

  g_return_val_if_fail (CG_IS_FUTURE (future), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  caller = _cg_caller_require_current (error);
  if (caller == NULL)
    return NULL;

  result = cg_future_new ();
  expiry = g_new (Expiry, 1);
  expiry->result = g_object_ref (result);
  expiry->followed = g_object_ref (future);
  timer = cg_caller_call_later (caller, seconds, expire, expiry, expiry_free, error);
  if (timer == NULL)
    return NULL;
  if (!cg_future_return_future (result, future, error))
    {
      cg_future_cancel (timer, NULL);
      g_object_unref (timer);
      return NULL;
    }

  cg_future_add_completion_hook (result, drop_timer, timer, g_object_unref);  /* takes it */
  return g_steal_pointer (&result);
}
