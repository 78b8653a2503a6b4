/*
 * The broker's `replication-offset-checkpoint`: every partition's high
 * watermark, written to the log directory every
 * replica.high.watermark.checkpoint.interval.ms (5 s) and read back at
 * start, as Kafka's ReplicaManager does. A restarted replica starts with the
 * high watermark it checkpointed, which is behind the true one: what the
 * pre-KIP-101 truncation rule cut logs back to (KAFKA-1211).
 *
 * The parsed file is kept in the broker's heap until the partitions it
 * names have been hosted; one write is in flight at a time.
 */
#include "broker/kafka/brk_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/log/log_ckpt.h"

#define CKPT_NAME "/replication-offset-checkpoint"
#define MAX_ENTRIES 4096

struct brk_hw_ckpt {
	char *text; /* the file as read at start; entries view it */
	struct log_ckpt_entry *e;
	size_t n;
	bool writing;
};

static struct brk_hw_ckpt *ckpt(struct brk_broker *b)
{
	if (!b->hw_ckpt)
		b->hw_ckpt = env_calloc(b->env, 1, sizeof *b->hw_ckpt);
	return b->hw_ckpt;
}

void brk_hw_ckpt_load(struct brk_broker *b)
{
	struct brk_hw_ckpt *c = ckpt(b);
	char path[256];
	snprintf(path, sizeof path, "%s%s", b->cfg->log_dir, CKPT_NAME);
	struct env_file *f;
	if (env_file_open(b->env, path, 0, &f))
		return; /* none yet */
	int64_t size = env_file_size(f);
	if (size > 0 && size < (1 << 24)) {
		c->text = env_alloc(b->env, (size_t)size + 1);
		int64_t got = env_file_read(f, 0, c->text, (size_t)size);
		c->e = env_calloc(b->env, MAX_ENTRIES, sizeof *c->e);
		struct log_ckpt_error err;
		if (got != size || log_ckpt_parse(c->text, (size_t)size, c->e, MAX_ENTRIES, &c->n,
						  &err)) {
			env_log(b->env, ENV_LOG_WARN, "%s is unreadable (line %d: %s): ignored", path,
				err.line, err.msg);
			c->n = 0;
		}
	}
	env_file_close(f);
}

int64_t brk_hw_ckpt_get(const struct brk_broker *b, const char *topic, int32_t partition)
{
	const struct brk_hw_ckpt *c = b->hw_ckpt;
	return c && c->n ? log_ckpt_find(c->e, c->n, topic, partition) : -1;
}

static void written(void *arg, int status)
{
	struct brk_broker *b = arg;
	b->hw_ckpt->writing = false;
	if (status)
		env_log(b->env, ENV_LOG_WARN, "replication-offset-checkpoint write failed");
}

void brk_hw_ckpt_write(struct brk_broker *b)
{
	struct brk_hw_ckpt *c = ckpt(b);
	if (c->writing || !b->n_parts)
		return;
	struct log_ckpt_entry *e = env_calloc(b->env, b->n_parts, sizeof *e);
	size_t n = 0;
	for (struct brk_part *p = b->parts; p; p = p->next)
		if (p->open)
			e[n++] = (struct log_ckpt_entry){p->topic, strlen(p->topic), p->partition,
							 p->ps.hw < 0 ? 0 : p->ps.hw};
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	log_ckpt_encode(&w, e, n);
	size_t need = w.len;
	uint8_t *buf = env_alloc(b->env, need ? need : 1);
	wire_writer_init(&w, buf, need);
	log_ckpt_encode(&w, e, n);
	char path[256];
	snprintf(path, sizeof path, "%s%s", b->cfg->log_dir, CKPT_NAME);
	c->writing = log_ckpt_write_file(b->env, path, buf, w.len, written, b) == LOG_OK;
	env_free(b->env, buf);
	env_free(b->env, e);
}
