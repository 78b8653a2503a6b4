/*
 * scn — the scenario file loader. Reads a scenario (YAML, format version 1,
 * see docs/scenarios.md and the contract in shared/scenario-format.md) and
 * turns it into a plain C value, `struct scn_scenario`, that the rest of the
 * harness reads without ever touching YAML again: every duration is integer
 * nanoseconds, every rate an integer rational, every target a parsed spec,
 * every name checked against the cluster it refers to.
 *
 * This is harness code, not node code: it uses malloc and stdio. It keeps no
 * global state and does nothing nondeterministic; the same bytes always give
 * the same scenario or the same error.
 *
 * Errors: loading stops at the FIRST problem found (one error per run, in
 * document order for YAML and shape errors; semantic checks that relate
 * several sections, such as a fault naming a topic, run after the sections
 * they depend on). The error names the file, the 1-based line and column of
 * the offending YAML node, and says what is wrong:
 *     scenarios/x.yaml:12:17: unknown key 'parttions' in topic (did you mean 'partitions'?)
 *
 * Ownership: a loaded scenario is one heap allocation tree owned by the
 * caller, who frees it with scn_free. Every string in it is a NUL-terminated
 * copy owned by the scenario. Nothing refers back into the input buffer.
 */
#ifndef KSIM_SCN_H
#define KSIM_SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* An allocator with realloc semantics: p NULL allocates, n 0 frees (and
 * returns NULL). The loader allocates everything it returns through it, so
 * tests can fail the Nth allocation; libfyaml's own memory is its own. */
struct scn_alloc {
	void *(*realloc)(void *ctx, void *p, size_t n);
	void *ctx;
};

/* Status codes; every loader function returns SCN_OK or one of these. */
enum scn_status {
	SCN_OK = 0,
	SCN_ERR_IO = 1,      /* the file could not be read */
	SCN_ERR_SYNTAX = 2,  /* not well-formed YAML */
	SCN_ERR_INVALID = 3, /* well-formed YAML, but not a valid scenario */
	SCN_ERR_NOMEM = 4,   /* an allocation failed */
};

/* The first error found. `text` is the whole "FILE:LINE:COL: message" line
 * (without a newline) that the CLI prints; the parts are kept for tests. A
 * line or column of 0 means the position is unknown (I/O errors). */
struct scn_error {
	int line;
	int column;
	char message[400];
	char text[700];
};

enum scn_mode {
	SCN_MODE_ZOOKEEPER,
	SCN_MODE_KRAFT,
};

/* One configuration entry, in file order. Values are kept as the text Kafka
 * (or ZooKeeper) would read from a properties file: `true`, `2`, `all`. */
struct scn_kv {
	char *key;
	char *value;
};

struct scn_config {
	struct scn_kv *items;
	size_t count;
};

/* A uniform range of durations; a single duration gives min == max. */
struct scn_range {
	int64_t min_ns;
	int64_t max_ns;
};

/* Events per second as the exact fraction num/den (den > 0, reduced):
 * `500/s` is 500/1, `20/ms` is 20000/1, `1/m` is 1/60. */
struct scn_rate {
	uint64_t num;
	uint64_t den;
};

struct scn_topic {
	char *name;
	int32_t partitions;
	int16_t replication_factor;
	struct scn_config config;
};

/* Producers are numbered across all groups in file order: the first group
 * with count 2 is producer-1 and producer-2, the next starts at producer-3. */
struct scn_producer_group {
	int32_t count;
	int32_t first_index; /* the number of its first producer, from 1 */
	char *topic;
	struct scn_rate rate;
	int64_t keys; /* distinct keys; 0 means round robin over partitions */
	struct scn_config config;
};

enum scn_commit {
	SCN_COMMIT_AFTER_PROCESS,
	SCN_COMMIT_BEFORE_PROCESS,
	SCN_COMMIT_NONE,
};

struct scn_consumer_group {
	int32_t count;
	int32_t first_index; /* the number of its first consumer, from 1 */
	char *topic;
	char *group; /* NULL: the consumers assign themselves every partition */
	enum scn_commit commit;
	struct scn_config config;
};

enum scn_target_kind {
	SCN_TARGET_BROKER,        /* broker-N; index N */
	SCN_TARGET_ZK,            /* zk-N; index N */
	SCN_TARGET_PRODUCER,      /* producer-N; index N */
	SCN_TARGET_CONSUMER,      /* consumer-N; index N */
	SCN_TARGET_CONTROLLER,    /* the active controller when the fault fires */
	SCN_TARGET_ZK_LEADER,     /* the ZooKeeper leader when the fault fires */
	SCN_TARGET_LEADER,        /* leader:TOPIC/P */
	SCN_TARGET_FOLLOWER,      /* follower:TOPIC/P */
	SCN_TARGET_RANDOM_BROKER, /* a live broker chosen from the seed */
	SCN_TARGET_RANDOM_ZK,     /* a live ZooKeeper server chosen from the seed */
	SCN_TARGET_BROKERS,       /* every broker */
	SCN_TARGET_ZOOKEEPER,     /* every ZooKeeper server */
	SCN_TARGET_ALL,           /* every node */
	SCN_TARGET_REST,          /* partition groups only: every node not named elsewhere */
};

