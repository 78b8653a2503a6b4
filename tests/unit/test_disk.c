/*
 * Tests of sim/disk through the node-facing env.h file API.
 *
 * Every test builds a one-node world whose start function hands back the
 * node's `struct env`; test code submits requests on that env from outside
 * the run loop, then runs the world until the callbacks fire, and inspects
 * the disk from outside with sim_disk_read/size (cached or durable view).
 *
 * The last tests compare the disk with small reference models of the
 * semantics written down in sim/disk.h, over thousands of random operation
 * sequences with kills and power losses in between: one for file contents
 * (page cache, durable images, unsynced ops, torn last write; with writeback
 * off, and with it on), one for the namespace (directories, renames of whole
 * trees, unlinks, journal commits). Sequences have fixed seeds; fewer run
 * when KSIM_UNDER_VALGRIND is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/rng.h"
#include "sim/world.h"

#define MS 1000000LL
#define SEC 1000000000LL

/* ---- Fixture: one node, its env, its disk ---------------------------------- */

/* The node's state is its env itself, so the test can reach it through
 * sim_node_state() without any global. */
static void *disk_node_start(struct env *env, const void *config)
{
	return env;
}

static const struct sim_node_class disk_node_class = {"disk-test", disk_node_start};

struct fx {
	struct sim_world *w;
	uint32_t id;
	struct sim_disk *d;
	struct env *env;
};

/* Writeback off, no write latency, 2..10 ms fsyncs, unless a test says so. */
static void fx_config(struct sim_disk_config *c)
{
	sim_disk_config_default(c);
	c->dirty_expire_ns = -1;
}

static void fx_start(struct fx *f)
{
	assert_true(sim_node_start(f->w, f->id));
	f->env = sim_node_state(f->w, f->id);
	assert_non_null(f->env);
}

static void fx_open_cfg(struct fx *f, uint64_t seed, const struct sim_disk_config *dc)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, seed);
	wc.disk = *dc;
	f->w = sim_world_new(&wc);
	f->id = sim_node_add(f->w, "n1", &disk_node_class, NULL);
	f->d = sim_node_disk(f->w, f->id);
	fx_start(f);
}

static void fx_open(struct fx *f)
{
	struct sim_disk_config c;
	fx_config(&c);
	fx_open_cfg(f, 1, &c);
}

static void fx_close(struct fx *f)
{
	sim_world_free(f->w);
}

static void fx_kill(struct fx *f)
{
	assert_true(sim_node_kill(f->w, f->id));
	f->env = NULL;
}

static void fx_power_loss(struct fx *f)
{
	assert_true(sim_node_power_loss(f->w, f->id));
	f->env = NULL;
}

/* A request the test waits on: counts its callbacks. */
struct call {
	struct env_req req;
	int calls;
	int status;
	int64_t result;
	int64_t done_at;
	struct sim_world *w;
};

static void call_cb(struct env_req *req, int status)
{
	struct call *c = req->data;
	c->calls++;
	c->status = status;
	c->result = req->result;
	c->done_at = sim_now(c->w);
}

static struct env_req *call_req(struct call *c, struct fx *f)
{
	memset(c, 0, sizeof *c);
	c->req.data = c;
	c->w = f->w;
	return &c->req;
}

/* Steps the world until `c` completes (it must not have completed inside
 * the submitting call); returns its status, or its result on success. */
static int64_t fx_wait(struct fx *f, struct call *c)
{
	assert_int_equal(c->calls, 0);
	while (c->calls == 0 && sim_step(f->w))
		;
	assert_int_equal(c->calls, 1);
	return c->status ? c->status : c->result;
}

static int64_t fx_write(struct fx *f, struct env_file *file, int64_t off, const void *buf,
			size_t len)
{
	struct call c;
	assert_int_equal(env_file_write(call_req(&c, f), file, off, buf, len, call_cb), ENV_OK);
	return fx_wait(f, &c);
}

static int64_t fx_append(struct fx *f, struct env_file *file, const void *buf, size_t len)
{
	struct call c;
	assert_int_equal(env_file_append(call_req(&c, f), file, buf, len, call_cb), ENV_OK);
	return fx_wait(f, &c);
}

static int64_t fx_truncate(struct fx *f, struct env_file *file, int64_t size)
{
	struct call c;
	assert_int_equal(env_file_truncate(call_req(&c, f), file, size, call_cb), ENV_OK);
	return fx_wait(f, &c);
}

static int64_t fx_fsync(struct fx *f, struct env_file *file)
{
	struct call c;
	assert_int_equal(env_file_fsync(call_req(&c, f), file, call_cb), ENV_OK);
	return fx_wait(f, &c);
}

static int64_t fx_rename(struct fx *f, const char *from, const char *to)
{
	struct call c;
	assert_int_equal(env_rename(call_req(&c, f), f->env, from, to, call_cb), ENV_OK);
	return fx_wait(f, &c);
}

static int64_t fx_unlink(struct fx *f, const char *path)
{
	struct call c;
	assert_int_equal(env_unlink(call_req(&c, f), f->env, path, call_cb), ENV_OK);
	return fx_wait(f, &c);
}

static struct env_file *fx_create(struct fx *f, const char *path)
{
	struct env_file *file = NULL;
	assert_int_equal(env_file_open(f->env, path, ENV_O_CREATE, &file), ENV_OK);
	assert_non_null(file);
	return file;
}

/* A file with `text` written at offset 0 (not fsynced). */
static struct env_file *fx_create_with(struct fx *f, const char *path, const char *text)
{
	struct env_file *file = fx_create(f, path);
	size_t n = strlen(text);
	assert_int_equal(fx_write(f, file, 0, text, n), (int64_t)n);
	return file;
}

/* The file at `path` holds exactly `len` bytes `want` in the given view. */
static void assert_view_bytes(struct fx *f, const char *path, bool durable, const void *want,
			      size_t len)
{
	uint8_t buf[4096];
	assert_true(len <= sizeof buf);
	assert_int_equal(sim_disk_size(f->d, path, durable), (int64_t)len);
	assert_int_equal(sim_disk_read(f->d, path, durable, 0, buf, sizeof buf), (int64_t)len);
	assert_memory_equal(buf, want, len);
}

static void assert_view(struct fx *f, const char *path, bool durable, const char *want)
{
	assert_view_bytes(f, path, durable, want, strlen(want));
}

static void assert_absent(struct fx *f, const char *path, bool durable)
{
	uint8_t b;
	assert_int_equal(sim_disk_size(f->d, path, durable), ENV_ENOENT);
	assert_int_equal(sim_disk_read(f->d, path, durable, 0, &b, 1), ENV_ENOENT);
}

/* Reads the whole file through a fresh handle of the current incarnation. */
static void assert_env_content(struct fx *f, const char *path, const char *want)
{
	struct env_file *file = NULL;
	assert_int_equal(env_file_open(f->env, path, 0, &file), ENV_OK);
	char buf[4096];
	size_t n = strlen(want);
	assert_int_equal(env_file_size(file), (int64_t)n);
	assert_int_equal(env_file_read(file, 0, buf, sizeof buf), (int64_t)n);
	assert_memory_equal(buf, want, n);
	env_file_close(file);
}

/* Directory listings, collected as "name" or "name/" joined by spaces. */
struct listing {
	char text[512];
	int calls;
};

static void listing_each(void *arg, const char *name, bool is_dir)
{
	struct listing *l = arg;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof l->text - n, "%s%s%s", n ? " " : "", name, is_dir ? "/" : "");
	l->calls++;
}

static void assert_listing(struct fx *f, const char *dir, const char *want)
{
	struct listing l = {{0}, 0};
	int n = env_list_dir(f->env, dir, listing_each, &l);
	assert_int_equal(n, l.calls);
	assert_string_equal(l.text, want);
}

/* ---- Opening, creating, directories ---------------------------------------- */

static void test_open_create_excl(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = (struct env_file *)&f; /* must be reset on failure */
	assert_int_equal(env_file_open(f.env, "/a", 0, &file), ENV_ENOENT);
	assert_null(file);
	assert_false(env_exists(f.env, "/a"));

	assert_int_equal(env_file_open(f.env, "/a", ENV_O_CREATE | ENV_O_EXCL, &file), ENV_OK);
	assert_true(env_exists(f.env, "/a"));
	assert_int_equal(env_file_size(file), 0);
	/* The name is in the page cache at once, durable only later. */
	assert_view(&f, "/a", false, "");
	assert_absent(&f, "/a", true);
	env_file_close(file);

	assert_int_equal(env_file_open(f.env, "/a", ENV_O_CREATE | ENV_O_EXCL, &file),
			 ENV_EEXIST);
	assert_int_equal(env_file_open(f.env, "/a", ENV_O_CREATE, &file), ENV_OK);
	env_file_close(file);
	assert_int_equal(env_file_open(f.env, "/a", 0, &file), ENV_OK);
	env_file_close(file);

	static const char *const bad[] = {"a", "", "/", "/a/", "//a", "/a//b", "/./a",
					  "/a/.", "/a/../a", "/.."};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(env_file_open(f.env, bad[i], ENV_O_CREATE, &file), ENV_EINVAL);
	/* Dots inside a name are ordinary characters. */
	assert_int_equal(env_file_open(f.env, "/.a..", ENV_O_CREATE, &file), ENV_OK);
	env_file_close(file);
	assert_int_equal(sim_node_live_allocs(f.w, f.id), 0);
	fx_close(&f);
}

static void test_open_errors(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file;
	assert_int_equal(env_file_open(f.env, "/nodir/f", ENV_O_CREATE, &file), ENV_ENOENT);
	assert_false(env_exists(f.env, "/nodir/f"));
	assert_int_equal(env_mkdir(f.env, "/dir"), ENV_OK);
	assert_int_equal(env_file_open(f.env, "/dir", 0, &file), ENV_EISDIR);
	assert_int_equal(env_file_open(f.env, "/dir", ENV_O_CREATE, &file), ENV_EISDIR);
	env_file_close(fx_create(&f, "/dir/f"));
	assert_int_equal(env_file_open(f.env, "/dir/g", 0, &file), ENV_ENOENT);

	/* A regular file where a directory is expected, at any depth. */
	assert_int_equal(env_file_open(f.env, "/dir/f/x", ENV_O_CREATE, &file), ENV_ENOTDIR);
	assert_int_equal(env_file_open(f.env, "/dir/f/x", 0, &file), ENV_ENOTDIR);
	assert_int_equal(env_file_open(f.env, "/dir/f/x/y", ENV_O_CREATE, &file), ENV_ENOTDIR);
	assert_int_equal(env_mkdir(f.env, "/dir/f/x"), ENV_ENOTDIR);
	assert_false(env_exists(f.env, "/dir/f/x"));
	fx_close(&f);
}

