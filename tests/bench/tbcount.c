// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A QEMU TCG plugin that counts the guest instructions executed in each
 * translation block of the kernel (addresses from 0xffffffff80000000),
 * for tests/bench/insn-profile: at exit it writes one line per block,
 * "ADDRESS INSTRUCTIONS BLOCK_LENGTH" in hex and decimal, to the file
 * given as out=FILE.  The counts are inline additions in the translated
 * code, so the guest's instruction count (-icount) is not disturbed.
 *
 * Debian's QEMU (7.2) loads plugins but ships no qemu-plugin.h: the few
 * calls used here are declared below as in QEMU's plugin API version 1,
 * which has not changed them since QEMU 4.2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define KERNEL_START 0xffffffff80000000ULL

/* One per translation: a block translated again gets another entry. */
struct block {
	uint64_t vaddr;
	uint64_t insns;		/* executed, added to by the translated code */
	size_t len;		/* instructions in the block */
};

static GPtrArray *blocks;
static GMutex lock;
static const char *out_path = "tbcount.out";

static void tb_trans(qemu_plugin_id_t id __attribute__((unused)),
		     struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	if (vaddr < KERNEL_START)
		return;
	b = g_new0(struct block, 1);
	b->vaddr = vaddr;
	b->len = qemu_plugin_tb_n_insns(tb);
	g_mutex_lock(&lock);
	g_ptr_array_add(blocks, b);
	g_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->insns, b->len);
}

static void at_exit(qemu_plugin_id_t id __attribute__((unused)),
		    void *data __attribute__((unused)))
{
	FILE *f = fopen(out_path, "w");
	guint i;

	if (!f) {
		perror(out_path);
		return;
	}
	for (i = 0; i < blocks->len; i++) {
		struct block *b = g_ptr_array_index(blocks, i);

		if (b->insns)
			fprintf(f, "%llx %llu %zu\n", (unsigned long long)b->vaddr,
				(unsigned long long)b->insns, b->len);
	}
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id,
			const qemu_info_t *info __attribute__((unused)),
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
	blocks = g_ptr_array_new();
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
