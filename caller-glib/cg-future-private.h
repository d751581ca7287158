/* cg-future-private.h: what the rest of the library knows of CgFuture
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-private.h"
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
  CG_FUTURE_HAS_JOB   = 1 << 5, /* made by cg-job.c to run a job */
  CG_FUTURE_OWNER_IS_CALLER = 1 << 6, /* owner is a CgCaller, else a GThread */
  CG_FUTURE_DEFERRED  = 1 << 7, /* outcome set by its running job: done
                                 * when the job returns */
  CG_FUTURE_RETRIEVED = 1 << 8, /* its failure was read, or is listened for */
  CG_FUTURE_DELAYED   = 1 << 9, /* a delayed job (cg_caller_call_later()) */
  CG_FUTURE_NO_RECYCLE = 1 << 10, /* finalized, not kept, when disposed */
  CG_FUTURE_ANSWER    = 1 << 11, /* answers an _async call (never a job) */
  CG_FUTURE_SOURCE_WEAK = 1 << 12, /* its source object is held weakly */
};
/* Bits 16 to 23 belong to the job layer (observer marks, cg-job.c). */
#define CG_FUTURE_JOB_BITS_SHIFT 16
#define CG_FUTURE_JOB_BITS_MASK  (0xff << CG_FUTURE_JOB_BITS_SHIFT)
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
  CG_OUTCOME_OWNED_POINTER,     /* a pointer with a destroy notify */
} CgOutcomeKind;

typedef struct
{
  gpointer       data;
  GDestroyNotify destroy;
} CgOwnedPointer;

typedef union
{
  gpointer        pointer;
  CgOwnedPointer *owned;
  gboolean  boolean;
  gssize    integer;
  GValue   *value;
  GError   *error;
  CgFuture *chained;
  gint64    deadline;   /* a delayed job's, while it is pending (see below) */
} CgOutcomeData;

typedef struct _CgCallback CgCallback;
typedef struct _CgFutureExtra CgFutureExtra;

/* One allocation carries the future, its job and its place in a caller's
 * inbox: call_soon() allocates nothing else. Keep it at 96 bytes: GLib
 * 2.74 allocates instances from GSlice, whose 96-byte slab class costs
 * 102.5 bytes a future here, where 104 or 112 bytes cost 128 (the W5
 * target of docs/performance.md is 128 bytes a pending future). What only
 * some futures need lives elsewhere: the copy of a context (cg-job.c wraps
 * the job's data), a delayed job's deadline (in the outcome, until its
 * caller's timer heap has it), a pool job's queueing time (in its node,
 * while it is queued), a pointer result's destroy notify (with the
 * pointer, in a record of their own), and the rarely needed state, which
 * takes the place of the list of done callbacks and holds it. */
struct _CgFuture
{
  GObject         parent_instance;

  CgInboxNode       node;
  union
  {
    struct                         /* a job's (CG_FUTURE_HAS_JOB) */
    {
      CgJobFunc       func;
      gpointer        func_data;
      GDestroyNotify  func_destroy;
    };
    struct                         /* CG_FUTURE_ANSWER, under the lock */
    {
      gpointer        source_tag;    /* g_async_result_is_tagged() */
      GObject        *source_object; /* strong, or NULL; with
                                      * CG_FUTURE_SOURCE_WEAK only its
                                      * address, never dereferenced */
      GWeakRef        source_weak;   /* with CG_FUTURE_SOURCE_WEAK */
    };
  };

  gpointer        owner;         /* CgCaller or GThread, strong */
  gint            state;         /* atomic, CG_FUTURE_* bits and lock bit */
  guint8          kind;          /* CgOutcomeKind, under the lock */
  guint8          notify_frozen; /* set once, by the thread that disposes it */
  gint16          priority;      /* the job's, for the pool's queue (GLib's scale) */
  CgOutcomeData   outcome;

  /* Under the lock: the done callbacks, newest first; or, once the future
   * needs rarely needed state, that state (a CgFutureExtra, marked by the
   * low bit), which then holds the callbacks (cg-future.c). */
  union
  {
    CgCallback   *callbacks;
    guintptr      links;
  };
};

/* The layers above attach here ---------------------------------------------
 *
 * The future knows the caller only through this table, which cg-caller.c
 * fills in when the CgCaller class is made (before any caller exists, so
 * before any future can have one as its owner). Until then no thread has a
 * caller, and a future of a thread delivers there through the thread's
 * default main context. */
typedef struct
{
  gboolean     (*is_owner_thread) (CgCaller    *caller);
  gboolean     (*is_closed)       (CgCaller    *caller);
  GThread     *(*get_thread)      (CgCaller    *caller);
  const char  *(*get_name)        (CgCaller    *caller);
  /* Hands @node to the caller's thread; FALSE once it is stopped. */
  gboolean     (*post_node)       (CgCaller    *caller,
                                   CgInboxNode *node);
  /* The caller of @thread, or NULL: a reference. */
  CgCaller    *(*dup_for_thread)  (GThread     *thread);
  /* The caller of this thread when it is thread-bound
   * (cg_caller_set_thread_bound()), or NULL: a reference. */
  CgCaller    *(*dup_bound_here)  (void);
} CgOwnerFuncs;

void        _cg_future_set_owner_funcs  (const CgOwnerFuncs *funcs);

