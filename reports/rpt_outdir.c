/* rpt_outdir — the run directory and its three reports (see rpt_outdir.h). */
#include "reports/rpt_outdir.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/rpt_junit.h"
#include "reports/rpt_markdown.h"
#include "reports/rpt_summary.h"

static bool is_safe_name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

int rpt_outdir_default(char *buf, size_t cap, const char *scenario, uint64_t seed)
{
	static const char prefix[] = "reports/out/";
	size_t n = strlen(scenario);
	char tail[32];
	int tail_len = snprintf(tail, sizeof(tail), "-%" PRIu64, seed);
	if (cap > 0)
		buf[0] = '\0';
	if (cap <= sizeof(prefix) - 1 + n + (size_t)tail_len)
		return -1;
	memcpy(buf, prefix, sizeof(prefix) - 1);
	char *name = buf + sizeof(prefix) - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)scenario[i];
		name[i] = is_safe_name_byte(c) && !(i == 0 && c == '.') ? (char)c : '_';
	}
	memcpy(name + n, tail, (size_t)tail_len + 1);
	return 0;
}

/* The path is cut at 400 bytes so that the cause always fits in the message. */
static int fail(struct rpt_error *err, const char *what, const char *path, int errnum)
{
	snprintf(err->msg, sizeof(err->msg), "%s %.400s: %s", what, path, strerror(errnum));
	return -1;
}

/* mkdir that accepts an existing directory (and only a directory). */
static int make_one(const char *path)
{
	struct stat st;
	if (mkdir(path, 0777) == 0)
		return 0;
	int e = errno;
	if (e != EEXIST)
		return e;
	if (stat(path, &st) != 0)
		return errno;
	return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

int rpt_mkdir_p(const char *path, struct rpt_error *err)
{
	if (path[0] == '\0')
		return fail(err, "cannot create directory", "\"\"", ENOENT);
	char *p = strdup(path);
	if (!p)
		return fail(err, "cannot create directory", path, ENOMEM);
	int e = 0;
	/* Each '/' after the first byte ends a parent; "a//b" and "a/" are fine. */
	for (char *s = p + 1; *s && e == 0; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		e = make_one(p);
		if (e)
			fail(err, "cannot create directory", p, e);
		*s = '/';
	}
	if (e == 0 && (e = make_one(p)) != 0)
		fail(err, "cannot create directory", p, e);
	free(p);
	return e ? -1 : 0;
}

typedef int (*write_fn)(FILE *out, const struct rpt_run *run);

/* Writes dir/name through dir/name.tmp and a rename. */
static int write_file(const char *dir, const char *name, write_fn fn, const struct rpt_run *run,
                      struct rpt_error *err)
{
	char path[4096], tmp[4096 + 8];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return fail(err, "cannot write", name, ENAMETOOLONG);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return fail(err, "cannot write", tmp, errno);
	/* A failed stdio write leaves its cause in errno; clear any older one. */
	errno = 0;
	int rc = fn(f, run);
	int e = rc ? (errno ? errno : EIO) : 0;
	if (fclose(f) != 0 && e == 0)
		e = errno ? errno : EIO;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e) {
		unlink(tmp);
		return fail(err, "cannot write", path, e);
	}
	return 0;
}

int rpt_write_run_dir(const char *dir, const struct rpt_run *run, struct rpt_error *err)
{
	if (rpt_mkdir_p(dir, err) != 0)
		return -1;
	if (write_file(dir, "summary.json", rpt_write_summary, run, err) != 0 ||
	    write_file(dir, "junit.xml", rpt_write_junit, run, err) != 0 ||
	    write_file(dir, "summary.md", rpt_write_markdown, run, err) != 0)
		return -1;
	return 0;
}
