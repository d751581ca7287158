/* cg-thread.c: who starts the threads of the library
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-thread-private.h"

/**
 * SECTION:cg-thread
 * @title: Thread spawner
 * @short_description: who starts the threads of the library
 *
 * The library starts threads for the callers of cg_caller_start_new() and
 * for the workers of its pool. By default they are GLib threads. A
 * language binding whose runtime knows its own threads better can start
 * them instead: cg_set_thread_spawner() installs a function that gets a
 * #CgThreadStart and starts a thread of its own that calls
 * cg_thread_start_run().
 *
 * The Python binding does so: its callers' threads are then
 * `threading.Thread`s, named as the callers, which keep their Python
 * thread state from one job to the next instead of building one for each
 * call into Python.
 *
 * The threads that exist already are left as they are; the spawner serves
 * the threads started after it was installed.
 */

struct _CgThreadStart
{
  gint            ref;      /* atomic */
  char           *name;
  GThreadFunc     func;
  gpointer        data;
  GThread        *glib_thread;   /* when the library started it itself */
  GMutex          lock;
  GCond           cond;
  gboolean        ran;
  gboolean        finished;
};

G_DEFINE_BOXED_TYPE (CgThreadStart, cg_thread_start, cg_thread_start_ref, cg_thread_start_unref)

static CgHook *spawner;

/**
 * cg_set_thread_spawner:
 * @spawner: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the function that starts the library's threads, or %NULL for GLib
 *   threads
 * @user_data: data for @spawner
 * @destroy: (nullable): frees @user_data once @spawner is replaced
 *
 * Has @spawner start the threads the library starts from now on (see the
 * section's description). Meant for a language binding, once, early.
 *
 * Thread-safe.
 *
 * Since: 0.1
 */
void
cg_set_thread_spawner (CgThreadSpawner spawner_func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  _cg_hook_replace (&spawner, spawner_func, user_data, destroy);
}

/**
 * cg_thread_start_ref:
 * @self: a #CgThreadStart
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
CgThreadStart *
cg_thread_start_ref (CgThreadStart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref);
  return self;
}

/**
 * cg_thread_start_unref:
 * @self: (transfer full): a #CgThreadStart
 *
 * Drops a reference. Thread-safe.
 *
 * Since: 0.1
 */
void
cg_thread_start_unref (CgThreadStart *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  if (self->glib_thread != NULL)
    g_thread_unref (self->glib_thread);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->name);
  g_free (self);
}

/**
 * cg_thread_start_get_name:
 * @self: a #CgThreadStart
 *
 * The name the library gives the thread (a caller's name, say): name the
 * new thread so.
 *
 * Returns: the name
 *
 * Since: 0.1
 */
const char *
cg_thread_start_get_name (CgThreadStart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

/**
 * cg_thread_start_run:
 * @self: a #CgThreadStart
 *
 * Runs what the library wants done in the thread, on the calling thread,
 * which must be a new thread the spawner started: it returns once the
 * library is done with the thread (its caller stopped, say). Only the
 * first call runs anything.
 *
 * Since: 0.1
 */
void
cg_thread_start_run (CgThreadStart *self)
{
  gboolean first;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  first = !self->ran;
  self->ran = TRUE;
  g_mutex_unlock (&self->lock);
  g_return_if_fail (first);

  self->func (self->data);

  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gpointer
glib_thread_main (gpointer data)
{
  CgThreadStart *self = data;

  cg_thread_start_run (self);
  cg_thread_start_unref (self);
  return NULL;
}

CgThreadStart *
_cg_thread_spawn (const char   *name,
                  GThreadFunc   func,
                  gpointer      data,
                  GError      **error)
{
  CgThreadStart *self = g_new0 (CgThreadStart, 1);
  CgHook *current;

  g_atomic_int_set (&self->ref, 1);
  self->name = g_strdup (name);
  self->func = func;
  self->data = data;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  current = _cg_hook_dup (&spawner);
  if (current != NULL)
    {
      gboolean started = ((CgThreadSpawner) current->func) (self, current->data);

      _cg_hook_unref (current);
      if (started)
        return self;
    }

  self->glib_thread = g_thread_try_new (name, glib_thread_main, cg_thread_start_ref (self), error);
  if (self->glib_thread == NULL)
    {
      cg_thread_start_unref (self);  /* the thread's */
      cg_thread_start_unref (self);
      return NULL;
    }
  return self;
}

void
_cg_thread_join (CgThreadStart *self)
{
  GThread *glib_thread;

  g_mutex_lock (&self->lock);
  while (!self->finished)
    g_cond_wait (&self->cond, &self->lock);
  glib_thread = g_steal_pointer (&self->glib_thread);
  g_mutex_unlock (&self->lock);

  if (glib_thread != NULL)
    g_thread_join (glib_thread);
}
