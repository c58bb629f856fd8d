/*
 * `mote serve`, the function-invocation server: its entry point, called
 * by the mote command line.
 */
#ifndef MOTE_SERVE_H
#define MOTE_SERVE_H

/* The arguments after "serve"; returns the process exit status. */
int serve_main(int argc, char **argv);

#endif
