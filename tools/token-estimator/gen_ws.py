import json, random, sys, re
sys.path.insert(0, '/tmp')
from tk import enc
random.seed(77)
words = re.findall(r'[A-Za-z]+', open('/usr/share/vim/vim90/doc/usr_01.txt').read())
def geo(p, lo=1, hi=40):
    n = lo
    while random.random() < p and n < hi: n += 1
    return n
out = []
for i in range(40):
    parts = []
    style = i % 4
    for _ in range(random.randint(40, 300)):
        r = random.random()
        if style == 0:  # indented code-ish lines with trailing spaces and blank lines
            ind = random.choice([0, 2, 4, 4, 8, 8, 12, 16])
            parts.append(' ' * ind + ' '.join(random.choice(words) for _ in range(random.randint(1, 6))) + (' ' * geo(0.5) if random.random() < .2 else '') + '\n' * geo(0.3))
        elif style == 1:  # tabs + spaces mixes
            parts.append('\t' * geo(0.4) + (' ' * geo(0.6) if random.random() < .4 else '') + ' '.join(random.choice(words) for _ in range(random.randint(1, 4))) + random.choice(['\n', '\n', '\r\n', '\n\n', ' \n', '\t\n']))
        elif style == 2:  # aligned columns (runs of spaces)
            parts.append(''.join(random.choice(words) + ' ' * geo(0.8, 1, 30) for _ in range(random.randint(2, 5))) + '\n')
        else:  # messy
            r = random.random()
            if r < 0.3: parts.append(' ' * geo(0.7))
            elif r < 0.45: parts.append('\n' * geo(0.4))
            elif r < 0.55: parts.append('\t' * geo(0.5))
            elif r < 0.6: parts.append('\r\n' * geo(0.3))
            elif r < 0.65: parts.append(random.choice([' \t ', '\n  \n', '  \n\t', '\u00a0', '\u3000', ' \n', '\t \n']))
            else: parts.append(random.choice(words))
    out.append(''.join(parts))
with open('/tmp/cal/corpus_ws.jsonl', 'w') as f:
    for i, t in enumerate(out):
        f.write(json.dumps({'kind': 'whitespace', 'source': f'gen-ws2:{i}', 'text': t, 'cl100k': len(enc.encode_ordinary(t))}) + '\n')
