/* cg-hosted-context.c: a GMainContext run by another event loop
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include <errno.h>
#include <gio/gio.h>
#include <unistd.h>

#ifdef __linux__
# include <sys/epoll.h>
# define CG_HAVE_EPOLL 1
#endif

/**
 * SECTION:cg-hosted-context
 * @title: CgHostedContext
 * @short_description: a GMainContext run by another event loop
 *
 * A #CgHostedContext lets an event loop that is not GLib's run a
 * #GMainContext: Python's asyncio loop, say, which must serve a caller
 * made inside it (the Python binding does this for `Cg.Caller`), or a
 * libuv or Qt loop.
 *
 * The other loop watches one file descriptor, cg_hosted_context_get_fd(),
 * for reading, and calls cg_hosted_context_iterate() when it is readable
 * or when the timeout the last call returned has passed. Each call runs
 * the sources that are ready, with the context as the thread-default
 * context, and returns the next timeout in milliseconds (-1: none, 0: call
 * again soon).
 *
 * |[<!-- language="C" -->
 * g_autoptr(CgHostedContext) hosted = cg_hosted_context_new (context, &error);
 * gint timeout = cg_hosted_context_iterate (hosted);
 *
 * // in the other loop: watch cg_hosted_context_get_fd (hosted) for input,
 * // and when it is readable or timeout ms have passed:
 * timeout = cg_hosted_context_iterate (hosted);
 * ]|
 *
 * A hosted context is owned (g_main_context_acquire()) by the thread that
 * made it until cg_hosted_context_close(), as if a #GMainLoop ran it there.
 *
 * GLib wakes a context when a source is attached from another thread, or
 * when its ready time changes; it does not when the owning thread attaches
 * one, since a #GMainLoop would look again before it sleeps. The other
 * loop does not, so make the context with
 * %G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING (g_main_context_new_with_flags()),
 * which makes every attach wake it, or call cg_hosted_context_iterate()
 * after attaching sources outside the context's own callbacks.
 *
 * It needs epoll(7), so Linux: elsewhere cg_hosted_context_new() fails with
 * %G_IO_ERROR_NOT_SUPPORTED.
 */

/**
 * CgHostedContext:
 *
 * A #GMainContext run by another event loop. Its fields are private. All
 * its functions must be called on the thread that made it.
 *
 * Since: 0.1
 */

/* One file descriptor that epoll watches, with the events it watches for. */
typedef struct
{
  gint    fd;
  guint32 events;
} CgWatch;

struct _CgHostedContext
{
  GObject       parent_instance;

  GMainContext *context;   /* acquired while epoll_fd >= 0 */
  GThread      *thread;
  gint          epoll_fd;

  /* The cycle under way: what g_main_context_query() asked to poll. */
  GPollFD      *fds;
  gint          n_fds;
  gint          fds_size;
  gint          max_priority;
  gboolean      queried;
  gboolean      iterating;
  gboolean      close_pending;

  GArray       *watched;   /* of CgWatch: what epoll watches now */
  GArray       *wanted;    /* of CgWatch: scratch for the next cycle */
};

G_DEFINE_FINAL_TYPE (CgHostedContext, cg_hosted_context, G_TYPE_OBJECT)

static void
cg_hosted_context_init (CgHostedContext *self)
{
  self->epoll_fd = -1;
  self->watched = g_array_new (FALSE, FALSE, sizeof (CgWatch));
  self->wanted = g_array_new (FALSE, FALSE, sizeof (CgWatch));
}

static void
release (CgHostedContext *self)
{
  if (self->epoll_fd < 0)
    return;
  close (self->epoll_fd);
  self->epoll_fd = -1;
  self->queried = FALSE;
  g_array_set_size (self->watched, 0);
  g_main_context_release (self->context);
}

static void
cg_hosted_context_finalize (GObject *object)
{
  CgHostedContext *self = CG_HOSTED_CONTEXT (object);

  release (self);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->fds, g_free);
  g_array_unref (self->watched);
  g_array_unref (self->wanted);

  G_OBJECT_CLASS (cg_hosted_context_parent_class)->finalize (object);
}

static void
cg_hosted_context_class_init (CgHostedContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cg_hosted_context_finalize;
}

