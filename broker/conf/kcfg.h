/*
 * kcfg — the one table of configuration keys ksim models: for each key, the
 * component that reads it (broker, topic, producer, consumer, ZooKeeper),
 * its type, the range Kafka (or ZooKeeper) accepts, its default and what it
 * means. Every reader of configuration goes through it: the scenario loader
 * (`ksim validate` and `ksim run` load files the same way), the broker's
 * brk_config_set, the workload's wl_config, and `ksim validate --defaults`.
 * A key that is not in the table is not modelled and is refused where
 * scenarios give it, never ignored.
 *
 * The table is plain constant data and the functions are pure (no state,
 * no allocation), so node code may read it; YAML stays in the harness.
 * Every pointer returned points into the table and lives forever.
 */
#ifndef KSIM_KCFG_H
#define KSIM_KCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kcfg_owner {
	KCFG_BROKER,
	KCFG_TOPIC,
	KCFG_PRODUCER,
	KCFG_CONSUMER,
	KCFG_ZOOKEEPER,
	KCFG_OWNER_COUNT,
};

enum kcfg_type {
	KCFG_BOOL,    /* true or false, any case (as Kafka's ConfigDef reads it) */
	KCFG_SHORT,   /* 16-bit integer within [min, max] */
	KCFG_INT,     /* 32-bit integer within [min, max] */
	KCFG_LONG,    /* 64-bit integer within [min, max] */
	KCFG_ENUM,    /* one of `values`, exact spelling */
	KCFG_VERSION, /* a Kafka release: MAJOR.MINOR[.PATCH...] (inter.broker.protocol.version) */
	KCFG_STRING,  /* any non-empty text */
};

/* Flags of a key. */
enum {
	/* ksim sets it itself for every node (broker.id, listeners, ...): a
	 * scenario may not; node code and tests may. */
	KCFG_FIXED = 1u << 0,
	/* Kafka's ConfigDef has no bound here; ksim's range is narrower so that
	 * the model stays meaningful (the meaning says so). */
	KCFG_NARROWED = 1u << 1,
};

struct kcfg_key {
	const char *name;
	enum kcfg_owner owner;
	enum kcfg_type type;
	unsigned flags;
	int64_t min; /* integer types */
	int64_t max;
	const char *const *values; /* KCFG_ENUM: NULL-terminated */
	const char *def;           /* the default, as text; NULL: none (see meaning) */
	/* KCFG_TOPIC: the broker key whose value is the default (Kafka's synonym
	 * rule: a topic without an override follows the broker); else NULL. */
	const char *broker_default;
	const char *meaning;
};

/* The whole table, in a fixed order (by owner, then as documented). */
const struct kcfg_key *kcfg_table(size_t *count);

/* The key `name` of `owner`, or NULL. */
const struct kcfg_key *kcfg_find(enum kcfg_owner owner, const char *name);

/* The key of `owner` closest to `word` by edit distance when it reads as a
 * typo (two edits, or a third of the name), or NULL. */
const struct kcfg_key *kcfg_closest(enum kcfg_owner owner, const char *word);

/* "broker", "topic", "producer", "consumer", "ZooKeeper". */
const char *kcfg_owner_name(enum kcfg_owner owner);

/*
 * Checks `text` against the key's type and range. Returns 0 and, for
 * integer types, the value in *out (BOOL: 0 or 1; ENUM: the index in
 * `values`; VERSION: MAJOR * 1000 + MINOR; STRING: 0). On a bad value
 * returns -1 and writes into `err` (if not NULL) the sentence that follows
 * the key's quoted name, e.g. "must be from 1 to 2147483647, got 0".
 */
int kcfg_parse(const struct kcfg_key *k, const char *text, int64_t *out, char *err,
               size_t err_size);

/* The canonical text of a valid value (booleans lowercase), or `text`. */
const char *kcfg_canonical(const struct kcfg_key *k, const char *text);

#endif
