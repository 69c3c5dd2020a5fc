/*
 * analysis._fastkeys: the hot loops of corpus-scale counting in C (analysis.stream): the
 * tokeniser's common case, the Scanner, the tally, the unwrap and typography steps of
 * cleaning, NFC normalisation of only the pieces of a text that may change, and the search
 * for code points UTF-8 cannot encode.
 *
 * Each function has a Python definition that tests/test_stream.py or tests/test_clean.py
 * compares it with; analysis.native loads the module only when its API number is current.
 *
 * tokenise() (the Scanner's loop, below) finds the tokens of a paragraph exactly as findall
 * with the tokeniser's pattern (analysis.tokens._token_regex, without its group names)
 * would, given `match`, the bound `match` method of that regex.
 *
 * Only the plain cases are decided here, with the predicates of Python's own `re`
 * module (sre: \w is Py_UNICODE_ISALNUM or '_', \d is Py_UNICODE_ISDECIMAL, \s is
 * Py_UNICODE_ISSPACE):
 *
 *   - whitespace starts no token;
 *   - a run of word characters that starts with no digit, follows no word character,
 *     holds no modifier-letter apostrophe (U+02BC, a word character) and is not
 *     followed by an apostrophe, a full stop or a degree sign is a `word` token,
 *     extended over hyphens followed by word characters: no other alternative of the
 *     pattern (abbreviation, number, elision, whole word, English clitic or
 *     "n't" split) can match there, as each needs a digit, a full stop, a degree
 *     sign, an apostrophe or a word character before it (French elisions below);
 *   - any other character that is neither a word character nor an apostrophe is a
 *     one-character `punct` token.
 *
 *   - with `french`, a run of ASCII letters followed by an apostrophe: an elided form
 *     (l', qu', jusqu'... in any case) followed by a word character is an `elision`
 *     token; a run that may start a "whole" word (aujourd'hui...) goes to the regex;
 *     any other run is a `word` token.
 *   - with `abbreviations` (the set of the tokeniser's abbreviations of the language), a
 *     run followed by a full stop is a `word` token too, unless it is listed or is one
 *     letter A-Z ("U.S."): the `abbrev` alternative needs one of those (it is
 *     case-sensitive and starts after no word character). Sentence-final words are
 *     then decided here instead of by the regex.
 *
 * The plain-word rule needs every listed abbreviation to be made of word characters
 * (analysis.tokens checks it when it loads them).
 *
 * Every other position (digits, apostrophes, abbreviations...) is handed to the regex
 * itself: match(paragraph, position, end of paragraph). The result is therefore the regex's
 * by construction; tests/test_stream.py checks it against findall on adversarial text.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* \w of sre for ASCII: letters, digits and '_' (a table: Py_UNICODE_ISALNUM makes up to
 * four calls into the Unicode database for a non-letter) */
static unsigned char ascii_word[256];

static inline int
is_word(Py_UCS4 ch)
{
    return ch < 256 ? ascii_word[ch] : Py_UNICODE_ISALNUM(ch);
}

static int
is_apostrophe(Py_UCS4 ch)
{
    /* APOSTROPHES in analysis.tokens */
    return ch == '\'' || ch == 0x2019 || ch == 0x02BC || ch == 0x2018 || ch == '`' || ch == 0x00B4;
}

static int
is_hyphen(Py_UCS4 ch)
{
    return ch == '-' || ch == 0x2010 || ch == 0x2011;
}

/* End of the regex's match at `pos` in *end, or -1 when it does not match there.
 * Returns -1 with an exception set on error, 0 otherwise. */
