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
#include "broker/kafka/brk_pstate.h"
#include "broker/kafka/brk_zk.h"
#include "broker/log/log.h"

struct brk_fetcher;

struct brk_part {
	struct brk_broker *b;
	struct brk_part *next; /* hosting order */
	char *topic;
	size_t topic_len;
	int32_t partition;
	struct log_config lcfg;
	struct log *log;
	bool open;             /* the log finished opening */
	int64_t hw_ckpt;       /* the high watermark read from the checkpoint */
	int32_t min_isr;       /* min.insync.replicas: the topic's, else the broker's */
	/* The replication state: every change goes through brk_pstate.h. */
	struct brk_pstate ps;
	/* Follower: the fetcher's plumbing (its state is ps.fstate). */
	struct brk_fetcher *fetcher;
	struct brk_part *fetch_next; /* the fetcher's list */
	bool fop_running;        /* freq is in the log's hands */
	bool refollow;           /* a new leader came while freq was running */
	struct log_req freq;     /* the follower's log operation */
};

struct brk_delayed_fetch;
struct brk_delayed_produce;

/* A broker's address as the controller announced it. */
struct brk_peer {
	int32_t id;
	char host[64];
	uint16_t port;
};

/* Legacy truncation rules (inter.broker.protocol.version). */
enum brk_truncation {
	BRK_TRUNCATE_KIP279 = 0,    /* 2.0 on: leader epochs, iterated */
	BRK_TRUNCATE_KIP101 = 1,    /* 0.11 to 1.1: one leader-epoch round */
	BRK_TRUNCATE_HW = 2,        /* before 0.11: to the high watermark */
};

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
	/* One timer for every delayed fetch: armed no later than the earliest
	 * deadline, not re-armed as fetches come and go (brk_data.c). */
	struct env_timer fetch_expiry;
	int64_t fetch_expiry_at;
	struct brk_delayed_produce *produces; /* acks=all, waiting for the ISR */
	struct brk_fetcher *fetchers;      /* one per leader this broker follows */
	struct ctl *ctl;                   /* the controller, active on one broker */
	int32_t controller_epoch;          /* the latest a controller sent (fencing) */
	struct brk_peer *peers;            /* brokers' addresses, from the controller */
	size_t n_peers;
	struct brk_isr_sender *isr_sender; /* AlterPartition to the controller */
	struct env_timer repl_timer;       /* ISR shrink checks */
	struct env_timer ckpt_timer;       /* high watermark checkpoints */
	struct brk_hw_ckpt *hw_ckpt;
	/* Producer ids: a block reserved on disk, handed out one by one. */
	int64_t pid_next;
	int64_t pid_block_end;
	bool pid_reserving;
	struct brk_req **pid_waiting;
	size_t n_pid_waiting;
	struct env_req pid_req;
	struct env_file *pid_file;
	struct brk_group_coordinator *groups;
	struct brk_shutdown *shutdown; /* a controlled shutdown under way */
	bool clean_start; /* the clean-shutdown marker was found at this start */
};

/* Kafka's clean-shutdown marker in the log directory (LogManager). */
#define BRK_CLEAN_SHUTDOWN_FILE "/.kafka_cleanshutdown"

struct brk_part *brk_part_find(const struct brk_broker *b, const char *topic, size_t len,
			       int32_t partition);
bool brk_topic_known(const struct brk_broker *b, const char *topic, size_t len);

/* brk_broker.c */
struct rb_batch;
/* Every whole, valid batch of p's log from its start up to `end`, in order
 * (reading stops at the first invalid one). */
void brk_log_walk(struct brk_part *p, int64_t end,
		  void (*each)(void *arg, const struct rb_batch *batch), void *arg);
struct brk_part *brk_part_host(struct brk_broker *b, const char *topic, int32_t partition);
const struct brk_peer *brk_peer_find(const struct brk_broker *b, int32_t id);
void brk_peer_set(struct brk_broker *b, int32_t id, const char *host, size_t host_len,
		  uint16_t port);

