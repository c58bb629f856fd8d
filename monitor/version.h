/*
 * mote's version, for --version and the snapshot files it writes (a file
 * from another version is refused). The build may set it with -D.
 */
#ifndef MOTE_VERSION_H
#define MOTE_VERSION_H

#ifndef MOTE_VERSION
#define MOTE_VERSION "0.2.0"
#endif

#endif