static int
delegate(PyObject *match, PyObject *text, Py_ssize_t pos, Py_ssize_t endpos, Py_ssize_t *end)
{
    PyObject *m = PyObject_CallFunction(match, "Onn", text, pos, endpos);
    if (m == NULL) {
        return -1;
    }
    if (m == Py_None) {
        Py_DECREF(m);
        *end = -1;
        return 0;
    }
    PyObject *e = PyObject_CallMethod(m, "end", NULL);
    Py_DECREF(m);
    if (e == NULL) {
        return -1;
    }
    *end = PyLong_AsSsize_t(e);
    Py_DECREF(e);
    return (*end == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* The French rules for an ASCII word run [p, r) followed by an apostrophe, compared
 * case-insensitively (for ASCII letters sre's ignore-case is tolower):
 * -1 when it starts a "whole" word (aujourd'hui, presqu'île, quelqu'un, prud'homme,
 * entr'...: left to the regex), 1 when it is an elided form (l', qu', jusqu'...: an
 * elision token when a word character follows the apostrophe), 0 otherwise (a plain
 * word; the apostrophe is punctuation). */
/* Copies of analysis.tokens._WHOLE_FR (the part before the apostrophe) and _ELISIONS_FR;
 * exported as WHOLE and ELIDED: analysis.stream uses this module only when they agree. */
static const char *whole[] = {"aujourd", "presqu", "quelqu", "prud", "entr", NULL};
static const char *elided[] = {"jusqu", "lorsqu", "puisqu", "quoiqu", "qu", "l", "d",
                               "j",     "m",      "n",      "s",      "t",  "c", NULL};

static int
elision_rule(int kind, const void *data, Py_ssize_t p, Py_ssize_t r)
{
    char low[8];
    Py_ssize_t len = r - p;
    if (len > 7) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, p + i);
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    low[len] = '\0';
    for (int i = 0; whole[i]; i++) {
        if (strcmp(low, whole[i]) == 0) {
            return -1;
        }
    }
    for (int i = 0; elided[i]; i++) {
        if (strcmp(low, elided[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Called with each token [start, end) of the text; returns -1 with an exception set on error. */
typedef int (*emit_fn)(void *ctx, PyObject *text, Py_ssize_t start, Py_ssize_t end);

typedef struct {
    PyObject *match;   /* the bound match method of the tokeniser's regex */
    int french;        /* French elision rules */
    PyObject *abbrevs; /* a set of the listed abbreviations, or NULL */
} Rules;

/* May the word run [p, r), followed by a full stop, start an `abbrev` token? Without a set of
 * abbreviations, always (the regex decides). With one: only when the run is listed (the
 * regex's alternation is case-sensitive and a listed abbreviation is made of word
 * characters, so it spans the whole run) or is one letter A-Z (the "U.S." form).
 * 1 or 0, -1 with an exception set. */
static int
abbreviation_possible(const Rules *rules, PyObject *text, int kind, const void *data, Py_ssize_t p,
                      Py_ssize_t r)
{
    if (rules->abbrevs == NULL) {
        return 1;
    }
    Py_UCS4 first = PyUnicode_READ(kind, data, p);
    if (r - p == 1 && first >= 'A' && first <= 'Z') {
        return 1;
    }
    PyObject *run = PyUnicode_Substring(text, p, r);
    if (run == NULL) {
        return -1;
    }
    int listed = PySet_Contains(rules->abbrevs, run);
    Py_DECREF(run);
    return listed;
}

/* Tokenise text[p:n] as match(text, position, n) would, position by position (findall):
 * the regex sees text[:n] as the whole string (its lookarounds test word characters
 * only, so a space or nothing before p is the same). Returns the number of tokens or -1. */
static Py_ssize_t
tokenise(PyObject *text, Py_ssize_t p, Py_ssize_t n, const Rules *rules, emit_fn emit, void *ctx)
{
    int french = rules->french;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t tokens = 0;
    while (p < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, p);
        Py_ssize_t end = -1;
        if (Py_UNICODE_ISSPACE(ch)) {
            p++;
            continue;
        }
        if (is_word(ch)) {
            int digit = ch < 128 ? ch >= '0' && ch <= '9' : Py_UNICODE_ISDECIMAL(ch);
            int plain = !digit && !(p > 0 && is_word(PyUnicode_READ(kind, data, p - 1)));
            int ascii = 1, elided = 0;
            Py_ssize_t r = p;
            while (plain && r < n) {
                Py_UCS4 c = PyUnicode_READ(kind, data, r);
                if (!is_word(c)) {
                    if (c == 0x00B0) {
                        plain = 0;
                    }
                    else if (c == '.') {
                        int possible = abbreviation_possible(rules, text, kind, data, p, r);
                        if (possible < 0) {
                            return -1;
                        }
                        plain = !possible;
                    }
                    else if (is_apostrophe(c)) {
                        /* French: decide ASCII elisions here, leave whole words to the regex */
                        int rule = french && ascii ? elision_rule(kind, data, p, r) : -1;
                        if (rule < 0) {
                            plain = 0;
                        }
                        else if (rule == 1 && r + 1 < n && is_word(PyUnicode_READ(kind, data, r + 1))) {
                            elided = 1;
                        }
                    }
                    break;
                }
                if (c == 0x02BC) {
                    plain = 0;
                }
                if (c >= 0x80) {
                    ascii = 0;
                }
                r++;
            }
            if (elided) {
                end = r + 1;
            }
            else if (plain) {
                while (r + 1 < n && is_hyphen(PyUnicode_READ(kind, data, r)) &&
                       is_word(PyUnicode_READ(kind, data, r + 1))) {
                    r += 2;
                    while (r < n && is_word(PyUnicode_READ(kind, data, r))) {
                        r++;
                    }
                }
                end = r;
            }
        }
        else if (!is_apostrophe(ch)) {
            end = p + 1;
        }
        if (end < 0) {
            if (delegate(rules->match, text, p, n, &end) < 0) {
                return -1;
            }
            if (end <= p) { /* no token starts here (or an empty match): findall moves on */
                p++;
                continue;
            }
        }
        if (emit(ctx, text, p, end) < 0) {
            return -1;
        }
        tokens++;
        p = end;
    }
    return tokens;
}

/* A growing array `items` of *cap items of `size` bytes, n of them used, with room for one
 * more: the array (moved when it grew), or NULL with MemoryError set (items is then intact). */
static void *
reserve_one(void *items, Py_ssize_t *cap, Py_ssize_t n, size_t size, Py_ssize_t first)
{
    if (n < *cap) {
        return items;
    }
    Py_ssize_t grown = *cap ? 2 * *cap : first;
    void *more = PyMem_Realloc(items, (size_t)grown * size);
    if (more == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    *cap = grown;
    return more;
}

/* ---------------------------------------------------------------------- Scanner
 *
 * Scanner(match, lookup, french).scan(text) tokenises a cleaned text paragraph by paragraph
 * (the pieces of text.split("\n\n"), stripped, empty ones skipped; with strict, it refuses
 * a text where a line break is not half of a blank line) and returns
 *
 *     (keys, n_tokens, singles, starts)
 *
 *   keys      the key of every token, None after each paragraph;
 *   n_tokens  how many keys are not None;
 *   singles   {key: occurrences} of the keys whose lookup said "simple";
 *   starts    the positions in keys of the keys whose lookup said "complex" and whose next
 *             key may continue a pattern (see below).
 *
 * lookup(surface) -> (key, simple, complex, seconds) is called once per distinct surface
 * (the answers are kept in a hash table of code points, so no substring is built for a
 * surface already seen). With complex true, seconds is None (any next key) or a set: the
 * position is a start only when the next key is in it (None, for punctuation and paragraph
 * ends, is in no set). */
typedef struct {
    PyObject *surface; /* the token text (owned) */
    PyObject *key;     /* its key: a str, or None for punctuation (owned) */
    PyObject *seconds; /* complex: None or a set (owned); NULL when not complex */
    Py_hash_t hash;
    int simple;
    Py_ssize_t count;     /* simple: occurrences in the scan `stamp` */
    unsigned long stamp;
} Entry;

#define MAX_ENTRIES (1 << 20) /* default: beyond this many distinct surfaces, lookup is called each time */

typedef struct {
    PyObject_HEAD
    Rules rules; /* owns match and abbrevs */
    PyObject *lookup;
    Entry *entries;
    Py_ssize_t n_entries, cap_entries, max_entries;
    Py_ssize_t *slots; /* open addressing: 1 + index in entries, 0 for an empty slot */
    Py_ssize_t mask;
    Entry scratch; /* a surface met when the table is full */
    unsigned long stamp;
    int busy; /* in scan(): lookup runs Python code, which may switch threads */
} Scanner;

static Py_hash_t
span_hash(int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    Py_uhash_t h = (Py_uhash_t)14695981039346656037ULL; /* FNV-1a over code points */
    for (Py_ssize_t i = a; i < b; i++) {
        h = (h ^ (Py_uhash_t)PyUnicode_READ(kind, data, i)) * (Py_uhash_t)1099511628211ULL;
    }
    return (Py_hash_t)h;
}

static int
span_equal(PyObject *surface, int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    if (PyUnicode_GET_LENGTH(surface) != b - a) {
        return 0;
    }
    int skind = PyUnicode_KIND(surface);
    const void *sdata = PyUnicode_DATA(surface);
    for (Py_ssize_t i = 0; i < b - a; i++) {
        if (PyUnicode_READ(skind, sdata, i) != PyUnicode_READ(kind, data, a + i)) {
            return 0;
        }
    }
    return 1;
}

static void
entry_clear(Entry *e)
{
    Py_CLEAR(e->surface);
    Py_CLEAR(e->key);
    Py_CLEAR(e->seconds);
}

/* Fill e from lookup(surface); 0 or -1 with an exception set. */
static int
entry_fill(Scanner *self, Entry *e, PyObject *surface, Py_hash_t hash)
{
    PyObject *info = PyObject_CallOneArg(self->lookup, surface);
    if (info == NULL) {
        return -1;
    }
    if (!PyTuple_Check(info) || PyTuple_GET_SIZE(info) != 4) {
        Py_DECREF(info);
        PyErr_SetString(PyExc_TypeError, "lookup must return (key, simple, complex, seconds)");
        return -1;
    }
    int simple = PyObject_IsTrue(PyTuple_GET_ITEM(info, 1));
    int complex = PyObject_IsTrue(PyTuple_GET_ITEM(info, 2));
    PyObject *seconds = PyTuple_GET_ITEM(info, 3);
    if (simple < 0 || complex < 0) {
        Py_DECREF(info);
        return -1;
    }
    if (complex && seconds != Py_None && !PyAnySet_Check(seconds)) {
        Py_DECREF(info);
        PyErr_SetString(PyExc_TypeError, "lookup: seconds must be None or a set");
        return -1;
    }
    e->surface = Py_NewRef(surface);
    e->key = Py_NewRef(PyTuple_GET_ITEM(info, 0));
    e->seconds = complex ? Py_NewRef(seconds) : NULL;
    e->hash = hash;
    e->simple = simple;
    e->count = 0;
    e->stamp = 0;
    Py_DECREF(info);
    return 0;
}

static int
table_grow(Scanner *self)
{
    Py_ssize_t size = self->slots == NULL ? 1024 : 2 * (self->mask + 1);
    Py_ssize_t *slots = PyMem_Calloc((size_t)size, sizeof(Py_ssize_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t mask = size - 1;
    for (Py_ssize_t k = 0; k < self->n_entries; k++) {
        Py_ssize_t i = (Py_ssize_t)((Py_uhash_t)self->entries[k].hash & (Py_uhash_t)mask);
        while (slots[i]) {
            i = (i + 1) & mask;
        }
        slots[i] = k + 1;
    }
    PyMem_Free(self->slots);
    self->slots = slots;
    self->mask = mask;
    return 0;
}

/* The entry of text[a:b], looked up on the first meeting. The pointer is valid until
 * the next call; *index is its index in entries, or -1 for the scratch entry. */
static Entry *
table_find(Scanner *self, PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *index)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_hash_t h = span_hash(kind, data, a, b);
    if (self->slots == NULL && table_grow(self) < 0) {
        return NULL;
    }
    Py_ssize_t i = (Py_ssize_t)((Py_uhash_t)h & (Py_uhash_t)self->mask);
    Py_ssize_t slot;
    while ((slot = self->slots[i]) != 0) {
        Entry *e = &self->entries[slot - 1];
        if (e->hash == h && span_equal(e->surface, kind, data, a, b)) {
            *index = slot - 1;
            return e;
        }
        i = (i + 1) & self->mask;
    }
    PyObject *surface = PyUnicode_Substring(text, a, b);
    if (surface == NULL) {
        return NULL;
    }
    Entry *e;
    if (self->n_entries >= self->max_entries) {
        entry_clear(&self->scratch);
        e = &self->scratch;
        *index = -1;
    }
    else {
        Entry *entries = reserve_one(self->entries, &self->cap_entries, self->n_entries, sizeof(Entry), 1024);
        if (entries == NULL) {
            Py_DECREF(surface);
            return NULL;
        }
        self->entries = entries;
        e = &self->entries[self->n_entries];
        *index = self->n_entries;
    }
    int rc = entry_fill(self, e, surface, h);
    Py_DECREF(surface);
    if (rc < 0) {
        memset(e, 0, sizeof(Entry));
        return NULL;
    }
    if (*index >= 0) {
        self->slots[i] = ++self->n_entries;
        if (2 * self->n_entries > self->mask + 1 && table_grow(self) < 0) {
            return NULL;
        }
        e = &self->entries[*index];
    }
    return e;
}

typedef struct {
    Scanner *self;
    PyObject *keys, *starts, *singles;
    Py_ssize_t n_tokens;
    Py_ssize_t *touched; /* indices of the simple entries counted in this scan */
    Py_ssize_t n_touched, cap_touched;
    Py_ssize_t pending;       /* position of a complex key waiting for the next key, or -1 */
    PyObject *pending_seconds; /* its seconds (owned) */
} ScanContext;

/* *sum = a + b: 0, or -1 with OverflowError (a count past sys.maxsize) */
static int
add_ssize(Py_ssize_t a, Py_ssize_t b, Py_ssize_t *sum)
{
    if ((b > 0 && a > PY_SSIZE_T_MAX - b) || (b < 0 && a < PY_SSIZE_T_MIN - b)) {
        PyErr_SetString(PyExc_OverflowError, "tally: a count does not fit in a Py_ssize_t");
        return -1;
    }
    *sum = a + b;
    return 0;
}

static int
add_count(PyObject *singles, PyObject *key, Py_ssize_t n)
{
    PyObject *old = PyDict_GetItemWithError(singles, key); /* borrowed */
    if (old == NULL && PyErr_Occurred()) {
        return -1;
    }
    Py_ssize_t before = old == NULL ? 0 : PyLong_AsSsize_t(old), total;
    if ((before == -1 && PyErr_Occurred()) || add_ssize(before, n, &total) < 0) {
        return -1;
    }
    PyObject *value = PyLong_FromSsize_t(total);
    if (value == NULL) {
        return -1;
    }
    int rc = PyDict_SetItem(singles, key, value);
    Py_DECREF(value);
    return rc;
}

/* The key after a pending complex key is known: keep the position when it may continue. */
static int
settle_pending(ScanContext *c, PyObject *next)
{
    if (c->pending < 0) {
        return 0;
    }
    int keep = c->pending_seconds == Py_None;
    if (!keep && next != Py_None) {
        keep = PySet_Contains(c->pending_seconds, next);
        if (keep < 0) {
            return -1;
        }
    }
    int rc = 0;
    if (keep) {
        PyObject *pos = PyLong_FromSsize_t(c->pending);
        rc = pos == NULL ? -1 : PyList_Append(c->starts, pos);
        Py_XDECREF(pos);
    }
    c->pending = -1;
    Py_CLEAR(c->pending_seconds);
    return rc;
}

static int
emit_scan(void *ctx, PyObject *text, Py_ssize_t start, Py_ssize_t end)
{
    ScanContext *c = (ScanContext *)ctx;
    Py_ssize_t index;
    Entry *e = table_find(c->self, text, start, end, &index);
    if (e == NULL || settle_pending(c, e->key) < 0) {
        return -1;
    }
    Py_ssize_t position = PyList_GET_SIZE(c->keys);
    if (PyList_Append(c->keys, e->key) < 0) {
        return -1;
    }
    if (e->key != Py_None) {
        c->n_tokens++;
    }
    if (e->simple) {
        if (index < 0) {
            if (add_count(c->singles, e->key, 1) < 0) {
                return -1;
            }
        }
        else if (e->stamp != c->self->stamp) {
            Py_ssize_t *touched =
                reserve_one(c->touched, &c->cap_touched, c->n_touched, sizeof(Py_ssize_t), 64);
            if (touched == NULL) {
                return -1;
            }
            c->touched = touched;
            c->touched[c->n_touched++] = index;
            e->stamp = c->self->stamp;
            e->count = 1;
        }
        else {
            e->count++;
        }
    }
    if (e->seconds != NULL) {
        c->pending = position;
        c->pending_seconds = Py_NewRef(e->seconds);
    }
    return 0;
}

/* scan(text, strict=False): with strict, None when a piece of text.split("\n\n") holds a line
 * break, i.e. when text.count("\n") != 2 * text.count("\n\n") (both count pairs from the left):
 * the text is not in the form cleaning gives, and the caller rejoins its paragraphs first. */
static PyObject *
Scanner_scan(Scanner *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", "strict", NULL};
    PyObject *arg;
    int strict = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|p:scan", kwlist, &arg, &strict)) {
        return NULL;
    }
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "scan() expects a str");
        return NULL;
    }
    if (self->lookup == NULL) {
        PyErr_SetString(PyExc_TypeError, "Scanner.__init__ was not called");
        return NULL;
    }
    if (self->busy) { /* its table may move under the first call: one Scanner per thread */
        PyErr_SetString(PyExc_RuntimeError, "Scanner.scan is already running (one Scanner per thread)");
        return NULL;
    }
    PyObject *text = arg;
    ScanContext c = {self, PyList_New(0), PyList_New(0), PyDict_New(), 0, NULL, 0, 0, -1, NULL};
    PyObject *result = NULL;
    if (c.keys == NULL || c.starts == NULL || c.singles == NULL) {
        goto done;
    }
    self->stamp++;
    self->busy = 1;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t pos = 0;
    while (pos >= 0) {
        /* the next piece of text.split("\n\n") */
        Py_ssize_t b = pos, next = -1;
        int lone = 0; /* a line break that is not one of a pair */
        while (b + 1 < n) {
            if (PyUnicode_READ(kind, data, b) == '\n') {
                if (PyUnicode_READ(kind, data, b + 1) == '\n') {
                    next = b + 2;
                    break;
                }
                lone = 1;
            }
            b++;
        }
        if (next < 0) {
            lone |= b < n && PyUnicode_READ(kind, data, b) == '\n';
            b = n;
        }
        if (strict && lone) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        Py_ssize_t a = pos, e = b; /* str.strip() */
        while (a < e && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a))) {
            a++;
        }
        while (e > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e - 1))) {
            e--;
        }
        if (a < e) {
            if (tokenise(text, a, e, &self->rules, emit_scan, &c) < 0 ||
                settle_pending(&c, Py_None) < 0 || PyList_Append(c.keys, Py_None) < 0) {
                goto done;
            }
        }
        pos = next;
    }
    for (Py_ssize_t k = 0; k < c.n_touched; k++) {
        Entry *en = &self->entries[c.touched[k]];
        if (add_count(c.singles, en->key, en->count) < 0) {
            goto done;
        }
    }
    result = Py_BuildValue("OnOO", c.keys, c.n_tokens, c.singles, c.starts);
done:
    self->busy = 0;
    Py_XDECREF(c.keys);
    Py_XDECREF(c.starts);
    Py_XDECREF(c.singles);
    Py_XDECREF(c.pending_seconds);
    PyMem_Free(c.touched);
    return result;
}

static int
Scanner_init(Scanner *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"match", "lookup", "french", "abbreviations", "max_surfaces", NULL};
    PyObject *match, *lookup, *abbrevs = Py_None;
    int french = 0;
    Py_ssize_t max_surfaces = MAX_ENTRIES;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|pOn:Scanner", kwlist, &match, &lookup, &french, &abbrevs,
                                     &max_surfaces)) {
        return -1;
    }
    if (self->lookup != NULL) {
        PyErr_SetString(PyExc_TypeError, "a Scanner is initialised once");
        return -1;
    }
    if (max_surfaces < 0) {
        PyErr_SetString(PyExc_ValueError, "max_surfaces must be >= 0");
        return -1;
    }
    self->max_entries = max_surfaces;
    if (abbrevs != Py_None && !PyAnySet_Check(abbrevs)) {
        PyErr_SetString(PyExc_TypeError, "abbreviations must be a set or None");
        return -1;
    }
    Py_XSETREF(self->rules.match, Py_NewRef(match));
    Py_XSETREF(self->rules.abbrevs, abbrevs == Py_None ? NULL : Py_NewRef(abbrevs));
    Py_XSETREF(self->lookup, Py_NewRef(lookup));
    self->rules.french = french;
    return 0;
}

