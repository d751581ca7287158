/* cg-caller-loop.c: how a caller runs its work: its GSource, the thread of
 * a caller of cg_caller_start_new(), and the answers it owes its thread
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-internal.h"
#include "cg-timers-private.h"

/* A dispatch returns to the main loop after this much work, so that a GTK
 * main loop keeps drawing frames while a flood of jobs arrives. */
#define DISPATCH_BUDGET_USEC 4000

/* How long a flood of work may hold back a delayed job whose time has
 * come. */
#define TIMER_MAX_WAIT_USEC 50000

typedef struct
{
  GSource   source;
  CgCaller *caller;
} CgCallerSource;

gboolean
_cg_caller_is_owner_thread (CgCaller *self)
{
  return self->thread == _cg_thread_self ();
}

gboolean
_cg_caller_is_closed (CgCaller *self)
{
  return g_atomic_int_get (&self->closed) != 0;
}

/* Answers owed to a caller's thread ------------------------------------------
 *
 * An `_async` call made on a caller's thread is answered there, in the
 * context that was current. Two things keep that promise when the caller
 * stops: a source made by _cg_caller_stop_source_new() lets whatever waits
 * on the thread's behalf give up with CG_CALLER_ERROR_CLOSED, and a hold
 * (_cg_caller_hold(), one per answer not yet delivered) keeps the thread of
 * a caller of cg_caller_start_new() iterating its context after its loop
 * ended, until every answer has run. */

/* The caller whose context the current thread runs as its thread-default
 * context: the caller an answer made here goes through. A stopped caller
 * of cg_caller_start_new() still counts (its thread is ending, and must
 * deliver the answer before it does); a stopped caller of a context that
 * someone else runs does not (that loop goes on and delivers answers as
 * on a thread without a caller). A reference, or NULL. */
CgCaller *
_cg_caller_dup_serving_here (void)
{
  CgCaller *here = _cg_caller_peek_here ();
  GMainContext *context = g_main_context_get_thread_default ();

  if (context == NULL)
    context = g_main_context_default ();
  if (here == NULL || here->context != context ||
      (!here->owns_thread && _cg_caller_is_closed (here)))
    return NULL;
  return g_object_ref (here);
}

void
_cg_caller_hold (CgCaller *self)
{
  g_atomic_int_inc (&self->holds);
}

/* On the caller's thread, once an answer has been delivered. */
void
_cg_caller_release (CgCaller *self)
{
  gint old = g_atomic_int_add (&self->holds, -1);

  g_return_if_fail (old > 0);
}

/* A source that dispatches once, when its caller stops. The caller keeps
 * a weak list of them; a source leaves it in its dispose function, which
 * runs before the source is freed and under the same lock, so stop() can
 * take a reference to every source still in the list. */
typedef struct
{
  GSource   source;
  CgCaller *caller;
} CgStopSource;

static gboolean
stop_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  if (callback != NULL)
    callback (user_data);
  return G_SOURCE_REMOVE;
}

static void
stop_source_dispose (GSource *source)
{
  CgCaller *self = ((CgStopSource *) source)->caller;

  _cg_mutex_lock (&self->stop_lock);
  if (self->stop_sources != NULL)
    g_hash_table_remove (self->stop_sources, source);
  _cg_mutex_unlock (&self->stop_lock);
}

static void
stop_source_finalize (GSource *source)
{
  g_object_unref (((CgStopSource *) source)->caller);
}

static GSourceFuncs stop_source_funcs = {
  NULL,
  NULL,
  stop_source_dispatch,
  stop_source_finalize,
  NULL,
  NULL,
};

/* A source, not attached, that dispatches once @self has stopped (at
 * once if it has). Takes only a lock of its own: features call it with
 * theirs held, the caller's among them. */
GSource *
_cg_caller_stop_source_new (CgCaller *self)
{
  GSource *source = g_source_new (&stop_source_funcs, sizeof (CgStopSource));

  ((CgStopSource *) source)->caller = g_object_ref (self);
  g_source_set_dispose_function (source, stop_source_dispose);
  g_source_set_static_name (source, "[caller-glib] caller stopped");

  _cg_mutex_lock (&self->stop_lock);
  if (self->stop_fired)
    g_source_set_ready_time (source, 0);
  else
    {
      if (self->stop_sources == NULL)
        self->stop_sources = g_hash_table_new (NULL, NULL);
      g_hash_table_add (self->stop_sources, source);
    }
  _cg_mutex_unlock (&self->stop_lock);

  return source;
}

