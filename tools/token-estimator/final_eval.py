import json, hashlib, collections, numpy as np, sys
sys.path.insert(0, '/tmp/cal')
from fit3 import group, is_val, FIXK
sw = [line.split('\t') for line in open('/tmp/cal/swift_est.txt')]
docs = [json.loads(l) for l in open('/tmp/cal/all_docs.jsonl')]
assert len(sw) == len(docs)
fix = []; val = collections.defaultdict(list); allv = []; short = []; train = []
for d, s in zip(docs, sw):
    est, truth = int(s[1]), int(s[2])
    r = (est - truth) / truth * 100
    if d['kind'] == d['source'] and d['kind'] in FIXK:
        fix.append((d['kind'], truth, est, r)); continue
    if 'encodings/tables' in d['source']: continue
    if d['kind'] == 'short':
        short.append(abs(r)); continue
    if is_val(d['source']):
        val[group(d['kind'])].append(r); allv.append(abs(r))
    else:
        train.append(abs(r))
print('FIXTURE')
for k, t, e, r in fix: print(f'  {k:14s} truth {t:5d} est {e:5d} {r:+5.1f}%')
a = np.array(allv)
print(f'VALIDATION docs={len(a)} mean|%|={a.mean():.2f} median={np.median(a):.2f} p90={np.percentile(a,90):.2f} p99={np.percentile(a,99):.2f} max={a.max():.2f}')
for g, v in sorted(val.items()):
    v = np.array(v); print(f'  {g:13s} n={len(v):4d} bias={v.mean():+5.2f}% mean|%|={np.abs(v).mean():5.2f} max|%|={np.abs(v).max():5.2f}')
core = np.array([abs(x) for g in ('english', 'code', 'json', 'json-compact', 'markdown', 'logs') for x in val[g]])
print(f'  core (english/code/json/markdown/logs) n={len(core)} mean|%|={core.mean():.2f} p90={np.percentile(core,90):.2f} max={core.max():.2f}')
t = np.array(train); print(f'TRAIN docs={len(t)} mean|%|={t.mean():.2f} max={t.max():.2f}')
s = np.array(short); print(f'SHORT (5-120 chars) n={len(s)} mean|%|={s.mean():.2f} p90={np.percentile(s,90):.2f}')
