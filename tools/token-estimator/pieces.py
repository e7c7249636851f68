import json, sys, regex, pickle, collections
sys.path.insert(0, '/tmp')
from tk import enc
PAT = regex.compile(r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
cache = {}
def ptok(p):
    n = cache.get(p)
    if n is None:
        n = len(enc._core_bpe.encode_single_piece(p.encode('utf-8'))) if hasattr(enc._core_bpe, 'encode_single_piece') else len(enc.encode_ordinary(p))
        cache[p] = n
    return n
docs = []
for path in sys.argv[1:]:
    for l in open(path):
        d = json.loads(l)
        ps = PAT.findall(d['text'])
        s = sum(ptok(p) for p in ps)
        if s != d['cl100k']:
            print('mismatch', d['kind'], s, d['cl100k'])
        docs.append((d['kind'], d.get('source', d['kind']), d['text'], d['cl100k'], ps))
pickle.dump((docs, cache), open('/tmp/cal/pieces.pkl', 'wb'))
print(len(docs), len(cache))