static int
Scanner_traverse(Scanner *self, visitproc visit, void *arg)
{
    Py_VISIT(self->rules.match);
    Py_VISIT(self->rules.abbrevs);
    Py_VISIT(self->lookup);
    for (Py_ssize_t k = 0; k < self->n_entries; k++) {
        Py_VISIT(self->entries[k].key);
        Py_VISIT(self->entries[k].seconds);
    }
    Py_VISIT(self->scratch.key);
    Py_VISIT(self->scratch.seconds);
    return 0;
}

static int
Scanner_clear(Scanner *self)
{
    Py_CLEAR(self->rules.match);
    Py_CLEAR(self->rules.abbrevs);
    Py_CLEAR(self->lookup);
    for (Py_ssize_t k = 0; k < self->n_entries; k++) {
        entry_clear(&self->entries[k]);
    }
    entry_clear(&self->scratch);
    PyMem_Free(self->entries);
    PyMem_Free(self->slots);
    self->entries = NULL;
    self->slots = NULL;
    self->n_entries = self->cap_entries = self->mask = 0;
    return 0;
}

static void
Scanner_dealloc(Scanner *self)
{
    PyObject_GC_UnTrack(self);
    Scanner_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Scanner_size(Scanner *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(self->n_entries);
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))Scanner_scan, METH_VARARGS | METH_KEYWORDS,
     "scan(text, strict=False) -> (keys, n_tokens, singles, starts), or None when strict and\n"
     "text is not in cleaned form: see the module source."},
    {"size", (PyCFunction)Scanner_size, METH_NOARGS, "size() -> number of distinct surfaces kept."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "analysis._fastkeys.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Scanner(match, lookup, french=False, abbreviations=None, max_surfaces=2**20): tokenise "
              "and classify cleaned texts (see scan).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_traverse = (traverseproc)Scanner_traverse,
    .tp_clear = (inquiry)Scanner_clear,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

/* ------------------------------------------------------------------------ tally
 *
 * tally(scanned, complex_of, simple_of, families_of, end, resolve, groups) -> {theme: [count, covered]}
 *
 * analysis.stream._FastCounter.tally in C, for the result of Scanner.scan, with the
 * counter's tables: complex_of {key: ((pattern, plain second word or None, length,
 * the parts after the first: a word, or a glob's {key: matches} cache), ...)},
 * simple_of {key: (pattern, ...)}, families_of {key: (theme, ...)}; end(pattern, start,
 * keys) is _FastCounter._end (the end of a longer or glob pattern's match, or None);
 * resolve(group) returns the ((theme, (count, covered)), ...) of one group of
 * overlapping matches [(pattern, start, end), ...] (positions from the group's first
 * start); groups caches those answers by the group's shape (a flat tuple of
 * pattern, start, end, ...). tests/test_stream.py compares it with the Python tally. */
typedef struct {
    Py_ssize_t idx, start, end;
} Match;

typedef struct {
    Match *items;
    Py_ssize_t n, cap;
} Matches;

static int
matches_add(Matches *m, Py_ssize_t idx, Py_ssize_t start, Py_ssize_t end)
{
    Match *items = reserve_one(m->items, &m->cap, m->n, sizeof(Match), 64);
    if (items == NULL) {
        return -1;
    }
    m->items = items;
    m->items[m->n++] = (Match){idx, start, end};
    return 0;
}

static int
match_order(const void *x, const void *y)
{
    const Match *a = x, *b = y;
    if (a->start != b->start) {
        return a->start < b->start ? -1 : 1;
    }
    if (a->end != b->end) {
        return a->end < b->end ? -1 : 1;
    }
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* out[theme] += (count, covered), out's values being [count, covered] lists */
static int
add_tally(PyObject *out, PyObject *theme, Py_ssize_t count, Py_ssize_t covered)
{
    PyObject *pair = PyDict_GetItemWithError(out, theme); /* borrowed */
    if (pair == NULL) {
        if (PyErr_Occurred()) {
            return -1;
        }
        pair = Py_BuildValue("[nn]", count, covered);
        if (pair == NULL) {
            return -1;
        }
        int rc = PyDict_SetItem(out, theme, pair);
        Py_DECREF(pair);
        return rc;
    }
    Py_ssize_t values[2] = {count, covered};
    for (int i = 0; i < 2; i++) {
        Py_ssize_t old = PyLong_AsSsize_t(PyList_GET_ITEM(pair, i)), sum;
        if ((old == -1 && PyErr_Occurred()) || add_ssize(old, values[i], &sum) < 0) {
            return -1;
        }
        PyObject *v = PyLong_FromSsize_t(sum);
        if (v == NULL) {
            return -1;
        }
        PyList_SetItem(pair, i, v); /* steals v */
    }
    return 0;
}

/* The integer at position i of a tuple, as the "n" format of PyArg_ParseTuple reads it: 0, or
 * -1 with TypeError (not an integer) or OverflowError. */
static inline int
ssize_item(PyObject *tuple, Py_ssize_t i, Py_ssize_t *out)
{
    *out = PyNumber_AsSsize_t(PyTuple_GET_ITEM(tuple, i), PyExc_OverflowError);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

/* One group of overlapping matches m[0:n]: its result from the cache or from resolve. */
static int
tally_group(const Match *m, Py_ssize_t n, PyObject *groups, PyObject *resolve, PyObject *out)
{
    Py_ssize_t origin = m[0].start;
    PyObject *key = PyTuple_New(3 * n);
    if (key == NULL) {
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t values[3] = {m[k].idx, m[k].start - origin, m[k].end - origin};
        for (int j = 0; j < 3; j++) {
            PyObject *v = PyLong_FromSsize_t(values[j]);
            if (v == NULL) {
                Py_DECREF(key);
                return -1;
            }
            PyTuple_SET_ITEM(key, 3 * k + j, v);
        }
    }
    PyObject *result = PyDict_GetItemWithError(groups, key); /* borrowed */
    if (result != NULL) {
        Py_INCREF(result);
    }
    else if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    else {
        PyObject *group = PyList_New(n);
        for (Py_ssize_t k = 0; group != NULL && k < n; k++) {
            PyObject *t = Py_BuildValue("(nnn)", m[k].idx, m[k].start - origin, m[k].end - origin);
            if (t == NULL) {
                Py_CLEAR(group);
                break;
            }
            PyList_SET_ITEM(group, k, t);
        }
        result = group == NULL ? NULL : PyObject_CallOneArg(resolve, group);
        Py_XDECREF(group);
        if (result == NULL || (PyDict_GET_SIZE(groups) < 100000 && PyDict_SetItem(groups, key, result) < 0)) {
            Py_XDECREF(result);
            Py_DECREF(key);
            return -1;
        }
    }
    Py_DECREF(key);
    int rc = 0;
    if (!PyTuple_Check(result)) {
        PyErr_SetString(PyExc_TypeError, "resolve must return a tuple");
        rc = -1;
    }
    for (Py_ssize_t k = 0; rc == 0 && k < PyTuple_GET_SIZE(result); k++) {
        Py_ssize_t count, covered;
        PyObject *theme, *item = PyTuple_GET_ITEM(result, k);
        if (!PyTuple_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "resolve must return ((theme, (count, covered)), ...)");
            rc = -1;
        }
        else if (PyTuple_GET_SIZE(item) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(item, 1)) ||
                 PyTuple_GET_SIZE(PyTuple_GET_ITEM(item, 1)) != 2) {
            PyErr_SetString(PyExc_TypeError, "resolve must return ((theme, (count, covered)), ...)");
            rc = -1;
        }
        else {
            theme = PyTuple_GET_ITEM(item, 0);
            PyObject *pair = PyTuple_GET_ITEM(item, 1);
            if (ssize_item(pair, 0, &count) < 0 || ssize_item(pair, 1, &covered) < 0 ||
                add_tally(out, theme, count, covered) < 0) {
                rc = -1;
            }
        }
    }
    Py_DECREF(result);
    return rc;
}

/* The item of a dict that must be a tuple: a new reference, or NULL (KeyError when absent
 * and `required`, else no exception; TypeError when not a tuple). */
static PyObject *
tuple_item(PyObject *dict, PyObject *key, int required, const char *what)
{
    PyObject *value = PyDict_GetItemWithError(dict, key); /* borrowed */
    if (value == NULL) {
        if (required && !PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, key);
        }
        return NULL;
    }
    if (!PyTuple_Check(value)) {
        PyErr_Format(PyExc_TypeError, "tally: the values of %s must be tuples", what);
        return NULL;
    }
    return Py_NewRef(value);
}

