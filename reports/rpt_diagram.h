/*
 * rpt_diagram — a sequence diagram of a window of the run (diagram.svg,
 * `ksim run FILE --diagram FROM..TO`): one lane per node that sent or
 * received in the window (or was hit by a fault in it), one arrow per
 * message delivered in the window, labelled with what it is, and the node
 * faults drawn on their lanes.
 *
 * Labels come from the frames themselves: a Kafka request is labelled with
 * its API's name (kp_api_name of the header's api_key) and its response
 * with the request's name + " response", paired by correlation id on the
 * connection; a ZooKeeper client frame with its op (zk_op_name; "connect"
 * for a session's first frame, "ping" for pings) and the reply likewise,
 * paired by xid; ZooKeeper's server-to-server frames with their message
 * type ("vote", "proposal", ...). Which protocol a connection speaks is told
 * by its port (rpt_diagram_port); other ports give "N bytes".
 *
 * The module sees every frame of the run (rpt_diagram_frame, normally as
 * the world's frame sink) so that connections and requests that began
 * before the window are still paired; it keeps only the arrows inside the
 * window, at most RPT_DIAGRAM_MAX_ARROWS (the SVG says how many more there
 * were), and only the pending requests of the last minute before it.
 *
 * Ownership: everything is copied; frames are read only during the call.
 */
#ifndef KSIM_RPT_DIAGRAM_H
#define KSIM_RPT_DIAGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { RPT_DIAGRAM_MAX_ARROWS = 400, RPT_DIAGRAM_MAX_LANES = 64 };

enum rpt_proto {
	RPT_PROTO_OTHER,
	RPT_PROTO_KAFKA,     /* Kafka's request/response protocol */
	RPT_PROTO_ZK,        /* ZooKeeper's client protocol (jute) */
	RPT_PROTO_ZK_QUORUM, /* ZooKeeper server-to-server (ksim's encoding) */
};

struct rpt_diagram;

/* A diagram of [from_ns, to_ns] (from_ns <= to_ns). */
struct rpt_diagram *rpt_diagram_new(int64_t from_ns, int64_t to_ns);
void rpt_diagram_free(struct rpt_diagram *d);

/* Says which protocol connections to `port` speak (at most 16 ports). */
void rpt_diagram_port(struct rpt_diagram *d, uint16_t port, enum rpt_proto proto);

/*
 * One frame delivered at time_ns from node `from` to node `to` on
 * connection `conn` (to `port`), sent by the connecting end when
 * from_client. A sim_frame_fn (sim/world.h) with the diagram as ctx.
 */
void rpt_diagram_frame(void *ctx, int64_t time_ns, const char *from, const char *to,
		       uint64_t conn, bool from_client, uint16_t port, const uint8_t *frame,
		       size_t len);

/* A fault (or its undoing) on the named nodes; drawn when inside the window. */
void rpt_diagram_fault(struct rpt_diagram *d, int64_t time_ns, const char *action,
		       const char *const *targets, size_t n, bool undo);

/* Arrows kept, and messages in the window left out past the cap. */
size_t rpt_diagram_arrows(const struct rpt_diagram *d);
uint64_t rpt_diagram_left_out(const struct rpt_diagram *d);

/*
 * Writes the diagram as a standalone SVG document (XML 1.0, every text
 * escaped). Returns 0, or -1 when the stream failed.
 */
int rpt_diagram_write_svg(FILE *out, const struct rpt_diagram *d);

#endif
