import pickle, collections, re, sys, hashlib
docs, cache = pickle.load(open('pieces.pkl', 'rb'))
def is_val(src): return int(hashlib.md5(src.encode()).hexdigest(), 16) % 3 == 0
FIX = ('english','english-short','chinese','japanese','korean','swift','python','json-schema','emoji-mixed','whitespace','numbers','base64','shell-log','markdown')
tri = collections.Counter(); bi = collections.Counter(); nw = 0
for kind, src, text, n, ps in docs:
    if is_val(src) or (kind == src and kind in FIX): continue
    if not (kind.startswith('english') or kind in ('python', 'swift', 'js', 'c', 'shell', 'markdown')): continue
    for w in re.findall(r'[A-Z]?[a-z]+|[A-Z]+(?![a-z])', text):
        w = '^' + w.lower() + '$'
        nw += 1
        for i in range(len(w) - 2): tri[w[i:i+3]] += 1
        for i in range(len(w) - 1): bi[w[i:i+2]] += 1
print(nw, len(tri), len(bi))
pickle.dump((tri, bi, nw), open('ngram.pkl', 'wb'))
for th in (1, 3, 10, 30, 100, 300):
    print(th, 'tri>=th', sum(1 for v in tri.values() if v >= th), 'bi>=th', sum(1 for v in bi.values() if v >= th))
