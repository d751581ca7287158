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
static CgCallerThreadExitFunc thread_exit_func;

/* The caller bound to this thread, kept alive for as long as the thread;
 * a thread that ends stops its caller (current_caller_free()). */
static GPrivate current_caller_key = G_PRIVATE_INIT (current_caller_free);
/* The same caller, read without a lookup. */
static CG_THREAD_LOCAL CgCaller *current_caller;

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
                   _("A caller named “%s” exists already; choose another name, "
                     "or look that caller up by its name"), self->name);
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

/* Every caller of the registry, newest first: references. */
GList *
_cg_caller_registry_list (void)
{
  GList *callers = NULL;

  _cg_mutex_lock (&registry_lock);
  for (GList *l = registry_order; l != NULL; l = l->next)
    callers = g_list_prepend (callers, g_object_ref (l->data));
  _cg_mutex_unlock (&registry_lock);

  return g_list_reverse (callers);
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
  return current_caller;
}

/* Makes @self (nullable) the caller of the current thread, with a
 * reference the thread keeps until it ends or binds another. */
void
_cg_caller_bind_here (CgCaller *self)
{
  current_caller = self;
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

CgCaller *
_cg_caller_registry_dup_by_name (const char *name)
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

/* The destroy notify of the current thread's caller: runs when the thread
 * ends (or binds another caller, which only happens once this one is
 * stopped). A caller of a context that someone else ran, left running by
 * a thread that ends, is stopped here: its jobs could never run again. */
static void
current_caller_free (gpointer data)
{
  CgCallerThreadExitFunc func = g_atomic_pointer_get (&thread_exit_func);

  /* The thread ends (binding another caller has set the new one already). */
  if (current_caller == data)
    current_caller = NULL;
  if (func != NULL)
    func (data);
  g_object_unref (data);
}

/* Sets what happens to the caller of a thread that ends, before the
 * thread lets go of it. */
void
_cg_caller_registry_set_thread_exit_func (CgCallerThreadExitFunc func)
{
  g_atomic_pointer_set (&thread_exit_func, func);
}

