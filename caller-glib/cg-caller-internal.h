/* cg-caller-internal.h: what the files of the caller share
 * (cg-caller.c, cg-caller-loop.c, cg-caller-registry.c); the rest of the
 * library sees cg-caller-private.h only
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-caller-private.h"
#include "cg-inbox-private.h"
#include "cg-thread-private.h"
#include "cg-timers-private.h"

G_BEGIN_DECLS

struct _CgCaller
{
  GObject       parent_instance;

  CgInbox       inbox;

  GMainContext *context;
  GThread      *thread;
  CgThreadStart *thread_start; /* the thread of cg_caller_start_new(), to join */
  char         *name;
  char         *log_domain;
  gboolean      protected_;
  gboolean      owns_thread;

  gint          started;      /* atomic */
  gint          closed;       /* atomic */
  gint          stopped;      /* atomic */
  gint          quit;         /* atomic, for an owned thread */
  gint          no_spin;      /* atomic: an owned thread parks at once when idle */
  gint          thread_bound; /* atomic, see cg_caller_set_thread_bound() */
  CgFuture     *running_job;  /* atomic, with a reference while set */
  gint          holds;        /* atomic: answers owed to this thread, see _cg_caller_hold() */
  CgCallerWorkFunc work_func; /* atomic, see _cg_caller_set_work_func() */
  gpointer      work_data;
  gint          priority;     /* atomic, and changed under @lock: that of @source */

  GMutex        lock;         /* the fields below */
  GSource      *source;
  CgTimerHeap   timers;
  GHashTable   *inflight;     /* job futures that wait for another future */
  CgInboxNode    *orphans;      /* pending work handed over by stop() */
  GMutex        stop_lock;    /* the two fields below */
  GHashTable   *stop_sources; /* weak set: sources of _cg_caller_stop_source_new() */
  gboolean      stop_fired;   /* stop() made them ready */
  GCond         ready_cond;
  gboolean      ready;        /* the owned thread set itself up */
  gboolean      spawned;      /* g_thread_try_new() returned for it */
};

/* cg-caller.c */
void        _cg_caller_notify_running     (CgCaller    *self);
void        _cg_caller_stop_now           (CgCaller    *self,
                                           gboolean     thread_exits);

/* cg-caller-loop.c */
gboolean    _cg_caller_attach_source      (CgCaller    *self);
void        _cg_caller_detach_source      (CgCaller    *self);
void        _cg_caller_discard_list       (CgCaller    *self,
                                           CgInboxNode *list);
void        _cg_caller_discard_all        (CgCaller    *self);
void        _cg_caller_fire_stop_sources  (CgCaller    *self);

/* cg-caller-loop.c, its thread */
gpointer    _cg_caller_thread_main        (gpointer     data);

/* cg-caller-registry.c */
typedef void (*CgCallerThreadExitFunc) (CgCaller *caller);
void        _cg_caller_registry_set_thread_exit_func (CgCallerThreadExitFunc func);
CgCaller   *_cg_caller_registry_dup_by_name (const char *name);
GList      *_cg_caller_registry_list      (void);
gboolean    _cg_caller_registry_add       (CgCaller    *self,
                                           GError     **error);
void        _cg_caller_registry_remove    (CgCaller    *self);
void        _cg_caller_registry_set_thread (CgCaller   *self);
char       *_cg_caller_registry_make_name (void);
void        _cg_caller_bind_here          (CgCaller    *self);

G_END_DECLS
