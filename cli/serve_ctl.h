/*
 * serve_ctl — `ksim serve --control PATH`: a Unix socket that fires faults
 * on demand while real clients run (shared scenario-format.md, "Commands
 * added"). One command per line, in the scenario's fault vocabulary:
 *   ACTION TARGET [for DURATION]     kill, pause, restart, power-loss
 *   partition isolate TARGET [for DURATION]
 *   partition groups T,T/T,T [for DURATION]
 *   delay TARGET MIN..MAX [for DURATION]
 *   heal all | heal partition
 *   reset clients                     close every client connection at once
 *   partition isolate clients [for DURATION], delay clients MIN..MAX [for
 *   DURATION]                         every client connection (the `clients` node)
 * Each line is answered with one line: `ok NODE...` (the nodes the target
 * resolved to) or `error: MESSAGE`. A command is checked by the scenario
 * loader itself (written as a one-fault scenario of the same cluster), so
 * it means exactly what the same fault in a file means.
 *
 * Ownership: the server owns its socket (removed on free) and connections;
 * the run, the fault runner and the loop must outlive it.
 */
#ifndef KSIM_SERVE_CTL_H
#define KSIM_SERVE_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "faults/flt.h"
#include "harness/run_impl.h"
#include "real/real_loop.h"

struct serve_ctl;

/* Listens on `path`. NULL with a message in `err` when it cannot. */
struct serve_ctl *serve_ctl_new(struct real_loop *l, const char *path, struct run *r,
                                struct flt_runner *flt, uint32_t clients, bool real_files,
                                char *err, size_t err_size);
void serve_ctl_free(struct serve_ctl *c);
/* The fault runner's reports pass through here, so that an answer can
 * name the nodes a command hit. */
void serve_ctl_saw(struct serve_ctl *c, const struct flt_report *rep);

#endif
