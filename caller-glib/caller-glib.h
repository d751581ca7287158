/* caller-glib.h: the umbrella header of caller-glib
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define CALLER_GLIB_INSIDE

#include "cg-version.h"
#include "cg-version-macros.h"
#include "cg-types.h"
#include "cg-enums.h"
#include "cg-error.h"
#include "cg-context.h"
#include "cg-thread.h"
#include "cg-future.h"
#include "cg-caller.h"
#include "cg-gio-bridge.h"
#include "cg-worker-pool.h"
#include "cg-fallible-job.h"
#include "cg-token-job.h"
#include "cg-future-timeout.h"
#include "cg-future-combine.h"
#include "cg-future-signal.h"
#include "cg-task-group.h"
#include "cg-exec-queue.h"
#include "cg-async-lock.h"
#include "cg-async-lock-guard.h"
#include "cg-job-list.h"
#include "cg-as-completed.h"
#include "cg-hosted-context.h"

#undef CALLER_GLIB_INSIDE