static void test_mkdir_mkdirs(void **state)
{
	struct fx f;
	fx_open(&f);
	assert_int_equal(env_mkdir(f.env, "/a"), ENV_OK);
	assert_int_equal(env_mkdir(f.env, "/a"), ENV_EEXIST);
	assert_int_equal(env_mkdir(f.env, "/"), ENV_EEXIST);
	assert_int_equal(env_mkdir(f.env, "/x/y"), ENV_ENOENT);
	assert_int_equal(env_mkdir(f.env, "/a/"), ENV_EINVAL);
	assert_int_equal(env_mkdir(f.env, "a"), ENV_EINVAL);
	assert_int_equal(env_mkdirs(f.env, "/x/y/z"), ENV_OK);
	assert_listing(&f, "/", "a/ x/");
	assert_listing(&f, "/x", "y/");
	assert_listing(&f, "/x/y", "z/");
	assert_listing(&f, "/x/y/z", "");
	/* Present is not an error, the root included. */
	assert_int_equal(env_mkdirs(f.env, "/x/y/z"), ENV_OK);
	assert_int_equal(env_mkdirs(f.env, "/x"), ENV_OK);
	assert_int_equal(env_mkdirs(f.env, "/"), ENV_OK);
	assert_int_equal(env_mkdirs(f.env, "/x//y"), ENV_EINVAL);

	env_file_close(fx_create(&f, "/x/file"));
	assert_int_equal(env_mkdir(f.env, "/x/file"), ENV_EEXIST);
	assert_int_equal(env_mkdirs(f.env, "/x/file"), ENV_ENOTDIR);
	assert_int_equal(env_mkdirs(f.env, "/x/file/sub"), ENV_ENOTDIR);
	assert_false(env_exists(f.env, "/x/file/sub"));
	/* Directories are names: journaled like files. */
	assert_absent(&f, "/x/y", true);
	assert_int_equal(sim_disk_size(f.d, "/x/y", false), 0);
	fx_close(&f);
}

static void test_list_dir_order(void **state)
{
	struct fx f;
	fx_open(&f);
	static const char *const files[] = {"/b", "/ab", "/a.x", "/a-b", "/B", "/a/c/d",
					    "/a/e", "/a/c-"};
	assert_int_equal(env_mkdirs(f.env, "/a/c"), ENV_OK);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		env_file_close(fx_create(&f, files[i]));
	/* Byte order: 'B' (0x42) < 'a' (0x61); "a" < "a-b" < "a.x" < "ab"; only direct
	 * children, although "/a/..." sorts between "/a.x" and "/ab" as full paths. */
	assert_listing(&f, "/", "B a/ a-b a.x ab b");
	assert_listing(&f, "/a", "c/ c- e");
	assert_listing(&f, "/a/c", "d");
	struct listing l = {{0}, 0};
	assert_int_equal(env_list_dir(f.env, "/b", listing_each, &l), ENV_ENOTDIR);
	assert_int_equal(env_list_dir(f.env, "/nope", listing_each, &l), ENV_ENOENT);
	assert_int_equal(env_list_dir(f.env, "/a/", listing_each, &l), ENV_EINVAL);
	assert_int_equal(l.calls, 0);
	assert_int_equal(env_list_dir(f.env, "/", listing_each, &l), 6);
	fx_close(&f);
}

/* ---- Data operations --------------------------------------------------------- */

static void test_write_past_end_zero_fills(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create(&f, "/f");
	assert_int_equal(fx_write(&f, file, 5, "xy", 2), 2);
	assert_int_equal(env_file_size(file), 7);
	assert_view_bytes(&f, "/f", false, "\0\0\0\0\0xy", 7);
	assert_int_equal(fx_write(&f, file, 1, "abc", 3), 3);
	assert_view_bytes(&f, "/f", false, "\0abc\0xy", 7);
	/* An empty write past the end does not change the size. */
	assert_int_equal(fx_write(&f, file, 20, "", 0), 0);
	assert_int_equal(env_file_size(file), 7);

	struct call c;
	assert_int_equal(env_file_write(call_req(&c, &f), file, -1, "z", 1, call_cb),
			 ENV_EINVAL);
	assert_int_equal(env_file_truncate(call_req(&c, &f), file, -1, call_cb), ENV_EINVAL);
	assert_int_equal(env_file_write(call_req(&c, &f), file, INT64_MAX, "z", 1, call_cb),
			 ENV_EINVAL);
	sim_run_until_idle(f.w, sim_now(f.w) + SEC);
	assert_int_equal(c.calls, 0);
	assert_int_equal(env_file_size(file), 7);
	fx_close(&f);
}

static void test_append_returns_offset(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create(&f, "/f");
	assert_int_equal(fx_append(&f, file, "abc", 3), 0);
	assert_int_equal(fx_append(&f, file, "de", 2), 3);
	/* Two appends in flight at once: each lands at the end as it stands
	 * when it is applied, so they do not overwrite each other. */
	struct call c1, c2;
	assert_int_equal(env_file_append(call_req(&c1, &f), file, "FG", 2, call_cb), ENV_OK);
	assert_int_equal(env_file_append(call_req(&c2, &f), file, "H", 1, call_cb), ENV_OK);
	assert_int_equal(env_file_size(file), 5); /* nothing completed yet */
	assert_int_equal(fx_wait(&f, &c1), 5);
	assert_int_equal(fx_wait(&f, &c2), 7);
	assert_view(&f, "/f", false, "abcdeFGH");
	/* After a truncate, appends follow the new end. */
	assert_int_equal(fx_truncate(&f, file, 2), 2);
	assert_int_equal(fx_append(&f, file, "Z", 1), 2);
	assert_view(&f, "/f", false, "abZ");
	fx_close(&f);
}

static void test_truncate_down_and_up(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create_with(&f, "/f", "0123456789");
	assert_int_equal(fx_truncate(&f, file, 4), 4);
	assert_int_equal(env_file_size(file), 4);
	assert_view(&f, "/f", false, "0123");
	/* Growing again shows zeros, never the bytes cut off before. */
	assert_int_equal(fx_truncate(&f, file, 8), 8);
	assert_view_bytes(&f, "/f", false, "0123\0\0\0\0", 8);
	assert_int_equal(fx_truncate(&f, file, 8), 8);
	assert_int_equal(fx_truncate(&f, file, 0), 0);
	assert_view(&f, "/f", false, "");
	assert_int_equal(fx_write(&f, file, 2, "x", 1), 1);
	assert_view_bytes(&f, "/f", false, "\0\0x", 3);
	fx_close(&f);
}

