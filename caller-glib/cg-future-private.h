/* cg-future-private.h: what the rest of the library knows of CgFuture
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-future.h"
#include "cg-inbox-private.h"

G_BEGIN_DECLS

/* Bits of CgFuture.state, changed only by atomic operations. */
enum
{
  CG_FUTURE_DONE      = 1 << 0, /* outcome set, callbacks taken */
  CG_FUTURE_CANCELLED = 1 << 1, /* cancel() succeeded */
  CG_FUTURE_RUNNING   = 1 << 2, /* its job is executing now */
  CG_FUTURE_WAITERS   = 1 << 3, /* a thread may be parked in wait_sync() */
  CG_FUTURE_CHAINED   = 1 << 4, /* waits for another future's outcome */
  CG_FUTURE_HAS_JOB   = 1 << 5, /* made by a caller to run a job */
  CG_FUTURE_OWNER_IS_CALLER = 1 << 6, /* owner is a CgCaller, else a GThread */
  CG_FUTURE_TRACKED   = 1 << 7, /* a CgJob of a job list stands for it */
  CG_FUTURE_POOL_JOB  = 1 << 8, /* a job of cg_caller_to_thread() */
};
#define CG_FUTURE_LOCK_BIT 30

typedef enum
{
  CG_OUTCOME_NONE,
  CG_OUTCOME_POINTER,
  CG_OUTCOME_BOOLEAN,
  CG_OUTCOME_INT,
  CG_OUTCOME_VALUE,
  CG_OUTCOME_ERROR,
  CG_OUTCOME_CHAINED,
  CG_OUTCOME_CANCELLED,
} CgOutcomeKind;

typedef union
{
  struct
  {
    gpointer       data;
    GDestroyNotify destroy;
  } pointer;
  gboolean  boolean;
  gssize    integer;
  GValue   *value;
  GError   *error;
  CgFuture *chained;
} CgOutcomeData;

typedef struct _CgCallback CgCallback;
typedef struct _CgFutureExtra CgFutureExtra;

/* One allocation carries the future, its job and its place in a caller's
 * inbox: call_soon() allocates nothing else. Keep it at 128 bytes (the
 * W5 target of docs/performance.md). */
struct _CgFuture
{
  GObject         parent_instance;

  CgInboxNode       node;
  CgJobFunc       func;
  gpointer        func_data;
  GDestroyNotify  func_destroy;
  gint64          deadline;

  gpointer        owner;         /* CgCaller or GThread, strong */
  gint            state;         /* atomic, CG_FUTURE_* bits and lock bit */
  guint8          kind;          /* CgOutcomeKind, under the lock */
  guint8          padding_[3];
  CgOutcomeData   outcome;

  CgCallback     *callbacks;     /* newest first, under the lock */
  CgFutureExtra  *extra;         /* rarely needed state, under the lock */
  struct _CgContextMap *context; /* the job's copy of the submitter's context */
};

CgFuture   *_cg_future_new_job          (CgCaller       *caller,
                                         CgJobFunc       func,
                                         gpointer        user_data,
                                         GDestroyNotify  destroy);
void        _cg_future_set_owner_caller (CgFuture        *self,
                                         CgCaller        *caller);
void        _cg_future_set_job          (CgFuture        *self,
                                         struct _CgJob   *job);
struct _CgJob *_cg_future_dup_job       (CgFuture        *self);
void        _cg_future_set_source_tag   (CgFuture        *self,
                                         gpointer         source_tag);
void        _cg_future_set_source_object (CgFuture       *self,
                                         gpointer         source_object);
gboolean    _cg_future_answers          (CgFuture        *self,
                                         gpointer         source_object,
                                         gpointer         source_tag);
void        _cg_future_add_hook         (CgFuture        *self,
                                         CgFutureCallback hook,
                                         gpointer        user_data,
                                         GDestroyNotify  destroy);
guint       _cg_future_remove_hook      (CgFuture        *self,
                                         CgFutureCallback hook,
                                         gpointer        user_data);
gboolean    _cg_future_is_owner_thread  (CgFuture        *self);
CgCaller   *_cg_future_dup_owner_caller (CgFuture        *self);
void        _cg_future_wake_waiters     (CgFuture        *self);
void        _cg_future_abandon          (CgFuture        *self,
                                         const char      *reason);
void        _cg_future_discard_job      (CgFuture        *self,
                                         const char      *reason);
void        _cg_worker_pool_job_returned (CgFuture      *future);
CgFuture   *_cg_future_current          (void);
void        _cg_future_job_node_func    (CgInboxNode       *node,
                                         CgCaller        *caller,
                                         gboolean         run);
char       *_cg_future_dup_cancel_message (CgFuture      *self);

static inline CgFuture *
_cg_future_from_node (CgInboxNode *node)
{
  return (CgFuture *) ((guint8 *) node - G_STRUCT_OFFSET (CgFuture, node));
}

G_END_DECLS
