/* cg-parking-private.h: where blocked threads wait for an address
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Threads that block until something at an address changes (a future
 * becoming done) park in one of a fixed set of lots, chosen by the
 * address, instead of each object carrying a mutex and a condition.
 * A waiter locks its lot's mutex, checks its condition and waits on the
 * lot's cond; whoever changes the condition calls _cg_parking_wake(),
 * which wakes every waiter of the lot (the others check and wait again). */
typedef struct
{
  GMutex mutex;
  GCond  cond;
} CgParkingLot;

CgParkingLot *_cg_parking_lot_for (gconstpointer address);
void          _cg_parking_wake    (gconstpointer address);

G_END_DECLS