static void test_read_at_and_after_end(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create_with(&f, "/f", "hello");
	char buf[16] = {0};
	assert_int_equal(env_file_read(file, 0, buf, 2), 2);
	assert_memory_equal(buf, "he", 2);
	assert_int_equal(env_file_read(file, 3, buf, sizeof buf), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(env_file_read(file, 5, buf, sizeof buf), 0);
	assert_int_equal(env_file_read(file, 500, buf, sizeof buf), 0);
	assert_int_equal(env_file_read(file, -1, buf, sizeof buf), ENV_EINVAL);
	assert_int_equal(env_file_read(file, 0, buf, 0), 0);
	assert_int_equal(sim_disk_read(f.d, "/f", false, 5, buf, sizeof buf), 0);
	assert_int_equal(sim_disk_read(f.d, "/f", false, -3, buf, sizeof buf), ENV_EINVAL);
	/* A write in flight is invisible until it completes. */
	struct call c;
	assert_int_equal(env_file_write(call_req(&c, &f), file, 5, "!", 1, call_cb), ENV_OK);
	assert_int_equal(env_file_read(file, 5, buf, sizeof buf), 0);
	fx_wait(&f, &c);
	assert_int_equal(env_file_read(file, 5, buf, sizeof buf), 1);
	fx_close(&f);
}

/* ---- Renames and unlinks --------------------------------------------------- */

static void test_rename_files(void **state)
{
	struct fx f;
	fx_open(&f);
	env_file_close(fx_create_with(&f, "/a", "AAA"));
	struct env_file *old_b = fx_create_with(&f, "/b", "BB");
	assert_int_equal(fx_rename(&f, "/a", "/c"), 0);
	assert_absent(&f, "/a", false);
	assert_view(&f, "/c", false, "AAA");

	/* Replacing a file: the old one lives on through its open handle. */
	assert_int_equal(fx_rename(&f, "/c", "/b"), 0);
	assert_view(&f, "/b", false, "AAA");
	assert_absent(&f, "/c", false);
	char buf[8];
	assert_int_equal(env_file_read(old_b, 0, buf, sizeof buf), 2);
	assert_memory_equal(buf, "BB", 2);
	env_file_close(old_b);
	assert_listing(&f, "/", "b");

	assert_int_equal(fx_rename(&f, "/b", "/b"), 0);
	assert_view(&f, "/b", false, "AAA");
	assert_int_equal(fx_rename(&f, "/missing", "/x"), ENV_ENOENT);
	assert_int_equal(fx_rename(&f, "/b", "/nodir/x"), ENV_ENOENT);
	assert_int_equal(env_mkdir(f.env, "/d"), ENV_OK);
	assert_int_equal(fx_rename(&f, "/b", "/d"), ENV_EISDIR);
	assert_int_equal(fx_rename(&f, "/d", "/b"), ENV_ENOTDIR);
	assert_int_equal(fx_rename(&f, "/b", "/b/x"), ENV_ENOTDIR);
	assert_view(&f, "/b", false, "AAA");

	struct call c;
	assert_int_equal(env_rename(call_req(&c, &f), f.env, "/b", "/", call_cb), ENV_EINVAL);
	assert_int_equal(env_rename(call_req(&c, &f), f.env, "b", "/c", call_cb), ENV_EINVAL);
	sim_run_until_idle(f.w, sim_now(f.w) + SEC);
	assert_int_equal(c.calls, 0);
	fx_close(&f);
}

static void test_rename_directories(void **state)
{
	struct fx f;
	fx_open(&f);
	assert_int_equal(env_mkdirs(f.env, "/d/e"), ENV_OK);
	env_file_close(fx_create_with(&f, "/d/f", "F"));
	env_file_close(fx_create_with(&f, "/d/e/g", "G"));
	env_file_close(fx_create_with(&f, "/d-x", "X")); /* sorts among "/d/..." */
	assert_int_equal(fx_rename(&f, "/d", "/n"), 0);
	assert_listing(&f, "/", "d-x n/");
	assert_listing(&f, "/n", "e/ f");
	assert_listing(&f, "/n/e", "g");
	assert_view(&f, "/n/e/g", false, "G");
	assert_view(&f, "/n/f", false, "F");
	assert_view(&f, "/d-x", false, "X");
	assert_false(env_exists(f.env, "/d/e/g"));

	/* Into itself is refused, at any depth. */
	assert_int_equal(fx_rename(&f, "/n", "/n/e/x"), ENV_EINVAL);
	assert_int_equal(fx_rename(&f, "/n", "/n/x"), ENV_EINVAL);
	/* Onto an empty directory replaces it; onto a full one is refused. */
	assert_int_equal(env_mkdir(f.env, "/empty"), ENV_OK);
	assert_int_equal(fx_rename(&f, "/n/e", "/empty"), 0);
	assert_listing(&f, "/empty", "g");
	assert_listing(&f, "/n", "f");
	assert_int_equal(env_mkdir(f.env, "/m"), ENV_OK);
	assert_int_equal(fx_rename(&f, "/m", "/empty"), ENV_ENOTEMPTY);
	assert_listing(&f, "/empty", "g");
	/* A deeper move: the subtree follows. */
	assert_int_equal(fx_rename(&f, "/empty", "/m/deep"), 0);
	assert_listing(&f, "/m/deep", "g");
	assert_view(&f, "/m/deep/g", false, "G");
	assert_listing(&f, "/", "d-x m/ n/");
	fx_close(&f);
}

static void test_unlink(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create_with(&f, "/f", "data");
	assert_int_equal(fx_unlink(&f, "/f"), 0);
	assert_false(env_exists(f.env, "/f"));
	assert_absent(&f, "/f", false);
	/* An open handle still reads and writes the unlinked file. */
	char buf[8];
	assert_int_equal(env_file_read(file, 0, buf, sizeof buf), 4);
	assert_int_equal(fx_append(&f, file, "!", 1), 4);
	env_file_close(file);
	assert_int_equal(fx_unlink(&f, "/f"), ENV_ENOENT);

	assert_int_equal(env_mkdirs(f.env, "/d/e"), ENV_OK);
	assert_int_equal(fx_unlink(&f, "/d"), ENV_ENOTEMPTY);
	assert_int_equal(fx_unlink(&f, "/d/e"), 0);
	assert_int_equal(fx_unlink(&f, "/d"), 0);
	assert_listing(&f, "/", "");
	struct call c;
	assert_int_equal(env_unlink(call_req(&c, &f), f.env, "/", call_cb), ENV_EINVAL);
	/* A new file under an unlinked name starts empty. */
	file = fx_create(&f, "/f");
	assert_int_equal(env_file_size(file), 0);
	fx_close(&f);
}

/* ---- Callbacks and ordering ---------------------------------------------------- */

/* Submits a request of kind `k` on `file` (or on names). */
static int submit_kind(struct fx *f, int k, struct call *c, struct env_file *file)
{
	struct env_req *r = call_req(c, f);
	switch (k) {
	case 0: return env_file_write(r, file, 0, "w", 1, call_cb);
	case 1: return env_file_append(r, file, "a", 1, call_cb);
	case 2: return env_file_truncate(r, file, 3, call_cb);
	case 3: return env_file_fsync(r, file, call_cb);
	case 4: return env_rename(r, f->env, "/f", "/g", call_cb);
	default: return env_unlink(r, f->env, "/g", call_cb);
	}
}

static void test_callbacks_async_exactly_once(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create(&f, "/f");
	for (int k = 0; k < 6; k++) {
		struct call c;
		assert_int_equal(submit_kind(&f, k, &c, file), ENV_OK);
		assert_int_equal(c.calls, 0); /* never inside the submitting call */
		fx_wait(&f, &c);
		assert_int_equal(c.status, 0);
		sim_run_for(f.w, 60 * SEC);
		assert_int_equal(c.calls, 1);
	}
	/* Even at zero latency, completion is a separate event. */
	int64_t t = sim_now(f.w);
	struct call c;
	assert_int_equal(env_file_write(call_req(&c, &f), file, 0, "x", 1, call_cb), ENV_OK);
	sim_run_until(f.w, t);
	assert_int_equal(c.calls, 1);
	assert_true(c.done_at == t);
	fx_close(&f);
}

/* A chain: each callback submits the next request and checks that its
 * callback did not run inside the submission. */
struct chain {
	struct fx *f;
	struct env_file *file;
	struct env_req req;
	int step;
	int inside;
	int64_t results[8];
};

static void chain_cb(struct env_req *req, int status)
{
	struct chain *ch = req->data;
	assert_int_equal(status, 0);
	assert_int_equal(ch->inside, 0);
	ch->results[ch->step++] = req->result;
	if (ch->step == 8)
		return;
	ch->inside = 1;
	if (ch->step % 3 == 2)
		assert_int_equal(env_file_fsync(&ch->req, ch->file, chain_cb), ENV_OK);
	else
		assert_int_equal(env_file_append(&ch->req, ch->file, "ab", 2, chain_cb), ENV_OK);
	ch->inside = 0;
}

static void test_callback_chain(void **state)
{
	struct fx f;
	fx_open(&f);
	struct chain ch = {.f = &f, .file = fx_create(&f, "/f")};
	ch.req.data = &ch;
	assert_int_equal(env_file_append(&ch.req, ch.file, "ab", 2, chain_cb), ENV_OK);
	sim_run_until_idle(f.w, 10 * SEC);
	assert_int_equal(ch.step, 8);
	/* Appends at 0, 2, then fsync, 4, 6, fsync, 8, 10. */
	const int64_t want[8] = {0, 2, 0, 4, 6, 0, 8, 10};
	for (int i = 0; i < 8; i++)
		assert_true(ch.results[i] == want[i]);
	assert_view(&f, "/f", true, "abababab");
	assert_view(&f, "/f", false, "abababababab");
	fx_close(&f);
}

struct order {
	struct env_req req[24];
	int seen[24];
	int n;
};

static void order_cb(struct env_req *req, int status)
{
	struct order *o = req->data;
	assert_int_equal(status, 0);
	o->seen[o->n++] = (int)(req - o->req);
}

static void test_requests_complete_in_order(void **state)
{
	struct sim_disk_config dc;
	fx_config(&dc);
	dc.write_latency_min_ns = 0;
	dc.write_latency_max_ns = 20 * MS; /* later requests often draw less */
	struct fx f;
	fx_open_cfg(&f, 7, &dc);
	struct env_file *file = fx_create(&f, "/f");
	struct env_file *other = fx_create(&f, "/o");
	struct order o = {.n = 0};
	char model[64] = {0};
	size_t len = 0;
	for (int i = 0; i < 24; i++) {
		struct env_req *r = &o.req[i];
		r->data = &o;
		char b = (char)('a' + i);
		if (i % 5 == 4) {
			assert_int_equal(env_file_fsync(r, file, order_cb), ENV_OK);
		} else if (i % 7 == 6) {
			assert_int_equal(env_file_truncate(r, file, 3, order_cb), ENV_OK);
			len = 3;
		} else if (i % 2) {
			assert_int_equal(env_file_append(r, file, &b, 1, order_cb), ENV_OK);
			model[len++] = b;
		} else {
			assert_int_equal(env_file_write(r, file, i % 4, &b, 1, order_cb), ENV_OK);
			model[i % 4] = b;
			len = len > (size_t)(i % 4) + 1 ? len : (size_t)(i % 4) + 1;
		}
		struct call c; /* traffic on another file does not reorder this one */
		assert_int_equal(env_file_write(call_req(&c, &f), other, 0, "o", 1, call_cb), 0);
		fx_wait(&f, &c);
	}
	sim_run_until_idle(f.w, 100 * SEC);
	assert_int_equal(o.n, 24);
	for (int i = 0; i < 24; i++)
		assert_int_equal(o.seen[i], i);
	assert_view_bytes(&f, "/f", false, model, len);
	fx_close(&f);
}

/* ---- Kills ------------------------------------------------------------------------- */

static void test_kill_drops_pending_requests(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create_with(&f, "/f", "aaaa");
	env_file_close(fx_create(&f, "/g"));
	struct call c[5];
	assert_int_equal(env_file_write(call_req(&c[0], &f), file, 0, "bbbbbb", 6, call_cb), 0);
	assert_int_equal(env_file_truncate(call_req(&c[1], &f), file, 1, call_cb), 0);
	assert_int_equal(env_file_fsync(call_req(&c[2], &f), file, call_cb), 0);
	assert_int_equal(env_rename(call_req(&c[3], &f), f.env, "/f", "/h", call_cb), 0);
	assert_int_equal(env_unlink(call_req(&c[4], &f), f.env, "/g", call_cb), 0);
	fx_kill(&f);
	assert_int_equal(sim_node_live_allocs(f.w, f.id), 0);
	sim_run_until_idle(f.w, 100 * SEC);
	for (int i = 0; i < 5; i++)
		assert_int_equal(c[i].calls, 0);
	assert_true(sim_disk_fsyncs(f.d) == 0);
	assert_view(&f, "/f", false, "aaaa");
	assert_view(&f, "/g", false, "");
	assert_absent(&f, "/h", false);
	assert_absent(&f, "/f", true);

	/* The dropped requests do not come back with the next incarnation. */
	fx_start(&f);
	assert_int_equal(sim_node_incarnation(f.w, f.id), 2);
	sim_run_until_idle(f.w, 200 * SEC);
	assert_env_content(&f, "/f", "aaaa");
	assert_listing(&f, "/", "f g");
	fx_close(&f);
}

static void test_kill_after_completion_keeps_cache(void **state)
{
	struct fx f;
	fx_open(&f);
	env_file_close(fx_create_with(&f, "/f", "hello"));
	struct env_file *file = fx_create_with(&f, "/g", "world");
	assert_int_equal(fx_append(&f, file, "!", 1), 5);
	assert_int_equal(fx_rename(&f, "/f", "/h"), 0);
	assert_int_equal(env_mkdir(f.env, "/dir"), 0);
	fx_kill(&f);
	assert_int_equal(sim_node_status(f.w, f.id), SIM_NODE_KILLED);
	assert_view(&f, "/h", false, "hello");
	assert_view(&f, "/g", false, "world!");
	assert_absent(&f, "/g", true); /* nothing was fsynced */
	fx_start(&f);
	assert_env_content(&f, "/h", "hello");
	assert_env_content(&f, "/g", "world!");
	assert_listing(&f, "/", "dir/ g h");
	fx_close(&f);
}

/* A paused node's completions wait; on resume they fire, in order. */
static void test_pause_delays_completions(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create(&f, "/f");
	struct call w, s;
	assert_int_equal(env_file_write(call_req(&w, &f), file, 0, "abc", 3, call_cb), 0);
	assert_int_equal(env_file_fsync(call_req(&s, &f), file, call_cb), 0);
	assert_true(sim_node_pause(f.w, f.id));
	sim_run_for(f.w, 1 * SEC);
	assert_int_equal(w.calls + s.calls, 0);
	/* The request has not been applied either: the node has not run. */
	assert_view(&f, "/f", false, "");
	int64_t t = sim_now(f.w);
	assert_true(sim_node_resume(f.w, f.id));
	sim_run_until(f.w, t);
	assert_int_equal(w.calls, 1);
	assert_int_equal(s.calls, 1);
	assert_true(w.done_at == t && s.done_at == t);
	assert_view(&f, "/f", true, "abc");

	/* Killed while paused: the parked completions are dropped. */
	assert_int_equal(env_file_append(call_req(&w, &f), file, "def", 3, call_cb), 0);
	assert_int_equal(env_unlink(call_req(&s, &f), f.env, "/f", call_cb), 0);
	assert_true(sim_node_pause(f.w, f.id));
	sim_run_for(f.w, 1 * SEC);
	fx_kill(&f);
	sim_run_for(f.w, 1 * SEC);
	assert_int_equal(w.calls + s.calls, 0);
	assert_view(&f, "/f", false, "abc");
	fx_start(&f);
	assert_env_content(&f, "/f", "abc");
	fx_close(&f);
}

/* ---- Durability ------------------------------------------------------------------ */

static void test_fsync_makes_durable(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create_with(&f, "/f", "abc");
	assert_absent(&f, "/f", true);
	assert_int_equal(sim_disk_dirty_bytes(f.d), 3);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_true(sim_disk_fsyncs(f.d) == 1);
	assert_int_equal(sim_disk_dirty_bytes(f.d), 0);
	assert_view(&f, "/f", true, "abc");
	assert_int_equal(fx_write(&f, file, 1, "XYZ", 3), 3);
	assert_view(&f, "/f", true, "abc");
	assert_view(&f, "/f", false, "aXYZ");
	assert_int_equal(fx_truncate(&f, file, 2), 2);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_view(&f, "/f", true, "aX");

	fx_power_loss(&f);
	assert_int_equal(sim_node_status(f.w, f.id), SIM_NODE_POWERED_OFF);
	fx_start(&f);
	assert_env_content(&f, "/f", "aX");
	fx_close(&f);
}

static void test_names_durable_after_any_fsync(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *a = fx_create_with(&f, "/a", "A");
	assert_int_equal(fx_fsync(&f, a), 0);
	env_file_close(a);
	struct env_file *other = fx_create(&f, "/other");
	assert_int_equal(fx_fsync(&f, other), 0);
	assert_int_equal(env_mkdir(f.env, "/d"), 0);
	assert_int_equal(fx_rename(&f, "/a", "/d/c"), 0);
	assert_int_equal(fx_unlink(&f, "/other"), 0);
	/* Only in the cache so far. */
	assert_view(&f, "/a", true, "A");
	assert_absent(&f, "/d/c", true);
	assert_absent(&f, "/d", true);
	assert_view(&f, "/other", true, "");
	fx_power_loss(&f);
	fx_start(&f);
	assert_listing(&f, "/", "a other");
	assert_env_content(&f, "/a", "A");

	/* The same changes again, then an fsync of an unrelated file. */
	assert_int_equal(env_mkdir(f.env, "/d"), 0);
	assert_int_equal(fx_rename(&f, "/a", "/d/c"), 0);
	assert_int_equal(fx_unlink(&f, "/other"), 0);
	struct env_file *u = fx_create(&f, "/unrelated");
	assert_int_equal(fx_fsync(&f, u), 0);
	assert_view(&f, "/d/c", true, "A");
	assert_absent(&f, "/a", true);
	assert_absent(&f, "/other", true);
	fx_power_loss(&f);
	fx_start(&f);
	assert_listing(&f, "/", "d/ unrelated");
	assert_env_content(&f, "/d/c", "A");
	fx_close(&f);
}

/* A directory rename moves its whole subtree in one journaled change. */
static void test_directory_rename_durability(void **state)
{
	struct fx f;
	fx_open(&f);
	assert_int_equal(env_mkdirs(f.env, "/d/sub"), 0);
	struct env_file *file = fx_create_with(&f, "/d/sub/f", "deep");
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_int_equal(fx_rename(&f, "/d", "/e"), 0);
	assert_view(&f, "/d/sub/f", true, "deep");
	assert_absent(&f, "/e/sub/f", true);
	fx_power_loss(&f);
	fx_start(&f);
	assert_listing(&f, "/", "d/");
	assert_env_content(&f, "/d/sub/f", "deep");

	assert_int_equal(fx_rename(&f, "/d", "/e"), 0);
	struct env_file *other = fx_create(&f, "/other");
	assert_int_equal(fx_fsync(&f, other), 0);
	assert_absent(&f, "/d", true);
	assert_absent(&f, "/d/sub/f", true);
	assert_view(&f, "/e/sub/f", true, "deep");
	fx_power_loss(&f);
	fx_start(&f);
	assert_listing(&f, "/", "e/ other");
	assert_listing(&f, "/e", "sub/");
	assert_env_content(&f, "/e/sub/f", "deep");
	fx_close(&f);
}

static void test_unsynced_new_file_after_power_loss(void **state)
{
	struct fx f;
	fx_open(&f);
	/* Never fsynced, no writeback: gone. */
	env_file_close(fx_create_with(&f, "/u", "data"));
	fx_power_loss(&f);
	fx_start(&f);
	assert_false(env_exists(f.env, "/u"));

	/* Its name journaled by another file's fsync, its data not: empty. */
	env_file_close(fx_create_with(&f, "/u", "data"));
	struct env_file *o = fx_create(&f, "/o");
	assert_int_equal(fx_fsync(&f, o), 0);
	fx_power_loss(&f);
	fx_start(&f);
	assert_env_content(&f, "/u", "");
	fx_close(&f);

	/* With writeback on: the journal commits the name 5 s later, the data
	 * waits 30 s, so a power loss in between leaves the file empty. */
	struct sim_disk_config dc;
	sim_disk_config_default(&dc);
	dc.torn_write_ppm = 0;
	fx_open_cfg(&f, 3, &dc);
	env_file_close(fx_create_with(&f, "/u", "data"));
	sim_run_for(f.w, 6 * SEC);
	assert_view(&f, "/u", true, "");
	fx_power_loss(&f);
	fx_start(&f);
	assert_env_content(&f, "/u", "");
	fx_close(&f);
}

static void test_writeback_after_expire(void **state)
{
	struct sim_disk_config dc;
	sim_disk_config_default(&dc); /* 30 s expiry, 5 s passes */
	struct fx f;
	fx_open_cfg(&f, 5, &dc);
	int64_t t0 = sim_now(f.w);
	env_file_close(fx_create_with(&f, "/f", "payload"));
	assert_true(sim_now(f.w) == t0); /* zero write latency */
	sim_run_until(f.w, t0 + 30 * SEC - 1);
	assert_view(&f, "/f", true, "");
	assert_int_equal(sim_disk_dirty_bytes(f.d), 7);
	/* The pass at 30 s finds the write exactly 30 s old. */
	sim_run_until(f.w, t0 + 30 * SEC);
	assert_view(&f, "/f", true, "payload");
	assert_int_equal(sim_disk_dirty_bytes(f.d), 0);
	assert_true(sim_disk_fsyncs(f.d) == 0);
	fx_power_loss(&f);
	fx_start(&f);
	assert_env_content(&f, "/f", "payload");
	/* With nothing dirty, writeback goes quiet. */
	assert_true(sim_run_until_idle(f.w, sim_now(f.w) + 60 * SEC));
	fx_close(&f);
}

static void test_writeback_keeps_order(void **state)
{
	struct sim_disk_config dc;
	sim_disk_config_default(&dc);
	dc.torn_write_ppm = 0;
	struct fx f;
	fx_open_cfg(&f, 9, &dc);
	struct env_file *file = fx_create(&f, "/f");
	assert_int_equal(fx_fsync(&f, file), 0);
	int64_t t0 = sim_now(f.w);
	assert_int_equal(fx_write(&f, file, 0, "AAAAAA", 6), 6);
	sim_run_until(f.w, t0 + 10 * SEC);
	assert_int_equal(fx_truncate(&f, file, 2), 2);
	assert_int_equal(fx_write(&f, file, 3, "B", 1), 1);
	sim_run_until(f.w, t0 + 20 * SEC);
	assert_int_equal(fx_write(&f, file, 0, "C", 1), 1);
	/* Passes run every 5 s since the create at time 0; the one at 45 s
	 * writes back what is 30 s old (the first three ops, done a few ms
	 * after 0 s and 10 s), and not the last (done after 20 s). */
	sim_run_until(f.w, t0 + 46 * SEC);
	assert_view_bytes(&f, "/f", true, "AA\0B", 4);
	assert_view_bytes(&f, "/f", false, "CA\0B", 4);
	fx_power_loss(&f);
	fx_start(&f);
	assert_view_bytes(&f, "/f", false, "AA\0B", 4);
	fx_close(&f);
}

/* Writeback belongs to the machine: it goes on while the process is dead,
 * and stops with the power. */
static void test_writeback_while_node_down(void **state)
{
	struct sim_disk_config dc;
	sim_disk_config_default(&dc);
	dc.torn_write_ppm = 0;
	struct fx f;
	fx_open_cfg(&f, 13, &dc);
	env_file_close(fx_create_with(&f, "/f", "kept"));
	fx_kill(&f);
	sim_run_for(f.w, 31 * SEC);
	assert_view(&f, "/f", true, "kept");
	fx_start(&f);
	struct env_file *file = fx_create(&f, "/f");
	assert_int_equal(fx_append(&f, file, "+lost", 5), 4);
	fx_power_loss(&f);
	sim_run_for(f.w, 60 * SEC);
	assert_view(&f, "/f", true, "kept");
	fx_start(&f);
	assert_env_content(&f, "/f", "kept");
	fx_close(&f);
}

/* A tear keeps whole device sectors of the last unsynced write: its kept
 * prefix ends on a multiple of the sector size, strictly inside the write. */
static void test_torn_write_sector_aligned(void **state)
{
	int seen[4] = {0};
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct sim_disk_config dc;
		fx_config(&dc);
		dc.torn_write_ppm = 1000000;
		dc.sector_bytes = 512;
		struct fx f;
		fx_open_cfg(&f, seed, &dc);
		struct env_file *file = fx_create(&f, "/f");
		assert_int_equal(fx_write(&f, file, 0, "head", 4), 4);
		assert_int_equal(fx_fsync(&f, file), 0);
		uint8_t data[2000];
		for (size_t i = 0; i < sizeof data; i++)
			data[i] = (uint8_t)(i * 7 + 1);
		assert_int_equal(fx_write(&f, file, 100, data, sizeof data), 2000);
		fx_power_loss(&f);
		int64_t size = sim_disk_size(f.d, "/f", true);
		/* Bytes [100, 2100) span the sector boundaries 512, 1024, 1536, 2048. */
		assert_true(size == 512 || size == 1024 || size == 1536 || size == 2048);
		seen[size / 512 - 1]++;
		uint8_t want[2048] = {0}, got[2048];
		memcpy(want, "head", 4);
		memcpy(want + 100, data, (size_t)size - 100);
		assert_int_equal(sim_disk_read(f.d, "/f", false, 0, got, sizeof got), size);
		assert_memory_equal(got, want, (size_t)size);
		fx_close(&f);
	}
	for (int i = 0; i < 4; i++)
		assert_true(seen[i] > 0);

	/* Empty writes after the last one are no writes: it still tears. */
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct sim_disk_config dc;
		fx_config(&dc);
		dc.torn_write_ppm = 1000000;
		struct fx f;
		fx_open_cfg(&f, seed, &dc);
		struct env_file *file = fx_create(&f, "/f");
		assert_int_equal(fx_fsync(&f, file), 0);
		assert_int_equal(fx_write(&f, file, 0, "0123456789", 10), 10);
		assert_int_equal(fx_write(&f, file, 500, "0123456789abcdef", 16), 16);
		assert_int_equal(fx_write(&f, file, 2000, "", 0), 0);
		assert_int_equal(fx_append(&f, file, "", 0), 516);
		assert_int_equal(sim_disk_dirty_bytes(f.d), 26);
		fx_power_loss(&f);
		assert_int_equal(sim_disk_size(f.d, "/f", true), 512);
		fx_close(&f);
	}

	/* A short write across a boundary can tear; one inside a sector cannot. */
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct sim_disk_config dc;
		fx_config(&dc);
		dc.torn_write_ppm = 1000000;
		struct fx f;
		fx_open_cfg(&f, seed, &dc);
		struct env_file *a = fx_create(&f, "/a"), *b = fx_create(&f, "/b");
		assert_int_equal(fx_fsync(&f, a), 0);
		assert_int_equal(fx_write(&f, a, 500, "0123456789abcdef", 16), 16);
		fx_power_loss(&f);
		assert_int_equal(sim_disk_size(f.d, "/a", true), 512);
		fx_start(&f);
		a = fx_create(&f, "/a");
		b = fx_create(&f, "/b");
		assert_int_equal(fx_write(&f, b, 0, "zz", 2), 2);
		assert_int_equal(fx_write(&f, a, 600, "0123456789", 10), 10);
		fx_power_loss(&f);
		assert_int_equal(sim_disk_size(f.d, "/a", true), 512);
		assert_int_equal(sim_disk_size(f.d, "/b", true), 0);
		fx_close(&f);
	}
}

