/*
 * brk_impl — the broker's internal records, shared by brk_broker.c (the
 * node, its partitions, Metadata, ListOffsets, InitProducerId) and
 * brk_data.c (Produce and Fetch, with delayed fetches). Only those files
 * include it.
 */
#ifndef KSIM_BRK_IMPL_H
#define KSIM_BRK_IMPL_H

#include "broker/kafka/brk_broker.h"
#include "broker/kafka/brk_front.h"
#include "broker/kafka/brk_metadata.h"
#include "broker/kafka/brk_zk.h"
#include "broker/log/log.h"

struct brk_part {
	struct brk_broker *b;
	struct brk_part *next; /* hosting order */
	char *topic;
	int32_t partition;
	struct log_config lcfg;
	struct log *log;
	bool open;             /* the log finished opening */
	bool leader;
	int32_t leader_epoch;
	int64_t hw;            /* the high watermark */
};

struct brk_delayed_fetch;

struct brk_broker {
	struct env *env;
	const struct brk_config *cfg;
	struct brk_front *front;
	struct brk_metadata *meta; /* what UpdateMetadata told this broker */
	struct brk_zk *zk;         /* the ZooKeeper session and registration */
	struct brk_part *parts;
	struct brk_part *parts_tail;
	size_t n_parts;
	struct brk_delayed_fetch *fetches; /* waiting for data or their deadline */
	/* Producer ids: a block reserved on disk, handed out one by one. */
	int64_t pid_next;
	int64_t pid_block_end;
	bool pid_reserving;
	struct brk_req **pid_waiting;
	size_t n_pid_waiting;
	struct env_req pid_req;
	struct env_file *pid_file;
};

struct brk_part *brk_part_find(const struct brk_broker *b, const char *topic, size_t len,
			       int32_t partition);
bool brk_topic_known(const struct brk_broker *b, const char *topic, size_t len);

/* brk_topics.c */
void brk_handle_create_topics(struct brk_broker *b, struct brk_req *r);

/* brk_data.c */
void brk_handle_produce(struct brk_broker *b, struct brk_req *r);
void brk_handle_fetch(struct brk_broker *b, struct brk_req *r);
/* New data (or a new high watermark) in `p`: delayed fetches look again. */
void brk_fetch_wake(struct brk_broker *b, struct brk_part *p);

#endif
