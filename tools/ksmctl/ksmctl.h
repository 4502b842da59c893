/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_H
#define KSMCTL_H

#define KSMCTL_VERSION "0.1"

int ksmctl_main(int argc, char **argv);

/*
 * The commands, one per file (cmd-*.c), each taking its argv from its own
 * name on; ksmctl_main() (dispatch.c) picks one.
 */
int cmd_enable_disable(int argc, char **argv);
int cmd_isolate(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_oci_hook(int argc, char **argv);
int cmd_nri_hook(int argc, char **argv);
int cmd_ksmd(int argc, char **argv);
int cmd_start_stop(int argc, char **argv);

#endif
