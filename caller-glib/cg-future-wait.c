/* cg-future-wait.c: waiting for a future, blocking or not
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include <math.h>

#include "cg-future-private.h"
#include "cg-parking-private.h"

static const CgBlockingFuncs *blocking_funcs;

void
_cg_future_set_blocking_funcs (const CgBlockingFuncs *funcs)
{
  g_atomic_pointer_set (&blocking_funcs, funcs);
}

static void
wake_on_cancel (GCancellable *cancellable,
                gpointer      user_data)
{
  _cg_parking_wake (user_data);
}

/* How long this thread's recent waits took (microseconds, a moving
 * average): a thread whose replies take 40 us (a binding's job, say) spins
 * a little longer than one whose replies take 1 us, so that it still
 * catches them without parking. */
static CG_THREAD_LOCAL gint64 recent_wait_usec;

/* How many of this thread's last spins in a row ended without the reply
 * (it parked): each halves the next spin. Replies that come slowly, or a
 * processor shared with the replying thread, make spinning a waste, and
 * that is when the moving average would spin longest. */
static CG_THREAD_LOCAL guint spin_misses;

/* About how many pauses this thread's recent spins lasted before the reply
 * came (a moving average). A spin looks at the future only after three
 * quarters of that, then every few pauses: each look takes the future's
 * state into this processor's cache, and the replying thread, which
 * changes that state several times while it runs the job, must take it
 * back each time. Looking all along made a round trip a third slower. */
static CG_THREAD_LOCAL guint spin_expected;

#define SPIN_LOOK_EVERY   4     /* pauses between looks once it is time */
#define SPIN_EXPECTED_MAX 256   /* pauses (about 5 µs): a quick reply after slow
                                 * ones is seen at most about 4 µs late */

static gint64
spin_budget (void)
{
  return MAX (_cg_spin_usec (), MIN (recent_wait_usec * 2, 500) >> MIN (spin_misses, 6));
}

/* @ended: the clock when the reply was seen; a spin's last reading will
 * do (at most 64 pauses old), rather than one more on the reply's path. */
static void
note_wait (gint64 started,
           gint64 ended)
{
  gint64 took = ended - started;

  recent_wait_usec = (recent_wait_usec * 3 + MIN (took, 10000)) / 4;
}

static gint64
deadline_for (gdouble timeout)
{
  if (isnan (timeout) || timeout < 0)
    return G_MAXINT64;
  if (timeout > (gdouble) (G_MAXINT64 / 2 / G_USEC_PER_SEC))
    return G_MAXINT64;
  return g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);
}

/* The rules of a wait, shared by the blocking and the asynchronous one
 * (cg-future-async.c): what a done future, a timeout and a cancelled wait
 * report, and what they do to the future unless shielded. */
gboolean
_cg_future_wait_outcome (CgFuture     *self,
             CgWaitFlags   flags,
             GError      **error)
{
  if (flags & CG_WAIT_FLAGS_NO_RESULT)
    return TRUE;
  return cg_future_check (self, error);
}

void
_cg_future_wait_timed_out (CgFuture     *self,
               CgWaitFlags   flags,
               GError      **error)
{
  if (!(flags & CG_WAIT_FLAGS_SHIELD))
    cg_future_cancel (self, _("A wait for the future timed out"));
  g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT,
                       _("The future was not done before the timeout"));
}

void
_cg_future_wait_cancelled (CgFuture      *self,
                    CgWaitFlags    flags,
                    GCancellable  *cancellable,
                    GError       **error)
{
  if (!(flags & CG_WAIT_FLAGS_SHIELD))
    cg_future_cancel (self, _("The wait for the future was cancelled"));
  g_cancellable_set_error_if_cancelled (cancellable, error);
}

static inline gboolean
word_is_done (const gint *word,
              gint        done)
{
  return (g_atomic_int_get (word) & done) != 0;
}

