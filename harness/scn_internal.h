/*
 * scn_internal — what the loader's files share: the load context (which
 * holds the first error) and typed getters that turn a YAML node into a C
 * value or fail with a positioned message. Not for use outside harness/scn_*.
 *
 * Every getter returns 0, or -1 after recording an error in the context;
 * once an error is recorded later calls record nothing more, so the first
 * error is the one reported. Strings the getters return are new heap
 * copies the caller stores into the scenario (which then owns them).
 */
#ifndef KSIM_SCN_INTERNAL_H
#define KSIM_SCN_INTERNAL_H

#include "harness/scn.h"
#include "harness/scn_yaml.h"

struct scn_ctx {
	const struct scn_alloc *a;
	const char *name;
	struct scn_error *err;
	int status;
	struct scn_scenario *s;
	bool allow_rest; /* parsing partition groups, where `rest` is a target */
};

/* Where a config map sits, which decides the key checks that apply. */
enum scn_cfg_scope {
	SCN_CFG_BROKER,
	SCN_CFG_TOPIC,
	SCN_CFG_PRODUCER,
	SCN_CFG_CONSUMER,
	SCN_CFG_ZOOKEEPER,
};

int scn_fail(struct scn_ctx *c, const struct scn_ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int scn_fail_nomem(struct scn_ctx *c);

/* The closest of the NULL-terminated `names` to `word` by edit distance,
 * or NULL when none is close enough to be a likely typo. */
const char *scn_closest(const char *word, const char *const *names);

/* Checks that `n` is a mapping whose keys all appear in the NULL-terminated
 * `keys`; `where` names the mapping in messages ("topic", "cluster"). */
int scn_check_map(struct scn_ctx *c, const struct scn_ynode *n, const char *const *keys,
                  const char *where);
/* The value under `key`, or NULL. */
const struct scn_ynode *scn_get(const struct scn_ynode *map, const char *key);
/* The key node itself (for positions), or NULL. */
const struct scn_ynode *scn_get_key(const struct scn_ynode *map, const char *key);
/* The value under `key`, failing with "missing required key" when absent. */
int scn_require(struct scn_ctx *c, const struct scn_ynode *map, const char *key, const char *where,
                const struct scn_ynode **out);

int scn_want(struct scn_ctx *c, const struct scn_ynode *n, enum scn_ykind kind, const char *what);
int scn_get_int(struct scn_ctx *c, const struct scn_ynode *n, const char *what, int64_t min,
                int64_t max, int64_t *out);
int scn_get_u64(struct scn_ctx *c, const struct scn_ynode *n, const char *what, uint64_t *out);
int scn_get_bool(struct scn_ctx *c, const struct scn_ynode *n, const char *what, bool *out);
int scn_get_duration(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                     bool allow_negative, int64_t *out);
int scn_get_range(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                  struct scn_range *out);
int scn_get_rate(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                 struct scn_rate *out);
int scn_get_size(struct scn_ctx *c, const struct scn_ynode *n, const char *what, uint64_t *out);
/* A non-empty scalar, copied. */
int scn_get_string(struct scn_ctx *c, const struct scn_ynode *n, const char *what, char **out);
/* One of the NULL-terminated `names`; *out is its index. */
int scn_get_enum(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                 const char *const *names, int *out);
char *scn_strdup(struct scn_ctx *c, const char *text);

/* scn_config.c: a config mapping into ordered pairs, type-checking the keys
 * the simulator understands. */
int scn_load_config(struct scn_ctx *c, const struct scn_ynode *n, enum scn_cfg_scope scope,
                    struct scn_config *cfg);
void scn_config_free(const struct scn_alloc *a, struct scn_config *cfg);

/* scn_faults.c: faults, nemesis and expect; they need topics, brokers and
 * clients loaded first to check the names they refer to. */
int scn_load_faults(struct scn_ctx *c, const struct scn_ynode *n);
int scn_load_nemesis(struct scn_ctx *c, const struct scn_ynode *n);
int scn_load_expect(struct scn_ctx *c, const struct scn_ynode *n);
void scn_faults_free(struct scn_scenario *s);

/* scn_groups.c: `partition: {groups}` puts every node (brokers, ZooKeeper
 * servers, producers, consumers) in exactly one group; `n` is the groups'
 * YAML sequence, already parsed into f->partition.groups. */
int scn_check_groups(struct scn_ctx *c, const struct scn_ynode *n, const struct scn_fault *f);

/* Lowest topic index with this name, or -1. */
int scn_find_topic(const struct scn_scenario *s, const char *name);

#endif
