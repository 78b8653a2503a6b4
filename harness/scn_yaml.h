/*
 * scn_yaml — the loader's view of a YAML document: a small tree of scalars,
 * sequences and mappings, each node with the 1-based line and column where
 * it starts. Built from libfyaml's event parser, because the installed
 * libfyaml (0.7) has no node start marks in its document API, and the
 * loader's error messages need a position for every node, containers
 * included.
 *
 * Only the plain data subset of YAML is accepted: aliases and tags are
 * refused with a positioned error (aliases would also let a tiny file
 * expand into a huge tree), as are duplicate mapping keys, non-scalar keys,
 * more than one document and nesting deeper than SCN_YAML_MAX_DEPTH.
 *
 * Ownership: scn_yaml_parse returns a tree the caller frees with
 * scn_yaml_free. Scalar text is a NUL-terminated copy; the input buffer is
 * not referenced after the call.
 */
#ifndef KSIM_SCN_YAML_H
#define KSIM_SCN_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/scn.h"

#define SCN_YAML_MAX_DEPTH 32

enum scn_ykind {
	SCN_Y_SCALAR,
	SCN_Y_SEQ,
	SCN_Y_MAP,
};

/* A mapping keeps its pairs flat: items[2i] is a key (always a scalar),
 * items[2i + 1] its value, in file order. */
struct scn_ynode {
	enum scn_ykind kind;
	int line;
	int column;
	char *text; /* SCALAR: the value after YAML unescaping */
	size_t len;
	bool plain; /* SCALAR: written without quotes or block style */
	struct scn_ynode **items;
	size_t count;
	size_t cap;
};

/*
 * Parses `len` bytes as one YAML document. On SCN_OK *root is the document's
 * root node, or NULL for an empty stream. On failure *root is NULL and *err
 * holds "NAME:LINE:COL: message"; the result is SCN_ERR_SYNTAX (including
 * the refused constructs above) or SCN_ERR_NOMEM.
 */
int scn_yaml_parse(const struct scn_alloc *a, const char *name, const char *buf, size_t len,
                   struct scn_ynode **root, struct scn_error *err);

/* Frees a tree from scn_yaml_parse; NULL is allowed. */
void scn_yaml_free(const struct scn_alloc *a, struct scn_ynode *node);

/* Allocation through a scn_alloc: scn_mem_alloc and scn_mem_calloc return
 * NULL on failure (calloc also on count * size overflow) and never for a
 * zero size; scn_mem_free accepts NULL. */
void *scn_mem_alloc(const struct scn_alloc *a, size_t n);
void *scn_mem_calloc(const struct scn_alloc *a, size_t count, size_t size);
void *scn_mem_realloc(const struct scn_alloc *a, void *p, size_t n);
void scn_mem_free(const struct scn_alloc *a, void *p);
/* The default: libc's realloc and free. */
extern const struct scn_alloc scn_alloc_libc;

/* "a scalar", "a sequence", "a mapping": for messages. */
const char *scn_ykind_name(enum scn_ykind kind);

/* Fills *err: message from fmt, text "NAME:LINE:COL: message". */
void scn_error_set(struct scn_error *err, const char *name, int line, int column, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

#endif