/* Blocks the calling thread until @done is set in *@word, @deadline (a
 * monotonic time; G_MAXINT64 for none) passes, @cancellable is cancelled,
 * or the job this thread runs (unless it is @awaited) is cancelled, which
 * cg_caller_stop() does to the running job of the caller it stops.
 *
 * It spins first: a reply from a busy thread usually comes within a few
 * microseconds, long before a sleep and a wake-up would be over. Then it
 * parks in the parking lot of @address, after setting @waiters in *@word
 * under that lot's lock: whoever sets @done must then call
 * _cg_parking_wake (@address) if the word it replaced had @waiters.
 * A wait that ends with @done set counts in this thread's recent wait
 * times, which size its next spins. */
CgBlockEnd
_cg_block_on_word (gint          *word,
                   gint           done,
                   gint           waiters,
                   gconstpointer  address,
                   gint64         deadline,
                   GCancellable  *cancellable,
                   CgFuture      *awaited)
{
  GCancellable *job_cancellable = NULL;
  const CgBlockingFuncs *blocking;
  gpointer blocking_token = NULL;
  gulong handler = 0, job_handler = 0;
  CgParkingLot *lot;
  CgFuture *job;
  gint64 started, spin_end;
  guint quiet, n = 0;
  CgSpin spin;

  _cg_spin_init (&spin);
  started = spin.now;
  spin_end = MIN (deadline, spin.now + spin_budget ());
  quiet = spin_expected / 4 * 3;
  while (spin.now < spin_end)
    {
      if (n >= quiet && n % SPIN_LOOK_EVERY == 0 && word_is_done (word, done))
        break;
      _cg_spin_pause (&spin);
      n++;
    }
  if (word_is_done (word, done))
    {
      spin_misses = 0;
      spin_expected = (spin_expected * 3 + MIN (n, SPIN_EXPECTED_MAX)) / 4;
      note_wait (started, spin.now);
      return CG_BLOCK_DONE;
    }
  spin_misses++;
  spin_expected /= 2;

  /* A job that blocks here is cancelled when its caller stops (or anyone
   * cancels it): its wait ends then, or stopping the caller would wait for
   * ever for the job to return. */
  job = _cg_future_current_job ();
  if (job != NULL && job != awaited)
    {
      job_cancellable = cg_future_get_cancellable (job);
      job_handler = g_cancellable_connect (job_cancellable, G_CALLBACK (wake_on_cancel),
                                           (gpointer) address, NULL);
    }
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_on_cancel),
                                     (gpointer) address, NULL);

  /* This thread stops making progress: a pool worker lets the pool run
   * another thread meanwhile (cg-worker-pool.c). */
  blocking = g_atomic_pointer_get (&blocking_funcs);
  if (blocking != NULL)
    blocking_token = blocking->begin ();

  lot = _cg_parking_lot_for (address);
  _cg_mutex_lock (&lot->mutex);
  g_atomic_int_or (word, waiters);
  while (!word_is_done (word, done) &&
         !(cancellable != NULL && g_cancellable_is_cancelled (cancellable)) &&
         !(job_cancellable != NULL && g_cancellable_is_cancelled (job_cancellable)))
    {
      if (deadline == G_MAXINT64)
        _cg_cond_wait (&lot->cond, &lot->mutex);
      else if (!_cg_cond_wait_until (&lot->cond, &lot->mutex, deadline))
        break;
    }
  _cg_mutex_unlock (&lot->mutex);

  if (blocking_token != NULL)
    blocking->end (blocking_token);
  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  if (job_handler != 0)
    g_cancellable_disconnect (job_cancellable, job_handler);

  if (word_is_done (word, done))
    {
      note_wait (started, g_get_monotonic_time ());
      return CG_BLOCK_DONE;
    }
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    return CG_BLOCK_CANCELLED;
  if (job_cancellable != NULL && g_cancellable_is_cancelled (job_cancellable))
    return CG_BLOCK_JOB_CANCELLED;
  return CG_BLOCK_TIMED_OUT;
}

