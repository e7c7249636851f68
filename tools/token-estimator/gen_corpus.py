import os, sys, random, json, gzip, glob, subprocess, base64, string, re, uuid
sys.path.insert(0, '/tmp')
from tk import enc
random.seed(1234)
docs = []  # (kind, source, text)

def chunks(text, n, lo=300, hi=8000):
    out = []
    if not text: return out
    for _ in range(n):
        L = random.randint(lo, hi)
        if len(text) <= L:
            out.append(text); break
        s = random.randint(0, len(text) - L)
        out.append(text[s:s+L])
    return out

def read(p):
    try:
        if p.endswith('.gz'):
            return gzip.open(p, 'rb').read().decode('utf-8')
        return open(p, 'rb').read().decode('utf-8')
    except Exception:
        return None

def add(kind, source, texts):
    for t in texts:
        if t and t.strip():
            docs.append((kind, source, t))

def sample_files(pattern_list, k):
    fs = []
    for pat in pattern_list:
        fs += glob.glob(pat, recursive=True)
    fs = sorted(set(fs))
    random.shuffle(fs)
    return fs[:k]

def man_render(path, lang):
    env = dict(os.environ, MANWIDTH='80', LANG='C.UTF-8', LC_ALL='C.UTF-8', MAN_KEEP_FORMATTING='0')
    try:
        out = subprocess.run(['man', '-P', 'cat', '-l', path], env=env, capture_output=True, timeout=20).stdout.decode('utf-8', 'replace')
        out = re.sub(r'.\x08', '', out)
        return out
    except Exception:
        return None

# --- English prose
for p in sample_files(['/usr/share/vim/vim90/doc/*.txt'], 60):
    add('english-vimdoc', 'vimdoc:' + os.path.basename(p), chunks(read(p), 3))
for p in sample_files(['/usr/share/man/man1/*.gz', '/usr/share/man/man8/*.gz', '/usr/share/man/man5/*.gz'], 90):
    add('english-man', 'man:' + os.path.basename(p), chunks(man_render(p, 'en'), 2))
docfiles = sample_files(['/usr/share/doc/**/README*', '/usr/share/doc/**/*.txt*', '/usr/share/doc/**/NEWS*'], 200)
n = 0
for p in docfiles:
    t = read(p)
    if t and len(t) > 500:
        add('english-doc', 'doc:' + p, chunks(t, 2)); n += 1
    if n > 70: break
# Python docstrings: paragraphs of prose from rst-ish docstrings
py_files = sample_files(['/root/.pyenv/versions/3.13.0/lib/python3.13/*.py', '/root/.pyenv/versions/3.13.0/lib/python3.13/*/*.py'], 400)
for p in py_files[:80]:
    t = read(p)
    if not t: continue
    ds = re.findall(r'"""(.*?)"""', t, re.S)
    prose = '\n\n'.join(d.strip() for d in ds if len(d) > 200)
    add('english-docstring', 'pydoc:' + p, chunks(prose, 1))
# --- code
for p in py_files[80:200]:
    add('python', 'py:' + p, chunks(read(p), 2))
for p in sample_files(['/work/main/.build/checkouts/**/*.swift'], 120):
    add('swift', 'swift:' + p, chunks(read(p), 2))
for p in sample_files(['/usr/lib/node_modules/**/*.js'], 120):
    t = read(p)
    if t and '\n' in t[:2000]:
        add('js', 'js:' + p, chunks(t, 2))
for p in sample_files(['/usr/include/*.h', '/usr/include/*/*.h', '/usr/include/**/*.h'], 100):
    add('c', 'c:' + p, chunks(read(p), 2))
sh = []
for p in sorted(glob.glob('/usr/bin/*') + glob.glob('/usr/sbin/*') + glob.glob('/etc/**/*.sh', recursive=True)):
    try:
        if os.path.isfile(p) and os.path.getsize(p) < 200000:
            with open(p, 'rb') as f:
                if f.read(2) == b'#!': sh.append(p)
    except Exception: pass
random.shuffle(sh)
for p in sh[:80]:
    add('shell', 'sh:' + p, chunks(read(p), 2))