/* The phrase matches starting at `start` (keys read from the snapshot `k`; `keys` is the list
 * handed to end()). 0, or -1 with an exception set. */
static int
phrases_at(Py_ssize_t start, PyObject *k, PyObject *keys, PyObject *complex_of, PyObject *end_fn,
           Matches *found)
{
    Py_ssize_t n_keys = PyTuple_GET_SIZE(k);
    if (start < 0 || start >= n_keys - 1) { /* (start + 1 could overflow) */
        PyErr_SetString(PyExc_IndexError, "tally: a start is out of range");
        return -1;
    }
    PyObject *following = PyTuple_GET_ITEM(k, start + 1);
    PyObject *patterns = tuple_item(complex_of, PyTuple_GET_ITEM(k, start), 1, "complex_of");
    if (patterns == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t p = 0; rc == 0 && p < PyTuple_GET_SIZE(patterns); p++) {
        Py_ssize_t idx, width;
        PyObject *second, *words, *entry = PyTuple_GET_ITEM(patterns, p);
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 4 || ssize_item(entry, 0, &idx) < 0 ||
            ssize_item(entry, 2, &width) < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "tally: patterns must be (pattern, second, length, words)");
            }
            rc = -1;
            break;
        }
        if (width < 1) {
            PyErr_SetString(PyExc_ValueError, "tally: a pattern length must be at least 1");
            rc = -1;
            break;
        }
        second = PyTuple_GET_ITEM(entry, 1);
        words = PyTuple_GET_ITEM(entry, 3);
        if (second != Py_None) {
            int same = following != Py_None && PyObject_RichCompareBool(second, following, Py_EQ);
            if (same <= 0) {
                rc = same;
                continue;
            }
            if (width == 2) { /* a two-word phrase whose second word is there */
                rc = matches_add(found, idx, start, start + 2);
                continue;
            }
        }
        /* the parts after the first, as _end compares them: a word, or a glob's cache of
         * answers ({key: bool}); a key the cache has not met yet goes to end() */
        if (!PyTuple_Check(words) || PyTuple_GET_SIZE(words) != width - 1) {
            PyErr_SetString(PyExc_TypeError, "tally: the parts must be a tuple of length - 1");
            rc = -1;
            break;
        }
        int all = width <= n_keys - start; /* 1 match, 0 no match, -1 error, 2 ask end() */
        for (Py_ssize_t j = 0; all == 1 && j < width - 1; j++) {
            PyObject *next_key = PyTuple_GET_ITEM(k, start + 1 + j);
            PyObject *part = PyTuple_GET_ITEM(words, j);
            if (next_key == Py_None) {
                all = 0;
            }
            else if (PyUnicode_Check(part)) {
                all = PyObject_RichCompareBool(part, next_key, Py_EQ);
            }
            else if (PyDict_Check(part)) {
                PyObject *known = PyDict_GetItemWithError(part, next_key); /* borrowed */
                all = known != NULL ? PyObject_IsTrue(known) : PyErr_Occurred() ? -1 : 2;
            }
            else {
                PyErr_SetString(PyExc_TypeError, "tally: a part must be a str or a dict");
                all = -1;
            }
        }
        if (all != 2) {
            rc = all < 0 ? -1 : all ? matches_add(found, idx, start, start + width) : 0;
            continue;
        }
        PyObject *e = PyObject_CallFunction(end_fn, "nnO", idx, start, keys);
        if (e == NULL) {
            rc = -1;
            break;
        }
        if (e != Py_None) {
            Py_ssize_t stop = PyLong_AsSsize_t(e);
            if (stop == -1 && PyErr_Occurred()) {
                rc = -1;
            }
            else if (stop <= start || stop > n_keys) {
                PyErr_SetString(PyExc_IndexError, "tally: end() returned a position out of range");
                rc = -1;
            }
            else {
                rc = matches_add(found, idx, start, stop);
            }
        }
        Py_DECREF(e);
    }
    Py_DECREF(patterns);
    return rc;
}

