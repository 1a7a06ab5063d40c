/*
 * cmd.h — the custody subcommands (private to crawler/). Each takes argv with
 * argv[0] = the subcommand name and returns the process exit status.
 */
#ifndef CUSTODY_CMD_H
#define CUSTODY_CMD_H

int cmd_crawl(int argc, char **argv);       /* cmd_crawl.c */
int cmd_export(int argc, char **argv);      /* cmd_export.c */
int cmd_bundle(int argc, char **argv);      /* cmd_bundle.c */
int cmd_ls(int argc, char **argv);          /* cmd_ls.c */
int cmd_scan(int argc, char **argv);        /* cmd_scan.c */
int cmd_watch_hash(int argc, char **argv);  /* cmd_watch_hash.c */
int cmd_keygen(int argc, char **argv);      /* cmd_keygen.c */
int cmd_stamp(int argc, char **argv);       /* cmd_stamp.c */
int cmd_crawl_seal(int argc, char **argv);  /* cmd_crawl_seal.c */
int cmd_watch(int argc, char **argv);       /* cmd_watch.c */
int cmd_timeline(int argc, char **argv);    /* cmd_timeline.c */
int cmd_export(int argc, char **argv);      /* cmd_export.c */

#endif