# --- markdown
for p in sample_files(['/usr/lib/node_modules/**/*.md', '/work/main/.build/checkouts/**/*.md', '/usr/share/doc/**/*.md'], 120):
    add('markdown', 'md:' + p, chunks(read(p), 2))
# --- JSON (real)
for p in sample_files(['/usr/lib/node_modules/**/*.json'], 80):
    add('json', 'json:' + p, chunks(read(p), 1))
# --- CJK & other languages
for lang in ['ja', 'ko', 'zh_CN', 'zh_TW', 'ru', 'de', 'fr', 'es', 'pl', 'it', 'pt_BR', 'uk', 'sv', 'tr']:
    fs = sample_files([f'/usr/share/man/{lang}/man*/*.gz'], 14)
    for p in fs:
        add('man-' + lang, f'man-{lang}:' + os.path.basename(p), chunks(man_render(p, lang), 2))
for p in sorted(glob.glob('/usr/share/vim/vim90/tutor/tutor*.utf-8')):
    lang = os.path.basename(p).split('.')[1]
    add('tutor-' + lang, 'tutor:' + p, chunks(read(p), 3))
for p in sorted(glob.glob('/root/.pyenv/versions/3.13.0/lib/python3.13/test/cjkencodings/*-utf8.txt')):
    add('cjk-test', 'cjk:' + p, [read(p)])
# gettext catalogs -> translated strings
mos = sorted(glob.glob('/usr/share/locale/*/LC_MESSAGES/*.mo') + glob.glob('/usr/share/vim/vim90/lang/*/LC_MESSAGES/*.mo'))
import gettext
bylang = {}
for p in mos:
    lang = p.split('/')[-3]
    if '.' in lang and 'UTF-8' not in lang: continue
    try:
        cat = gettext.GNUTranslations(open(p, 'rb'))._catalog
    except Exception:
        continue
    vals = [v for k, v in cat.items() if k and isinstance(v, str)]
    bylang.setdefault(lang.split('.')[0], []).extend(vals)
for lang, vals in sorted(bylang.items()):
    random.shuffle(vals)
    txt = '\n'.join(vals)
    if len(txt) > 2000:
        add('mo-' + lang, 'mo:' + lang, chunks(txt, 2, 500, 5000))

# --- synthetic
EMOJI = [chr(c) for c in list(range(0x1F600, 0x1F650)) + list(range(0x1F300, 0x1F3FF)) + list(range(0x1F680, 0x1F6C5)) + list(range(0x1F900, 0x1F9FF))] + list('✅❌✨⭐⚡☀☕♥✔➡⬆⚠')
english_pool = []
for k, s, t in docs:
    if k.startswith('english'):
        english_pool += re.findall(r"[A-Za-z][A-Za-z']*", t)
def words(n):
    return ' '.join(random.choice(english_pool) for _ in range(n))
for i in range(60):
    parts = []
    for _ in range(random.randint(10, 150)):
        r = random.random()
        if r < 0.5: parts.append(words(random.randint(1, 8)))
        elif r < 0.8: parts.append(''.join(random.choice(EMOJI[:200] if random.random() < .7 else EMOJI) for _ in range(random.randint(1, 3))))
        elif r < 0.9: parts.append(random.choice(['—', '•', '→', '…', '©', '✓', '«', '»', '€', '°C']))
        else: parts.append(str(random.randint(0, 10**random.randint(1, 6))))
    sep = random.choice([' ', ' ', '\n', ''])
    add('emoji-mixed', f'gen-emoji:{i}', [sep.join(parts)])
# emoji ZWJ / skin tones / flags
for i in range(10):
    seqs = ['👨‍👩‍👧‍👦', '👍🏽', '🇺🇸', '🇯🇵', '🏳️‍🌈', '❤️', '👩🏻‍💻', '🧑‍🚀']
    add('emoji-zwj', f'gen-zwj:{i}', [' '.join(random.choice(seqs) + ' ' + words(random.randint(0, 4)) for _ in range(random.randint(20, 200)))])
