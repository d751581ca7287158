/* tsan-glib.c: shows GLib's locks to ThreadSanitizer
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GLib is not built with ThreadSanitizer: its GMutex, GCond, bit locks and
 * g_once are futexes and atomics TSan never sees, so every piece of data a
 * test (or GObject, or GIO) guards with them looks unsynchronised. This
 * small library, preloaded (LD_PRELOAD) into the TSan runs of
 * tests/sanitizers/run.sh only, wraps the GLib lock functions that other
 * modules call through the PLT: it calls the real function and tells TSan
 * what it did (acquire after a lock, release before an unlock, both around
 * a condition wait). The semantics are exactly those of the locks, so it
 * hides no race; it only removes reports TSan would make because it is
 * blind. Calls GLib makes to its own locks inside libglib are bound
 * directly and stay invisible; tsan.supp covers what remains.
 *
 * It is built without -fsanitize=thread (it makes no memory accesses worth
 * checking) and takes __tsan_acquire/__tsan_release from the instrumented
 * executable, which exports the TSan runtime's interface.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

/* Weak: in a process without TSan (a helper the tests spawn) they are
 * NULL and the wrappers only call GLib. */
void __tsan_acquire (void *addr) __attribute__ ((weak));
void __tsan_release (void *addr) __attribute__ ((weak));

static void *
real_symbol (const char *name)
{
  void *symbol = dlsym (RTLD_NEXT, name);

  if (symbol == NULL)
    {
      fprintf (stderr, "tsan-glib: cannot find %s: %s\n", name, dlerror ());
      abort ();
    }
  return symbol;
}

/* The real function, looked up once. Two threads may look it up at the
 * same time; both store the same pointer. */
