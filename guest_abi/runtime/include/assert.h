/*
 * mote guest libc: <assert.h>. A failed assertion prints the expression and
 * location to stderr and aborts (exit status 134).
 */
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
_Noreturn void __mote_assert_fail(const char *expr, const char *file,
				  int line, const char *func);
#define assert(e) \
	((e) ? (void)0 : __mote_assert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#ifndef __cplusplus
#undef static_assert
#define static_assert _Static_assert
#endif
