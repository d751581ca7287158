/* cg-caller-registry.c: the callers of the process, by name and by thread
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-internal.h"

/* Registry ------------------------------------------------------------- */

static GMutex registry_lock;
static GList *registry_order;        /* newest first, strong references */
static GHashTable *registry_by_name; /* borrowed */
static GHashTable *registry_by_thread; /* borrowed */
static guint registry_counter;

static void current_caller_free (gpointer data);

/* The caller bound to this thread, kept alive for as long as the thread;
 * a thread that ends stops its caller (current_caller_free()). */
static GPrivate current_caller_key = G_PRIVATE_INIT (current_caller_free);

static void
registry_ensure (void)
{
  if (registry_by_name == NULL)
    {
      registry_by_name = g_hash_table_new (g_str_hash, g_str_equal);
      registry_by_thread = g_hash_table_new (NULL, NULL);
    }
}

/* Called with the registry lock held. */
static char *
registry_make_name_locked (void)
{
  for (;;)
    {
      char *name = g_strdup_printf ("caller-%u", ++registry_counter);

      if (!g_hash_table_contains (registry_by_name, name))
        return name;
      g_free (name);
    }
}

gboolean
_cg_caller_registry_add (CgCaller  *self,
              GError   **error)
{
  _cg_mutex_lock (&registry_lock);
  registry_ensure ();

  if (g_hash_table_contains (registry_by_name, self->name))
    {
      _cg_mutex_unlock (&registry_lock);
      g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS,
                   _("A caller named “%s” exists already; choose another name or "
                     "use cg_caller_get_instance() to find it"), self->name);
      return FALSE;
    }
  if (self->thread != NULL && g_hash_table_contains (registry_by_thread, self->thread))
    {
      _cg_mutex_unlock (&registry_lock);
      g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS,
                           _("That thread has a caller already; a thread has one "
                             "caller at most"));
      return FALSE;
    }

  g_hash_table_insert (registry_by_name, self->name, self);
  if (self->thread != NULL)
    g_hash_table_insert (registry_by_thread, self->thread, self);
  registry_order = g_list_prepend (registry_order, g_object_ref (self));
  _cg_mutex_unlock (&registry_lock);

  return TRUE;
}

void
_cg_caller_registry_set_thread (CgCaller *self)
{
  _cg_mutex_lock (&registry_lock);
  registry_ensure ();
  if (g_list_find (registry_order, self) != NULL)
    g_hash_table_insert (registry_by_thread, self->thread, self);
  _cg_mutex_unlock (&registry_lock);
}

void
_cg_caller_registry_remove (CgCaller *self)
{
  GList *link;

  _cg_mutex_lock (&registry_lock);
  registry_ensure ();
  link = g_list_find (registry_order, self);
  if (link == NULL)
    {
      _cg_mutex_unlock (&registry_lock);
      return;
    }
  registry_order = g_list_delete_link (registry_order, link);
  if (g_hash_table_lookup (registry_by_name, self->name) == self)
    g_hash_table_remove (registry_by_name, self->name);
  if (self->thread != NULL && g_hash_table_lookup (registry_by_thread, self->thread) == self)
    g_hash_table_remove (registry_by_thread, self->thread);
  _cg_mutex_unlock (&registry_lock);

  g_object_unref (self);
}

/* A name no running caller has, for a caller made without one. */
char *
_cg_caller_registry_make_name (void)
{
  char *name;

  _cg_mutex_lock (&registry_lock);
  registry_ensure ();
  name = registry_make_name_locked ();
  _cg_mutex_unlock (&registry_lock);

  return name;
}

/* The caller of the current thread, if it has one (not a reference). */
CgCaller *
_cg_caller_peek_here (void)
{
  return g_private_get (&current_caller_key);
}

/* Makes @self (nullable) the caller of the current thread, with a
 * reference the thread keeps until it ends or binds another. */
void
_cg_caller_bind_here (CgCaller *self)
{
  g_private_replace (&current_caller_key, self != NULL ? g_object_ref (self) : NULL);
}

CgCaller *
_cg_caller_dup_for_thread (GThread *thread)
{
  CgCaller *caller = NULL;

  _cg_mutex_lock (&registry_lock);
  if (registry_by_thread != NULL)
    caller = g_hash_table_lookup (registry_by_thread, thread);
  if (caller != NULL)
    g_object_ref (caller);
  _cg_mutex_unlock (&registry_lock);

  return caller;
}

static CgCaller *
registry_dup_by_name (const char *name)
{
  CgCaller *caller = NULL;

  _cg_mutex_lock (&registry_lock);
  if (registry_by_name != NULL)
    caller = g_hash_table_lookup (registry_by_name, name);
  if (caller != NULL)
    g_object_ref (caller);
  _cg_mutex_unlock (&registry_lock);

  return caller;
}

