import pickle, base64, sys
sys.path.insert(0, '/tmp/cal')
import feats2
from fit3 import prior
W = pickle.load(open('/tmp/cal/W3.pkl', 'rb'))
def w(k):
    return W[k] if k in W else prior(k)
def f(x):
    s = f'{x:.4f}'.rstrip('0')
    if s.endswith('.'): s += '0'
    if s == '-0.0': s = '0.0'
    return s
def arr(name, vals, doc, per=10, indent='    '):
    lines = [f'{indent}/// {doc}', f'{indent}static let {name}: [Double] = [']
    for i in range(0, len(vals), per):
        lines.append(indent + '    ' + ', '.join(f(v) for v in vals[i:i+per]) + ',')
    lines.append(indent + ']')
    return '\n'.join(lines)
def scal(name, val, doc, indent='    '):
    return f'{indent}/// {doc}\n{indent}static let {name} = {f(val)}'
SCRIPTS = ['latin', 'greek', 'cyr', 'cyrx', 'armenian', 'hebrew', 'arabic', 'deva'] + [f'indic{i}' for i in range(9)] + \
    ['thai', 'sea', 'georgian', 'ethiopic', 'hangul', 'jamo', 'hira', 'kata', 'han1', 'han0', 'other2', 'other3', 'other4']
SYM = ['cjkp', 'vs', 'emoji', 'genp', 'mark', 's2', 's3', 's4']
POS = ['n', 's', 'p', 'w', 'u', 'S']
TYPES = ['l', 'C', 'U']
PG = ['n', 's', 'S']
CTX = ['start', 'nl', 'num', 'ws', 'L', 'punct']
WSK = ['s', 't', 'n', 'r', 'o']
LONGC = '-=*#/~._'
out = []
out.append(scal('contraction', w(('contr',)), "`'s`, `'ll`, ... are always one token."))
out.append(scal('digits', w(('num',)), 'A group of one to three ASCII digits: cl100k has every such group as a token.'))
out.append(scal('otherDigit', w(('unum',)), 'Per non-ASCII digit (fullwidth, Arabic-Indic, superscripts, ...).'))
out.append(scal('whitespace', w(('ws',)), 'Base cost of a whitespace piece.'))
out.append(arr('whitespaceTransition', [w(('wst', a, b)) if a != b else 0.0 for a in WSK for b in WSK],
               'Extra cost when a whitespace piece switches kind, indexed [from * 5 + to] over space, tab, LF, CR, other.', per=5))
out.append(scal('whitespaceOther', w(('wsother',)), 'Per non-ASCII whitespace scalar (NBSP, ideographic space, ...).'))
out.append(scal('whitespaceLong', w(('wslong',)), 'Per 64 whitespace scalars beyond the first 16.'))
out.append(arr('noPrefixContext', [w(('nctx', c)) for c in CTX],
               'A letter piece without prefix, by what ended the previous piece: start, newline, digit, space, letter, symbol.'))
out.append(arr('segmentPosition', [w(('sb', p)) for p in POS],
               'Base cost of an ASCII segment by position (see `SegmentPosition`).', per=6))
out.append(arr('segmentCase', [w(('st', t)) for t in TYPES], 'Base cost of an ASCII segment by case: lower, Capitalised, UPPER.'))
out.append(arr('segmentHinge', [w(('sh', g, t, h)) for g in PG for t in TYPES for h in feats2.HINGES],
               f'Per letter beyond {", ".join(map(str, feats2.HINGES))} letters, by [(lengthGroup * 3 + case) * 4 + hinge].',
               per=12))
out.append(arr('rareTrigram', [w(('rtri', t)) for t in TYPES], 'Per letter trigram not common in English text, by case.'))
out.append(scal('rareTrigramPair', w(('rtri2',)), 'Correction once a segment has two or more rare trigrams.'))
pc = [w(('pc', '?'))] * 128
for c in feats2.PCH: pc[ord(c)] = w(('pc', c))
out.append(arr('punctuationPrefix', pc, 'A letter piece led by this ASCII punctuation byte (`.append`, `(self`, `_id`).', per=8))
out.append(arr('symbolPrefix', [w(('pfx', s)) for s in SYM],
               'A letter piece led by a non-ASCII symbol, by symbol class (see `SymbolClass`).', per=8))
out.append(arr('scriptRun', [w(('run', s)) for s in SCRIPTS], 'Per run of non-ASCII letters, by script (see `Script`).', per=8))
out.append(arr('scriptLetter', [w(('chr', s)) for s in SCRIPTS], 'Per non-ASCII letter, by script.', per=8))
out.append(arr('runPosition', [w(('runpos', p)) for p in POS], 'Per non-ASCII letter run, by position as for segments.', per=6))
out.append(arr('punctuationLength', [w(('pa', s, n)) for s in ('n', 'sp') for n in range(1, 9)],
               'A symbol piece by ASCII symbol count 1...8, without and with a leading space.', per=8))
out.append(arr('punctuationJSON', [w(('pj', n)) for n in range(1, 9)],
               'Correction for a symbol piece made only of `"\',:[]{}`, by count 1...8.', per=8))
out.append(scal('punctuationLengthExtra', w(('pax',)), 'Per ASCII symbol beyond 8.'))
out.append(arr('punctuationRuns', [w(('pruns', n)) for n in range(1, 9)],
               'A symbol piece by number of runs of identical ASCII symbols, 1...8.', per=8))
out.append(scal('punctuationRunsExtra', w(('prunsx',)), 'Per run beyond 8.'))
out.append(scal('punctuationRepeat', w(('pmr',)), 'Per run of two or more identical symbols.'))
out.append(arr('punctuationLongRun', [w(('plong', c)) for c in LONGC] + [w(('plong', '?'))],
               'Per 16 identical symbols beyond 4, for `-=*#/~._` and then any other.', per=9))
out.append(arr('punctuationSymbol', [w(('pu', s)) for s in SYM], 'Per non-ASCII symbol in a symbol piece, by class.', per=8))
out.append(scal('punctuationSpaceOnly', w(('psp',)), 'A space followed only by non-ASCII symbols.'))
out.append(scal('punctuationNewline', w(('pnl',)), 'A symbol piece that ends in newlines.'))
weights = '\n\n'.join(out)

# trigram bitset: 27 symbols (a-z = 0...25, boundary = 26)
bits = bytearray((27 ** 3 + 7) // 8)
def code(ch): return 26 if ch in '^$' else ord(ch) - 97
for t in feats2.COMMON:
    if all(ch in '^$' or 'a' <= ch <= 'z' for ch in t):
        i = code(t[0]) * 729 + code(t[1]) * 27 + code(t[2])
        bits[i >> 3] |= 1 << (i & 7)
gb = bytearray((0x9FA6 - 0x4E00 + 7) // 8)
for c in feats2.GB1:
    i = ord(c) - 0x4E00
    gb[i >> 3] |= 1 << (i & 7)
def b64lines(b, indent='        '):
    s = base64.b64encode(bytes(b)).decode()
    n = 120 - len(indent) - 3
    return '\n'.join(f'{indent}"{s[i:i+n]}",' for i in range(0, len(s), n))
tmpl = open(sys.argv[1]).read()
res = tmpl.replace('// @@WEIGHTS@@', weights).replace('        // @@TRIGRAMS@@', b64lines(bits)).replace('        // @@GB2312@@', b64lines(gb))
open(sys.argv[2], 'w').write(res)
print('trigrams', len(feats2.COMMON), 'gb1', len(feats2.GB1), 'bytes', len(bits), len(gb))
