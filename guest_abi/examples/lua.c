/*
 * Lua 5.4 as a guest, on Debian's static liblua5.4.a: `lua -e CHUNK
 * [ARGS]` runs a chunk, `lua - [ARGS]` reads it from stdin; the arguments
 * after it are `arg` (and the chunk's `...`) as with lua.c. A guest has
 * no files: io.open, os.execute, io.popen and C modules fail as Lua
 * errors. An error prints "lua: MESSAGE" on stderr and exits 1.
 *
 * The state is not closed at exit (a VM's memory goes with it, and
 * closing a large state from a snapshot would touch every page of it), so
 * __gc finalizers do not run then.
 *
 * `lua -e INIT... --snapshot [-e CHUNK | -] [ARGS]` runs the INIT chunks,
 * then reaches its snapshot point (mote_snapshot()): run as a snapshot,
 * every clone then takes its chunk and arguments from its own command
 * line (and stdin), with the state INIT left; run plainly, it goes on
 * with what follows --snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "mote.h"

static int usage(void)
{
	fputs("usage: lua [-e INIT]... [--snapshot] [-e CHUNK]... [- | ARGS]...\n"
	      "  -e CHUNK    run CHUNK (the last one gets ARGS as ...)\n"
	      "  -           run the chunk read from stdin\n"
	      "  --snapshot  the snapshot point: what follows (or a clone's\n"
	      "              own command line) runs after it\n",
	      stderr);
	return 2;
}

static const char *read_stdin(lua_State *L, void *ud, size_t *size)
{
	static char buf[64 * 1024];

	(void)L, (void)ud;
	*size = fread(buf, 1, sizeof(buf), stdin);
	return *size ? buf : NULL;
}

/* lua.c's arg table: the chunk's own argument at 0, what follows it at
 * 1, 2, ..., what precedes it (the interpreter, options) below 0. */
static void make_arg(lua_State *L, int argc, char **argv, int script)
{
	lua_createtable(L, argc - script - 1, script + 1);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - script);
	}
	lua_setglobal(L, "arg");
}

static int fail(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);

	fprintf(stderr, "lua: %s\n",
		msg ? msg : "(error object is not a string)");
	return 1;
}

/* Runs the -e chunks of argv[1..end) with no arguments, in order. */
static int run_init(lua_State *L, char **argv, int end)
{
	for (int i = 1; i < end; i++) {
		if (strcmp(argv[i], "-e") != 0 || i + 1 >= end)
			return -1;
		i++;
		if (luaL_loadbuffer(L, argv[i], strlen(argv[i]),
				    "=(command line)") != LUA_OK ||
		    lua_pcall(L, 0, 0, 0) != LUA_OK)
			return 1;
	}
	return 0;
}

/* `[-e CHUNK]... (-e CHUNK | -) [ARGS]` from argv[first] on: the last
 * chunk gets the arguments. */
static int run(lua_State *L, int argc, char **argv, int first)
{
	int script = 0, from_stdin = 0;

	/* Find the chunk that gets the arguments: the last -e, or "-". */
	for (int i = first; i < argc; i++) {
		if (strcmp(argv[i], "-e") == 0 && i + 1 < argc) {
			script = ++i;
		} else if (strcmp(argv[i], "-") == 0) {
			script = i;
			from_stdin = 1;
			break;
		} else if (script) {
			break;
		} else {
			return usage();
		}
	}
	if (!script)
		return usage();
	make_arg(L, argc, argv, script);
	/* Earlier -e chunks run first, with no arguments. */
	for (int i = first; i < script; i++) {
		if (strcmp(argv[i], "-e") != 0 || i + 1 == script)
			continue;
		i++;
		if (luaL_loadbuffer(L, argv[i], strlen(argv[i]),
				    "=(command line)") != LUA_OK ||
		    lua_pcall(L, 0, 0, 0) != LUA_OK)
			return fail(L);
	}
	int st = from_stdin ? lua_load(L, read_stdin, NULL, "=stdin", NULL)
			    : luaL_loadbuffer(L, argv[script],
					      strlen(argv[script]),
					      "=(command line)");

	if (st != LUA_OK)
		return fail(L);
	int nargs = argc - script - 1;

	luaL_checkstack(L, nargs, "too many arguments");
	for (int i = script + 1; i < argc; i++)
		lua_pushstring(L, argv[i]);
	if (lua_pcall(L, nargs, 0, 0) != LUA_OK)
		return fail(L);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int snap = 0, rc;
	lua_State *L;

	for (int i = 1; i < argc && !snap; i++)
		if (strcmp(argv[i], "--snapshot") == 0)
			snap = i;
	L = luaL_newstate();
	if (!L) {
		fputs("lua: cannot create state: not enough memory\n", stderr);
		return 1;
	}
	luaL_openlibs(L);
	if (!snap)
		return run(L, argc, argv, 1);
	rc = run_init(L, argv, snap);
	if (rc < 0)
		return usage();
	if (rc > 0)
		return fail(L);
	fflush(stdout);
	if (mote_snapshot() == MOTE_SNAPSHOT_CLONE) {
		/* A clone: its own command line, from the boot info; what
		 * follows its --snapshot, if it has one (a clone of `mote
		 * run --snapshot` has the same command line). */
		const struct mote_boot_info *bi = mote_boot_info();
		char **cargv = (char **)(uintptr_t)bi->argv;
		int cargc = (int)bi->argc, first = 1;

		for (int i = 1; i < cargc; i++)
			if (strcmp(cargv[i], "--snapshot") == 0)
				first = i + 1;
		return run(L, cargc, cargv, first);
	}
	return run(L, argc, argv, snap + 1);
}