/* One target spec. `topic` is set (owned) only for LEADER and FOLLOWER. */
struct scn_target {
	enum scn_target_kind kind;
	int32_t index;     /* BROKER, ZK, PRODUCER, CONSUMER: N from 1 */
	char *topic;       /* LEADER, FOLLOWER */
	int32_t partition; /* LEADER, FOLLOWER */
};

/* A target value: one spec, or several when the YAML gave a list. */
struct scn_targets {
	struct scn_target *items;
	size_t count;
};

enum scn_action {
	SCN_ACTION_KILL,
	SCN_ACTION_POWER_LOSS,
	SCN_ACTION_RESTART,
	SCN_ACTION_PAUSE,
	SCN_ACTION_PARTITION,
	SCN_ACTION_HEAL,
	SCN_ACTION_DELAY,
	SCN_ACTION_DISK,
	SCN_ACTION_CLOCK,
	SCN_ACTION_STOP,
	SCN_ACTION_ELECT_LEADERS,
	SCN_ACTION_COUNT,
};

enum scn_partition_kind {
	SCN_PARTITION_ISOLATE, /* {isolate: T}: cut T off from everyone else */
	SCN_PARTITION_GROUPS,  /* {groups: [[T..], [T..]]}: only within a group */
	SCN_PARTITION_HALVES,  /* {halves: true}: two random halves */
	SCN_PARTITION_ONE_WAY, /* {one-way: {from: T, to: T}}: drop from -> to */
};

enum scn_heal_kind {
	SCN_HEAL_ALL,       /* every partition and link fault */
	SCN_HEAL_PARTITION, /* partitions only */
};

enum scn_disk_fault {
	SCN_DISK_FSYNC_ERROR,
	SCN_DISK_WRITE_ERROR,
	SCN_DISK_FULL,
	SCN_DISK_CORRUPT,
	SCN_DISK_SLOW,
};

enum scn_clock_kind {
	SCN_CLOCK_SKEW, /* the wall clock runs ahead (or behind) by a constant */
	SCN_CLOCK_STEP, /* the wall clock jumps once by this much */
};

/* One fault. Which members mean something depends on `action`:
 * KILL, POWER_LOSS, RESTART, PAUSE: `targets`;
 * PARTITION: `partition` (ISOLATE: `targets`); HEAL: `heal`; DELAY: `targets` and `latency`;
 * DISK: `targets` and `disk` (plus `latency` for SLOW);
 * CLOCK: `targets` and `clock`. */
struct scn_fault {
	int64_t at_ns;
	enum scn_action action;
	bool has_for;
	int64_t for_ns;
	int line; /* where the fault's mapping starts, for messages */
	int column;
	struct scn_targets targets;
	struct scn_range latency;
	struct {
		enum scn_partition_kind kind;
		struct scn_targets *groups; /* GROUPS: group_count lists */
		size_t group_count;
		struct scn_targets from; /* ONE_WAY */
		struct scn_targets to;
	} partition;
	enum scn_heal_kind heal;
	struct {
		enum scn_disk_fault fault;
		uint64_t free_bytes; /* FULL: space left, default 0 */
	} disk;
	struct {
		enum scn_clock_kind kind;
		int64_t offset_ns; /* may be negative */
	} clock;
	/* ELECT_LEADERS: the partition is targets.items[0] (kind LEADER,
	 * topic and partition); unclean or preferred. */
	struct {
		bool unclean;
	} elect;
};

enum scn_nemesis_targets {
	SCN_NEMESIS_BROKERS,
	SCN_NEMESIS_ZOOKEEPER,
	SCN_NEMESIS_ALL,
};

struct scn_nemesis {
	bool enabled;
	uint32_t kinds; /* bit (1u << enum scn_action) per kind */
	struct scn_range interval;
	enum scn_nemesis_targets targets;
};

/* The checkers, in the contract's order; `scn_checker_name` gives the key. */
enum scn_checker {
	SCN_CHK_LOST_WRITE,
	SCN_CHK_DUPLICATE,
	SCN_CHK_INCONSISTENT_OFFSETS,
	SCN_CHK_NONMONOTONIC_POLL,
	SCN_CHK_NONMONOTONIC_SEND,
	SCN_CHK_POLL_SKIP,
	SCN_CHK_UNEXPECTED,
	SCN_CHK_REPLICA_DIVERGENCE,
	SCN_CHK_COMMITTED_REWRITE,
	SCN_CHK_SPLIT_BRAIN,
	SCN_CHK_ZK_AGREEMENT,
	SCN_CHK_GROUP_SKIP,
	SCN_CHK_GROUP_REDELIVERY,
	SCN_CHK_COUNT,
};

enum scn_expect {
	SCN_EXPECT_ANY, /* report only; the default */
	SCN_EXPECT_NONE,
	SCN_EXPECT_SOME,
};

