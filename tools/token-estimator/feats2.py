"""Parametric feature model (v2) -- mirrors what the Swift scanner computes."""
import unicodedata as ud, pickle, os
_tri, _bi, _nw = pickle.load(open('/tmp/cal/ngram.pkl', 'rb'))
TH = int(os.environ.get('TH', '30'))
COMMON = set(k for k, v in _tri.items() if v >= TH)

def _gb1(c):
    try:
        b = c.encode('gb2312'); return 0xB0 <= b[0] <= 0xD7
    except Exception: return False
GB1 = set(chr(o) for o in range(0x4E00, 0xA000) if _gb1(chr(o)))
VOW = set('aeiouy')

def script(c):
    o = ord(c)
    if o < 0x80: return 'ascii'
    if 0xC0 <= o <= 0x24F or 0x1E00 <= o <= 0x1EFF or o in (0xAA, 0xB5, 0xBA): return 'latin'
    if 0x370 <= o <= 0x3FF or 0x1F00 <= o <= 0x1FFF: return 'greek'
    if 0x410 <= o <= 0x44F or o in (0x401, 0x451): return 'cyr'
    if 0x400 <= o <= 0x52F: return 'cyrx'
    if 0x530 <= o <= 0x58F: return 'armenian'
    if 0x590 <= o <= 0x5FF: return 'hebrew'
    if 0x600 <= o <= 0x6FF or 0x750 <= o <= 0x77F or 0x8A0 <= o <= 0x8FF or 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF: return 'arabic'
    if 0x900 <= o <= 0x97F: return 'deva'
    if 0x980 <= o <= 0xDFF: return 'indic%d' % ((o - 0x980) >> 7)
    if 0xE00 <= o <= 0xE7F: return 'thai'
    if 0xE80 <= o <= 0xEFF or 0x1000 <= o <= 0x109F or 0x1780 <= o <= 0x17FF: return 'sea'
    if 0x10A0 <= o <= 0x10FF or 0x2D00 <= o <= 0x2D2F: return 'georgian'
    if 0x1200 <= o <= 0x139F: return 'ethiopic'
    if 0xAC00 <= o <= 0xD7AF: return 'hangul'
    if 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F: return 'jamo'
    if 0x3040 <= o <= 0x309F: return 'hira'
    if 0x30A0 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F: return 'kata'
    if 0x4E00 <= o <= 0x9FFF: return 'han1' if c in GB1 else 'han0'
    if 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF: return 'han0'
    if o < 0x800: return 'other2'
    if o < 0x10000: return 'other3'
    return 'other4'

WS = set('\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000') | set(chr(c) for c in range(0x2000, 0x200B))
def isws(s): return all(c in WS for c in s)
def is_letter(c): return ud.category(c)[0] == 'L'
def is_num(c): return ud.category(c)[0] == 'N'

def symclass(c):
    o = ord(c)
    if o < 0x80: return 'a'
    if 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFF65: return 'cjkp'
    if o in (0xFE0F, 0x200D): return 'vs'
    if 0x1F000 <= o <= 0x1FAFF: return 'emoji'
    if 0x2000 <= o <= 0x206F: return 'genp'
    if ud.category(c)[0] == 'M': return 'mark'
    if o < 0x800: return 's2'
    if o < 0x10000: return 's3'
    return 's4'

def add(F, k, v=1):
    F[k] = F.get(k, 0) + v

def segments(s):
    segs = []; i = 0; n = len(s)
    while i < n:
        j = i + 1
        if s[i].isupper():
            if j < n and s[j].isupper():
                while j < n and s[j].isupper(): j += 1
                if j < n and s[j].islower(): j -= 1
                if j - i == 1:
                    # single upper followed by lowers -> Capitalized
                    j = i + 1
                    while j < n and s[j].islower(): j += 1
                    segs.append(('C', s[i:j])); i = j; continue
                segs.append(('U', s[i:j])); i = j; continue
            while j < n and s[j].islower(): j += 1
            segs.append(('C', s[i:j]))
        else:
            while j < n and s[j].islower(): j += 1
            segs.append(('l', s[i:j]))
        i = j
    return segs