/**
 * cg_hosted_context_new:
 * @context: (nullable): the context to run, or %NULL for the thread-default
 *   context of the calling thread
 * @error: return location for a #GError, or %NULL
 *
 * Makes @context ready to be run by another event loop on the calling
 * thread, which owns it from now on (g_main_context_acquire()) until
 * cg_hosted_context_close() or the last reference goes. Call
 * cg_hosted_context_iterate() once to learn the first timeout.
 *
 * Returns: (transfer full): the hosted context, or %NULL with @error set:
 *   %G_IO_ERROR_BUSY when another thread owns @context,
 *   %G_IO_ERROR_NOT_SUPPORTED on a system without epoll(7)
 *
 * Since: 0.1
 */
CgHostedContext *
cg_hosted_context_new (GMainContext  *context,
                       GError       **error)
{
  CgHostedContext *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (context == NULL)
    context = g_main_context_get_thread_default ();
  if (context == NULL)
    context = g_main_context_default ();

#ifdef CG_HAVE_EPOLL
  if (!g_main_context_acquire (context))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("The main context is run by another thread"));
      return NULL;
    }

  self = g_object_new (CG_TYPE_HOSTED_CONTEXT, NULL);
  self->context = g_main_context_ref (context);
  self->thread = _cg_thread_self ();
  self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epoll_fd < 0)
    {
      int saved = errno;

      g_main_context_release (context);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not watch the main context: %s"), g_strerror (saved));
      g_object_unref (self);
      return NULL;
    }
  return self;
#else
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("Running a main context from another event loop needs epoll"));
  return NULL;
#endif
}

/**
 * cg_hosted_context_get_context:
 * @self: a #CgHostedContext
 *
 * The context that @self runs.
 *
 * Returns: (transfer none) (nullable): the context, or %NULL if @self was
 *   not made by cg_hosted_context_new()
 *
 * Since: 0.1
 */
GMainContext *
cg_hosted_context_get_context (CgHostedContext *self)
{
  g_return_val_if_fail (CG_IS_HOSTED_CONTEXT (self), NULL);

  return self->context;
}

/**
 * cg_hosted_context_get_fd:
 * @self: a #CgHostedContext
 *
 * The file descriptor the other event loop watches for reading: it is
 * readable while a source of the context may be ready. It stays the same
 * until cg_hosted_context_close(); do not read from it or close it.
 *
 * Returns: the file descriptor, or -1 once @self is closed
 *
 * Since: 0.1
 */
gint
cg_hosted_context_get_fd (CgHostedContext *self)
{
  g_return_val_if_fail (CG_IS_HOSTED_CONTEXT (self), -1);

  return self->epoll_fd;
}

#ifdef CG_HAVE_EPOLL
static guint32
epoll_events (gushort condition)
{
  guint32 events = 0;

  if (condition & G_IO_IN)
    events |= EPOLLIN;
  if (condition & G_IO_OUT)
    events |= EPOLLOUT;
  if (condition & G_IO_PRI)
    events |= EPOLLPRI;
  return events;
}

static CgWatch *
find_watch (GArray *watches,
            gint    fd)
{
  for (guint i = 0; i < watches->len; i++)
    if (g_array_index (watches, CgWatch, i).fd == fd)
      return &g_array_index (watches, CgWatch, i);
  return NULL;
}

static gboolean
epoll_set (gint     epoll_fd,
           gint     op,
           CgWatch *watch)
{
  struct epoll_event event = { .events = watch->events, .data.fd = watch->fd };

  return epoll_ctl (epoll_fd, op, watch->fd, &event) == 0;
}

/* Makes epoll watch what the cycle's GPollFDs ask for. Returns FALSE when
 * one of them cannot be watched (epoll refuses regular files, which are
 * always ready): the caller then iterates again at once. */
