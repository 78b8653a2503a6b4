#include "broker/log/log_types.h"

const char *log_strerror(int err)
{
	switch (err) {
	case LOG_OK: return "ok";
	case LOG_DUPLICATE: return "duplicate batch (already in the log)";
	case LOG_EINVAL: return "invalid argument or state";
	case LOG_ECORRUPT: return "corrupt or invalid record batch";
	case LOG_EOUT_OF_RANGE: return "offset out of range";
	case LOG_EOFFLINE: return "log offline after a disk error";
	case LOG_ENOT_CONTIGUOUS: return "batches do not continue the log";
	case LOG_EOUT_OF_ORDER: return "out of order producer sequence";
	case LOG_EFENCED: return "stale producer epoch";
	case LOG_EFORMAT: return "malformed checkpoint file";
	case LOG_EIO: return "disk error";
	case LOG_ETOO_LARGE: return "batch larger than a segment";
	}
	return "unknown log error";
}

static void *env_realloc_cb(void *ctx, void *p, size_t n)
{
	if (n == 0) {
		env_free(ctx, p);
		return NULL;
	}
	return env_realloc(ctx, p, n);
}

struct log_alloc log_alloc_env(struct env *env)
{
	return (struct log_alloc){env_realloc_cb, env};
}