/* ---- Faults ------------------------------------------------------------------------ */

static void test_fault_fsync_error(void **state)
{
	struct sim_disk_config dc;
	sim_disk_config_default(&dc); /* writeback on: it must not rescue the data */
	dc.torn_write_ppm = 0;
	struct fx f;
	fx_open_cfg(&f, 11, &dc);
	struct env_file *file = fx_create_with(&f, "/f", "aaaa");
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_int_equal(fx_write(&f, file, 0, "bbbb", 4), 4);
	sim_disk_set_fault(f.d, SIM_DISK_FSYNC_ERROR, true);
	assert_true(sim_disk_fault(f.d, SIM_DISK_FSYNC_ERROR));
	assert_int_equal(fx_fsync(&f, file), ENV_EIO);
	assert_int_equal(fx_fsync(&f, file), ENV_EIO);
	sim_disk_set_fault(f.d, SIM_DISK_FSYNC_ERROR, false);
	assert_false(sim_disk_fault(f.d, SIM_DISK_FSYNC_ERROR));
	/* The failed data stays in the cache, is never written, and a later
	 * fsync succeeds without it (Linux marks the pages clean). */
	assert_int_equal(sim_disk_dirty_bytes(f.d), 0);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_view(&f, "/f", false, "bbbb");
	assert_view(&f, "/f", true, "aaaa");
	sim_run_for(f.w, 120 * SEC);
	assert_view(&f, "/f", true, "aaaa");
	/* Later writes do reach the disk, on top of the old durable bytes. */
	assert_int_equal(fx_append(&f, file, "cc", 2), 4);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_view(&f, "/f", true, "aaaacc");
	assert_view(&f, "/f", false, "bbbbcc");
	/* A kill keeps the cache as it is; a power loss keeps the disk. */
	fx_kill(&f);
	fx_start(&f);
	assert_env_content(&f, "/f", "bbbbcc");
	fx_power_loss(&f);
	fx_start(&f);
	assert_env_content(&f, "/f", "aaaacc");

	/* A failed fsync does not commit the journal either. */
	env_file_close(fx_create(&f, "/new"));
	sim_disk_set_fault(f.d, SIM_DISK_FSYNC_ERROR, true);
	file = fx_create(&f, "/f");
	assert_int_equal(fx_fsync(&f, file), ENV_EIO);
	assert_absent(&f, "/new", true);
	fx_close(&f);
}