/* Makes every stop source of @self ready. */
void
_cg_caller_fire_stop_sources (CgCaller *self)
{
  GPtrArray *sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  GHashTableIter iter;
  gpointer source;

  _cg_mutex_lock (&self->stop_lock);
  self->stop_fired = TRUE;
  if (self->stop_sources != NULL)
    {
      g_hash_table_iter_init (&iter, self->stop_sources);
      while (g_hash_table_iter_next (&iter, &source, NULL))
        g_ptr_array_add (sources, g_source_ref (source));
      g_hash_table_remove_all (self->stop_sources);
    }
  _cg_mutex_unlock (&self->stop_lock);

  for (guint i = 0; i < sources->len; i++)
    g_source_set_ready_time (g_ptr_array_index (sources, i), 0);
  g_ptr_array_unref (sources);
}

/* An owned thread whose loop has ended delivers what it still owes. */
static void
deliver_owed_answers (CgCaller *self)
{
  while (g_atomic_int_get (&self->holds) > 0)
    g_main_context_iteration (self->context, TRUE);
}

void
_cg_caller_discard_list (CgCaller  *self,
              CgInboxNode *list)
{
  while (list != NULL)
    {
      CgInboxNode *next = list->next;

      list->next = NULL;
      list->func (list, self, FALSE);
      list = next;
    }
}

/* Drops every piece of work the caller still holds; on its thread, or once
 * nothing else runs it. */
void
_cg_caller_discard_all (CgCaller *self)
{
  CgInboxNode *orphans, *timers;

  for (;;)
    {
      _cg_mutex_lock (&self->lock);
      orphans = self->orphans;
      self->orphans = NULL;
      timers = cg_timer_heap_steal_all (&self->timers);
      _cg_mutex_unlock (&self->lock);

      if (orphans == NULL && timers == NULL && self->inbox.local_head == NULL)
        break;

      _cg_caller_discard_list (self, cg_inbox_steal_local (&self->inbox));
      _cg_caller_discard_list (self, orphans);
      _cg_caller_discard_list (self, timers);
    }
  /* Maybe not on the caller's thread: keep nothing. */
  _cg_job_release_held ();
}

static void
run_due_timers (CgCaller *self)
{
  gint64 now = g_get_monotonic_time ();

  for (;;)
    {
      CgInboxNode *node;

      _cg_mutex_lock (&self->lock);
      node = cg_timer_heap_pop_due (&self->timers, now);
      _cg_mutex_unlock (&self->lock);

      if (node == NULL)
        break;
      node->func (node, self, !_cg_caller_is_closed (self));
    }
}

static gint64
next_deadline (CgCaller *self)
{
  gint64 next;

  _cg_mutex_lock (&self->lock);
  next = cg_timer_heap_next (&self->timers);
  _cg_mutex_unlock (&self->lock);

  return next;
}

/* Runs a batch of work; FALSE once the caller is closed. Owner thread. */
static gboolean
caller_dispatch (CgCaller *self)
{
  gint64 start = 0;
  CgInboxNode *node;
  guint n = 0, next_check = 1;

  if (_cg_caller_is_closed (self))
    {
      _cg_caller_discard_all (self);
      return FALSE;
    }

  cg_inbox_take (&self->inbox);
  /* A batch of one node needs no budget: the reply a thread waits for
   * usually comes alone, and the clock is not read on its way. */
  if (self->inbox.local_length > 1)
    start = g_get_monotonic_time ();

  while ((node = cg_inbox_pop_local (&self->inbox)) != NULL)
    {
      node->func (node, self, !_cg_caller_is_closed (self));

      /* While more nodes wait, the clock is read after the first node,
       * then about every eighth of the budget as the nodes so far say:
       * every 64 nodes when they are tiny, after every one when each
       * takes a millisecond or more (a done callback that updates
       * widgets), so that a batch never runs far past its budget. */
      if (++n == next_check && self->inbox.local_head != NULL)
        {
          gint64 elapsed;

          if (start == 0)  /* more came with a node that posted to itself */
            start = g_get_monotonic_time ();
          elapsed = g_get_monotonic_time () - start;

          if (elapsed > DISPATCH_BUDGET_USEC)
            break;
          next_check = n + (guint) CLAMP ((gint64) n * (DISPATCH_BUDGET_USEC / 8) / MAX (elapsed, 1),
                                          1, 64);
        }
    }

  /* A delayed job still in the inbox may have an earlier deadline than
   * those in the heap: due jobs wait until the inbox is drained, so that
   * they start in the order of their deadlines, unless a flood keeps it
   * full for longer than TIMER_MAX_WAIT_USEC. */
  if ((self->inbox.local_head == NULL && !cg_inbox_has_pending (&self->inbox)) ||
      g_get_monotonic_time () - next_deadline (self) > TIMER_MAX_WAIT_USEC)
    run_due_timers (self);

  /* A thread the caller does not own may wait for anything next. */
  if (!self->owns_thread)
    _cg_job_release_held ();

  return !_cg_caller_is_closed (self);
}