/* Public API ------------------------------------------------------------- */

/**
 * cg_caller_get:
 * @thread: (nullable): the thread whose caller is wanted, or %NULL for the
 *   current thread
 * @create: make the caller of the current thread if it has none
 * @protected_: whether a caller made now is protected from stopping
 * @error: return location for a #GError
 *
 * The caller of a thread, the counterpart of async_kernel's `Caller(...)`.
 * With @create, the current thread gets one bound to its thread-default
 * #GMainContext (named %CG_CALLER_MAIN_THREAD when that is
 * g_main_context_default()); it accepts work at once but runs it only
 * after cg_caller_start(), from the loop that runs that context.
 *
 * Fails with %CG_CALLER_ERROR_NOT_FOUND when the thread has no caller and
 * @create is %FALSE, and with %CG_CALLER_ERROR_WRONG_THREAD when asked to
 * create one for another thread.
 *
 * Returns: (transfer full): the caller, or %NULL with @error set
 */
CgCaller *
cg_caller_get (GThread   *thread,
               gboolean   create,
               gboolean   protected_,
               GError   **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autofree char *name = NULL;
  CgCaller *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (thread == NULL)
    thread = g_thread_self ();

  self = _cg_caller_dup_for_thread (thread);
  if (self != NULL)
    return self;

  if (!create)
    {
      g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND,
                           _("The thread has no caller; pass create=TRUE to make one"));
      return NULL;
    }

  if (thread != g_thread_self ())
    {
      g_set_error_literal (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD,
                           _("A caller can be created only for the current thread; "
                             "call this from the thread itself"));
      return NULL;
    }

  context = g_main_context_ref_thread_default ();
  if (context == g_main_context_default ())
    {
      g_autoptr(CgCaller) main_caller = registry_dup_by_name (CG_CALLER_MAIN_THREAD);

      if (main_caller == NULL)
        name = g_strdup (CG_CALLER_MAIN_THREAD);
    }

  self = g_object_new (CG_TYPE_CALLER,
                       "name", name,
                       "context", context,
                       "protected", protected_,
                       NULL);
  self->thread = g_thread_ref (thread);

  if (!_cg_caller_registry_add (self, error))
    {
      g_object_unref (self);
      /* Lost a race with another creator on this thread's behalf. */
      return _cg_caller_dup_for_thread (thread);
    }

  _cg_caller_bind_here (self);

  return self;
}

/**
 * cg_caller_get_current:
 *
 * The caller of the current thread, if it has one.
 *
 * Returns: (transfer none) (nullable): the current thread's caller
 */
CgCaller *
cg_caller_get_current (void)
{
  CgCaller *self = _cg_caller_peek_here ();

  if (self != NULL && !_cg_caller_is_closed (self))
    return self;

  /* The registry holds a reference while the caller runs. */
  self = _cg_caller_dup_for_thread (g_thread_self ());
  if (self != NULL)
    g_object_unref (self);
  return self;
}

/**
 * cg_caller_get_instance:
 * @name: (nullable): the caller's name; %NULL means %CG_CALLER_MAIN_THREAD
 * @create: start the caller when there is none by that name
 * @error: return location for a #GError
 *
 * Finds a running caller by name. With @create, a missing one is started:
 * %CG_CALLER_MAIN_THREAD as the caller of g_main_context_default(), bound
 * to the main thread and started (someone must run that context), any
 * other name with cg_caller_start_new().
 *
 * Fails with %CG_CALLER_ERROR_NOT_FOUND when there is none and @create is
 * %FALSE, and with %CG_CALLER_ERROR_EXISTS when %CG_CALLER_MAIN_THREAD is
 * to be made but the main thread has a caller already, bound to another
 * context (a thread has one caller at most).
 *
 * Returns: (transfer full): the caller, or %NULL with @error set
 */