static void test_fault_write_error(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create_with(&f, "/f", "abc");
	sim_disk_set_fault(f.d, SIM_DISK_WRITE_ERROR, true);
	assert_int_equal(fx_write(&f, file, 0, "x", 1), ENV_EIO);
	assert_int_equal(fx_write(&f, file, 10, "x", 1), ENV_EIO);
	assert_int_equal(fx_append(&f, file, "x", 1), ENV_EIO);
	assert_int_equal(fx_truncate(&f, file, 1), ENV_EIO);
	assert_int_equal(fx_truncate(&f, file, 100), ENV_EIO);
	assert_view(&f, "/f", false, "abc");
	/* fsync and names are not writes. */
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_view(&f, "/f", true, "abc");
	assert_int_equal(fx_rename(&f, "/f", "/g"), 0);
	sim_disk_set_fault(f.d, SIM_DISK_WRITE_ERROR, false);
	assert_int_equal(fx_append(&f, file, "d", 1), 3);
	assert_view(&f, "/g", false, "abcd");
	fx_close(&f);
}

static void test_fault_disk_full(void **state)
{
	struct fx f;
	fx_open(&f);
	struct env_file *file = fx_create_with(&f, "/f", "abcdef");
	sim_disk_set_fault(f.d, SIM_DISK_FULL, true);
	assert_int_equal(fx_write(&f, file, 4, "XYZ", 3), ENV_ENOSPC);
	assert_int_equal(fx_append(&f, file, "X", 1), ENV_ENOSPC);
	assert_int_equal(fx_truncate(&f, file, 7), ENV_ENOSPC);
	assert_int_equal(fx_write(&f, fx_create(&f, "/g"), 0, "X", 1), ENV_ENOSPC);
	assert_view(&f, "/f", false, "abcdef");
	/* What does not grow a file still works. */
	assert_int_equal(fx_write(&f, file, 3, "XYZ", 3), 3);
	assert_int_equal(fx_append(&f, file, "", 0), 6);
	assert_int_equal(fx_truncate(&f, file, 6), 6);
	assert_int_equal(fx_truncate(&f, file, 5), 5);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_view(&f, "/f", true, "abcXY");
	sim_disk_set_fault(f.d, SIM_DISK_FULL, false);
	assert_int_equal(fx_append(&f, file, "!", 1), 5);
	fx_close(&f);
}

static void test_capacity_limit(void **state)
{
	struct sim_disk_config dc;
	fx_config(&dc);
	dc.capacity_bytes = 100;
	struct fx f;
	fx_open_cfg(&f, 1, &dc);
	uint8_t buf[100];
	memset(buf, 'x', sizeof buf);
	struct env_file *a = fx_create(&f, "/a"), *b = fx_create(&f, "/b");
	assert_int_equal(fx_write(&f, a, 0, buf, 60), 60);
	assert_int_equal(fx_write(&f, b, 0, buf, 41), ENV_ENOSPC);
	assert_int_equal(fx_write(&f, b, 0, buf, 40), 40);
	assert_int_equal(fx_append(&f, b, buf, 1), ENV_ENOSPC);
	assert_int_equal(fx_truncate(&f, a, 61), ENV_ENOSPC);
	assert_int_equal(fx_write(&f, a, 0, buf, 60), 60); /* overwrite: no growth */
	/* Freed space (durable as well as cached) can be used again. */
	assert_int_equal(fx_truncate(&f, a, 10), 10);
	assert_int_equal(fx_fsync(&f, a), 0);
	assert_int_equal(fx_append(&f, b, buf, 50), 40);
	assert_int_equal(fx_append(&f, b, buf, 1), ENV_ENOSPC);
	/* A file unlinked and closed frees its space once nothing refers to it. */
	assert_int_equal(fx_unlink(&f, "/b"), 0);
	env_file_close(b);
	assert_int_equal(fx_fsync(&f, a), 0);
	assert_int_equal(fx_append(&f, a, buf, 90), 10);
	fx_close(&f);
}

static void test_fault_slow(void **state)
{
	struct sim_disk_config dc;
	fx_config(&dc);
	dc.fsync_latency_min_ns = dc.fsync_latency_max_ns = 3 * MS;
	struct fx f;
	fx_open_cfg(&f, 1, &dc);
	struct env_file *file = fx_create(&f, "/f");
	int64_t t = sim_now(f.w);
	assert_int_equal(fx_write(&f, file, 0, "a", 1), 1);
	assert_true(sim_now(f.w) == t);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_true(sim_now(f.w) == t + 3 * MS);
	sim_disk_set_slow(f.d, 7 * MS, 7 * MS);
	t = sim_now(f.w);
	assert_int_equal(fx_write(&f, file, 0, "b", 1), 1);
	assert_true(sim_now(f.w) == t + 7 * MS);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_true(sim_now(f.w) == t + 17 * MS);
	t = sim_now(f.w);
	assert_int_equal(fx_rename(&f, "/f", "/g"), 0);
	assert_true(sim_now(f.w) == t + 7 * MS);
	/* A range: every latency lands inside it. */
	sim_disk_set_slow(f.d, 1 * MS, 5 * MS);
	for (int i = 0; i < 50; i++) {
		t = sim_now(f.w);
		assert_int_equal(fx_append(&f, file, "c", 1), i + 1);
		assert_true(sim_now(f.w) >= t + 1 * MS && sim_now(f.w) <= t + 5 * MS);
	}
	sim_disk_set_slow(f.d, 0, 0);
	t = sim_now(f.w);
	assert_int_equal(fx_write(&f, file, 0, "d", 1), 1);
	assert_true(sim_now(f.w) == t);
	fx_close(&f);
}

static void test_fault_corrupt(void **state)
{
	struct fx f;
	fx_open(&f);
	uint8_t data[64];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(0x40 + i);
	struct env_file *file = fx_create(&f, "/f");
	assert_int_equal(fx_write(&f, file, 0, data, sizeof data), 64);
	assert_int_equal(sim_disk_corrupt(f.d, "/f", 1), 0); /* nothing durable yet */
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_int_equal(sim_disk_corrupt(f.d, "/missing", 1), 0);
	assert_int_equal(sim_disk_corrupt(f.d, "/f", 1), 1);

	uint8_t durable[64], cached[64];
	assert_int_equal(sim_disk_read(f.d, "/f", true, 0, durable, 64), 64);
	assert_int_equal(env_file_read(file, 0, cached, 64), 64);
	assert_memory_equal(durable, cached, 64); /* reads see the corruption */
	int bytes = 0, bits = 0;
	for (size_t i = 0; i < 64; i++) {
		bytes += durable[i] != data[i];
		bits += __builtin_popcount(durable[i] ^ data[i]);
	}
	assert_int_equal(bytes, 1);
	assert_int_equal(bits, 1);
	fx_power_loss(&f);
	fx_start(&f);
	assert_int_equal(sim_disk_read(f.d, "/f", false, 0, cached, 64), 64);
	assert_memory_equal(durable, cached, 64);

	/* Dirty cached bytes are not re-read, even when they equal the old
	 * durable ones: rewrite the same bytes, corrupt, and the cache keeps
	 * them; the next fsync writes them over the corruption. */
	file = fx_create(&f, "/f");
	assert_int_equal(fx_write(&f, file, 0, durable, 64), 64);
	assert_int_equal(sim_disk_corrupt(f.d, "/f", 1), 1);
	assert_int_equal(env_file_read(file, 0, cached, 64), 64);
	assert_memory_equal(cached, durable, 64);
	uint8_t after[64];
	assert_int_equal(sim_disk_read(f.d, "/f", true, 0, after, 64), 64);
	assert_memory_not_equal(after, durable, 64);
	assert_int_equal(fx_fsync(&f, file), 0);
	assert_view_bytes(&f, "/f", true, durable, 64);
	env_file_close(file);

	/* Random files: only durable ones with bytes are candidates. */
	assert_int_equal(env_mkdir(f.env, "/dir"), 0);
	env_file_close(fx_create(&f, "/empty"));
	assert_int_equal(sim_disk_corrupt(f.d, NULL, 3), 3);
	assert_int_equal(sim_disk_read(f.d, "/f", true, 0, cached, 64), 64);
	bytes = 0;
	for (size_t i = 0; i < 64; i++)
		bytes += durable[i] != cached[i];
	assert_true(bytes >= 1 && bytes <= 3);
	fx_close(&f);
}

/* ---- Reference model ------------------------------------------------------------
 *
 * An independent model of sim/disk.h's semantics, over a few file names
 * ("/f0" .. "/f3" in the root). Each model inode keeps the bytes the page
 * cache holds, the bytes that are durable, and the ordered list of changes
 * the cache has and the durable image lacks. A completed write, append or
 * truncate changes the cache and joins that list; fsync applies the list to
 * the durable image and commits the namespace (cache names -> durable
 * names); a failed fsync drops the list. A kill changes nothing; a power loss
 * keeps the durable images and names, except that the most recent unsynced
 * write of a file still on the disk may survive as a prefix ending on a
 * sector boundary. The model changes only in request callbacks, so a request
 * that a crash dropped never reaches it.
 */

#define M_NAMES 4
#define M_BATCH 4
#define M_MAX_WRITE 80