/* What the future asks of the job layer (cg-job.c), which fills this in
 * before it makes its first job, for futures with CG_FUTURE_HAS_JOB. */
typedef struct
{
  /* The job running on this thread, or NULL. */
  CgFuture   *(*current)   (void);
  /* The first cancel of a job that is neither running nor chained. */
  void        (*cancelled) (CgFuture *job);
  /* The job's future now follows another future. */
  void        (*chained)   (CgFuture *job);
} CgFutureJobFuncs;

void        _cg_future_set_job_funcs    (const CgFutureJobFuncs *funcs);

/* A thread about to block in the library's own waits (cg_future_wait_sync()
 * once it stops spinning and parks) and done blocking: a feature that
 * counts the threads making progress (the worker pool) fills this in, so
 * that a pool worker blocked here does not hold a place of the pool. Both
 * run on the blocking thread, with no lock of the library held; @begin
 * returns what @end gets (NULL: nothing to undo, @end is not called). Set
 * once, before the first wait it matters for. */
typedef struct
{
  gpointer    (*begin)     (void);
  void        (*end)       (gpointer token);
} CgBlockingFuncs;

void        _cg_future_set_blocking_funcs (const CgBlockingFuncs *funcs);

/* How a blocking wait of _cg_block_on_word() ended. */
typedef enum
{
  CG_BLOCK_DONE,
  CG_BLOCK_CANCELLED,      /* the wait's own cancellable */
  CG_BLOCK_JOB_CANCELLED,  /* the job of the waiting thread */
  CG_BLOCK_TIMED_OUT,
} CgBlockEnd;

CgBlockEnd  _cg_block_on_word           (gint            *word,
                                         gint             done,
                                         gint             waiters,
                                         gconstpointer    address,
                                         gint64           deadline,
                                         GCancellable    *cancellable,
                                         CgFuture        *awaited);

/* For the layers above ------------------------------------------------------ */

CgFuture   *_cg_future_new_for_caller   (CgCaller        *caller);
void        _cg_future_set_owner_caller (CgFuture        *self,
                                         CgCaller        *caller);
CgCaller   *_cg_future_peek_owner_caller (CgFuture       *self);
void        _cg_future_set_source_tag   (CgFuture        *self,
                                         gpointer         source_tag);
void        _cg_future_set_source_object (CgFuture       *self,
                                         gpointer         source_object);
/* For a result that @source_object keeps: no cycle between the two. */
void        _cg_future_set_source_object_weak (CgFuture  *self,
                                         gpointer         source_object);
gboolean    _cg_future_answers          (CgFuture        *self,
                                         gpointer         source_object,
                                         gpointer         source_tag);
void        _cg_future_set_attachment   (CgFuture        *self,
                                         GObject         *attachment);
GObject    *_cg_future_dup_attachment   (CgFuture        *self);
void        _cg_future_add_hook         (CgFuture        *self,
                                         CgFutureCallback hook,
                                         gpointer        user_data,
                                         GDestroyNotify  destroy);
guint       _cg_future_remove_hook      (CgFuture        *self,
                                         CgFutureCallback hook,
                                         gpointer        user_data);
gboolean    _cg_future_is_owner_thread  (CgFuture        *self);
CgCaller   *_cg_future_dup_owner_caller (CgFuture        *self);
gboolean    _cg_future_wait_outcome     (CgFuture        *self,
                                         CgWaitFlags      flags,
                                         GError         **error);
void        _cg_future_wait_timed_out   (CgFuture        *self,
                                         CgWaitFlags      flags,
                                         GError         **error);
void        _cg_future_wait_cancelled   (CgFuture        *self,
                                         CgWaitFlags      flags,
                                         GCancellable    *cancellable,
                                         GError         **error);
void        _cg_future_settle           (CgFuture        *self);
void        _cg_future_destroy_at_home  (CgCaller        *home,
                                         GDestroyNotify   destroy,
                                         gpointer         data);
CgFuture   *_cg_future_current_job      (void);
/* Once the job of @self returned: makes done a future its job completed
 * (CG_FUTURE_DEFERRED), waking waiters and running callbacks. */
void        _cg_future_publish          (CgFuture        *self);
char       *_cg_future_dup_cancel_message (CgFuture      *self);
/* A delayed job's deadline waits in the outcome, which is unused until the
 * future is done: set before the job is posted, read on its caller's
 * thread under the future's lock, 0 once the future is done. */
void        _cg_future_set_deadline     (CgFuture        *self,
                                         gint64           deadline);
gint64      _cg_future_get_deadline     (CgFuture        *self);

/* The result of a future whose outcome is CG_OUTCOME_POINTER or
 * CG_OUTCOME_OWNED_POINTER. */
static inline gpointer
_cg_future_peek_pointer (CgFuture *holder)
{
  return holder->kind == CG_OUTCOME_OWNED_POINTER ? holder->outcome.owned->data
                                                  : holder->outcome.pointer;
}

static inline void
_cg_future_lock (CgFuture *self)
{
  _cg_bit_lock (&self->state, CG_FUTURE_LOCK_BIT);
}

static inline void
_cg_future_unlock (CgFuture *self)
{
  _cg_bit_unlock (&self->state, CG_FUTURE_LOCK_BIT);
}

G_END_DECLS
