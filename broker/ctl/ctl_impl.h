/*
 * ctl_impl — the controller's internal records, shared by its files only:
 * ctl.c (election, lifecycle, the event loop), ctl_state.c (loading the
 * cluster from ZooKeeper and reconciling it), ctl_alter.c (AlterPartition
 * and preferred replica election), ctl_send.c (building LeaderAndIsr and
 * UpdateMetadata) and ctl_channel.c (the channels to brokers).
 *
 * Like Kafka's controller event thread, the controller does one piece of
 * work at a time (`busy`): a load/reconcile round, one AlterPartition
 * request, or a preferred election round. Events that come meanwhile set a
 * flag or wait in a queue, and ctl_kick starts the next when the current
 * one ends. Every ZooKeeper request carries the generation it was sent in
 * (bumped at each session change and resignation), so an answer to a
 * request from an earlier stint is ignored.
 */
#ifndef KSIM_CTL_IMPL_H
#define KSIM_CTL_IMPL_H

#include "broker/ctl/ctl.h"
#include "broker/ctl/ctl_channel.h"
#include "broker/ctl/ctl_election.h"
#include "broker/ctl/ctl_zk.h"

#define CTL_HOST_MAX 64

/* A live broker as /brokers/ids/<id> says. */
struct ctl_broker {
	int32_t id;
	char host[CTL_HOST_MAX];
	uint16_t port;
	int64_t epoch; /* the znode's czxid: Kafka's broker epoch */
	struct ctl_channel *ch;
	bool fresh;    /* started (or bounced) in this round: gets everything */
};

struct ctl_part {
	int32_t replicas[CTL_MAX_REPLICAS];
	int32_t n_replicas;
	bool has_state;     /* the state znode exists and was read */
	bool znode;         /* /brokers/topics/T/partitions/P exists */
	bool reload;        /* re-read the state znode in the next round */
	bool changed;       /* written in this round: LeaderAndIsr to its replicas */
	bool created;       /* its first state was written (is_new in LeaderAndIsr) */
	struct ctl_pstate st;
	struct ctl_pstate next; /* the state being written */
	enum ctl_why why;
};

struct ctl_topic {
	char *name;
	struct ctl_part *parts; /* indexed by partition number */
	int32_t n_parts;
	bool loaded;        /* assignment read at least once */
	bool dirty;         /* its data changed: read the assignment again */
	bool parts_znode;   /* /brokers/topics/T/partitions exists */
	bool seen;          /* in the latest children list */
};

/* A ZooKeeper request of the controller (see the file comment). */
struct ctl_op;
typedef void ctl_op_fn(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res);
struct ctl_op {
	struct ctl *c;  /* NULL once the controller is freed */
	struct env *env;
	uint32_t gen;
	ctl_op_fn *done;
	struct ctl_topic *topic;
	int32_t partition;
	int32_t id;
	void *owned;  /* freed with the op */
	struct ctl_op *prev, *next;
};

/* A job of ctl_alter.c or ctl_shutdown.c: partition states written one by
 * one, each in a fenced multi; the job ends when every write is answered. */
struct ctl_slot {
	struct ctl_topic *t;
	int32_t p;
	struct kp_alter_partition_result *res; /* AlterPartition only */
	int32_t isr[CTL_MAX_REPLICAS];
	bool stop_replica; /* controlled shutdown: the leaving broker follows it */
	struct kp_elect_partition_result *eres; /* ElectLeaders only */
};

struct ctl_alter_job {
	struct brk_req *r;   /* NULL for a preferred election round */
	int32_t shutdown_id; /* the broker of a ControlledShutdown job, else -1 */
	struct ctl_slot *slots;
	int32_t n_slots;
	struct kp_alter_partition_topic_result *topics;
	int32_t n_topics;
	struct kp_elect_topic_result *etopics; /* ElectLeaders only */
	int32_t n_etopics;
	int32_t pending;
	bool wrote;          /* some state changed */
};

struct ctl {
	struct env *env;
	const struct brk_config *cfg;
	struct zk_client *zc;
	uint32_t gen;
	struct ctl_op *ops; /* ZooKeeper requests in flight */
	char client_id[32];

	/* Election. */
	bool active;
	int32_t epoch;
	int32_t epoch_version; /* /controller_epoch's version after our election */
	bool electing;         /* an election step is in flight */
	int32_t tried_epoch;   /* the epoch our last election attempt wrote */
	struct env_timer retry; /* a failed election or round tries again */

	/* The cluster as loaded (active only). */
	struct ctl_broker *brokers; /* live, by id */
	int32_t n_brokers;
	struct ctl_topic **topics;  /* by name */
	int32_t n_topics;
	bool loaded;                /* the first round after election is done */

