/* cg-recycler-private.h: items kept for reuse, per thread and shared
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A recycler keeps the items of one kind that their users gave back, for
 * the next one any thread makes: an allocation (or a GObject's making and
 * finalizing) costs more than the rest of a small job, and an item made
 * on one thread and freed on another costs glibc's allocator a lock.
 *
 * Each thread keeps up to CG_RECYCLER_MAGAZINE items of a kind in a
 * magazine of its own. A full magazine goes to the kind's depot as one
 * batch (up to CG_RECYCLER_DEPOT batches), and a thread whose magazine is
 * empty takes a batch back: items that one thread makes and another gives
 * back cost one lock per batch. Items are linked through a pointer each
 * holds at @link_offset. When a thread ends, what its magazines hold is
 * dropped with @drop, and that thread keeps nothing more.
 *
 * Each recycler has a slot of its own, one of these. */
enum
{
  CG_RECYCLER_SLOT_FUTURES,
  CG_RECYCLER_SLOT_DIRECT_CALLS,
  CG_RECYCLER_SLOT_SYNC_CALLS,
  CG_RECYCLER_SLOTS
};

#define CG_RECYCLER_MAGAZINE 128
#define CG_RECYCLER_DEPOT    256

typedef struct
{
  gsize           link_offset;
  GDestroyNotify  drop;
  guint           slot;
  /* private */
  GMutex          depot_lock;
  gpointer        depot;        /* batches, under depot_lock */
  gint            depot_count;  /* written under depot_lock, read atomically */
} CgRecycler;

#define CG_RECYCLER_INIT(link_offset, drop, slot) { (link_offset), (drop), (slot), { 0 }, NULL, 0 }

gpointer _cg_recycler_take    (CgRecycler *self);
gboolean _cg_recycler_reserve (CgRecycler *self);
void     _cg_recycler_put     (CgRecycler *self,
                               gpointer    item);
gboolean _cg_recycler_give    (CgRecycler *self,
                               gpointer    item);

G_END_DECLS
