/*
 * The quorum-state file, as Kafka's FileBasedStateStore writes it: one line
 * of JSON (QuorumStateData v0 plus "data_version"), replaced atomically by
 * writing `quorum-state.tmp`, fsyncing it, renaming it over `quorum-state`
 * and fsyncing again so that the rename (a journaled name change) is
 * durable. A crash at any point leaves the old or the new file whole.
 *
 * Writes are asynchronous here; raft_send_* hold every outgoing frame back
 * until the state they were computed from is durable (Kafka writes the file
 * synchronously before it answers), so no vote or leadership escapes that a
 * restart could forget.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/raft/raft_impl.h"
#include "sim/invariant.h"

enum { ST_OPEN, ST_WRITTEN, ST_SYNCED, ST_RENAMED, ST_DONE };

static void path_of(const struct raft *r, char *out, size_t cap, const char *suffix)
{
	snprintf(out, cap, "%s/%s-0/quorum-state%s", r->cfg->dir, KP_RAFT_TOPIC, suffix);
}

static size_t render(const struct raft *r, char *buf, size_t cap)
{
	int n =
	    snprintf(buf, cap,
	             "{\"clusterId\":\"%s\",\"leaderId\":%d,\"leaderEpoch\":%d,"
	             "\"votedId\":%d,\"appliedOffset\":0,\"currentVoters\":[",
	             r->cfg->cluster_id ? r->cfg->cluster_id : "", r->leader, r->epoch, r->voted);
	for (int32_t i = 0; i < r->cfg->voter_count && n > 0 && (size_t)n < cap; i++)
		n += snprintf(buf + n, cap - (size_t)n, "%s{\"voterId\":%d}", i ? "," : "",
		              r->cfg->voters[i].id);
	if (n > 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, "],\"data_version\":0}");
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static bool get_int(const char *json, const char *key, int32_t *out)
{
	char pat[40];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(json, pat);
	if (!p)
		return false;
	p += strlen(pat);
	char *end;
	long v = strtol(p, &end, 10);
	if (end == p || v < INT32_MIN || v > INT32_MAX || (*end != ',' && *end != '}'))
		return false;
	*out = (int32_t)v;
	return true;
}

bool raft_store_load(struct raft *r, bool *bad)
{
	char path[256];
	path_of(r, path, sizeof path, "");
	*bad = false;
	struct env_file *f;
	if (env_file_open(r->env, path, 0, &f) != 0)
		return false;
	char buf[1024];
	int64_t n = env_file_read(f, 0, buf, sizeof buf - 1);
	env_file_close(f);
	buf[n > 0 ? n : 0] = 0;
	int32_t leader, epoch, voted;
	if (n <= 0 || !get_int(buf, "leaderId", &leader) || !get_int(buf, "leaderEpoch", &epoch) ||
	    !get_int(buf, "votedId", &voted) || epoch < 0) {
		env_log(r->env, ENV_LOG_ERROR, "raft: %s is unreadable: \"%s\"", path, buf);
		*bad = true;
		return false;
	}
	r->leader = leader;
	r->epoch = epoch;
	r->voted = voted;
	r->persisted_epoch = epoch;
	return true;
}

static void store_step(struct env_req *req, int status);

static void store_fail(struct raft *r, const char *what, int status)
{
	/* Kafka's controller dies when it cannot write quorum-state; here the
	 * node stays up but silent: nothing it sends waits on this write. */
	env_log(r->env, ENV_LOG_ERROR, "raft: quorum-state %s failed: %s", what,
	        env_status_name(status));
	if (r->store_file)
		env_file_close(r->store_file);
	r->store_file = NULL;
	r->log_failed = true;
}

static void store_begin(struct raft *r)
{
	char path[256], buf[1024];
	path_of(r, path, sizeof path, ".tmp");
	size_t len = render(r, buf, sizeof buf);
	r->store_ver = r->state_want;
	r->store_epoch = r->epoch;
	r->store_leader = r->leader;
	r->store_voted = r->voted;
	r->state_busy = true;
	int rc = env_file_open(r->env, path, ENV_O_CREATE, &r->store_file);
	if (rc != 0 || len == 0) {
		store_fail(r, "open", rc);
		return;
	}
	r->store_stage = ST_OPEN;
	r->store_req.data = r;
	/* Truncate first: a shorter state must not keep the old tail. */
	r->store_reqs += 2; /* the truncate and the write */
	env_file_truncate(&r->store_req, r->store_file, 0, store_step);
	struct env_req *w = env_alloc(r->env, sizeof *w + len);
	w->data = r;
	memcpy(w + 1, buf, len);
	env_file_write(w, r->store_file, 0, w + 1, len, store_step);
}

static void check_epoch_monotonic(struct raft *r)
{
	if (r->epoch < r->persisted_epoch)
		sim_invariant_fail("the persisted epoch never goes back",
		                   "%s: quorum-state epoch %d after %d", env_node_name(r->env),
		                   r->epoch, r->persisted_epoch);
	r->persisted_epoch = r->epoch;
}

static void store_done(struct raft *r)
{
	r->state_busy = false;
	r->state_durable = r->store_ver;
	const struct raft_observer *o = r->cfg->observer;
	if (o && o->on_persist)
		o->on_persist(o->ctx, r->id, r->store_epoch, r->store_leader, r->store_voted);
	if (r->state_want != r->state_durable)
		store_begin(r);
	else
		raft_flush_replies(r);
	raft_poll(r);
}

static void store_step(struct env_req *req, int status)
{
	struct raft *r = req->data;
	r->store_reqs--;
	if (req != &r->store_req)
		env_free(r->env, req); /* the write request carried its bytes */
	if (r->freeing) {
		raft_release(r);
		return;
	}
	if (r->log_failed)
		return; /* an earlier step failed: the chain is over */
	if (status < 0) {
		store_fail(r, "write", status);
		return;
	}
	char from[256], to[256];
	switch (r->store_stage) {
	case ST_OPEN: /* the truncate; the write follows by itself */
		r->store_stage = ST_WRITTEN;
		return;
	case ST_WRITTEN:
		r->store_stage = ST_SYNCED;
		r->store_reqs++;
		env_file_fsync(&r->store_req, r->store_file, store_step);
		return;
	case ST_SYNCED:
		env_file_close(r->store_file);
		r->store_file = NULL;
		path_of(r, from, sizeof from, ".tmp");
		path_of(r, to, sizeof to, "");
		r->store_stage = ST_RENAMED;
		r->store_reqs++;
		env_rename(&r->store_req, r->env, from, to, store_step);
		return;
	case ST_RENAMED: {
		/* The rename is durable at the next fsync on this disk. */
		path_of(r, to, sizeof to, "");
		int rc = env_file_open(r->env, to, 0, &r->store_file);
		if (rc != 0) {
			store_fail(r, "reopen", rc);
			return;
		}
		r->store_stage = ST_DONE;
		r->store_reqs++;
		env_file_fsync(&r->store_req, r->store_file, store_step);
		return;
	}
	default:
		env_file_close(r->store_file);
		r->store_file = NULL;
		store_done(r);
	}
}

void raft_store_persist(struct raft *r)
{
	check_epoch_monotonic(r);
	r->state_want++;
	if (!r->state_busy && !r->log_failed)
		store_begin(r);
}

bool raft_store_clean(const struct raft *r)
{
	return r->state_durable == r->state_want && !r->state_busy;
}