static PyObject *
tally(PyObject *self, PyObject *args)
{
    PyObject *keys, *singles, *starts, *complex_of, *simple_of, *families_of, *end_fn, *resolve;
    PyObject *groups;
    Py_ssize_t n_tokens;
    if (!PyArg_ParseTuple(args, "(O!nO!O!)O!O!O!OOO!:tally", &PyList_Type, &keys, &n_tokens,
                          &PyDict_Type, &singles, &PyList_Type, &starts, &PyDict_Type, &complex_of,
                          &PyDict_Type, &simple_of, &PyDict_Type, &families_of, &end_fn, &resolve,
                          &PyDict_Type, &groups)) {
        return NULL;
    }
    Matches found = {NULL, 0, 0};
    unsigned char *covered = NULL;
    PyObject *out = PyDict_New();
    /* a snapshot of keys and starts (the callbacks may do anything to the lists) and a copy of
     * singles, less the simple keys inside other matches */
    PyObject *k = PyList_AsTuple(keys);
    PyObject *begin = PyList_AsTuple(starts);
    PyObject *counts = PyDict_Copy(singles);
    if (out == NULL || k == NULL || begin == NULL || counts == NULL) {
        goto error;
    }
    Py_ssize_t n_keys = PyTuple_GET_SIZE(k);
    for (Py_ssize_t s = 0; s < PyTuple_GET_SIZE(begin); s++) {
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(begin, s));
        if ((start == -1 && PyErr_Occurred()) || phrases_at(start, k, keys, complex_of, end_fn, &found) < 0) {
            goto error;
        }
    }
    if (found.n) {
        /* a simple key inside another match is resolved with it, not counted alone */
        covered = PyMem_Calloc((size_t)n_keys, 1);
        if (covered == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        for (Py_ssize_t m = 0; m < found.n; m++) {
            for (Py_ssize_t i = found.items[m].start; i < found.items[m].end; i++) {
                covered[i] = 1;
            }
        }
        for (Py_ssize_t i = 0; i < n_keys; i++) {
            PyObject *key = PyTuple_GET_ITEM(k, i);
            if (!covered[i] || key == Py_None) {
                continue;
            }
            PyObject *simple = tuple_item(simple_of, key, 0, "simple_of");
            if (simple == NULL) {
                if (PyErr_Occurred()) {
                    goto error;
                }
                continue;
            }
            /* the scan counted it: as in _tally, a key missing from singles is an error */
            PyObject *had = PyDict_GetItemWithError(counts, key);
            int rc = had == NULL ? -1 : add_count(counts, key, -1);
            if (had == NULL && !PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, key);
            }
            for (Py_ssize_t j = 0; rc == 0 && j < PyTuple_GET_SIZE(simple); j++) {
                Py_ssize_t idx = PyLong_AsSsize_t(PyTuple_GET_ITEM(simple, j));
                rc = (idx == -1 && PyErr_Occurred()) ? -1 : matches_add(&found, idx, i, i + 1);
            }
            Py_DECREF(simple);
            if (rc < 0) {
                goto error;
            }
        }
        qsort(found.items, (size_t)found.n, sizeof(Match), match_order);
        Py_ssize_t first = 0, group_end = found.items[0].end;
        for (Py_ssize_t m = 1; m <= found.n; m++) {
            if (m == found.n || found.items[m].start >= group_end) {
                if (tally_group(found.items + first, m - first, groups, resolve, out) < 0) {
                    goto error;
                }
                first = m;
                if (m < found.n) {
                    group_end = found.items[m].end;
                }
            }
            else if (found.items[m].end > group_end) {
                group_end = found.items[m].end;
            }
        }
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(counts, &pos, &key, &value)) {
        Py_ssize_t n = PyLong_AsSsize_t(value);
        if (n == -1 && PyErr_Occurred()) {
            goto error;
        }
        if (!n) {
            continue;
        }
        PyObject *themes = tuple_item(families_of, key, 1, "families_of");
        if (themes == NULL) {
            goto error;
        }
        int rc = 0;
        for (Py_ssize_t j = 0; rc == 0 && j < PyTuple_GET_SIZE(themes); j++) {
            rc = add_tally(out, PyTuple_GET_ITEM(themes, j), n, n);
        }
        Py_DECREF(themes);
        if (rc < 0) {
            goto error;
        }
    }
    PyMem_Free(found.items);
    PyMem_Free(covered);
    Py_DECREF(k);
    Py_DECREF(begin);
    Py_DECREF(counts);
    return out;