struct m_bytes {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static void mb_resize(struct m_bytes *b, size_t len)
{
	if (len > b->cap) {
		b->cap = len * 2 + 16;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (len > b->len)
		memset(b->p + b->len, 0, len - b->len);
	b->len = len;
}

static void mb_write(struct m_bytes *b, size_t off, const uint8_t *p, size_t n)
{
	if (off + n > b->len)
		mb_resize(b, off + n);
	if (n)
		memcpy(b->p + off, p, n);
}

static void mb_copy(struct m_bytes *dst, const struct m_bytes *src)
{
	dst->len = 0;
	mb_resize(dst, src->len);
	if (src->len)
		memcpy(dst->p, src->p, src->len);
}

static bool mb_equal(const struct m_bytes *b, const uint8_t *p, size_t len)
{
	return b->len == len && (!len || memcmp(b->p, p, len) == 0);
}

struct m_op {
	bool truncate;
	size_t off; /* write offset, or the new size */
	size_t len;
	uint64_t seq;
	int64_t done_at;
	uint8_t data[M_MAX_WRITE];
};

static void m_op_apply(struct m_bytes *b, const struct m_op *op)
{
	if (op->truncate)
		mb_resize(b, op->off);
	else
		mb_write(b, op->off, op->data, op->len);
}

struct m_inode {
	struct m_bytes cache;
	struct m_bytes durable;
	struct m_op *ops;
	size_t n_ops;
	size_t cap_ops;
	struct env_file *fh; /* this incarnation's handle, or NULL */
	int inflight;
};

enum m_kind { MK_WRITE, MK_APPEND, MK_TRUNCATE, MK_FSYNC, MK_RENAME, MK_UNLINK };

struct model;

struct m_req {
	struct env_req req;
	struct model *m;
	enum m_kind kind;
	int ino;
	int from;
	int to;
	size_t off;
	size_t len;
	bool done;
	uint8_t data[M_MAX_WRITE];
};

struct model {
	struct fx f;
	struct sim_rng rng;
	bool writeback; /* writeback on: prefix checks instead of exact ones */
	int64_t expire_ns;
	int64_t interval_ns;
	uint32_t sector;
	struct m_inode **ino;
	size_t n_ino;
	int cache_ns[M_NAMES]; /* inode index per name, -1 when absent */
	int durable_ns[M_NAMES];
	uint64_t seq;
	bool write_error;
	bool fsync_error;
	struct m_req reqs[M_BATCH];
	int n_reqs;
	/* What the run saw, so the test can show it was not vacuous. */
	uint64_t requests;
	uint64_t power_losses;
	uint64_t kills;
	uint64_t torn;
	uint64_t written_back;
};

static const char *m_path(int name)
{
	static const char *const paths[M_NAMES] = {"/f0", "/f1", "/f2", "/f3"};
	return paths[name];
}

static int m_inode_new(struct model *m)
{
	m->ino = realloc(m->ino, (m->n_ino + 1) * sizeof *m->ino);
	assert_non_null(m->ino);
	m->ino[m->n_ino] = calloc(1, sizeof **m->ino);
	assert_non_null(m->ino[m->n_ino]);
	return (int)m->n_ino++;
}

static void m_ops_clear(struct m_inode *in)
{
	in->n_ops = 0;
}

static void m_push_op(struct model *m, struct m_inode *in, const struct m_op *op)
{
	if (in->n_ops == in->cap_ops) {
		in->cap_ops = in->cap_ops ? in->cap_ops * 2 : 8;
		in->ops = realloc(in->ops, in->cap_ops * sizeof *in->ops);
		assert_non_null(in->ops);
	}
	in->ops[in->n_ops] = *op;
	in->ops[in->n_ops].seq = m->seq++;
	in->ops[in->n_ops].done_at = sim_now(m->f.w);
	in->n_ops++;
}

/* The durable image gains the first `k` unsynced ops, which leave the list. */
static void m_make_durable(struct m_inode *in, size_t k)
{
	for (size_t i = 0; i < k; i++)
		m_op_apply(&in->durable, &in->ops[i]);
	if (k && k < in->n_ops)
		memmove(in->ops, in->ops + k, (in->n_ops - k) * sizeof *in->ops);
	in->n_ops -= k;
}

static void m_data_done(struct model *m, struct m_req *r, int status, int64_t result)
{
	struct m_inode *in = m->ino[r->ino];
	in->inflight--;
	if (m->write_error) {
		assert_int_equal(status, ENV_EIO);
		return;
	}
	struct m_op op = {.truncate = r->kind == MK_TRUNCATE, .off = r->off, .len = r->len};
	if (r->kind == MK_APPEND)
		op.off = in->cache.len;
	memcpy(op.data, r->data, r->len);
	m_op_apply(&in->cache, &op);
	m_push_op(m, in, &op);
	assert_int_equal(status, ENV_OK);
	int64_t want = r->kind == MK_WRITE ? (int64_t)r->len : (int64_t)op.off;
	assert_true(result == want);
}

static void m_fsync_done(struct model *m, struct m_req *r, int status)
{
	struct m_inode *in = m->ino[r->ino];
	in->inflight--;
	if (m->fsync_error) {
		assert_int_equal(status, ENV_EIO);
		m_ops_clear(in);
		return;
	}
	assert_int_equal(status, ENV_OK);
	m_make_durable(in, in->n_ops);
	memcpy(m->durable_ns, m->cache_ns, sizeof m->durable_ns);
}

static void m_name_done(struct model *m, struct m_req *r, int status)
{
	int want = ENV_OK;
	if (m->cache_ns[r->from] < 0)
		want = ENV_ENOENT;
	else if (r->kind == MK_UNLINK)
		m->cache_ns[r->from] = -1;
	else if (r->from != r->to) {
		m->cache_ns[r->to] = m->cache_ns[r->from];
		m->cache_ns[r->from] = -1;
	}
	assert_int_equal(status, want);
}

static void m_req_cb(struct env_req *req, int status)
{
	struct m_req *r = req->data;
	assert_false(r->done);
	r->done = true;
	switch (r->kind) {
	case MK_WRITE:
	case MK_APPEND:
	case MK_TRUNCATE: m_data_done(r->m, r, status, req->result); break;
	case MK_FSYNC: m_fsync_done(r->m, r, status); break;
	default: m_name_done(r->m, r, status); break;
	}
}

/* The handle for what `name` names now, creating the file when absent. */
static int m_handle(struct model *m, int name)
{
	int i = m->cache_ns[name];
	if (i < 0) {
		i = m_inode_new(m);
		assert_int_equal(env_file_open(m->f.env, m_path(name), ENV_O_CREATE | ENV_O_EXCL,
					       &m->ino[i]->fh), ENV_OK);
		m->cache_ns[name] = i;
	} else if (!m->ino[i]->fh) {
		assert_int_equal(env_file_open(m->f.env, m_path(name), 0, &m->ino[i]->fh), ENV_OK);
	}
	return i;
}

static void m_submit(struct model *m)
{
	struct m_req *r = &m->reqs[m->n_reqs++];
	memset(r, 0, sizeof *r);
	r->req.data = r;
	r->m = m;
	uint64_t roll = sim_rng_below(&m->rng, 100);
	r->kind = roll < 35 ? MK_WRITE : roll < 60 ? MK_APPEND : roll < 70 ? MK_TRUNCATE
		: roll < 85 ? MK_FSYNC : roll < 95 ? MK_RENAME : MK_UNLINK;
	if (m->writeback && r->kind >= MK_RENAME)
		r->kind = MK_WRITE; /* names stay fixed in the writeback model */
	r->from = (int)sim_rng_below(&m->rng, M_NAMES);
	r->to = (int)sim_rng_below(&m->rng, M_NAMES);
	m->requests++;
	if (r->kind == MK_RENAME) {
		assert_int_equal(env_rename(&r->req, m->f.env, m_path(r->from), m_path(r->to),
					    m_req_cb), ENV_OK);
		return;
	}
	if (r->kind == MK_UNLINK) {
		assert_int_equal(env_unlink(&r->req, m->f.env, m_path(r->from), m_req_cb), ENV_OK);
		return;
	}
	r->ino = m_handle(m, r->from);
	struct m_inode *in = m->ino[r->ino];
	in->inflight++;
	r->len = 1 + sim_rng_below(&m->rng, M_MAX_WRITE);
	for (size_t i = 0; i < r->len; i++)
		r->data[i] = (uint8_t)sim_rng_next(&m->rng);
	int rc;
	switch (r->kind) {
	case MK_WRITE:
		r->off = sim_rng_below(&m->rng, 200);
		rc = env_file_write(&r->req, in->fh, (int64_t)r->off, r->data, r->len, m_req_cb);
		break;
	case MK_APPEND:
		rc = env_file_append(&r->req, in->fh, r->data, r->len, m_req_cb);
		break;
	case MK_TRUNCATE:
		r->off = sim_rng_below(&m->rng, 250);
		r->len = 0;
		rc = env_file_truncate(&r->req, in->fh, (int64_t)r->off, m_req_cb);
		break;
	default:
		rc = env_file_fsync(&r->req, in->fh, m_req_cb);
		break;
	}
	assert_int_equal(rc, ENV_OK);
}

/* Reads one view of a file into `buf` (at least 4 KiB); -1 when absent. */
static int64_t m_read_view(struct model *m, int name, bool durable, uint8_t *buf)
{
	int64_t size = sim_disk_size(m->f.d, m_path(name), durable);
	if (size == ENV_ENOENT)
		return -1;
	assert_true(size >= 0 && size <= 4096);
	assert_int_equal(sim_disk_read(m->f.d, m_path(name), durable, 0, buf, 4096), size);
	return size;
}

/* The page cache matches the model exactly: names, sizes, bytes. */
static void m_check_cache(struct model *m)
{
	uint8_t buf[4096];
	for (int n = 0; n < M_NAMES; n++) {
		int64_t len = m_read_view(m, n, false, buf);
		if (m->cache_ns[n] < 0) {
			assert_int_equal(len, -1);
			continue;
		}
		assert_true(len >= 0);
		assert_true(mb_equal(&m->ino[m->cache_ns[n]]->cache, buf, (size_t)len));
	}
}

/* Without writeback: names and bytes are durable exactly as the model says. */
static void m_check_durable_exact(struct model *m)
{
	uint8_t buf[4096];
	for (int n = 0; n < M_NAMES; n++) {
		int64_t len = m_read_view(m, n, true, buf);
		if (m->durable_ns[n] < 0) {
			assert_int_equal(len, -1);
			continue;
		}
		assert_true(len >= 0);
		assert_true(mb_equal(&m->ino[m->durable_ns[n]]->durable, buf, (size_t)len));
	}
}

/* Ops old enough that a writeback pass must have written them back. */
static size_t m_min_written_back(const struct model *m, const struct m_inode *in)
{
	int64_t horizon = sim_now(m->f.w) - m->expire_ns - m->interval_ns;
	size_t k = 0;
	while (k < in->n_ops && in->ops[k].done_at <= horizon)
		k++;
	return k;
}

/* Whether `got` is `base` with the bytes of write `op` up to a sector
 * boundary strictly inside the write (a torn write) applied. */
static bool m_torn_matches(const struct model *m, const struct m_bytes *base,
			   const struct m_op *op, const uint8_t *got, size_t len)
{
	if (op->truncate)
		return false;
	struct m_bytes img = {0};
	bool hit = false;
	size_t b = (op->off / m->sector + 1) * m->sector;
	for (; !hit && b < op->off + op->len; b += m->sector) {
		mb_copy(&img, base);
		mb_write(&img, op->off, op->data, b - op->off);
		hit = mb_equal(&img, got, len);
	}
	free(img.p);
	return hit;
}

/*
 * With writeback: the durable bytes are the fsynced image plus a prefix of
 * at least `kmin` unsynced ops, in order, and (when `torn_ok`) possibly a
 * torn later write on top. Returns the smallest such prefix length, or -1;
 * sets *torn when only a torn image matches.
 */
static int m_match_prefix(const struct model *m, const struct m_inode *in, const uint8_t *got,
			  size_t len, bool torn_ok, bool *torn)
{
	size_t kmin = m_min_written_back(m, in);
	struct m_bytes img = {0};
	mb_copy(&img, &in->durable);
	int found = -1;
	*torn = false;
	for (size_t k = 0; k <= in->n_ops && found < 0; k++) {
		if (k > 0)
			m_op_apply(&img, &in->ops[k - 1]);
		if (k < kmin)
			continue;
		if (mb_equal(&img, got, len)) {
			found = (int)k;
			break;
		}
		for (size_t j = k; torn_ok && j < in->n_ops && found < 0; j++)
			if (m_torn_matches(m, &img, &in->ops[j], got, len)) {
				found = (int)k;
				*torn = true;
			}
	}
	free(img.p);
	return found;
}

/* With writeback, between crashes: each file's durable image is a prefix. */
static void m_check_durable_prefix(struct model *m)
{
	uint8_t buf[4096];
	for (int n = 0; n < M_NAMES; n++) {
		struct m_inode *in = m->ino[m->durable_ns[n]];
		int64_t len = m_read_view(m, n, true, buf);
		assert_true(len >= 0);
		bool torn;
		int k = m_match_prefix(m, in, buf, (size_t)len, false, &torn);
		assert_true(k >= 0);
		m_make_durable(in, (size_t)k);
		m->written_back += (uint64_t)k;
	}
}

static void m_check_listing(struct model *m)
{
	char want[64] = "";
	for (int n = 0; n < M_NAMES; n++)
		if (m->cache_ns[n] >= 0)
			snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
				 want[0] ? " " : "", m_path(n) + 1);
	assert_listing(&m->f, "/", want);
}

static void m_check(struct model *m)
{
	m_check_cache(m);
	if (m->writeback)
		m_check_durable_prefix(m);
	else
		m_check_durable_exact(m);
}

/* After a crash, once its dropped requests are discarded: no handles, no
 * requests in flight. */
static void m_after_crash(struct model *m)
{
	sim_run_for(m->f.w, 100 * MS);
	for (size_t i = 0; i < m->n_ino; i++) {
		m->ino[i]->fh = NULL;
		m->ino[i]->inflight = 0;
	}
	m_check(m);
}

static bool m_named(const struct model *m, int i)
{
	for (int n = 0; n < M_NAMES; n++)
		if (m->cache_ns[n] == i || m->durable_ns[n] == i)
			return true;
	return false;
}

/* The most recent unsynced write among files the disk still has (named in
 * either namespace, or with a request in flight): the one that may tear. */
static int m_last_write_owner(const struct model *m)
{
	int owner = -1;
	uint64_t best = 0;
	for (size_t i = 0; i < m->n_ino; i++) {
		const struct m_inode *in = m->ino[i];
		if (!in->inflight && !m_named(m, (int)i))
			continue;
		for (size_t k = 0; k < in->n_ops; k++)
			if (!in->ops[k].truncate && (owner < 0 || in->ops[k].seq > best)) {
				owner = (int)i;
				best = in->ops[k].seq;
			}
	}
	return owner;
}

/* The file `in` after a power loss, without writeback: its durable image,
 * or (for the owner of the last write) that image with the write torn. */
static void m_check_after_power_loss(struct model *m, struct m_inode *in, bool is_owner,
				     const uint8_t *got, size_t len)
{
	if (mb_equal(&in->durable, got, len))
		return;
	assert_true(is_owner);
	uint64_t best = 0;
	const struct m_op *last = NULL;
	for (size_t k = 0; k < in->n_ops; k++)
		if (!in->ops[k].truncate && (!last || in->ops[k].seq > best)) {
			last = &in->ops[k];
			best = last->seq;
		}
	assert_non_null(last);
	assert_true(m_torn_matches(m, &in->durable, last, got, len));
	m->torn++;
	mb_write(&in->durable, 0, got, len);
	mb_resize(&in->durable, len);
}

static void m_power_loss(struct model *m)
{
	int owner = m_last_write_owner(m);
	assert_true(sim_node_power_loss(m->f.w, m->f.id));
	m->f.env = NULL;
	m->power_losses++;
	uint8_t cached[4096], durable[4096];
	int torn_files = 0;
	for (int n = 0; n < M_NAMES; n++) {
		int64_t len = m_read_view(m, n, true, durable);
		assert_int_equal(m_read_view(m, n, false, cached), len);
		if (m->durable_ns[n] < 0) {
			assert_int_equal(len, -1);
			continue;
		}
		assert_true(len >= 0);
		assert_memory_equal(cached, durable, (size_t)len);
		struct m_inode *in = m->ino[m->durable_ns[n]];
		if (!m->writeback) {
			m_check_after_power_loss(m, in, m->durable_ns[n] == owner, durable,
						 (size_t)len);
			continue;
		}
		bool torn;
		assert_true(m_match_prefix(m, in, durable, (size_t)len, true, &torn) >= 0);
		torn_files += torn;
		m->written_back += !torn && !mb_equal(&in->durable, durable, (size_t)len);
		mb_write(&in->durable, 0, durable, (size_t)len);
		mb_resize(&in->durable, (size_t)len);
	}
	assert_true(torn_files <= 1);
	m->torn += (uint64_t)torn_files;
	for (size_t i = 0; i < m->n_ino; i++) {
		struct m_inode *in = m->ino[i];
		m_ops_clear(in);
		mb_copy(&in->cache, &in->durable);
	}
	memcpy(m->cache_ns, m->durable_ns, sizeof m->cache_ns);
	m_after_crash(m);
}

/* A new incarnation reads what the model says, through its own handles. */
static void m_restart(struct model *m)
{
	fx_start(&m->f);
	m_check_listing(m);
	uint8_t buf[4096];
	for (int n = 0; n < M_NAMES; n++) {
		if (m->cache_ns[n] < 0)
			continue;
		struct m_inode *in = m->ino[m->cache_ns[n]];
		assert_int_equal(env_file_open(m->f.env, m_path(n), 0, &in->fh), ENV_OK);
		assert_int_equal(env_file_size(in->fh), (int64_t)in->cache.len);
		int64_t got = env_file_read(in->fh, 0, buf, sizeof buf);
		assert_true(mb_equal(&in->cache, buf, (size_t)got));
	}
}

static void m_toggle_faults(struct model *m)
{
	if (sim_rng_below(&m->rng, 40) == 0) {
		m->write_error = !m->write_error;
		sim_disk_set_fault(m->f.d, SIM_DISK_WRITE_ERROR, m->write_error);
	}
	if (!m->writeback && sim_rng_below(&m->rng, 40) == 0) {
		m->fsync_error = !m->fsync_error;
		sim_disk_set_fault(m->f.d, SIM_DISK_FSYNC_ERROR, m->fsync_error);
	}
}

static bool m_all_done(const struct model *m)
{
	for (int i = 0; i < m->n_reqs; i++)
		if (!m->reqs[i].done)
			return false;
	return true;
}

/* One batch of requests, then completion, a kill, or a power loss. */
static void m_step(struct model *m)
{
	m_toggle_faults(m);
	m->n_reqs = 0;
	int k = 1 + (int)sim_rng_below(&m->rng, M_BATCH);
	for (int i = 0; i < k; i++)
		m_submit(m);
	uint64_t roll = sim_rng_below(&m->rng, 20);
	if (roll < 5) {
		/* Crash part-way: some requests done, some dropped. */
		sim_run_for(m->f.w, sim_rng_range(&m->rng, 0, 12 * MS));
		if (roll < 3) {
			fx_kill(&m->f);
			m->kills++;
			m_after_crash(m);
		}
		if (roll >= 2)
			m_power_loss(m);
		m_restart(m);
		return;
	}
	while (!m_all_done(m))
		assert_true(sim_step(m->f.w));
	if (m->writeback)
		sim_run_for(m->f.w, sim_rng_range(&m->rng, 0, 2500 * MS));
	m_check(m);
}

static void m_free(struct model *m)
{
	for (size_t i = 0; i < m->n_ino; i++) {
		free(m->ino[i]->cache.p);
		free(m->ino[i]->durable.p);
		free(m->ino[i]->ops);
		free(m->ino[i]);
	}
	free(m->ino);
	fx_close(&m->f);
}

/* Runs one random sequence; adds what it saw to `total`; returns the
 * world's trace hash. */
static uint64_t m_run(uint64_t seed, bool writeback, int steps, struct model *total)
{
	struct model m;
	memset(&m, 0, sizeof m);
	sim_rng_derive(&m.rng, seed, writeback ? "disk-model-wb" : "disk-model", 0);
	struct sim_disk_config dc;
	fx_config(&dc);
	dc.write_latency_max_ns = 3 * MS;
	dc.sector_bytes = m.sector = 16u << sim_rng_below(&m.rng, 2);
	dc.torn_write_ppm = sim_rng_below(&m.rng, 2) ? 1000000 : 300000;
	m.writeback = writeback;
	if (writeback) {
		dc.dirty_expire_ns = m.expire_ns = 3 * SEC;
		dc.writeback_interval_ns = m.interval_ns = 1 * SEC;
	}
	for (int n = 0; n < M_NAMES; n++)
		m.cache_ns[n] = m.durable_ns[n] = -1;
	fx_open_cfg(&m.f, seed, &dc);
	if (writeback) {
		/* Fixed names, journaled before the random part starts. */
		for (int n = 0; n < M_NAMES; n++)
			m_handle(&m, n);
		assert_int_equal(fx_fsync(&m.f, m.ino[0]->fh), 0);
		memcpy(m.durable_ns, m.cache_ns, sizeof m.durable_ns);
	}
	for (int i = 0; i < steps; i++)
		m_step(&m);
	total->requests += m.requests;
	total->kills += m.kills;
	total->power_losses += m.power_losses;
	total->torn += m.torn;
	total->written_back += m.written_back;
	uint64_t hash = sim_trace_hash(m.f.w);
	m_free(&m);
	return hash;
}

static bool under_valgrind(void)
{
	const char *v = getenv("KSIM_UNDER_VALGRIND");
	return v && *v && strcmp(v, "0") != 0;
}

static void test_model_random_sequences(void **state)
{
	int runs = under_valgrind() ? 300 : 3000;
	struct model total;
	memset(&total, 0, sizeof total);
	for (int seed = 1; seed <= runs; seed++)
		m_run((uint64_t)seed, false, 30, &total);
	/* The run exercised what it claims to check. */
	assert_true(total.kills > (uint64_t)runs);
	assert_true(total.power_losses > (uint64_t)runs);
	assert_true(total.torn > (uint64_t)runs / 10);
	assert_true(total.requests > (uint64_t)runs * 30);
}

static void test_model_random_with_writeback(void **state)
{
	int runs = under_valgrind() ? 60 : 600;
	struct model total;
	memset(&total, 0, sizeof total);
	for (int seed = 1; seed <= runs; seed++)
		m_run((uint64_t)seed, true, 40, &total);
	assert_true(total.power_losses > (uint64_t)runs);
	assert_true(total.written_back > (uint64_t)runs);
	assert_true(total.torn > 0);
}

/* ---- Namespace model -------------------------------------------------------------
 *
 * Directories and names at random: mkdir, create, rename (of files and of
 * directory trees), unlink, fsync (a journal commit), kill and power loss,
 * against a model that keeps the set of paths in the cache and in the
 * journal. Errors follow Linux's rename(2) and unlink(2) order: ancestors of
 * the source, then of the target (ENOENT, ENOTDIR), a missing source
 * (ENOENT), a move into itself (EINVAL), onto its own ancestor (ENOTEMPTY),
 * a file onto a directory (EISDIR) or back (ENOTDIR), onto a non-empty
 * directory (ENOTEMPTY).
 */

#define NS_MAX 256
#define NS_PATH 200

struct ns_entry {
	char path[NS_PATH];
	bool dir;
};

struct ns_set {
	struct ns_entry e[NS_MAX];
	int n;
};

static int nss_find(const struct ns_set *s, const char *path)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->e[i].path, path) == 0)
			return i;
	return -1;
}