struct scn_scenario {
	int format;
	char *name;
	char *description; /* NULL when absent */
	uint64_t seed;
	int64_t duration_ns;
	int64_t quiesce_ns;
	struct {
		enum scn_mode mode;
		int32_t zookeeper; /* ensemble size; 0 in kraft mode */
		int32_t brokers;
		/* cluster.kafka_version: which release's behaviours, as major *
		 * 100 + minor (307 for "3.7"); default the newest modelled. */
		int32_t kafka_version;
		struct scn_config broker;
		struct scn_config zookeeper_config;
	} cluster;
	struct scn_range net_latency;
	struct scn_range disk_write_latency;
	struct scn_range disk_fsync_latency;
	struct scn_topic *topics;
	size_t topic_count;
	struct scn_producer_group *producers;
	size_t producer_group_count;
	struct scn_consumer_group *consumers;
	size_t consumer_group_count;
	struct scn_fault *faults; /* sorted by at_ns; equal times keep file order */
	size_t fault_count;
	struct scn_nemesis nemesis;
	enum scn_expect expect[SCN_CHK_COUNT];
	bool expect_liveness;   /* `liveness: ok` */
	/* `max-unavailable: DURATION` and `acked-ratio: PERCENT` (in basis
	 * points: 99.5% is 9950), each with whether the file set it. */
	bool expect_has_max_unavailable;
	int64_t expect_max_unavailable_ns;
	bool expect_has_acked_ratio;
	int32_t expect_acked_ratio_bp;
	struct scn_alloc alloc; /* what it was loaded with; scn_free uses it */
};

/*
 * Loads the scenario file at `path`. On SCN_OK, *out holds a new scenario
 * the caller frees with scn_free; otherwise *out is NULL and *err describes
 * the first problem (its `text` is ready to print). Never crashes on any
 * input. Returns SCN_ERR_IO, SCN_ERR_SYNTAX, SCN_ERR_INVALID or
 * SCN_ERR_NOMEM on failure.
 */
int scn_load_file(const char *path, struct scn_scenario **out, struct scn_error *err);

/*
 * Same as scn_load_file, from `len` bytes in memory (not necessarily
 * NUL-terminated; embedded NULs are a syntax error). `name` is used as the
 * FILE part of error messages. The buffer is not kept.
 */
int scn_load_buffer(const char *name, const void *bytes, size_t len, struct scn_scenario **out,
                    struct scn_error *err);

/*
 * Same as scn_load_buffer, allocating the scenario through `alloc` (NULL:
 * malloc). The allocator must stay usable until scn_free. An allocation
 * failure anywhere gives SCN_ERR_NOMEM, frees everything, and leaves
 * *out NULL.
 */
int scn_load_buffer_alloc(const struct scn_alloc *alloc, const char *name, const void *bytes,
                          size_t len, struct scn_scenario **out, struct scn_error *err);

/* Frees a scenario and everything it owns; NULL is allowed. */
void scn_free(struct scn_scenario *s);

/*
 * Writes the scenario to `out` in normalized form: valid scenario YAML with
 * every default spelled out, every key in a fixed order, durations in the
 * largest exact unit, strings double-quoted. Loading the output gives an
 * equal scenario and printing it again gives the same bytes.
 */
void scn_print(const struct scn_scenario *s, FILE *out);

/*
 * Writes every configuration setting the scenario's nodes run with, per
 * component (brokers, each topic, each producer and consumer group,
 * ZooKeeper): the file's value where it sets one, else the default, each
 * line annotated with where the value comes from and what the key accepts
 * (`ksim validate --defaults`). The keys are those of broker/conf/kcfg.h.
 */
void scn_print_defaults(const struct scn_scenario *s, FILE *out);

/* Unit parsers, exposed for tests and for the command line (--seed is plain
 * integer, but a future --duration would use these). Each takes `len` bytes
 * of `text` (no NUL needed) and returns 0 or -1 for a malformed or
 * out-of-range value, without touching the output then. */
int scn_parse_duration(const char *text, size_t len, bool allow_negative, int64_t *ns);
int scn_parse_range(const char *text, size_t len, struct scn_range *range);
int scn_parse_rate(const char *text, size_t len, struct scn_rate *rate);
int scn_parse_size(const char *text, size_t len, uint64_t *bytes);

/* Formats a duration in its largest exact unit ("1500ms", "2m", "0s") into
 * buf; returns buf. `size` of 32 is always enough. */
char *scn_format_duration(int64_t ns, char *buf, size_t size);

/* Names used in the file: "kill", "lost-write", "broker", "after-process". */
const char *scn_action_name(enum scn_action a);
const char *scn_checker_name(enum scn_checker c);
const char *scn_expect_name(enum scn_expect e);

/* The Apache Kafka releases whose behaviours ksim models (cluster.kafka_version),
 * oldest first, NULL-terminated ("2.4", ..., "3.9"); and the newest, the default. */
extern const char *const scn_kafka_versions[];
#define SCN_KAFKA_VERSION_DEFAULT 309
/* "3.7" -> 307; -1 when the text is not a release ksim models. */
int32_t scn_kafka_version_parse(const char *text);

#endif