error:
    PyMem_Free(found.items);
    PyMem_Free(covered);
    Py_XDECREF(k);
    Py_XDECREF(begin);
    Py_XDECREF(counts);
    Py_XDECREF(out);
    return NULL;
}

/* ------------------------------------------------------------------- typography
 *
 * typography(text, french) -> str: the typography step of analysis.clean
 * (_step_typography: its regex definitions are in tests/test_clean.py), one loop per rule:
 *
 *   1. the characters of TYPOGRAPHY replaced (apostrophes, quotation marks, dashes,
 *      spaces) or removed (zero-width and control characters);
 *   2. «\s*  -> "« "            3. \s*»  -> " »"
 *   4. French: (?<=\S)[ \t]*([;:!?])(?=\s|$) -> " \1";  otherwise [ \t]+([;:!?]) -> "\1"
 *   5. [ \t]{2,} -> " "         6. " +\n" -> "\n"          7. str.strip()
 *
 * \s is Py_UNICODE_ISSPACE, as in sre and str.strip(). The table is exported as TYPOGRAPHY
 * ({character: replacement}); analysis.clean uses this function only while it equals its own. */
typedef struct {
    Py_UCS4 from, to; /* to == 0: removed */
} TypoRule;

static const TypoRule typo_rules[] = {
    {0x2019, '\''}, {0x02BC, '\''},  {0x2018, '\''},  {'`', '\''},     {0x00B4, '\''},  {0x201C, '"'},
    {0x201D, '"'},  {0x201E, '"'},   {0x201F, '"'},   {0x2014, 0x2013}, {0x2015, 0x2013}, {0x2012, 0x2013},
    {0x2010, '-'},  {0x2011, '-'},   {0x00A0, ' '},   {0x202F, ' '},   {0x2007, ' '},   {0x2009, ' '},
    {0x200A, ' '},  {0x2002, ' '},   {0x2003, ' '},   {0x200B, 0},     {0xFEFF, 0},     {0x00AD, 0},
    {0, 0},
};

static int
is_control(Py_UCS4 ch)
{
    return ch <= 0x08 || (ch >= 0x0B && ch <= 0x1F) || (ch >= 0x7F && ch <= 0x9F);
}

static int
is_mark(Py_UCS4 ch)
{
    return ch == ';' || ch == ':' || ch == '!' || ch == '?';
}

/* 1: the replacement of ch (0 when it is removed, ch itself when it stays) */
static inline Py_UCS4
typo_map(Py_UCS4 ch)
{
    if (ch >= 0x20 && ch < 0x7F && ch != '`') {
        return ch; /* printable ASCII but the backquote */
    }
    if (is_control(ch)) {
        return 0;
    }
    if ((ch < 0xA0 && ch != '`') || (ch > 0xB4 && ch < 0x2BC) || (ch > 0x2BC && ch < 0x2002) || ch > 0xFEFF) {
        return ch; /* no rule in these ranges */
    }
    for (const TypoRule *r = typo_rules; r->from; r++) {
        if (r->from == ch) {
            return r->to;
        }
    }
    return ch;
}

static PyObject *
typography(PyObject *self, PyObject *args)
{
    PyObject *text;
    int french;
    if (!PyArg_ParseTuple(args, "Up:typography", &text, &french)) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    /* plain arrays (no switch on the kind per character); every rule adds at most one
     * character per character */
    Py_UCS4 *in = PyUnicode_AsUCS4Copy(text);
    Py_UCS4 *a = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(2 * n + 1));
    Py_UCS4 *b = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(2 * n + 1));
    if (in == NULL || a == NULL || b == NULL) {
        PyMem_Free(in);
        PyMem_Free(a);
        PyMem_Free(b);
        return PyErr_NoMemory();
    }
    Py_ssize_t m = 0, k;
    int laquo = 0, raquo = 0, marks = 0;
    for (Py_ssize_t i = 0; i < n; i++) { /* 1 */
        Py_UCS4 ch = typo_map(in[i]);
        if (ch) {
            a[m++] = ch;
            laquo |= ch == 0x00AB;
            raquo |= ch == 0x00BB;
            marks |= is_mark(ch);
        }
    }
    Py_UCS4 *tmp;