#define REAL(name)                                                          \
  static __typeof__ (name) *real_##name;                                    \
  __typeof__ (name) *fn_ = __atomic_load_n (&real_##name, __ATOMIC_ACQUIRE); \
  if (fn_ == NULL)                                                          \
    {                                                                       \
      fn_ = (__typeof__ (name) *) real_symbol (#name);                      \
      __atomic_store_n (&real_##name, fn_, __ATOMIC_RELEASE);               \
    }

#define ACQUIRE(p) (__tsan_acquire != NULL ? __tsan_acquire ((void *) (p)) : (void) 0)
#define RELEASE(p) (__tsan_release != NULL ? __tsan_release ((void *) (p)) : (void) 0)

/* GMutex ---------------------------------------------------------------- */

void
g_mutex_lock (GMutex *mutex)
{
  REAL (g_mutex_lock);
  fn_ (mutex);
  ACQUIRE (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  REAL (g_mutex_trylock);
  if (!fn_ (mutex))
    return FALSE;
  ACQUIRE (mutex);
  return TRUE;
}

void
g_mutex_unlock (GMutex *mutex)
{
  REAL (g_mutex_unlock);
  RELEASE (mutex);
  fn_ (mutex);
}

/* GRecMutex and GRWLock wrap a pthread lock (which TSan sees) that GLib
 * allocates on first use and publishes with an atomic TSan does not see:
 * a thread releases right after it took the lock (publishing the
 * allocation it may have made) and acquires before it calls in (seeing
 * the allocation another thread made). No user code runs between the two
 * acquisitions, so this adds no order between the data the lock guards. */

/* GRecMutex ------------------------------------------------------------- */

void
g_rec_mutex_lock (GRecMutex *mutex)
{
  REAL (g_rec_mutex_lock);
  ACQUIRE (mutex); /* see above */
  fn_ (mutex);
  ACQUIRE (mutex);
  RELEASE (mutex);
}

gboolean
g_rec_mutex_trylock (GRecMutex *mutex)
{
  REAL (g_rec_mutex_trylock);
  ACQUIRE (mutex); /* see above */
  if (!fn_ (mutex))
    return FALSE;
  ACQUIRE (mutex);
  RELEASE (mutex);
  return TRUE;
}

void
g_rec_mutex_unlock (GRecMutex *mutex)
{
  REAL (g_rec_mutex_unlock);
  RELEASE (mutex);
  fn_ (mutex);
}

/* GRWLock: readers are treated as writers (a little more order than
 * there is, never less). */

void
g_rw_lock_writer_lock (GRWLock *lock)
{
  REAL (g_rw_lock_writer_lock);
  ACQUIRE (lock); /* see above */
  fn_ (lock);
  ACQUIRE (lock);
  RELEASE (lock);
}

gboolean
g_rw_lock_writer_trylock (GRWLock *lock)
{
  REAL (g_rw_lock_writer_trylock);
  ACQUIRE (lock); /* see above */
  if (!fn_ (lock))
    return FALSE;
  ACQUIRE (lock);
  RELEASE (lock);
  return TRUE;
}

void
g_rw_lock_writer_unlock (GRWLock *lock)
{
  REAL (g_rw_lock_writer_unlock);
  RELEASE (lock);
  fn_ (lock);
}

void
g_rw_lock_reader_lock (GRWLock *lock)
{
  REAL (g_rw_lock_reader_lock);
  ACQUIRE (lock); /* see above */
  fn_ (lock);
  ACQUIRE (lock);
  RELEASE (lock);
}

gboolean
g_rw_lock_reader_trylock (GRWLock *lock)
{
  REAL (g_rw_lock_reader_trylock);
  ACQUIRE (lock); /* see above */
  if (!fn_ (lock))
    return FALSE;
  ACQUIRE (lock);
  RELEASE (lock);
  return TRUE;
}

void
g_rw_lock_reader_unlock (GRWLock *lock)
{
  REAL (g_rw_lock_reader_unlock);
  RELEASE (lock);
  fn_ (lock);
}

/* GCond: the wait gives the mutex up and takes it back. */

void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  REAL (g_cond_wait);
  RELEASE (mutex);
  fn_ (cond, mutex);
  ACQUIRE (mutex);
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  gboolean signalled;

  REAL (g_cond_wait_until);
  RELEASE (mutex);
  signalled = fn_ (cond, mutex, end_time);
  ACQUIRE (mutex);
  return signalled;
}

/* Bit locks --------------------------------------------------------------- */

void
g_bit_lock (volatile gint *address,
            gint           lock_bit)
{
  REAL (g_bit_lock);
  fn_ (address, lock_bit);
  ACQUIRE (address);
}

gboolean
g_bit_trylock (volatile gint *address,
               gint           lock_bit)
{
  REAL (g_bit_trylock);
  if (!fn_ (address, lock_bit))
    return FALSE;
  ACQUIRE (address);
  return TRUE;
}

void
g_bit_unlock (volatile gint *address,
              gint           lock_bit)
{
  REAL (g_bit_unlock);
  RELEASE (address);
  fn_ (address, lock_bit);
}

void
(g_pointer_bit_lock) (volatile void *address,
                      gint           lock_bit)
{
  REAL (g_pointer_bit_lock);
  fn_ (address, lock_bit);
  ACQUIRE (address);
}

gboolean
(g_pointer_bit_trylock) (volatile void *address,
                         gint           lock_bit)
{
  REAL (g_pointer_bit_trylock);
  if (!fn_ (address, lock_bit))
    return FALSE;
  ACQUIRE (address);
  return TRUE;
}

void
(g_pointer_bit_unlock) (volatile void *address,
                        gint           lock_bit)
{
  REAL (g_pointer_bit_unlock);
  RELEASE (address);
  fn_ (address, lock_bit);
}

/* g_once: the thread that initialises publishes with a release; the fast
 * path of g_once_init_enter() is an atomic load in the caller's own
 * (instrumented) code, which acquires from the same address, and a thread
 * that waited inside g_once_init_enter() acquires here. */

gboolean
(g_once_init_enter) (volatile void *location)
{
  gboolean enter;

  REAL (g_once_init_enter);
  enter = fn_ (location);
  if (!enter)
    ACQUIRE (location);
  return enter;
}

void
(g_once_init_leave) (volatile void *location,
                     gsize          result)
{
  REAL (g_once_init_leave);
  RELEASE (location);
  fn_ (location, result);
}

/* GTask: a task returned on one thread is propagated on another, after a
 * hand-off through GLib's main context (its lock is internal to libglib).
 * What the returning thread wrote before returning, the thread that
 * propagates reads after. */

#include <gio/gio.h>

#define TASK_RETURN(name, params, args)                                     \
  void name params                                                          \
  {                                                                         \
    REAL (name);                                                            \
    RELEASE (task);                                                         \
    fn_ args;                                                               \
  }

TASK_RETURN (g_task_return_boolean, (GTask *task, gboolean result), (task, result))
TASK_RETURN (g_task_return_int, (GTask *task, gssize result), (task, result))
TASK_RETURN (g_task_return_pointer, (GTask *task, gpointer result, GDestroyNotify destroy),
             (task, result, destroy))
TASK_RETURN (g_task_return_value, (GTask *task, GValue *result), (task, result))
TASK_RETURN (g_task_return_error, (GTask *task, GError *error), (task, error))

#define TASK_PROPAGATE(type, name)                                          \
  type name (GTask *task, GError **error)                                   \
  {                                                                         \
    type ret;                                                               \
    REAL (name);                                                            \
    ret = fn_ (task, error);                                                \
    ACQUIRE (task);                                                         \
    return ret;                                                             \
  }

TASK_PROPAGATE (gboolean, g_task_propagate_boolean)
TASK_PROPAGATE (gssize, g_task_propagate_int)
TASK_PROPAGATE (gpointer, g_task_propagate_pointer)

gboolean
g_task_propagate_value (GTask   *task,
                        GValue  *value,
                        GError **error)
{
  gboolean ret;

  REAL (g_task_propagate_value);
  ret = fn_ (task, value, error);
  ACQUIRE (task);
  return ret;
}

/* GMainContext: its lock is internal to libglib. Attaching or destroying a
 * source changes the context's tables from any thread, and iterating the
 * context changes them from its owner. Each of these acquires the context
 * before it starts and releases it when it is done, as the context's lock
 * does; what happens inside one iteration after another thread attached a
 * source during its poll() stays invisible (tsan.supp). */

static GMainContext *
context_or_default (GMainContext *context)
{
  return context != NULL ? context : g_main_context_default ();
}

guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  GMainContext *target = context_or_default (context);
  guint id;

  REAL (g_source_attach);
  ACQUIRE (target);
  id = fn_ (source, context);
  RELEASE (target);
  return id;
}

void
g_source_destroy (GSource *source)
{
  /* Read before: the source may lose its context (and its last
   * reference) inside. A stale pointer is only used as a TSan address. */
  GMainContext *context = source->context;

  REAL (g_source_destroy);
  if (context != NULL)
    ACQUIRE (context);
  fn_ (source);
  if (context != NULL)
    RELEASE (context);
}

gboolean
g_main_context_iteration (GMainContext *context,
                          gboolean      may_block)
{
  GMainContext *target = context_or_default (context);
  gboolean dispatched;

  REAL (g_main_context_iteration);
  ACQUIRE (target);
  dispatched = fn_ (context, may_block);
  ACQUIRE (target);
  RELEASE (target);
  return dispatched;
}

void
g_main_loop_run (GMainLoop *loop)
{
  GMainContext *context = g_main_loop_get_context (loop);

  REAL (g_main_loop_run);
  ACQUIRE (context);
  fn_ (loop);
  ACQUIRE (context);
  RELEASE (context);
}

/* GObject's reference count: an unref is a release (what this thread did
 * to the object happens before whoever frees it), and the thread that
 * frees must acquire. The library reads the count itself in places (it
 * recycles futures whose count is one); its atomic read of ref_count
 * acquires from the release made here on the same address. */

void
g_object_unref (gpointer object)
{
  REAL (g_object_unref);
  if (object != NULL) /* NULL: GLib's critical, nothing to annotate */
    {
      volatile guint *ref_count = &((GObject *) object)->ref_count;

      RELEASE (ref_count);
      ACQUIRE (ref_count);
    }
  fn_ (object);
}