static gboolean
watch_fds (CgHostedContext *self)
{
  gboolean all_watched = TRUE;
  GArray *swap;

  g_array_set_size (self->wanted, 0);
  for (gint i = 0; i < self->n_fds; i++)
    {
      CgWatch *watch = find_watch (self->wanted, self->fds[i].fd);

      if (watch == NULL)
        {
          CgWatch added = { self->fds[i].fd, 0 };

          g_array_append_val (self->wanted, added);
          watch = &g_array_index (self->wanted, CgWatch, self->wanted->len - 1);
        }
      watch->events |= epoll_events (self->fds[i].events);
    }

  for (guint i = 0; i < self->watched->len; i++)
    {
      CgWatch *old = &g_array_index (self->watched, CgWatch, i);

      if (find_watch (self->wanted, old->fd) == NULL)
        epoll_set (self->epoll_fd, EPOLL_CTL_DEL, old);  /* or closed already */
    }

  for (guint i = 0; i < self->wanted->len; i++)
    {
      CgWatch *watch = &g_array_index (self->wanted, CgWatch, i);
      CgWatch *old = find_watch (self->watched, watch->fd);
      gboolean ok;

      if (old != NULL && old->events == watch->events)
        continue;
      /* A descriptor closed and reused since the last cycle has left the
       * epoll set on its own: modify or add, whichever works. */
      if (old != NULL)
        ok = epoll_set (self->epoll_fd, EPOLL_CTL_MOD, watch) ||
             (errno == ENOENT && epoll_set (self->epoll_fd, EPOLL_CTL_ADD, watch));
      else
        ok = epoll_set (self->epoll_fd, EPOLL_CTL_ADD, watch) ||
             (errno == EEXIST && epoll_set (self->epoll_fd, EPOLL_CTL_MOD, watch));
      if (!ok)
        all_watched = FALSE;
    }

  swap = self->watched;
  self->watched = self->wanted;
  self->wanted = swap;
  return all_watched;
}
#endif

/**
 * cg_hosted_context_iterate:
 * @self: a #CgHostedContext
 *
 * Runs what is ready in the context (as one g_main_context_iteration()
 * that does not block would), then gets the context ready for the next
 * call: call it again when cg_hosted_context_get_fd() is readable or after
 * the timeout it returns, whichever comes first. The context is the
 * thread-default context while its sources run.
 *
 * A call made from inside one of the context's sources does nothing and
 * returns 0.
 *
 * Returns: the longest time to wait before the next call, in milliseconds;
 *   -1 for no limit (only the file descriptor); 0 to call again soon. -1
 *   once @self is closed.
 *
 * Since: 0.1
 */
gint
cg_hosted_context_iterate (CgHostedContext *self)
{
  gint timeout = -1;

  g_return_val_if_fail (CG_IS_HOSTED_CONTEXT (self), -1);
  g_return_val_if_fail (self->epoll_fd < 0 || self->thread == _cg_thread_self (), -1);

  if (self->epoll_fd < 0)
    return -1;
  if (self->iterating)
    return 0;

#ifdef CG_HAVE_EPOLL
  self->iterating = TRUE;
  g_main_context_push_thread_default (self->context);

  if (self->queried)
    {
      self->queried = FALSE;
      if (self->n_fds > 0)
        g_poll (self->fds, self->n_fds, 0);
      if (g_main_context_check (self->context, self->max_priority, self->fds, self->n_fds))
        g_main_context_dispatch (self->context);
    }

  if (!self->close_pending)
    {
      g_main_context_prepare (self->context, &self->max_priority);
      for (;;)
        {
          self->n_fds = g_main_context_query (self->context, self->max_priority, &timeout,
                                              self->fds, self->fds_size);
          if (self->n_fds <= self->fds_size)
            break;
          self->fds_size = self->n_fds;
          self->fds = g_renew (GPollFD, self->fds, self->fds_size);
        }
      self->queried = TRUE;
      if (!watch_fds (self))
        timeout = 0;
    }

  g_main_context_pop_thread_default (self->context);
  self->iterating = FALSE;

  if (self->close_pending)
    {
      release (self);
      return -1;
    }
#endif
  return timeout;
}

/**
 * cg_hosted_context_close:
 * @self: a #CgHostedContext
 *
 * Stops hosting: releases the context (g_main_context_release()) and
 * closes the file descriptor; the other loop must stop watching it first.
 * Sources attached to the context stay there, for whoever runs it next.
 * Called from one of the context's sources, it takes effect when
 * cg_hosted_context_iterate() returns. Calling it again does nothing.
 *
 * Since: 0.1
 */
void
cg_hosted_context_close (CgHostedContext *self)
{
  g_return_if_fail (CG_IS_HOSTED_CONTEXT (self));

  if (self->iterating)
    self->close_pending = TRUE;
  else
    release (self);
}
