import random, json, sys
sys.path.insert(0, '/tmp'); sys.path.insert(0, '/tmp/cal')
from tk import enc
import regex
PAT = regex.compile(r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
import fit3, pickle
W = pickle.load(open('/tmp/cal/W3.pkl', 'rb'))
random.seed(5)
alphabet = list("aAzZ09 _'\t\n\r\x0b\x0c.,;:!?\"(){}[]<>-=+*/\\|#@$%^&~`") + ['é', 'e\u0301', 'ß', 'Ж', 'ж', 'λ', 'ا', 'ש', 'क', 'ि', '中', '國', '语', 'の', 'ア', 'ー', '한', 'ㄱ', '😀', '👍🏽', '\u200d', '\ufe0f', '\u00a0', '\u3000', '\u2028', '\x85', '、', '。', '，', '１', '²', 'Ⅻ', '①', 'ǅ', 'ª', '\x1c', '\x1f', '\x7f', '\x00', '🇺🇸', '𠀀', '\u0300', "'s", "'LL", "'Ve", "'x", 'HTTPServer', 'fooBar', 'ABc', 'XMLHttpRequest']
out = []
for i in range(3000):
    n = random.randint(1, 30)
    t = ''.join(random.choice(alphabet) for _ in range(n))
    out.append(t)
out += ["", " ", "  ", "\n", " \n", "a ", " a", "hello world", "  indented\n\n\nlines  ", "x  \n  y", "a\r\n\r\nb", "'s", "'", "don't", "'sHello", " 123", "\t(", " .foo", "..foo", "$x", "\u3000x", "x\u3000\u3000y"]
with open('/tmp/cal/fuzz.jsonl', 'w') as f, open('/tmp/cal/fuzz_py.txt', 'w') as g:
    for t in out:
        if not t: continue
        ps = PAT.findall(t)
        e = fit3.est(W, ps)
        f.write(json.dumps({'text': t, 'cl100k': len(enc.encode_ordinary(t))}) + '\n')
        g.write(f'{e:.4f}\t{json.dumps(t)}\n')
