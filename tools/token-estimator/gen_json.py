import json, random, sys, os, base64, glob, re
sys.path.insert(0, '/tmp')
from tk import enc
random.seed(99)
docs = [json.loads(l) for l in open('/tmp/cal/corpus.jsonl')]
prose = [d['text'] for d in docs if d['kind'].startswith('english')]
code = [d['text'] for d in docs if d['kind'] in ('python', 'swift', 'js', 'c', 'shell')]
words = [w for t in prose[:200] for w in re.findall(r"[A-Za-z][A-Za-z']*", t)]
def W(n): return ' '.join(random.choice(words) for _ in range(n))
def sentence(lo, hi):
    t = random.choice(prose)
    s = random.randint(0, max(0, len(t) - hi))
    return t[s:s + random.randint(lo, hi)]
PROPS = ['file_path', 'old_string', 'new_string', 'replace_all', 'command', 'timeout', 'description', 'run_in_background',
         'pattern', 'path', 'glob', 'output_mode', '-A', '-B', '-C', '-n', '-i', 'type', 'head_limit', 'multiline', 'todos',
         'content', 'status', 'activeForm', 'url', 'prompt', 'query', 'allowed_domains', 'blocked_domains', 'subagent_type',
         'notebook_path', 'cell_id', 'new_source', 'cell_type', 'edit_mode', 'limit', 'offset', 'id', 'name', 'plan',
         'questions', 'options', 'label', 'header', 'multiSelect', 'shell_id', 'filter', 'model', 'resume']
def prop(depth):
    typ = random.choice(['string'] * 4 + ['number', 'boolean', 'integer', 'array', 'object'])
    p = {'type': typ}
    if random.random() < .8: p['description'] = sentence(10, 300) if random.random() < .6 else W(random.randint(2, 20))
    if typ == 'string' and random.random() < .15: p['enum'] = random.sample(['content', 'files_with_matches', 'count', 'pending', 'in_progress', 'completed', 'code', 'markdown', 'replace', 'insert', 'delete'], 3)
    if typ == 'string' and random.random() < .1: p['format'] = 'uri'
    if typ == 'number' and random.random() < .3: p['maximum'] = random.choice([600000, 100, 2000])
    if typ == 'integer' and random.random() < .3: p['exclusiveMinimum'] = 0
    if typ == 'array': p['items'] = schema(depth + 1) if depth < 2 and random.random() < .5 else {'type': 'string'}
    if typ == 'array' and random.random() < .3: p['minItems'] = 1
    if typ == 'object' and depth < 2: p = schema(depth + 1)
    return p
def schema(depth=0):
    props = {random.choice(PROPS): prop(depth) for _ in range(random.randint(1, 6))}
    s = {'type': 'object', 'properties': props}
    if random.random() < .8: s['required'] = random.sample(list(props), random.randint(0, len(props)))
    s['additionalProperties'] = False
    if depth == 0: s['$schema'] = 'http://json-schema.org/draft-07/schema#'
    return s
def tool():
    return {'name': random.choice(['Bash', 'Read', 'Edit', 'Write', 'Grep', 'Glob', 'WebFetch', 'WebSearch', 'TodoWrite', 'Task', 'NotebookEdit', 'ExitPlanMode', 'BashOutput', 'KillShell', 'SlashCommand', 'mcp__github__create_issue', 'mcp__ide__getDiagnostics']),
            'description': sentence(50, 3000), 'input_schema': schema()}
def tool_input():
    return random.choice([
        {'file_path': '/Users/dev/src/' + random.choice(words) + random.choice(['.swift', '.py', '.ts', '.md']), 'limit': random.randint(10, 2000)},
        {'command': random.choice(['ls -la', 'git status', 'swift build 2>&1 | tail -20', 'npm test', 'grep -rn "' + random.choice(words) + '" Sources']), 'description': W(random.randint(2, 8))},
        {'pattern': random.choice(words) + '\\(', 'path': 'Sources', 'output_mode': 'content', '-n': True},
        {'file_path': '/Users/dev/src/main.py', 'old_string': random.choice(code)[:random.randint(20, 400)], 'new_string': random.choice(code)[:random.randint(20, 400)]},
        {'todos': [{'content': W(random.randint(3, 10)), 'status': random.choice(['pending', 'in_progress', 'completed']), 'activeForm': W(random.randint(3, 8))} for _ in range(random.randint(1, 6))]},
    ])
def tid(): return 'toolu_01' + ''.join(random.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') for _ in range(22))
def request():
    req = {'model': random.choice(['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001']), 'max_tokens': random.choice([32000, 21333, 512]),
           'messages': [], 'temperature': 1, 'system': [{'type': 'text', 'text': "You are Claude Code, Anthropic's official CLI for Claude."}, {'type': 'text', 'text': sentence(500, 6000), 'cache_control': {'type': 'ephemeral'}}],
           'tools': [tool() for _ in range(random.randint(1, 8))], 'metadata': {'user_id': 'user_' + os.urandom(32).hex() + '_account__session_' + str(random.randint(10**8, 10**9))}, 'stream': True}
    for j in range(random.randint(1, 5)):
        if j == 0: req['messages'].append({'role': 'user', 'content': [{'type': 'text', 'text': sentence(20, 600)}]})
        else: req['messages'].append({'role': 'user', 'content': [{'type': 'tool_result', 'tool_use_id': tid(), 'content': random.choice(code)[:random.randint(100, 4000)]}]})
        req['messages'].append({'role': 'assistant', 'content': [{'type': 'text', 'text': sentence(20, 400)}, {'type': 'tool_use', 'id': tid(), 'name': 'Read', 'input': tool_input()}]})
    return req
C = (',', ':')
out = []
for i in range(60): out.append(('json-compact-request', f'gen-creq:{i}', json.dumps(request(), separators=C, ensure_ascii=False)))
for i in range(120): out.append(('json-compact-schema', f'gen-cschema:{i}', json.dumps(tool()['input_schema'] if random.random() < .7 else tool(), separators=C, ensure_ascii=False)))
for i in range(80): out.append(('json-compact-input', f'gen-cinput:{i}', json.dumps(tool_input(), separators=C, ensure_ascii=False)))
real = sorted(glob.glob('/usr/lib/node_modules/**/*.json', recursive=True)); random.shuffle(real)
n = 0
for p in real:
    try: obj = json.load(open(p))
    except Exception: continue
    t = json.dumps(obj, separators=C, ensure_ascii=False)
    if 200 < len(t) < 20000 and 'encodings' not in p:
        out.append(('json-compact-real', 'cjson:' + p, t)); n += 1
    if n >= 50: break
for i in range(30):
    obj = {'files': [{'path': '/src/' + random.choice(words) + '.py', 'content': random.choice(code)[:2000]} for _ in range(random.randint(1, 3))]}
    out.append(('json-compact-escaped', f'gen-cjesc:{i}', json.dumps(obj, separators=C)))
with open('/tmp/cal/corpus_json.jsonl', 'w') as f:
    for k, s, t in out:
        f.write(json.dumps({'kind': k, 'source': s, 'text': t, 'cl100k': len(enc.encode_ordinary(t))}, ensure_ascii=False) + '\n')
print(len(out))