/* the output of a rule becomes the input of the next */
#define SWAP() (tmp = a, a = b, b = tmp, m = k)
    if (laquo) { /* 2: the whitespace after each « becomes one space */
        k = 0;
        for (Py_ssize_t i = 0; i < m; i++) {
            b[k++] = a[i];
            if (a[i] == 0x00AB) {
                while (i + 1 < m && Py_UNICODE_ISSPACE(a[i + 1])) {
                    i++;
                }
                b[k++] = ' ';
            }
        }
        SWAP();
    }
    if (raquo) { /* 3: the whitespace before each » becomes one space (an earlier » stops it) */
        k = 0;
        for (Py_ssize_t i = 0; i < m; i++) {
            if (a[i] == 0x00BB) {
                while (k > 0 && Py_UNICODE_ISSPACE(b[k - 1])) {
                    k--;
                }
                b[k++] = ' ';
                b[k++] = 0x00BB;
            }
            else {
                b[k++] = a[i];
            }
        }
        SWAP();
    }
    if (marks) { /* 4 */
        k = 0;
        for (Py_ssize_t i = 0; i < m; i++) {
            Py_UCS4 ch = a[i];
            if (is_mark(ch)) {
                Py_ssize_t j = i; /* the spaces and tabs before the mark */
                while (j > 0 && (a[j - 1] == ' ' || a[j - 1] == '\t')) {
                    j--;
                }
                if (french) {
                    int end_or_space = i + 1 == m || Py_UNICODE_ISSPACE(a[i + 1]);
                    if (end_or_space && j > 0 && !Py_UNICODE_ISSPACE(a[j - 1])) {
                        k -= i - j; /* they were copied: one space instead */
                        b[k++] = ' ';
                    }
                }
                else {
                    k -= i - j;
                }
            }
            b[k++] = ch;
        }
        SWAP();
    }
    k = 0; /* 5 and 6 in one loop: 6 looks back at what 5 has written */
    for (Py_ssize_t i = 0; i < m; i++) {
        if ((a[i] == ' ' || a[i] == '\t') && i + 1 < m && (a[i + 1] == ' ' || a[i + 1] == '\t')) {
            while (i + 1 < m && (a[i + 1] == ' ' || a[i + 1] == '\t')) {
                i++;
            }
            b[k++] = ' '; /* 5: runs of two or more spaces and tabs become one space */
            continue;
        }
        if (a[i] == '\n') {
            while (k > 0 && b[k - 1] == ' ') { /* 6: spaces before a line break go */
                k--;
            }
        }
        b[k++] = a[i];
    }
    SWAP();
#undef SWAP
    Py_ssize_t start = 0, end = m; /* 7 */
    while (start < end && Py_UNICODE_ISSPACE(a[start])) {
        start++;
    }
    while (end > start && Py_UNICODE_ISSPACE(a[end - 1])) {
        end--;
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a + start, end - start);
    PyMem_Free(in);
    PyMem_Free(a);
    PyMem_Free(b);
    return out;
}

static PyObject *
typography_table(void)
{
    PyObject *table = PyDict_New();
    for (Py_UCS4 ch = 0; table != NULL && ch < 0x10000; ch++) {
        Py_UCS4 to = typo_map(ch);
        if (to == ch && ch != 0) { /* NUL is removed: typo_map(0) is 0 */
            continue;
        }
        PyObject *key = PyUnicode_FromOrdinal((int)ch);
        PyObject *value = to ? PyUnicode_FromOrdinal((int)to) : PyUnicode_FromString("");
        if (key == NULL || value == NULL || PyDict_SetItem(table, key, value) < 0) {
            Py_CLEAR(table);
        }
        Py_XDECREF(key);
        Py_XDECREF(value);
    }
    return table;
}

/* ------------------------------------------------------------------------ unwrap
 *
 * unwrap(text) -> str: the unwrap step of analysis.clean, defined in tests/test_clean.py as
 *
 *     paragraphs = re.split(r"\n[ \t]*\n", text)
 *     joined = [re.sub(r"[ \t]*\n[ \t]*", " ", p).strip() for p in paragraphs]
 *     "\n\n".join(p for p in joined if p)
 *
 * A piece holds no line break followed by spaces, tabs and another line break, so each of
 * its line breaks becomes one space with the spaces and tabs around it; strip() is
 * Py_UNICODE_ISSPACE, as in str.strip(). */
static int
is_blank(Py_UCS4 ch)
{
    return ch == ' ' || ch == '\t';
}

static PyObject *
unwrap(PyObject *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "unwrap() expects a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    Py_UCS4 *in = PyUnicode_AsUCS4Copy(arg); /* plain arrays: no switch on the kind per character */
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(n + 1));
    if (in == NULL || out == NULL) {
        PyMem_Free(in);
        PyMem_Free(out);
        return PyErr_NoMemory();
    }
    Py_ssize_t k = 0, p = 0;
    while (p <= n) {
        /* the piece [p, q) ends at the next \n[ \t]*\n (or the end); the next starts at `next` */
        Py_ssize_t q = p, next = n + 1;
        while (q < n) {
            if (in[q] == '\n') {
                Py_ssize_t r = q + 1;
                while (r < n && is_blank(in[r])) {
                    r++;
                }
                if (r < n && in[r] == '\n') {
                    next = r + 1;
                    break;
                }
            }
            q++;
        }
        /* the piece's lines joined by one space, then stripped */
        Py_ssize_t start = k;
        for (Py_ssize_t i = p; i < q; i++) {
            Py_UCS4 ch = in[i];
            if (is_blank(ch) || ch == '\n') {
                Py_ssize_t j = i; /* a run of spaces and tabs, with a line break in it? */
                while (j < q && is_blank(in[j])) {
                    j++;
                }
                if (j < q && in[j] == '\n') {
                    j++;
                    while (j < q && is_blank(in[j])) {
                        j++;
                    }
                    out[k++] = ' ';
                    i = j - 1;
                    continue;
                }
                for (; i < j; i++) { /* no: the run stays */
                    out[k++] = in[i];
                }
                i--;
                continue;
            }
            out[k++] = ch;
        }
        Py_ssize_t a = start, b = k;
        while (a < b && Py_UNICODE_ISSPACE(out[a])) {
            a++;
        }
        while (b > a && Py_UNICODE_ISSPACE(out[b - 1])) {
            b--;
        }
        if (a < b) {
            Py_ssize_t len = b - a, to = start > 0 ? start + 2 : start; /* "\n\n" between paragraphs */
            memmove(out + to, out + a, sizeof(Py_UCS4) * (size_t)len);
            if (to > start) {
                out[start] = out[start + 1] = '\n';
            }
            k = to + len;
        }
        else {
            k = start;
        }
        p = next;
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, k);
    PyMem_Free(in);
    PyMem_Free(out);
    return result;
}

/* --------------------------------------------------------------------------- nfc
 *
 * nfc(text, normalize) -> str: normalize("NFC", text) (normalize is unicodedata.normalize),
 * calling normalize only on the pieces of the text that may change.
 *
 * Every code point below U+0300 has canonical combining class 0 and NFC_Quick_Check=Yes
 * (the combining marks and the NFC_QC=No or Maybe code points all lie at U+0300 or above),
 * so a normalisation boundary falls before each of them (UAX #15, "stable code points";
 * ICU's hasCompBoundaryBefore): the text may be cut there and each piece normalised alone.
 * The pieces given to normalize are the maximal runs of code points from U+0300 up, each
 * with the code point before it (a base that a following mark may compose with); the rest
 * is already NFC. A text of the one-byte kind (all below U+0100) is returned as it is.
 * tests/test_clean.py compares the result with unicodedata.normalize over every code point. */