/**
 * cg_future_wait_sync:
 * @self: a #CgFuture
 * @timeout: seconds to wait at most; negative waits without limit
 *   (%CG_TIMEOUT_INFINITE)
 * @flags: #CgWaitFlags
 * @cancellable: (nullable): cancels the wait
 * @error: return location for a #GError
 *
 * Blocks the calling thread until the future is done. The thread spins for
 * a few microseconds before it parks, so a reply that comes quickly costs
 * no sleep and wake-up.
 *
 * Called on the future's own thread it fails at once with
 * %CG_CALLER_ERROR_WRONG_THREAD: that thread is the one that must complete
 * the future, so the wait could never end. Use cg_future_wait_async()
 * there.
 *
 * When @timeout passes first it fails with %CG_CALLER_ERROR_TIMED_OUT,
 * and when @cancellable is cancelled first with %G_IO_ERROR_CANCELLED; in
 * both cases the future is cancelled unless @flags has
 * %CG_WAIT_FLAGS_SHIELD. Once the future is done it reports the future's
 * outcome as cg_future_check() does, unless @flags has
 * %CG_WAIT_FLAGS_NO_RESULT.
 *
 * Called from a job, the wait also ends (as if @cancellable was cancelled)
 * when that job is cancelled, which cg_caller_stop() does to the running
 * job of the caller it stops: a job blocked here can never keep its caller
 * (or cg_caller_stop_all()) from stopping.
 *
 * Returns: %TRUE when the future is done (and succeeded, unless
 *   %CG_WAIT_FLAGS_NO_RESULT)
 *
 * Since: 0.1
 */
gboolean
cg_future_wait_sync (CgFuture      *self,
                     gdouble        timeout,
                     CgWaitFlags    flags,
                     GCancellable  *cancellable,
                     GError       **error)
{
  CgBlockEnd outcome;

  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cg_future_is_done (self))
    return _cg_future_wait_outcome (self, flags, error);

  if (_cg_future_is_owner_thread (self))
    {
      g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD,
                           _("Cannot block waiting for a future on its own thread: "
                             "that thread must complete it; wait for it asynchronously "
                             "there instead"));
      return FALSE;
    }

  outcome = _cg_block_on_word (&self->state, CG_FUTURE_DONE, CG_FUTURE_WAITERS, self,
                               deadline_for (timeout), cancellable, self);
  if (outcome == CG_BLOCK_DONE)
    return _cg_future_wait_outcome (self, flags, error);
  if (outcome == CG_BLOCK_TIMED_OUT)
    _cg_future_wait_timed_out (self, flags, error);
  else if (outcome == CG_BLOCK_CANCELLED)
    _cg_future_wait_cancelled (self, flags, cancellable, error);
  else
    _cg_future_wait_cancelled (self, flags, cg_future_get_cancellable (_cg_future_current_job ()),
                               error);

  return FALSE;
}

/**
 * cg_future_wait_sync_value:
 * @self: a #CgFuture
 * @timeout: seconds to wait at most; negative waits without limit
 * @flags: #CgWaitFlags; %CG_WAIT_FLAGS_NO_RESULT is ignored
 * @cancellable: (nullable): cancels the wait
 * @value: (out caller-allocates): an uninitialized #GValue for the result
 * @error: return location for a #GError
 *
 * cg_future_wait_sync() and cg_future_propagate_value() in one call: for a
 * language binding, each call into C costs (PyGObject gives up Python's
 * interpreter lock around every one), and a wait is nearly always followed
 * by reading the result. Fails as those two do; @value is set only on
 * success.
 *
 * Returns: %TRUE when the future succeeded and @value holds its result
 *
 * Since: 0.1
 */
gboolean
cg_future_wait_sync_value (CgFuture      *self,
                           gdouble        timeout,
                           CgWaitFlags    flags,
                           GCancellable  *cancellable,
                           GValue        *value,
                           GError       **error)
{
  g_return_val_if_fail (CG_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (value != NULL && !G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cg_future_wait_sync (self, timeout, flags & ~CG_WAIT_FLAGS_NO_RESULT, cancellable, error))
    return FALSE;
  return cg_future_propagate_value (self, value, error);
}