HINGES = tuple(int(x) for x in os.environ.get('HINGES', '2,5,8,12').split(','))
PG = {'s': 's', 'w': 's', 'n': 'n', 'p': 'n', 'u': 'n', 'S': 'S'}
def seg_feats(F, typ, seg, pos):
    L = len(seg)
    add(F, ('sb', pos)); add(F, ('st', typ))
    for h in HINGES:
        if L > h: add(F, ('sh', PG[pos], typ, h), L - h)
    w = '^' + seg.lower() + '$'
    r = sum(1 for i in range(len(w) - 2) if w[i:i+3] not in COMMON)
    if r: add(F, ('rtri', typ), r)
    if r >= 2: add(F, ('rtri2',))

PCH = set('.(_"\'/-@$#[{<*\\:,=&%!|`;?+>)]}~^')
def piece_feats(p, F, ctx):
    c0 = p[0]
    if c0 == "'" and 2 <= len(p) <= 3 and p[1:].lower() in ('s','d','m','t','ll','ve','re'):
        add(F, ('contr',)); return
    if isws(p):
        add(F, ('ws',))
        prev = None
        for c in p:
            k = 's' if c == ' ' else 't' if c == '\t' else 'n' if c == '\n' else 'r' if c == '\r' else 'o'
            if k == 'o': add(F, ('wsother',))
            if prev is not None and k != prev: add(F, ('wst', prev, k))
            prev = k
        if len(p) > 16: add(F, ('wslong',), (len(p) - 16) / 64)
        return
    if is_letter(p[-1]):
        if is_letter(c0):
            pos = 'n'; letters = p
            add(F, ('nctx', ctx))
        else:
            letters = p[1:]
            pos = 's' if c0 == ' ' else 'w' if c0 in WS else 'p' if ord(c0) < 128 else 'u'
            if pos == 'u': add(F, ('pfx', symclass(c0)))
            if pos == 'p': add(F, ('pc', c0 if c0 in PCH else '?'))
        i = 0; n = len(letters); first = True
        while i < n:
            sc = script(letters[i]); j = i + 1
            while j < n and script(letters[j]) == sc: j += 1
            run = letters[i:j]
            if sc == 'ascii':
                for k, (typ, seg) in enumerate(segments(run)):
                    seg_feats(F, typ, seg, pos if first and k == 0 else 'S')
            else:
                add(F, ('run', sc)); add(F, ('runpos', pos if first else 'S'))
                add(F, ('chr', sc), len(run))
            first = False; i = j
        return
    if is_num(c0):
        if all(ord(c) < 128 for c in p): add(F, ('num',))
        else: add(F, ('unum',), len(p))
        return
    q = p; sp = q[0] == ' ' and len(q) > 1
    if sp: q = q[1:]
    nl = 0
    while q and q[-1] in '\r\n': nl += 1; q = q[:-1]
    na = 0; runs = 0; prevc = None; rl = 0; multi = 0
    def endrun(c, rl):
        if rl >= 2: add(F, ('pmr',))
        if rl > 4: add(F, ('plong', c if c in '-=*#/~._' else '?'), (rl - 4) / 16)
    for c in q:
        k = symclass(c)
        if k == 'a':
            na += 1
            if c != prevc:
                if prevc is not None and rl: endrun(prevc, rl)
                runs += 1; rl = 0
            rl += 1
        else:
            if rl: endrun(prevc, rl)
            rl = 0
            add(F, ('pu', k))
        prevc = c
    if rl: endrun(prevc, rl)
    if na and na == len(q) and all(c in '"\',:{}[]' for c in q):
        add(F, ('pj', min(na, 8)))
    if na:
        add(F, ('pa', 'sp' if sp else 'n', min(na, 8)))
        if na > 8: add(F, ('pax',), na - 8)
        add(F, ('pruns', min(runs, 8)))
        if runs > 8: add(F, ('prunsx',), runs - 8)
    elif sp: add(F, ('psp',))
    if nl: add(F, ('pnl',))
