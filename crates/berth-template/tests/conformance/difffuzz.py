#!/usr/bin/env python3
"""Differential fuzzing: random templates rendered by the real Go oracle and by
berth-template, compared byte for byte. Run locally (needs the oracle):

    ORACLE=/path/to/gotemplate-oracle python3 difffuzz.py [count] [seed]

Mismatches are written to difffuzz-mismatches.jsonl (not committed) for triage;
good ones become conformance cases.
"""
import json, os, random, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = """i: 3
f: 1.5
big: 1000000
neg: -2
s: hello world
e: ""
z: 0
b: true
n: null
l: [b, a, 3, 1.5, null]
ls: [x, y]
m: {k: v, n: 2, l: [1, 2], d: {x: 1}}
ver: v1.27.3-eks-1
multi: "a\\nb\\n"
"""
FIELDS = ['.Values.i', '.Values.f', '.Values.big', '.Values.neg', '.Values.s', '.Values.e', '.Values.z', '.Values.b',
          '.Values.n', '.Values.l', '.Values.ls', '.Values.m', '.Values.m.k', '.Values.m.d', '.Values.m.l', '.Values.ver',
          '.Values.multi', '.Values.missing', '.Release.Name', '.Chart.Version', '.', '$', '.Values.m.d.x']
LITS = ['0', '1', '-1', '2', '7', '63', '1.5', '0.1', '1e6', '2.0', '"a"', '"hello"', '""', '"a-b-c"', '" x "', '"1"',
        '"A b"', '"-"', '","', '"x\\ny"', 'true', 'false', 'nil', "'a'", '"%s"', '"%d"', '"%v"', '"v1.2.3"', '">=1.2"']
# name: list of arg kinds (a = any expr, s = string-ish, i = int-ish, l = list, m = map, * = variadic any)
FUNCS = {
    'upper': 's', 'lower': 's', 'title': 's', 'trim': 's', 'quote': '*', 'squote': '*', 'toString': 'a',
    'indent': 'is', 'nindent': 'is', 'trunc': 'is', 'trimSuffix': 'ss', 'trimPrefix': 'ss', 'replace': 'sss',
    'contains': 'ss', 'hasPrefix': 'ss', 'repeat': 'is', 'default': 'aa', 'empty': 'a', 'coalesce': '*',
    'ternary': 'aab', 'int': 'a', 'int64': 'a', 'float64': 'a', 'add': '*', 'sub': 'aa', 'mul': 'a*', 'div': 'aa',
    'max': 'a*', 'min': 'a*', 'add1': 'a', 'list': '*', 'dict': '*', 'len': 'a', 'first': 'l', 'last': 'l',
    'rest': 'l', 'reverse': 'l', 'uniq': 'l', 'has': 'al', 'hasKey': 'ms', 'get': 'ms',
    'toJson': 'a', 'toYaml': 'a', 'b64enc': 's', 'sha256sum': 's', 'typeOf': 'a', 'kindOf': 'a', 'not': 'a',
    'and': 'aa', 'or': 'aa', 'eq': 'aa', 'ne': 'aa', 'lt': 'aa', 'print': '*', 'printf': 's*', 'join': 'sa',
    'splitList': 'ss', 'split': 'ss', 'cat': '*', 'index': 'aa', 'regexMatch': 'ss', 'regexReplaceAll': 'sss',
    'semverCompare': 'ss', 'sortAlpha': 'a', 'compact': 'l', 'concat': 'll', 'append': 'la', 'pluck': 'sm',
    'toStrings': 'a', 'abbrev': 'is', 'substr': 'iis', 'nospace': 's', 'snakecase': 's', 'kebabcase': 's',
    'html': '*', 'js': '*', 'urlquery': '*', 'deepEqual': 'aa', 'round': 'ai', 'ceil': 'a', 'floor': 'a',
    'addf': '*', 'mulf': 'a*', 'divf': 'a*', 'subf': 'a*', 'until': 'i', 'seq': 'i', 'dig': 'ssam',
    'merge': 'mm', 'mergeOverwrite': 'mm', 'pick': 'ms', 'omit': 'ms', 'fromYaml': 's', 'fromJson': 's',
}
FMTS = ['%v', '%d', '%s', '%q', '%x', '%5d', '%-4s|', '%.2f', '%e', '%g', '%T', '%t', '%05.1f', '%+v', '%#v', '%c', '%3.1s']


