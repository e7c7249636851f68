// The ncursesw surface Swift needs. Feature macros first, so the wide-character API
// (wget_wch, setcchar, wcwidth) is visible; static inline accessors for what Swift cannot
// import directly (C globals like stdscr/LINES/COLS, and the A_* attribute macros).
#define _XOPEN_SOURCE 700
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <stdio.h>
#include <ncursesw/curses.h>

/* Glibc's modular wchar.h hides this from Swift. */
int wcwidth(wchar_t c);

static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return COLORS; }
static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_dim(void) { return A_DIM; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }
static inline int cn_key_code_yes(void) { return KEY_CODE_YES; }

/* Writes one cell: a wide-character string (one grapheme) with attributes and colour pair. */
static inline int cn_put_cell(int y, int x, const wchar_t *text, attr_t attributes, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attributes, pair, NULL) != OK) return ERR;
    return mvwadd_wch(stdscr, y, x, &cell);
}

/* The terminal's codeset (UTF-8 or not). */
static inline const char *cn_codeset(void) { return nl_langinfo(CODESET); }

/* Opens a screen on the controlling terminal's standard streams; NULL when TERM is unusable. */
static inline SCREEN *cn_newterm(void) {
    FILE *out = fdopen(1, "w");
    FILE *in = fdopen(0, "r");
    if (out == NULL || in == NULL) return NULL;
    return newterm(NULL, out, in);
}

/* Not ncurses: the one other C global Swift cannot reach. Swift Concurrency's enqueue hook,
   which NIO finds with dlsym to run tasks on its event loops; in a binary with the Swift
   runtime linked statically (script/release-build) the runtime's symbols are local and dlsym
   finds nothing, but the linker still resolves this reference inside the binary. See
   StaticRuntimeTakeover in Sources/Dashboard/Commands/Entry.swift. */
extern void *swift_task_enqueueGlobal_hook;
static inline void **cn_concurrency_enqueue_hook(void) { return &swift_task_enqueueGlobal_hook; }