# numbers
for i in range(40):
    mode = i % 5
    if mode == 0: t = ' '.join(str(random.randint(0, 10**random.randint(1, 12))) for _ in range(random.randint(50, 600)))
    elif mode == 1: t = ', '.join(f'{random.uniform(-1000, 1000):.{random.randint(1, 8)}f}' for _ in range(random.randint(50, 500)))
    elif mode == 2: t = '\n'.join(','.join(str(random.randint(0, 99999)) for _ in range(8)) for _ in range(random.randint(20, 200)))
    elif mode == 3: t = json.dumps([[random.random() for _ in range(5)] for _ in range(random.randint(10, 100))])
    else: t = ' '.join(''.join(random.choice('0123456789') for _ in range(random.randint(1, 40))) for _ in range(random.randint(20, 200)))
    add('numbers', f'gen-num:{i}', [t])
# base64 / hex / uuid / random ids
for i in range(40):
    mode = i % 5
    raw = os.urandom(random.randint(100, 6000))
    if mode == 0: t = base64.b64encode(raw).decode()
    elif mode == 1: t = '\n'.join(base64.b64encode(raw).decode()[j:j+76] for j in range(0, len(base64.b64encode(raw)), 76))
    elif mode == 2: t = raw.hex()
    elif mode == 3: t = '\n'.join(str(uuid.uuid4()) for _ in range(random.randint(10, 120)))
    else: t = ' '.join(''.join(random.choice(string.ascii_letters + string.digits) for _ in range(random.randint(8, 40))) for _ in range(random.randint(10, 150)))
    add('random-ids', f'gen-b64:{i}', [t])
# logs
levels = ['INFO', 'DEBUG', 'WARN', 'ERROR', 'info', 'warn']
for i in range(40):
    lines = []
    style = i % 4
    for j in range(random.randint(20, 150)):
        ts = f'2026-{random.randint(1,12):02d}-{random.randint(1,28):02d}T{random.randint(0,23):02d}:{random.randint(0,59):02d}:{random.randint(0,59):02d}.{random.randint(0,999):03d}Z'
        if style == 0:
            lines.append(f'{ts} {random.choice(levels)} request id=req_{uuid.uuid4().hex[:12]} route={random.choice(["default","think","background","longContext"])} latency_ms={random.randint(1,9000)} status={random.choice([200,200,404,500,429])}')
        elif style == 1:
            lines.append(f'[{ts}] {random.choice(levels)}: {words(random.randint(3, 12))} ({random.randint(1,500)} ms) path=/usr/lib/{random.choice(english_pool).lower()}/{random.choice(english_pool).lower()}.so')
        elif style == 2:
            lines.append(f'{random.randint(1,255)}.{random.randint(0,255)}.{random.randint(0,255)}.{random.randint(0,255)} - - [26/Nov/2026:12:{random.randint(0,59):02d}:{random.randint(0,59):02d} +0000] "GET /v1/{random.choice(english_pool).lower()}?id={random.randint(1,99999)} HTTP/1.1" {random.choice([200,301,404,500])} {random.randint(100,99999)} "-" "curl/8.{random.randint(0,9)}.0"')
        else:
            lines.append(json.dumps({'ts': ts, 'level': random.choice(levels), 'msg': words(random.randint(2, 8)), 'user_id': random.randint(1, 10**6), 'trace': uuid.uuid4().hex}))
    add('logs', f'gen-log:{i}', ['\n'.join(lines)])
for p in ['/var/log/dpkg.log', '/var/log/alternatives.log', '/var/log/fontconfig.log']:
    t = read(p)
    add('logs-real', 'varlog:' + p, chunks(t, 3))
# whitespace heavy
for i in range(30):
    parts = []
    for _ in range(random.randint(30, 300)):
        r = random.random()
        if r < 0.3: parts.append(' ' * random.randint(1, 40))
        elif r < 0.45: parts.append('\n' * random.randint(1, 6))
        elif r < 0.55: parts.append('\t' * random.randint(1, 5))
        elif r < 0.6: parts.append('\r\n')
        elif r < 0.65: parts.append(random.choice([' \t ', '\n  \n', '  \n\t', '\u00a0', '\u3000']))
        else: parts.append(words(random.randint(1, 3)))
    add('whitespace', f'gen-ws:{i}', [''.join(parts)])