static gboolean
caller_source_prepare (GSource *source,
                       gint    *timeout)
{
  CgCaller *self = ((CgCallerSource *) source)->caller;
  gint64 next;

  if (cg_inbox_has_pending (&self->inbox) || _cg_caller_is_closed (self))
    {
      *timeout = 0;
      return TRUE;
    }

  next = next_deadline (self);
  if (next == G_MAXINT64)
    {
      *timeout = -1;
    }
  else
    {
      gint64 now = g_source_get_time (source);

      if (next <= now)
        {
          *timeout = 0;
          return TRUE;
        }
      *timeout = (gint) MIN ((next - now + 999) / 1000, G_MAXINT);
    }

  /* About to sleep: from now on producers wake the context. Check again
   * after announcing it so a push made just before is not missed. */
  cg_inbox_set_sleeping (&self->inbox, TRUE);
  if (cg_inbox_has_pending (&self->inbox))
    {
      cg_inbox_set_sleeping (&self->inbox, FALSE);
      *timeout = 0;
      return TRUE;
    }

  return FALSE;
}

static gboolean
caller_source_check (GSource *source)
{
  CgCaller *self = ((CgCallerSource *) source)->caller;

  cg_inbox_set_sleeping (&self->inbox, FALSE);

  return cg_inbox_has_pending (&self->inbox) ||
         _cg_caller_is_closed (self) ||
         next_deadline (self) <= g_source_get_time (source);
}

static gboolean
caller_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  CgCaller *self = ((CgCallerSource *) source)->caller;

  if (caller_dispatch (self))
    return G_SOURCE_CONTINUE;

  _cg_mutex_lock (&self->lock);
  if (self->source == source)
    {
      self->source = NULL;
      g_source_unref (source);
    }
  _cg_mutex_unlock (&self->lock);

  return G_SOURCE_REMOVE;
}

static void
caller_source_finalize (GSource *source)
{
  CgCaller *self = ((CgCallerSource *) source)->caller;

  _cg_caller_discard_all (self);
  g_object_unref (self);
}

static GSourceFuncs caller_source_funcs = {
  caller_source_prepare,
  caller_source_check,
  caller_source_dispatch,
  caller_source_finalize,
  NULL,
  NULL,
};

/* Attaches the caller's source to its context; FALSE when it is closed. */
gboolean
_cg_caller_attach_source (CgCaller *self)
{
  GSource *source;

  _cg_mutex_lock (&self->lock);
  if (_cg_caller_is_closed (self) || self->source != NULL)
    {
      gboolean ok = self->source != NULL;

      _cg_mutex_unlock (&self->lock);
      return ok;
    }

  source = g_source_new (&caller_source_funcs, sizeof (CgCallerSource));
  ((CgCallerSource *) source)->caller = g_object_ref (self);
  g_source_set_static_name (source, "[caller-glib] caller");
  g_source_set_priority (source, g_atomic_int_get (&self->priority));
  g_source_set_can_recurse (source, TRUE);
  self->source = source;
  g_source_attach (source, self->context);
  g_atomic_int_set (&self->started, 1);
  _cg_mutex_unlock (&self->lock);

  return TRUE;
}

void
_cg_caller_detach_source (CgCaller *self)
{
  GSource *source;

  _cg_mutex_lock (&self->lock);
  source = self->source;
  self->source = NULL;
  _cg_mutex_unlock (&self->lock);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}

/* Owned threads ----------------------------------------------------------- */