	/* The event loop. */
	bool busy;
	bool want_round;     /* brokers, topics or an assignment changed */
	bool want_rebalance; /* a preferred election round is due */
	struct brk_req **alters; /* AlterPartition requests waiting */
	int32_t n_alters;
	struct ctl_alter_job *job; /* the AlterPartition or rebalance writes in flight */
	struct env_timer rebalance;
	/* Brokers in controlled shutdown (until their registration goes):
	 * never elected leader nor kept in an ISR by a controlled shutdown. */
	int32_t *shutting;
	int64_t *shutting_epochs; /* the registration that asked */
	int32_t n_shutting;

	/* The round in progress (ctl_state.c). */
	int32_t pending;     /* its ZooKeeper requests in flight */
	bool round_failed;   /* one failed: try the round again later */
	bool bounced;        /* a bounced broker left in this round: another round */
	struct ctl_broker *next_brokers; /* the live brokers being read */
	int32_t n_next_brokers;
	void (*stage_done)(struct ctl *c);
};

/* Why a controller resigns when a fenced write fails. */
#define CTL_FENCED_WHY "a write failed the controller epoch check: a newer controller exists"

/* ctl.c */
/* A ZooKeeper request's context: pass ctl_op_cb and the op to a zk_client
 * call. Its completion calls `done` unless the generation moved on (or the
 * controller was freed), then frees the op. */
struct ctl_op *ctl_op_new(struct ctl *c, ctl_op_fn *done);
void ctl_op_cb(void *arg, const struct zk_client_result *res);
/* Another controller exists (a fenced write failed, /controller changed). */
void ctl_resign(struct ctl *c, const char *why);
/* Starts the next piece of work when idle. */
void ctl_kick(struct ctl *c);
/* The current piece of work ended. */
void ctl_work_done(struct ctl *c);
/* A ZooKeeper request failed for want of a connection: try again in 100 ms-1 s. */
void ctl_retry_later(struct ctl *c);
struct ctl_broker *ctl_broker_find(const struct ctl *c, int32_t id);
struct ctl_topic *ctl_topic_find(const struct ctl *c, const char *name, size_t len);
/* The live broker ids, for the election rules; ids must hold n_brokers. */
struct ctl_live ctl_live_ids(const struct ctl *c, int32_t *ids);
/* Writes "leader" and "isr" events for a partition's state change. */
void ctl_tell_change(struct ctl *c, const struct ctl_topic *t, int32_t partition,
		     const struct ctl_pstate *old, const struct ctl_pstate *now, enum ctl_why why);

/* ctl_check.c: a partition state's invariants, after this controller read
 * it back, wrote a partition's first state, or wrote over `old`; a
 * violation stops the run (sim/invariant.h). */
enum ctl_check_what { CTL_CHECK_READ, CTL_CHECK_FIRST, CTL_CHECK_WRITE };
void ctl_check_state(const struct ctl *c, const struct ctl_topic *t, int32_t partition,
		     const struct ctl_pstate *old, const struct ctl_pstate *now,
		     enum ctl_check_what what);

/* ctl_state.c */
void ctl_round_start(struct ctl *c);
void ctl_state_drop(struct ctl *c);

/* ctl_send.c */
/* LeaderAndIsr to broker b for its partitions (all, or the changed ones). */
void ctl_send_leader_and_isr(struct ctl *c, struct ctl_broker *b, bool all);
/* UpdateMetadata with every partition to every live broker. */
void ctl_send_update_metadata_all(struct ctl *c);
/* Channels for live brokers that have none. */
void ctl_channels_sync(struct ctl *c);

/* ctl_alter.c */
void ctl_alter_next(struct ctl *c);
void ctl_rebalance_round(struct ctl *c);
void ctl_alter_fail_all(struct ctl *c, int16_t error);
void ctl_alter_job_drop(struct ctl *c);
void ctl_job_free(struct ctl *c, struct ctl_alter_job *j);
/* c->job's writes are all answered: answer, tell the brokers, next work. */
void ctl_alter_job_finish(struct ctl *c);
/* Writes slot i of c->job at its partition's p->next. */
void ctl_job_write(struct ctl *c, int32_t i);

/* ctl_leaders.c */
void ctl_elect_start(struct ctl *c, struct brk_req *r);
/* Every write of the job is answered: reply with each partition's result. */
void ctl_elect_respond(struct ctl *c, struct ctl_alter_job *j);

/* ctl_shutdown.c */
void ctl_shutdown_start(struct ctl *c, struct brk_req *r);
/* Every write of the job is answered: tell the brokers and the sender. */
void ctl_shutdown_finish(struct ctl *c, struct ctl_alter_job *j);
/* Forgets shutting-down brokers that are no longer registered. */
void ctl_shutdown_prune(struct ctl *c);

#endif
