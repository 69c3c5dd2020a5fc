/*
 * analysis._fastkeys: the tokeniser's common case in C, for corpus-scale counting.
 *
 * keys_extend(paragraph, out, cache, match, french) appends to the list `out` the match key
 * of every token of `paragraph`, exactly as
 *
 *     out.extend(cache[s] for s in regex.findall(paragraph))
 *
 * where `match` is the bound `match` method of that regex (the tokeniser's pattern,
 * analysis.tokens._token_regex, without its group names) and `cache` maps a surface
 * to its key (a dict subclass whose __missing__ computes it).
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
 *
 * The plain-word rule needs every listed abbreviation to be made of word characters
 * (analysis.tokens checks it when it loads them). On an error, `out` may have been
 * extended with the keys of the tokens before it. `cache` must not override __getitem__.
 *
 * Every other position (digits, apostrophes, abbreviations...) is handed to the regex
 * itself: match(paragraph, position). The result is therefore the regex's by
 * construction; tests/test_stream.py checks it against findall on adversarial text.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static int
is_word(Py_UCS4 ch)
{
    return Py_UNICODE_ISALNUM(ch) || ch == '_';
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
delegate(PyObject *match, PyObject *text, Py_ssize_t pos, Py_ssize_t *end)
{
    PyObject *m = PyObject_CallFunction(match, "On", text, pos);
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

static int
append_key(PyObject *out, PyObject *cache, PyObject *text, Py_ssize_t start, Py_ssize_t end)
{
    PyObject *surface = PyUnicode_Substring(text, start, end);
    if (surface == NULL) {
        return -1;
    }
    PyObject *key = PyDict_GetItemWithError(cache, surface); /* borrowed */
    int rc;
    if (key != NULL) {
        rc = PyList_Append(out, key);
    }
    else if (PyErr_Occurred()) {
        rc = -1;
    }
    else {
        key = PyObject_GetItem(cache, surface); /* __missing__ */
        if (key == NULL) {
            rc = -1;
        }
        else {
            rc = PyList_Append(out, key);
            Py_DECREF(key);
        }
    }
    Py_DECREF(surface);
    return rc;
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

static PyObject *
keys_extend(PyObject *self, PyObject *args)
{
    PyObject *text, *out, *cache, *match;
    int french = 0;
    if (!PyArg_ParseTuple(args, "UO!O!O|p:keys_extend", &text, &PyList_Type, &out, &PyDict_Type, &cache,
                          &match, &french)) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t p = 0, tokens = 0;
    while (p < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, p);
        Py_ssize_t end = -1;
        if (Py_UNICODE_ISSPACE(ch)) {
            p++;
            continue;
        }
        if (is_word(ch)) {
            int plain = !Py_UNICODE_ISDECIMAL(ch) && !(p > 0 && is_word(PyUnicode_READ(kind, data, p - 1)));
            int ascii = 1, elided = 0;
            Py_ssize_t r = p;
            while (plain && r < n) {
                Py_UCS4 c = PyUnicode_READ(kind, data, r);
                if (!is_word(c)) {
                    if (c == '.' || c == 0x00B0) {
                        plain = 0;
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
            if (delegate(match, text, p, &end) < 0) {
                return NULL;
            }
            if (end <= p) { /* no token starts here (or an empty match): findall moves on */
                p++;
                continue;
            }
        }
        if (append_key(out, cache, text, p, end) < 0) {
            return NULL;
        }
        tokens++;
        p = end;
    }
    return PyLong_FromSsize_t(tokens);
}

static PyMethodDef methods[] = {
    {"keys_extend", keys_extend, METH_VARARGS,
     "keys_extend(paragraph, out, cache, match, french=False) -> int\n\n"
     "Append the key of each token of paragraph to out (see the module source); "
     "return the number of tokens."},
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
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
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