/* brk_controlled.c: requests from the controller */
void brk_handle_leader_and_isr(struct brk_broker *b, struct brk_req *r);
void brk_handle_update_metadata(struct brk_broker *b, struct brk_req *r);
void brk_handle_stop_replica(struct brk_broker *b, struct brk_req *r);

/* brk_leader.c: the leader's side of replication, around brk_pstate */
/* Does what a state change asks (BRK_PS_*): wakes waiting fetches and
 * produces when the high watermark moved, sends a proposed ISR. */
void brk_leader_effects(struct brk_part *p, unsigned fx);
/* Becomes (or stays, in a new epoch) the leader of p. */
void brk_leader_start(struct brk_part *p, const struct brk_pstate_update *u);
/* A follower fetched from fetch_offset: its state, the ISR, the HW. */
void brk_leader_follower_fetched(struct brk_part *p, int32_t replica, int64_t fetch_offset);
/* The leader's log grew: the high watermark may advance. */
void brk_leader_appended(struct brk_part *p);
void brk_leader_tick(struct brk_broker *b);
void brk_handle_offsets_for_leader_epoch(struct brk_broker *b, struct brk_req *r);
/* Leader epoch check of a client's or follower's request: KP_ERR_NONE,
 * FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH. */
int16_t brk_check_leader_epoch(const struct brk_part *p, int32_t current_leader_epoch);

/* brk_isr.c: AlterPartition requests to the controller */
/* Sends p->ps.pending_isr to the controller. */
void brk_isr_propose(struct brk_part *p);
void brk_isr_free(struct brk_broker *b);

/* brk_fetcher.c: the follower's side */
void brk_follow(struct brk_part *p);   /* (re)starts fetching from p->leader_id */
void brk_unfollow(struct brk_part *p); /* stops fetching */
enum brk_truncation brk_truncation_rule(const struct brk_broker *b);

/* brk_hw_ckpt.c: replication-offset-checkpoint */
void brk_hw_ckpt_load(struct brk_broker *b);
int64_t brk_hw_ckpt_get(const struct brk_broker *b, const char *topic, int32_t partition);
void brk_hw_ckpt_write(struct brk_broker *b);

/* brk_topics.c */
void brk_handle_create_topics(struct brk_broker *b, struct brk_req *r);
/* Reads the topic's min.insync.replicas override from /config/topics/<topic>
 * (the broker's default until the answer comes; later changes are not
 * watched: docs/replication.md). */
void brk_topic_config_load(struct brk_part *p);

/* brk_data.c */
void brk_handle_produce(struct brk_broker *b, struct brk_req *r);
void brk_handle_fetch(struct brk_broker *b, struct brk_req *r);
/* Which delayed fetches a change can satisfy: new data (a larger log end)
 * only followers', a new high watermark only consumers'. */
enum brk_wake { BRK_WAKE_FOLLOWERS = 1, BRK_WAKE_CONSUMERS = 2, BRK_WAKE_ALL = 3 };
/* Something changed in `p`: the delayed fetches it concerns look again. */
void brk_fetch_wake(struct brk_broker *b, struct brk_part *p, enum brk_wake who);
/* The high watermark of `p` moved (or its leadership ended): acks=all
 * produces waiting on it look again. */
void brk_produce_wake(struct brk_broker *b, struct brk_part *p);
/* Leadership of `p` ended: waiting produces fail with NOT_LEADER_OR_FOLLOWER. */
void brk_produce_abort(struct brk_broker *b, struct brk_part *p);
/* Continues after the flush an append may have queued (log.flush.interval.messages):
 * the append's caller acknowledges (or fetches again) only once it is durable, as
 * Kafka's synchronous flush inside the append makes it. */
void brk_after_flush(struct brk_part *p, struct log_req *req, log_req_cb cb);

#endif