# --- Anthropic API requests (Claude Code-like)
def rand_schema(depth=0):
    props = {}
    for _ in range(random.randint(1, 6)):
        name = random.choice(['file_path', 'command', 'pattern', 'old_string', 'new_string', 'description', 'timeout', 'limit', 'offset', 'path', 'glob', 'output_mode', 'replace_all', 'url', 'prompt', 'todos', 'content', 'status', 'id', 'query']) + random.choice(['', '', '_' + random.choice(english_pool).lower()])
        typ = random.choice(['string', 'string', 'number', 'boolean', 'integer', 'array', 'object'])
        p = {'type': typ, 'description': words(random.randint(3, 30))}
        if typ == 'array': p['items'] = {'type': 'string'} if depth > 1 or random.random() < .5 else rand_schema(depth + 1)
        if typ == 'object' and depth < 2: p = rand_schema(depth + 1)
        if typ == 'string' and random.random() < .2: p['enum'] = [random.choice(english_pool).lower() for _ in range(3)]
        props[name] = p
    return {'type': 'object', 'properties': props, 'required': list(props)[:random.randint(0, len(props))], 'additionalProperties': False, '$schema': 'http://json-schema.org/draft-07/schema#'}
code_pool = [t for k, s, t in docs if k in ('python', 'swift', 'js', 'c', 'shell')]
prose_pool = [t for k, s, t in docs if k.startswith('english')]
for i in range(80):
    req = {'model': random.choice(['claude-sonnet-4-5-20250929', 'claude-opus-4-1', 'claude-haiku-4-5']), 'max_tokens': random.choice([32000, 8192, 512]), 'stream': True}
    req['system'] = [{'type': 'text', 'text': random.choice(prose_pool)[:random.randint(200, 4000)], 'cache_control': {'type': 'ephemeral'}}]
    req['tools'] = [{'name': random.choice(['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'WebFetch', 'TodoWrite', 'Task', 'mcp__' + random.choice(english_pool).lower()]), 'description': words(random.randint(5, 120)), 'input_schema': rand_schema()} for _ in range(random.randint(1, 6))]
    msgs = []
    for j in range(random.randint(1, 6)):
        msgs.append({'role': 'user', 'content': [{'type': 'text', 'text': words(random.randint(3, 40))}] if j == 0 else [{'type': 'tool_result', 'tool_use_id': 'toolu_' + base64.b32encode(os.urandom(15)).decode().lower()[:24], 'content': random.choice(code_pool)[:random.randint(100, 3000)]}]})
        msgs.append({'role': 'assistant', 'content': [{'type': 'text', 'text': words(random.randint(3, 30))}, {'type': 'tool_use', 'id': 'toolu_' + base64.b32encode(os.urandom(15)).decode().lower()[:24], 'name': 'Read', 'input': {'file_path': '/Users/dev/project/Sources/' + random.choice(english_pool) + '.swift', 'limit': random.randint(10, 2000)}}]})
    req['messages'] = msgs
    indent = random.choice([None, None, None, 2])
    add('anthropic-request', f'gen-req:{i}', [json.dumps(req, ensure_ascii=random.random() < .2, indent=indent)])
# JSON with escaped code, pretty-printed, etc
for i in range(30):
    obj = {'files': [{'path': '/src/' + random.choice(english_pool) + '.py', 'content': random.choice(code_pool)[:2000]} for _ in range(random.randint(1, 3))]}
    add('json-escaped', f'gen-jsonesc:{i}', [json.dumps(obj, indent=random.choice([None, 2, 4]))])
# short texts
short_src = [t for k, s, t in docs]
for i in range(300):
    t = random.choice(short_src)
    L = random.randint(5, 120)
    s = random.randint(0, max(0, len(t) - L))
    add('short', f'gen-short:{i}', [t[s:s+L]])

out = open('/tmp/cal/corpus.jsonl', 'w')
for kind, source, text in docs:
    n = len(enc.encode_ordinary(text))
    out.write(json.dumps({'kind': kind, 'source': source, 'text': text, 'cl100k': n}, ensure_ascii=False) + '\n')
print(len(docs))