static void nss_add(struct ns_set *s, const char *path, bool dir)
{
	assert_true(s->n < NS_MAX && strlen(path) < NS_PATH);
	snprintf(s->e[s->n].path, NS_PATH, "%s", path);
	s->e[s->n++].dir = dir;
}

/* True when `path` lies strictly below directory `dir`. */
static bool ns_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static bool nss_has_children(const struct ns_set *s, const char *dir)
{
	for (int i = 0; i < s->n; i++)
		if (ns_below(s->e[i].path, dir))
			return true;
	return false;
}

static int nss_ancestors(const struct ns_set *s, const char *path)
{
	char buf[NS_PATH];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *slash = strchr(buf + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		int i = nss_find(s, buf);
		*slash = '/';
		if (i < 0)
			return ENV_ENOENT;
		if (!s->e[i].dir)
			return ENV_ENOTDIR;
	}
	return ENV_OK;
}

static int nss_mkdir(struct ns_set *s, const char *path, bool dir)
{
	int i = nss_find(s, path);
	if (i >= 0)
		return dir ? ENV_EEXIST : s->e[i].dir ? ENV_EISDIR : ENV_OK;
	int rc = nss_ancestors(s, path);
	if (rc == ENV_OK)
		nss_add(s, path, dir);
	return rc;
}