CgCaller *
cg_caller_get_instance (const char  *name,
                        gboolean     create,
                        GError     **error)
{
  CgCaller *self;

  g_return_val_if_fail (name == NULL || *name != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL)
    name = CG_CALLER_MAIN_THREAD;

  for (;;)
    {
      GError *local = NULL;

      self = registry_dup_by_name (name);
      if (self != NULL)
        return self;

      if (!create)
        {
          g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND,
                       _("There is no caller named “%s”; pass create=TRUE to start one"),
                       name);
          return NULL;
        }

      if (g_str_equal (name, CG_CALLER_MAIN_THREAD))
        {
          g_autoptr(CgCaller) other = _cg_caller_dup_for_thread (_cg_main_thread ());

          /* One caller a thread: a main thread that serves another
           * context has no room for the caller of the default one. */
          if (other != NULL && !g_str_equal (other->name, CG_CALLER_MAIN_THREAD))
            {
              g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS,
                           _("The main thread has a caller already, “%s”, bound to "
                             "another main context; a thread has one caller at most"),
                           other->name);
              return NULL;
            }

          self = g_object_new (CG_TYPE_CALLER,
                               "name", name,
                               "context", g_main_context_default (),
                               NULL);
          self->thread = g_thread_ref (_cg_main_thread ());
          if (_cg_caller_registry_add (self, &local))
            {
              if (self->thread == g_thread_self ())
                _cg_caller_bind_here (self);
              _cg_caller_attach_source (self);
              _cg_caller_notify_running (self);
              return self;
            }
          g_object_unref (self);
          self = NULL;
        }
      else
        {
          self = cg_caller_start_new (name, FALSE, NULL, &local);
          if (self != NULL)
            return self;
        }

      /* Someone else made it first: look again. Anything else is final. */
      if (!g_error_matches (local, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS) ||
          (self = registry_dup_by_name (name)) != NULL)
        {
          if (self != NULL)
            g_clear_error (&local);
          else
            g_propagate_error (error, local);
          return self;
        }
      g_clear_error (&local);
    }
}

/**
 * cg_caller_all_callers:
 * @running_only: list only the callers that are running
 *
 * The callers that have not been stopped, oldest first.
 *
 * Returns: (transfer full) (element-type CgCaller): the callers
 */
GList *
cg_caller_all_callers (gboolean running_only)
{
  GList *result = NULL, *l;

  _cg_mutex_lock (&registry_lock);
  for (l = registry_order; l != NULL; l = l->next)
    {
      CgCaller *caller = l->data;

      if (!running_only || cg_caller_get_running (caller))
        result = g_list_prepend (result, g_object_ref (caller));
    }
  _cg_mutex_unlock (&registry_lock);

  return result;
}

typedef struct _StopAllHook StopAllHook;

struct _StopAllHook
{
  StopAllHook   *next;
  CgStopAllHook  func;
  gpointer       data;
};

/* Newest first; atomic. Hooks are never removed, so whoever read the head
 * may walk the list without a lock. */
static StopAllHook *stop_all_hooks;

void
_cg_caller_add_stop_all_hook (CgStopAllHook func,
                              gpointer      data)
{
  StopAllHook *hook = g_new (StopAllHook, 1);

  hook->func = func;
  hook->data = data;
  do
    hook->next = g_atomic_pointer_get (&stop_all_hooks);
  while (!g_atomic_pointer_compare_and_exchange (&stop_all_hooks, hook->next, hook));
}

static void
run_stop_all_hooks (StopAllHook *hooks,
                    gboolean     stopping,
                    gboolean     force)
{
  for (StopAllHook *hook = hooks; hook != NULL; hook = hook->next)
    hook->func (stopping, force, hook->data);
}

/**
 * cg_caller_stop_all:
 * @force: stop protected callers too
 *
 * Stops every unprotected caller (every caller with @force), newest
 * first, as cg_caller_stop() does.
 *
 * The workers of cg_caller_to_thread() are unprotected callers: once this
 * returns, no pool job submitted before it starts, and the jobs that were
 * waiting for a worker completed as cancelled. The pool serves later
 * calls again.
 */
void
cg_caller_stop_all (gboolean force)
{
  StopAllHook *hooks = g_atomic_pointer_get (&stop_all_hooks);
  GList *callers = NULL, *l;

  run_stop_all_hooks (hooks, TRUE, force);

  _cg_mutex_lock (&registry_lock);
  for (l = registry_order; l != NULL; l = l->next)
    callers = g_list_prepend (callers, g_object_ref (l->data));
  _cg_mutex_unlock (&registry_lock);
  callers = g_list_reverse (callers); /* newest first */

  for (l = callers; l != NULL; l = l->next)
    cg_caller_stop (l->data, force);

  g_list_free_full (callers, g_object_unref);

  run_stop_all_hooks (hooks, FALSE, force);
}

/* The destroy notify of the current thread's caller: runs when the thread
 * ends (or binds another caller, which only happens once this one is
 * stopped). A caller of a context that someone else ran, left running by
 * a thread that ends, is stopped here: its jobs could never run again. */
static void
current_caller_free (gpointer data)
{
  CgCaller *self = data;

  if (!self->owns_thread && !_cg_caller_is_closed (self))
    _cg_caller_stop_now (self, TRUE);
  g_object_unref (self);
}

