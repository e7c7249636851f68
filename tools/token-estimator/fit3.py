import os, pickle, collections, numpy as np, sys, hashlib, importlib
import feats2 as feats
docs, cache = pickle.load(open('pieces.pkl', 'rb'))
FIXK = ('english','english-short','chinese','japanese','korean','swift','python','json-schema','emoji-mixed','whitespace','numbers','base64','shell-log','markdown')
fixture = [d for d in docs if d[0] == d[1] and d[0] in FIXK]
corpus = [d for d in docs if not (d[0] == d[1] and d[0] in FIXK) and 'encodings/tables' not in d[1]]
def is_val(src): return int(hashlib.md5(src.encode()).hexdigest(), 16) % 3 == 0
def group(kind):
    if kind.startswith('english'): return 'english'
    if kind in ('python','swift','js','c','shell'): return 'code'
    if kind in ('json','json-escaped','anthropic-request'): return 'json'
    if kind.startswith('json-compact'): return 'json-compact'
    if kind.startswith(('man-','tutor-','mo-')) or kind == 'cjk-test':
        lang = kind.split('-', 1)[1] if kind != 'cjk-test' else 'cjk'
        if lang.startswith(('ja','ko','zh','cjk')): return 'cjk'
        return 'intl'
    if kind.startswith('emoji'): return 'emoji'
    if kind.startswith('logs'): return 'logs'
    return kind
GW = {'json-compact': 3, 'english': 3, 'code': 3, 'json': 3, 'markdown': 2, 'logs': 1, 'numbers': 1, 'random-ids': 1.5, 'whitespace': 1, 'emoji': 1, 'cjk': 2, 'intl': float(__import__('os').environ.get('IW','1')), 'short': 0.5}
train = [d for d in corpus if not is_val(d[1])]
val = [d for d in corpus if is_val(d[1])]
pf = {}
def ctx_of(prev):
    if prev is None: return 'start'
    c = prev[-1]
    if c in '\r\n': return 'nl'
    if c.isdigit() or feats.is_num(c): return 'num'
    if c in feats.WS: return 'ws'
    if feats.is_letter(c): return 'L'
    return 'punct'
def feats_of(p, prev=None):
    key = (p, ctx_of(prev)) if feats.is_letter(p[0]) else p
    f = pf.get(key)
    if f is None:
        f = {}; feats.piece_feats(p, f, key[1] if isinstance(key, tuple) else None); pf[key] = f
    return f
def doc_pieces(ps):
    prev = None
    for p in ps:
        yield p, feats_of(p, prev)
        prev = p
def prior(k):
    if k[0] == 'chr':
        sc = k[1]
        if sc in ('latin', 'greek', 'cyr', 'armenian', 'hebrew', 'arabic', 'other2'): return 1.0
        if sc == 'other4': return 3.0
        return 1.8
    if k[0] in ('num', 'ws', 'contr', 'pruns'): return 1.0
    if k[0] == 'pu': return {'emoji': 2.5, 'vs': 1.5, 's2': 1.0, 's4': 2.5}.get(k[1], 1.5)
    if k[0] == 'pfx': return {'emoji': 2.5, 's2': 1.0, 's4': 2.5}.get(k[1], 1.5)
    if k[0] == 'unum': return 1.5
    if k[0] == 'pc': return 1.0
    return 0.0
def fit(train, lam=1.0):
    gtot = collections.Counter(group(d[0]) for d in train)
    occ = collections.Counter(); fmap = {}
    for d in train:
        g = group(d[0]); wd = GW[g] / gtot[g] / max(d[3], 1)
        prev = None
        for p in d[4]:
            f = feats_of(p, prev); prev = p
            key = (p, id(f)); occ[key] += wd; fmap[key] = f
    keys = {}
    for key in occ:
        for k in fmap[key]: keys.setdefault(k, len(keys))
    X = np.zeros((len(occ), len(keys))); y = np.zeros(len(occ)); w = np.zeros(len(occ))
    for i, key in enumerate(occ):
        for k, v in fmap[key].items(): X[i, keys[k]] = v
        y[i] = cache[key[0]]; w[i] = occ[key]
    w = w / w.sum() * len(w)
    sw = np.sqrt(w); A = X * sw[:, None]; b = y * sw
    w0 = np.zeros(len(keys))
    for k, i in keys.items(): w0[i] = prior(k)
    coef = np.linalg.solve(A.T @ A + lam * np.eye(len(keys)), A.T @ b + lam * w0)
    return {k: coef[i] for k, i in keys.items()}
def est(W, ps):
    s = 0.0
    for p, f in doc_pieces(ps):
        for k, v in f.items(): s += (W[k] if k in W else prior(k)) * v
    return s
def report(W, name, ds, show=False, bygroup=None):
    bygroup = bygroup if bygroup is not None else os.environ.get('BYKIND') is None
    errs = []; byk = collections.defaultdict(list)
    for kind, src, text, n, ps in ds:
        e = est(W, ps); r = (round(e) - n) / n * 100 if n else 0
        errs.append(abs(r)); byk[group(kind) if bygroup else kind].append(r)
        if show: print(f'  {kind:14s} {n:6d} {round(e):6d} {r:+.1f}%')
    errs = np.array(errs)
    print(f'{name}: n={len(errs)} mean|%|={errs.mean():.2f} median={np.median(errs):.2f} p90={np.percentile(errs,90):.2f} max={errs.max():.2f}')
    if not show:
        for k, v in sorted(byk.items()):
            v = np.array(v); print(f'   {k:18s} n={len(v):4d} bias={v.mean():+6.2f} mean|.|={np.abs(v).mean():5.2f} p90={np.percentile(np.abs(v),90):5.2f} max|.|={np.abs(v).max():5.2f}')
if __name__ == '__main__':
    W = fit(train)
    pickle.dump(W, open('W3.pkl', 'wb'))
    report(W, 'fixture', fixture, True)
    report(W, 'train', [d for d in train if d[0] != 'short'])
    report(W, 'val', [d for d in val if d[0] != 'short'])
    report(W, 'short', [d for d in corpus if d[0] == 'short' and d[3] >= 5])