/* Idle caller threads that spin at once: at most one per processor, so
 * that many callers that just ran out of work do not take the processors
 * from the threads that have some for longer than a spin. (The pool's
 * workers spin under a cap of their own, cg-worker-pool.c.) Half the
 * processors was too few: on two, of two callers that call each other
 * the one that had just handed over a call found the other still
 * spinning, parked, and had to be woken for the reply, 5 µs a call
 * instead of 0.6. */
static gint idle_spinners;

static gint
max_idle_spinners (void)
{
  static gsize value = 0;

  if (g_once_init_enter (&value))
    g_once_init_leave (&value, (gsize) MAX (1, g_get_num_processors ()));

  return (gint) value;
}

/* Spins until work arrives or @usec pass; TRUE when there is work. The
 * thread still counts as a spinner then, until it has run that work and
 * calls spin_done(): the count is a cache line every idle caller writes,
 * and the work that ended the spin (a reply somebody waits for) should
 * not wait for it. */
static gboolean
spin_for_work (CgCaller *self,
               gint64    usec)
{
  gint64 end;
  CgSpin spin;

  if (g_atomic_int_add (&idle_spinners, 1) >= max_idle_spinners ())
    {
      g_atomic_int_add (&idle_spinners, -1);
      return FALSE;
    }

  _cg_spin_init (&spin);
  end = MIN (spin.now + usec, next_deadline (self));
  while (spin.now < end)
    {
      if (cg_inbox_has_pending (&self->inbox))
        return TRUE;
      if (g_atomic_int_get (&self->quit))
        break;
      _cg_spin_pause (&spin);
    }

  g_atomic_int_add (&idle_spinners, -1);
  return FALSE;
}

static void
spin_done (void)
{
  g_atomic_int_add (&idle_spinners, -1);
}

void
_cg_caller_set_work_func (CgCaller         *self,
                          CgCallerWorkFunc  func,
                          gpointer          data)
{
  self->work_data = data;
  g_atomic_pointer_set (&self->work_func, func);
  /* The thread may be parked already: let it look. */
  g_main_context_wakeup (self->context);
}

/* A thread with a work function: runs what it gives, and what its inbox
 * holds between batches, with the rest of its context every few
 * batches; parks in its context when there is nothing. */
static void
run_work_func (CgCaller         *self,
               CgCallerWorkFunc  func,
               guint            *batches)
{
  if (!func (self, self->work_data))
    {
      _cg_job_release_held ();
      g_main_context_iteration (self->context, TRUE);
      return;
    }
  if ((++*batches & 15) == 0)
    g_main_context_iteration (self->context, FALSE);
  else if (cg_inbox_has_pending (&self->inbox) || self->inbox.local_head != NULL)
    caller_dispatch (self);
}

gpointer
_cg_caller_thread_main (gpointer data)
{
  CgCaller *self = data;
  gint64 spin = _cg_spin_usec ();
  guint direct = 0;

  g_main_context_push_thread_default (self->context);
  g_main_context_acquire (self->context);

  self->thread = g_thread_ref (g_thread_self ());
  _cg_caller_bind_here (self);
  _cg_caller_registry_set_thread (self);
  _cg_caller_attach_source (self);

  _cg_mutex_lock (&self->lock);
  self->ready = TRUE;
  g_cond_broadcast (&self->ready_cond);
  _cg_mutex_unlock (&self->lock);

  while (!g_atomic_int_get (&self->quit))
    {
      CgCallerWorkFunc work = g_atomic_pointer_get (&self->work_func);

      if (work != NULL)
        {
          run_work_func (self, work, &direct);
          continue;
        }
      if (spin > 0 && !g_atomic_int_get (&self->no_spin) && spin_for_work (self, spin))
        {
          /* Work arrived while spinning: run it without the poll() of a
           * main-loop iteration, but let the context's other sources in
           * every few batches. */
          caller_dispatch (self);
          spin_done ();
          if ((++direct & 31) != 0)
            continue;
          g_main_context_iteration (self->context, FALSE);
          continue;
        }
      _cg_job_release_held ();
      g_main_context_iteration (self->context, TRUE);
    }
  _cg_job_release_held ();

  _cg_caller_detach_source (self);
  _cg_caller_discard_all (self);
  deliver_owed_answers (self);

  g_main_context_release (self->context);
  g_main_context_pop_thread_default (self->context);
  _cg_caller_bind_here (NULL);

  g_object_unref (self);
  return NULL;
}