static PyObject *
nfc(PyObject *self, PyObject *args)
{
    PyObject *text, *normalize;
    if (!PyArg_ParseTuple(args, "UO:nfc", &text, &normalize)) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    if (kind == PyUnicode_1BYTE_KIND) {
        return Py_NewRef(text);
    }
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), last = 0, i = 0;
    PyObject *form = PyUnicode_FromString("NFC");
    PyObject *pieces = PyList_New(0);
    if (form == NULL || pieces == NULL) {
        goto error;
    }
    while (i < n) {
        if (PyUnicode_READ(kind, data, i) < 0x300) {
            i++;
            continue;
        }
        Py_ssize_t start = i > 0 ? i - 1 : 0;
        while (i < n && PyUnicode_READ(kind, data, i) >= 0x300) {
            i++;
        }
        PyObject *piece = PyUnicode_Substring(text, start, i);
        PyObject *done = piece == NULL ? NULL : PyObject_CallFunctionObjArgs(normalize, form, piece, NULL);
        if (done != NULL && !PyUnicode_Check(done)) {
            PyErr_SetString(PyExc_TypeError, "nfc(): normalize must return a str");
            Py_CLEAR(done);
        }
        int same = done == NULL ? -1 : PyUnicode_Compare(done, piece);
        int rc = 0;
        if (same != 0 && done != NULL && !PyErr_Occurred()) {
            PyObject *before = PyUnicode_Substring(text, last, start);
            rc = before == NULL || PyList_Append(pieces, before) < 0 || PyList_Append(pieces, done) < 0 ? -1 : 0;
            Py_XDECREF(before);
            last = i;
        }
        Py_XDECREF(piece);
        Py_XDECREF(done);
        if (done == NULL || rc < 0 || PyErr_Occurred()) {
            goto error;
        }
    }
    Py_DECREF(form);
    if (PyList_GET_SIZE(pieces) == 0) {
        Py_DECREF(pieces);
        return Py_NewRef(text);
    }
    PyObject *rest = PyUnicode_Substring(text, last, n);
    if (rest == NULL || PyList_Append(pieces, rest) < 0) {
        Py_XDECREF(rest);
        Py_DECREF(pieces);
        return NULL;
    }
    Py_DECREF(rest);
    PyObject *empty = PyUnicode_FromString("");
    PyObject *result = empty == NULL ? NULL : PyUnicode_Join(empty, pieces);
    Py_XDECREF(empty);
    Py_DECREF(pieces);
    return result;
error:
    Py_XDECREF(form);
    Py_XDECREF(pieces);
    return NULL;
}

/* ----------------------------------------------------------------- first_surrogate
 *
 * first_surrogate(text) -> int: the index of the first surrogate code point (U+D800 to
 * U+DFFF, which UTF-8 cannot encode), or -1: the `start` of the UnicodeEncodeError that
 * text.encode("utf-8") would raise, without encoding. A string of the one-byte kind has none. */
static PyObject *
first_surrogate(PyObject *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "first_surrogate() expects a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *data = PyUnicode_2BYTE_DATA(arg);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (data[i] >= 0xD800 && data[i] <= 0xDFFF) {
                return PyLong_FromSsize_t(i);
            }
        }
    }
    else if (kind == PyUnicode_4BYTE_KIND) {
        const Py_UCS4 *data = PyUnicode_4BYTE_DATA(arg);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (data[i] >= 0xD800 && data[i] <= 0xDFFF) {
                return PyLong_FromSsize_t(i);
            }
        }
    }
    return PyLong_FromLong(-1);
}

/* ------------------------------------------------------------------------- present
 *
 * present(text, chars) -> str: the characters of chars (at most 64 ASCII) that occur in text,
 * in the order of chars: "".join(c for c in chars if c in text), in one pass over text (a
 * table lookup per character, no branch but every 4096 characters: are all found?). */
#define PRESENT_LOOP(type)                                                      \
    {                                                                           \
        const type *d = (const type *)data;                                     \
        for (Py_ssize_t i = 0; i < n && found != all; i += 4096) {             \
            Py_ssize_t stop = i + 4096 < n ? i + 4096 : n;                      \
            for (Py_ssize_t j = i; j < stop; j++) {                             \
                found |= d[j] < 128 ? bit[d[j]] : 0;                            \
            }                                                                   \
        }                                                                       \
    }

static PyObject *
present(PyObject *self, PyObject *args)
{
    PyObject *text, *chars;
    if (!PyArg_ParseTuple(args, "UU:present", &text, &chars)) {
        return NULL;
    }
    Py_ssize_t n_wanted = PyUnicode_GET_LENGTH(chars);
    if (!PyUnicode_IS_ASCII(chars) || n_wanted > 64) {
        PyErr_SetString(PyExc_ValueError, "present(): chars must be at most 64 ASCII characters");
        return NULL;
    }
    const Py_UCS1 *wanted = PyUnicode_1BYTE_DATA(chars);
    uint64_t bit[128] = {0}, all = 0, found = 0;
    for (Py_ssize_t j = 0; j < n_wanted; j++) {
        if (!bit[wanted[j]]) { /* a repeated char keeps its first bit */
            bit[wanted[j]] = (uint64_t)1 << j;
            all |= bit[wanted[j]];
        }
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (kind == PyUnicode_1BYTE_KIND) {
        PRESENT_LOOP(Py_UCS1)
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        PRESENT_LOOP(Py_UCS2)
    }
    else {
        PRESENT_LOOP(Py_UCS4)
    }
    char out[64];
    Py_ssize_t k = 0;
    for (Py_ssize_t j = 0; j < n_wanted; j++) {
        if (found & bit[wanted[j]]) {
            out[k++] = (char)wanted[j];
        }
    }
    return PyUnicode_FromStringAndSize(out, k);
}

static PyMethodDef methods[] = {
    {"tally", tally, METH_VARARGS,
     "tally(scanned, complex_of, simple_of, families_of, end, resolve, groups) -> dict\n\n"
     "analysis.stream._FastCounter.tally for the result of Scanner.scan (see the module source)."},
    {"unwrap", unwrap, METH_O,
     "unwrap(text) -> str\n\nThe unwrap step of analysis.clean (see the module source)."},
    {"typography", typography, METH_VARARGS,
     "typography(text, french) -> str\n\nThe typography step of analysis.clean (see the module source)."},
    {"first_surrogate", first_surrogate, METH_O,
     "first_surrogate(text) -> int\n\nIndex of the first surrogate code point (not UTF-8), or -1."},
    {"present", present, METH_VARARGS,
     "present(text, chars) -> str\n\nThe characters of chars (ASCII) that occur in text, in their order."},
    {"nfc", nfc, METH_VARARGS,
     "nfc(text, normalize) -> str\n\nnormalize(\"NFC\", text), normalising only the pieces that may change."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastkeys",
    "The tokeniser's common case in C (see analysis.stream).", -1, methods,
};

static PyObject *
as_tuple(const char **words)
{
    Py_ssize_t n = 0;
    while (words[n]) {
        n++;
    }
    PyObject *t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t != NULL && i < n; i++) {
        PyObject *w = PyUnicode_FromString(words[i]);
        if (w == NULL) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, w);
    }
    return t;
}

PyMODINIT_FUNC
PyInit__fastkeys(void)
{
    for (Py_UCS4 ch = 0; ch < 256; ch++) {
        ascii_word[ch] = (unsigned char)(Py_UNICODE_ISALNUM(ch) || ch == '_');
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyType_Ready(&ScannerType) < 0 || PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    /* 4: Scanner, tally, unwrap, typography, nfc, first_surrogate and present (analysis.native checks it: a stale build is not used) */
    PyObject *table = typography_table();
    int rc = table == NULL ? -1 : PyModule_AddObjectRef(m, "TYPOGRAPHY", table);
    Py_XDECREF(table);
    if (rc < 0 || PyModule_AddIntConstant(m, "API", 4) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    const char *names[] = {"WHOLE", "ELIDED"};
    const char **lists[] = {whole, elided};
    for (int i = 0; i < 2; i++) {
        PyObject *t = as_tuple(lists[i]);
        int rc = t == NULL ? -1 : PyModule_AddObjectRef(m, names[i], t);
        Py_XDECREF(t);
        if (rc < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