static int nss_unlink(struct ns_set *s, const char *path)
{
	int rc = nss_ancestors(s, path);
	int i = nss_find(s, path);
	if (rc || i < 0)
		return rc ? rc : ENV_ENOENT;
	if (s->e[i].dir && nss_has_children(s, path))
		return ENV_ENOTEMPTY;
	s->e[i] = s->e[--s->n];
	return ENV_OK;
}

static int nss_rename_check(const struct ns_set *s, const char *from, const char *to)
{
	int rc = nss_ancestors(s, from);
	if (!rc)
		rc = nss_ancestors(s, to);
	if (rc)
		return rc;
	int src = nss_find(s, from), dst = nss_find(s, to);
	if (src < 0)
		return ENV_ENOENT;
	if (strcmp(from, to) == 0)
		return ENV_OK;
	if (ns_below(to, from))
		return ENV_EINVAL;
	if (ns_below(from, to))
		return ENV_ENOTEMPTY;
	if (dst >= 0 && s->e[dst].dir != s->e[src].dir)
		return s->e[dst].dir ? ENV_EISDIR : ENV_ENOTDIR;
	if (dst >= 0 && nss_has_children(s, to))
		return ENV_ENOTEMPTY;
	return ENV_OK;
}

static int nss_rename(struct ns_set *s, const char *from, const char *to)
{
	int rc = nss_rename_check(s, from, to);
	if (rc || strcmp(from, to) == 0)
		return rc;
	int dst = nss_find(s, to);
	if (dst >= 0)
		s->e[dst] = s->e[--s->n];
	size_t n = strlen(from);
	for (int i = 0; i < s->n; i++) {
		char *p = s->e[i].path;
		if (strcmp(p, from) != 0 && !ns_below(p, from))
			continue;
		char moved[NS_PATH];
		assert_true(strlen(to) + strlen(p + n) < sizeof moved);
		snprintf(moved, sizeof moved, "%s%s", to, p + n);
		snprintf(p, NS_PATH, "%s", moved);
	}
	return ENV_OK;
}

/* Everything the page cache names, by walking env_list_dir from the root. */
struct ns_walk {
	struct ns_set *out;
	const char *dir;
};

static void ns_walk_each(void *arg, const char *name, bool is_dir)
{
	struct ns_walk *wk = arg;
	char path[NS_PATH];
	assert_true(strlen(wk->dir) + strlen(name) + 2 <= sizeof path);
	snprintf(path, sizeof path, "%s/%s", strcmp(wk->dir, "/") ? wk->dir : "", name);
	nss_add(wk->out, path, is_dir);
}

static void ns_walk(struct fx *f, const char *dir, struct ns_set *out)
{
	int first = out->n;
	struct ns_walk wk = {out, dir};
	assert_true(env_list_dir(f->env, dir, ns_walk_each, &wk) >= 0);
	int last = out->n;
	for (int i = first; i < last; i++) {
		if (!out->e[i].dir)
			continue;
		char sub[NS_PATH];
		snprintf(sub, sizeof sub, "%s", out->e[i].path);
		ns_walk(f, sub, out);
	}
}

static void ns_assert_same(const struct ns_set *got, const struct ns_set *want)
{
	assert_int_equal(got->n, want->n);
	for (int i = 0; i < want->n; i++) {
		int j = nss_find(got, want->e[i].path);
		if (j < 0)
			fail_msg("%s missing", want->e[i].path);
		assert_int_equal(got->e[j].dir, want->e[i].dir);
	}
}

struct ns_run {
	struct fx f;
	struct sim_rng rng;
	struct ns_set cache;
	struct ns_set durable;
	struct ns_set seen; /* scratch for walks */
	struct env_file *sync;
};

static void ns_check(struct ns_run *r)
{
	r->seen.n = 0;
	ns_walk(&r->f, "/", &r->seen);
	ns_assert_same(&r->seen, &r->cache);
	for (int i = 0; i < r->cache.n; i++) {
		const char *p = r->cache.e[i].path;
		bool durable = nss_find(&r->durable, p) >= 0;
		assert_int_equal(sim_disk_size(r->f.d, p, true) >= 0, durable);
		assert_true(env_exists(r->f.env, p));
	}
	for (int i = 0; i < r->durable.n; i++)
		assert_true(sim_disk_size(r->f.d, r->durable.e[i].path, true) >= 0);
}

/* A path that exists (2 in 5), a new name in a directory that exists (2 in
 * 5), or any path of depth 1..3 over "x", "y", "z". */
static void ns_random_path(struct ns_run *r, char *buf)
{
	static const char *const names[] = {"/x", "/y", "/z"};
	uint64_t roll = sim_rng_below(&r->rng, 5);
	const struct ns_entry *e = &r->cache.e[sim_rng_below(&r->rng, (uint64_t)r->cache.n)];
	if (roll < 4 && strcmp(e->path, "/sync") != 0 && strlen(e->path) < 60) {
		strcpy(buf, e->path);
		if (roll >= 2 && e->dir)
			strcat(buf, names[sim_rng_below(&r->rng, 3)]);
		return;
	}
	int depth = 1 + (int)sim_rng_below(&r->rng, 3);
	buf[0] = 0;
	for (int i = 0; i < depth; i++)
		strcat(buf, names[sim_rng_below(&r->rng, 3)]);
}

static void ns_step(struct ns_run *r)
{
	char a[NS_PATH], b[NS_PATH];
	ns_random_path(r, a);
	ns_random_path(r, b);
	uint64_t roll = sim_rng_below(&r->rng, 100);
	if (roll < 25) {
		assert_int_equal(env_mkdir(r->f.env, a), nss_mkdir(&r->cache, a, true));
	} else if (roll < 45) {
		struct env_file *file = NULL;
		int want = nss_mkdir(&r->cache, a, false);
		assert_int_equal(env_file_open(r->f.env, a, ENV_O_CREATE, &file), want);
		if (file)
			env_file_close(file);
	} else if (roll < 75) {
		int want = nss_rename(&r->cache, a, b);
		assert_int_equal(fx_rename(&r->f, a, b), want);
	} else if (roll < 85) {
		int want = nss_unlink(&r->cache, a);
		assert_int_equal(fx_unlink(&r->f, a), want);
	} else if (roll < 94) {
		assert_int_equal(fx_fsync(&r->f, r->sync), 0);
		r->durable = r->cache;
	} else {
		if (roll < 97) {
			fx_kill(&r->f);
		} else {
			fx_power_loss(&r->f);
			r->cache = r->durable;
		}
		fx_start(&r->f);
		r->sync = fx_create(&r->f, "/sync");
	}
	ns_check(r);
}

static void test_namespace_random(void **state)
{
	int runs = under_valgrind() ? 40 : 400;
	struct ns_run *r = calloc(1, sizeof *r);
	assert_non_null(r);
	for (int seed = 1; seed <= runs; seed++) {
		struct sim_disk_config dc;
		fx_config(&dc);
		fx_open_cfg(&r->f, (uint64_t)seed, &dc);
		sim_rng_derive(&r->rng, (uint64_t)seed, "disk-namespace", 0);
		r->cache.n = 0;
		nss_add(&r->cache, "/sync", false);
		r->sync = fx_create(&r->f, "/sync");
		assert_int_equal(fx_fsync(&r->f, r->sync), 0);
		r->durable = r->cache;
		for (int i = 0; i < 60; i++)
			ns_step(r);
		fx_close(&r->f);
	}
	free(r);
}

/* Same seed, same run (trace hash); another seed, another run. */
static void test_model_deterministic(void **state)
{
	struct model total;
	memset(&total, 0, sizeof total);
	uint64_t a = m_run(42, false, 30, &total);
	assert_true(a == m_run(42, false, 30, &total));
	assert_true(a != m_run(43, false, 30, &total));
	uint64_t b = m_run(42, true, 30, &total);
	assert_true(b == m_run(42, true, 30, &total));
	assert_true(b != a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_create_excl),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_mkdir_mkdirs),
		cmocka_unit_test(test_list_dir_order),
		cmocka_unit_test(test_write_past_end_zero_fills),
		cmocka_unit_test(test_append_returns_offset),
		cmocka_unit_test(test_truncate_down_and_up),
		cmocka_unit_test(test_read_at_and_after_end),
		cmocka_unit_test(test_rename_files),
		cmocka_unit_test(test_rename_directories),
		cmocka_unit_test(test_unlink),
		cmocka_unit_test(test_callbacks_async_exactly_once),
		cmocka_unit_test(test_callback_chain),
		cmocka_unit_test(test_requests_complete_in_order),
		cmocka_unit_test(test_kill_drops_pending_requests),
		cmocka_unit_test(test_kill_after_completion_keeps_cache),
		cmocka_unit_test(test_pause_delays_completions),
		cmocka_unit_test(test_fsync_makes_durable),
		cmocka_unit_test(test_names_durable_after_any_fsync),
		cmocka_unit_test(test_directory_rename_durability),
		cmocka_unit_test(test_unsynced_new_file_after_power_loss),
		cmocka_unit_test(test_writeback_after_expire),
		cmocka_unit_test(test_writeback_keeps_order),
		cmocka_unit_test(test_writeback_while_node_down),
		cmocka_unit_test(test_torn_write_sector_aligned),
		cmocka_unit_test(test_fault_fsync_error),
		cmocka_unit_test(test_fault_write_error),
		cmocka_unit_test(test_fault_disk_full),
		cmocka_unit_test(test_capacity_limit),
		cmocka_unit_test(test_fault_slow),
		cmocka_unit_test(test_fault_corrupt),
		cmocka_unit_test(test_model_random_sequences),
		cmocka_unit_test(test_model_random_with_writeback),
		cmocka_unit_test(test_model_deterministic),
		cmocka_unit_test(test_namespace_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