def expr(r, depth):
    k = r.random()
    if depth <= 0 or k < 0.35:
        return r.choice(FIELDS + LITS)
    if k < 0.45:
        return '(%s)' % pipeline(r, depth - 1)
    if k < 0.5:
        return 'printf "%s" %s' % (r.choice(FMTS), expr(r, depth - 1))
    name = r.choice(list(FUNCS))
    args = []
    for kind in FUNCS[name]:
        if kind == '*':
            args += [arg(r, depth - 1) for _ in range(r.randint(0, 3))]
        elif kind == 'i':
            args.append(r.choice(['0', '1', '2', '3', '-1', '10', '.Values.i', '.Values.z', 'len .Values.l']) if r.random() < 0.8 else arg(r, depth - 1))
        elif kind == 's':
            args.append(r.choice(['"a"', '"b c"', '""', '"-"', '"x-y"', '.Values.s', '.Values.e', '"%v"', '"v1.2.3"', '"^h"', '"a.*"']) if r.random() < 0.7 else arg(r, depth - 1))
        elif kind == 'l':
            args.append(r.choice(['.Values.l', '.Values.ls', '(list 1 2 1)', '(list)', '.Values.m.l']) if r.random() < 0.8 else arg(r, depth - 1))
        elif kind == 'm':
            args.append(r.choice(['.Values.m', '(dict "a" 1)', '(dict)', '.Values.m.d', '.Values']) if r.random() < 0.8 else arg(r, depth - 1))
        elif kind == 'b':
            args.append(r.choice(['true', 'false', '.Values.b']))
        else:
            args.append(arg(r, depth - 1))
    return ' '.join([name] + args)


def arg(r, depth):
    e = expr(r, depth)
    return e if ' ' not in e or e.startswith('(') else '(%s)' % e


def pipeline(r, depth):
    p = expr(r, depth)
    for _ in range(r.choice([0, 0, 0, 1, 2])):
        name = r.choice(['quote', 'upper', 'toString', 'toJson', 'len', 'default "d"', 'indent 2', 'trunc 3',
                         'printf "%v"', 'first', 'typeOf', 'not', 'toYaml', 'b64enc', 'int', 'float64', 'sha256sum',
                         'print', 'trimSuffix "-"', 'join ","', 'empty', 'add 1', 'nindent 1', 'sortAlpha'])
        p = '%s | %s' % (p, name)
    return p


def template(r):
    parts = []
    for _ in range(r.randint(1, 3)):
        k = r.random()
        if k < 0.55:
            parts.append('{{ %s }}' % pipeline(r, 3))
        elif k < 0.7:
            parts.append('{{ if %s }}T{{ else }}F{{ end }}' % pipeline(r, 2))
        elif k < 0.8:
            parts.append('{{ range $i, $v := %s }}{{ $i }}:{{ $v }},{{ end }}' % pipeline(r, 2))
        elif k < 0.9:
            parts.append('{{ with %s }}[{{ . }}]{{ else }}none{{ end }}' % pipeline(r, 2))
        else:
            parts.append('{{ $x := %s }}{{ $x }}' % pipeline(r, 2))
        parts.append(r.choice(['|', '\n', ' ', '']))
    return ''.join(parts)


def rand_string(r):
    alphabet = ['a', 'b', 'Z', ' ', ' ', '  ', '-', ':', ': ', '#', ' #', '\n', '\n\n', '\t', "'", '"', '\\', '{', '}',
                '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`', '?', '~', '0', '1', '.5', 'e3', 'yes', 'null',
                'é', '日本', '\u00a0', '\u2028', '\x07', '\r', ' \n', '\n ', '=', '<<', '---', '...', '_', '+']
    n = r.choice([1, 2, 3, 5, 8, 20, 40])
    s = ''.join(r.choice(alphabet) for _ in range(n))
    if r.random() < 0.1:
        s = ' '.join('word%d' % i for i in range(r.randint(10, 30)))
    return s


def rand_data(r, depth):
    k = r.random()
    if depth <= 0 or k < 0.5:
        return r.choice([rand_string(r), rand_string(r), r.randint(-5, 10 ** r.randint(1, 22)), r.random() * 10 ** r.randint(-8, 22),
                         True, False, None, 0, 1.0, -0.0 if False else 0.0])
    if k < 0.75:
        return [rand_data(r, depth - 1) for _ in range(r.randint(0, 4))]
    return {rand_string(r): rand_data(r, depth - 1) for _ in range(r.randint(0, 4))}


def yaml_case(r, i, seed):
    data = {"v": rand_data(r, 4)}
    tpl = r.choice(['{{ toYaml .Values.v }}', '{{ toJson .Values.v }}', '{{ .Values.v | toYaml | fromYaml | toJson }}',
                    '{{ toYaml .Values }}', '{{ .Values.v }}', '{{ toYaml (list .Values.v) }}', '{{ toPrettyJson .Values.v }}'])
    return {"name": "yfuzz-%d-%d" % (seed, i), "values": json.dumps(data), "templates": {"main": tpl}}


