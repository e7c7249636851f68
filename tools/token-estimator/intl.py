import pickle, collections
from fit2 import *
W = pickle.load(open('W.pkl', 'rb'))
byk = collections.defaultdict(list)
for d in corpus:
    if group(d[0]) in ('intl', 'cjk'):
        e = est(W, d[4]); byk[d[0]].append((e - d[3]) / d[3] * 100)
rows = sorted(byk.items(), key=lambda x: -abs(np.mean(x[1])))
for k, v in rows[:45]: print(f'{k:16s} n={len(v)} mean={np.mean(v):+.1f}')