SCALARS = ['a', 'hello world', 'yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', 'Null', 'true', 'True', '1', '-1', '+1',
           '0', '007', '0755', '0o17', '0x1F', '0b101', '1_000', '1.5', '1.10', '.5', '1e3', '1E-3', '-.inf', '.NaN',
           '2024-01-02', '2024-01-02T03:04:05Z', '2024-1-2', '12:30', '1:20:30', 'a:b', 'a #b', "it's", 'é', '<<',
           'x y z', '- x', '@x', '!x', '%x', '"q"', "'q'", '*', '&a', '{x}', '[x]', '9223372036854775808', '1e400', '']


def yscalar(r):
    s = r.choice(SCALARS)
    k = r.random()
    if k < 0.6 and s and not s[0] in '@!%*&{[]}>|#?-"\'' and ': ' not in s and ' #' not in s and s != '<<':
        return s
    if k < 0.8:
        return "'" + s.replace("'", "''") + "'"
    return json.dumps(s)


def yblock(r, depth, indent):
    pad = ' ' * indent
    k = r.random()
    if depth <= 0 or k < 0.15:
        return ' ' + yscalar(r) + '\n'
    if k < 0.25:
        items = [yscalar(r) for _ in range(r.randint(0, 3))]
        return ' [' + ', '.join(items) + ']\n'
    if k < 0.32:
        items = ['%s: %s' % (yscalar(r), yscalar(r)) for _ in range(r.randint(0, 3))]
        return ' {' + ', '.join(items) + '}\n'
    if k < 0.4:
        lines = [r.choice(['line one', '  indented', '', 'tail  ', 'x: y', '# not comment'])  for _ in range(r.randint(1, 4))]
        ind = r.choice(['', '2'])
        chomp = r.choice(['', '-', '+'])
        style = r.choice(['|', '>'])
        body = ''.join(pad + '  ' + l + '\n' if l else '\n' for l in lines)
        if ind == '2' or lines[0].startswith(' '):
            ind = '2'
            body = ''.join(pad + '  ' + l + '\n' if l else '\n' for l in lines)
        return ' ' + style + ind + chomp + '\n' + body
    if k < 0.7:
        out = '\n'
        keys = set()
        for _ in range(r.randint(1, 4)):
            key = yscalar(r)
            if key in keys:
                continue
            keys.add(key)
            out += pad + key + ':' + yblock(r, depth - 1, indent + 2)
            if r.random() < 0.1:
                out += pad + '# a comment\n'
        return out
    out = '\n'
    for _ in range(r.randint(1, 3)):
        out += pad + '-' + yblock(r, depth - 1, indent + 2)
    return out


def yparse_case(r, i, seed):
    doc = 'root:' + yblock(r, 4, 2)
    if r.random() < 0.2:
        doc = '---\n' + doc
    return {"name": "ypfuzz-%d-%d" % (seed, i), "values": doc, "templates": {"main": '{{ toJson .Values }}'}}


def run(cmd, lines):
    p = subprocess.run(cmd, input='\n'.join(lines) + '\n', capture_output=True, text=True, timeout=600)
    return [json.loads(l) for l in p.stdout.split('\n') if l.strip()]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    r = random.Random(seed)
    mode = os.environ.get("MODE", "template")
    if mode == "yamlparse":
        cases = [yparse_case(r, i, seed) for i in range(count)]
    elif mode == "yaml":
        cases = [yaml_case(r, i, seed) for i in range(count)]
    else:
        cases = [{"name": "fuzz-%d-%d" % (seed, i), "values": VALUES, "templates": {"main": template(r)}} for i in range(count)]
    lines = [json.dumps(c) for c in cases]
    oracle = run([os.environ["ORACLE"]], lines)
    rust_bin = os.environ.get("BERTH_COMPAT") or os.path.join(HERE, "../../../../target/template/debug/examples/oracle_compat")
    ours = run([rust_bin], lines)
    bad, skipped = [], 0
    for c, o, m in zip(cases, oracle, ours):
        if (o["output"], o["error"]) != (m["output"], m["error"]):
            # Go 1.19 (the oracle) cannot range over integers; Helm 4.3's Go can, as berth does.
            if re.search(r"range can't iterate over -?[0-9]+$", o["error"]):
                skipped += 1
                continue
            bad.append({"case": c, "go": o, "berth": m})
    with open(os.path.join(HERE, "difffuzz-mismatches.jsonl"), "w") as f:
        for b in bad:
            f.write(json.dumps(b) + "\n")
    print("%d cases, %d match, %d differ, %d skipped (range over int)" % (count, count - len(bad) - skipped, len(bad), skipped))


if __name__ == "__main__":
    main()
