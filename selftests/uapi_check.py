#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Check that the netlink spec uapi/ttyvs.yaml and the uapi header
# uapi/linux/ttyvs.h agree: every constant, enum, flags set, attribute set,
# command and multicast group of the spec must be in the header with the
# same C name, value and order (genetlink-c naming, see the spec's header
# comment), the header must have nothing the spec lacks, and the type a
# header comment gives an attribute ("/* u32 */") must be the spec's.
#
# Runs on the build host (needs python3-yaml), no module needed:
#   selftests/uapi_check.py [SPEC [HEADER]]
# TAP output, exit 0 when they agree, 1 when not (each mismatch named).

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def c_name(name):
    return name.upper().replace('-', '_')


def parse_header(text):
    """Return (defines, enums): defines name -> value text, enums a list
    of (enum tag or None, [(NAME, value, comment)])."""
    # Drop block comments except the short ones after an enum entry, which
    # carry the attribute type; keep those as "@@type@@" markers.
    text = re.sub(r'/\*\s*([^*]*?)\s*\*/',
                  lambda m: '' if '\n' in m.group(1) or m.group(1).startswith('private')
                  else '@@' + m.group(1) + '@@', text)
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    defines = {}
    for m in re.finditer(r'^#define\s+(\w+)[ \t]+(.+?)\s*(?:@@.*@@)?\s*$', text, re.M):
        defines[m.group(1)] = m.group(2).strip()
    enums = []
    for m in re.finditer(r'\benum\s+(\w+)?\s*\{(.*?)\}\s*;', text, re.S):
        tag, body = m.group(1), m.group(2)
        entries = []
        value = -1
        known = {}
        # one or more entries per line; a type comment belongs to the
        # last entry of its line
        for line in body.split('\n'):
            m2 = re.search(r'@@(.*?)@@', line)
            comment = m2.group(1) if m2 else None
            line = re.sub(r'@@.*?@@', '', line)
            for piece in line.split(','):
                piece = piece.strip()
                if not piece:
                    continue
                name, _, expr = piece.partition('=')
                name = name.strip()
                if expr.strip():
                    value = eval_expr(expr, known)
                else:
                    value += 1
                known[name] = value
                entries.append((name, value, None))
            if comment and entries:
                entries[-1] = entries[-1][:2] + (comment,)
        enums.append((tag, entries))
    return defines, enums


def eval_expr(expr, known):
    expr = expr.strip()
    if not re.fullmatch(r'[\w\s<>()+\-|]+', expr):
        raise ValueError('cannot evaluate %r' % expr)
    names = {k: v for k, v in known.items()}
    return int(eval(expr, {'__builtins__': {}}, names))


def int_value(v):
    if isinstance(v, int):
        return v
    return int(str(v), 0)


class Checker:
    def __init__(self, spec, defines, enums):
        self.spec = spec
        self.defines = defines
        self.enums = enums
        self.used_enums = set()
        self.errors = []
        self.family = spec['name']
        self.consts = {}

    def err(self, msg):
        self.errors.append(msg)

    def find_enum(self, tag=None, first=None):
        for i, (t, entries) in enumerate(self.enums):
            if tag is not None and t == tag:
                return i, entries
            if tag is None and t is None and entries and entries[0][0] == first:
                return i, entries
        return None, None

    def compare(self, what, want, i, have):
        """want: [(NAME, value, type or None)], have: header entries."""
        if have is None:
            self.err('%s: not in the header' % what)
            return
        self.used_enums.add(i)
        for k in range(max(len(want), len(have))):
            w = want[k] if k < len(want) else None
            h = have[k] if k < len(have) else None
            if w is None:
                self.err('%s: header has %s = %d, the spec does not' % (what, h[0], h[1]))
            elif h is None:
                self.err('%s: spec has %s = %d, the header does not' % (what, w[0], w[1]))
            elif w[0] != h[0]:
                self.err('%s: entry %d is %s in the spec, %s in the header' % (what, k, w[0], h[0]))
            elif w[1] != h[1]:
                self.err('%s: %s is %d in the spec, %d in the header' % (what, w[0], w[1], h[1]))
            elif w[2] and h[2]:
                htype = h[2].split()[0].rstrip(':')
                if htype != w[2]:
                    self.err('%s: %s is %s in the spec, "%s" in the header comment' %
                             (what, w[0], w[2], h[2]))
            if w is not None and h is not None and w[0] != h[0]:
                break   # one misplaced entry; the rest would only repeat it

    def check_define(self, name, value, quoted=False):
        have = self.defines.get(name)
        want = '"%s"' % value if quoted else value
        if have is None:
            self.err('#define %s: not in the header' % name)
            return
        if quoted:
            if have != want:
                self.err('#define %s: %s in the header, %s in the spec' % (name, have, want))
        else:
            try:
                if int(have, 0) != int_value(value):
                    self.err('#define %s: %s in the header, %s in the spec' % (name, have, value))
            except ValueError:
                self.err('#define %s: %s in the header is not a number' % (name, have))

    def run(self):
        spec = self.spec
        fam = self.family
        for key in ('name', 'doc', 'attribute-sets', 'operations'):
            if key not in spec:
                self.err('spec: no %s' % key)
        self.check_define(c_name(spec.get('c-family-name', fam + '-family-name')), fam, True)
        ver = c_name(spec.get('c-version-name', fam + '-family-version'))
        if ver not in self.defines:
            self.err('#define %s: not in the header' % ver)
        defined = {ver, c_name(spec.get('c-family-name', fam + '-family-name'))}

        for d in spec.get('definitions', []):
            kind, name = d.get('type'), d.get('name')
            if not d.get('doc'):
                self.err('definition %s: no doc' % name)
            if kind == 'const':
                cname = c_name(fam + '-' + name)
                self.consts[name] = int_value(d['value'])
                self.check_define(cname, d['value'])
                defined.add(cname)
                continue
            tag = c_name(d.get('enum-name', fam + '-' + name)).lower()
            prefix = d.get('name-prefix', fam + '-' + name + '-')
            want = []
            v = int_value(d.get('value-start', 0)) if kind == 'enum' else 0
            for e in d['entries']:
                ename = e['name'] if isinstance(e, dict) else e
                if isinstance(e, dict) and 'value' in e:
                    v = e['value']
                want.append((c_name(prefix + str(ename)), v if kind == 'enum' else 1 << v, None))
                v += 1
            if d.get('render-max'):
                last = want[-1][1] if kind == 'enum' else v - 1
                cnt = '__' + tag.upper() + '_MAX'
                want.append((cnt, last + 1, None))
                want.append((tag.upper() + '_MAX', last, None))
            i, have = self.find_enum(tag=tag)
            self.compare('enum %s' % tag, want, i, have)

        sets = {}
        for s in spec['attribute-sets']:
            sets[s['name']] = s
        for s in spec['attribute-sets']:
            prefix = s.get('name-prefix', fam + '-a-' + s['name'] + '-')
            want = [(c_name(prefix + 'unspec'), 0, None)]
            v = 0
            for a in s['attributes']:
                v = a.get('value', v + 1)
                want.append((c_name(prefix + a['name']), v, a.get('type')))
                self.check_attr(s['name'], a, sets)
            want.append(('__' + c_name(prefix + 'max'), v + 1, None))
            want.append((c_name(prefix + 'max'), v, None))
            i, have = self.find_enum(first=want[0][0])
            self.compare('attribute-set %s' % s['name'], want, i, have)

        ops = spec['operations']
        prefix = ops.get('name-prefix', fam + '-cmd-')
        want = [(c_name(prefix + 'unspec'), 0, None)]
        v = 0
        names = {o['name'] for o in ops['list']}
        groups = {g['name'] for g in spec.get('mcast-groups', {}).get('list', [])}
        for o in ops['list']:
            v = o.get('value', v + 1)
            want.append((c_name(prefix + o['name']), v, None))
            self.check_op(o, names, groups, sets)
        want.append(('__' + c_name(prefix + 'max'), v + 1, None))
        want.append((c_name(prefix + 'max'), v, None))
        i, have = self.find_enum(first=want[0][0])
        self.compare('operations', want, i, have)

        for g in groups:
            cname = c_name(fam + '-mcgrp-' + g)
            self.check_define(cname, g, True)
            defined.add(cname)

        for k, (tag, entries) in enumerate(self.enums):
            if k not in self.used_enums:
                self.err('header enum %s (%s...) is not in the spec' %
                         (tag or '(anonymous)', entries[0][0] if entries else ''))
        for name in self.defines:
            if name.startswith('_UAPI_'):
                continue
            if name not in defined:
                self.err('header #define %s is not in the spec' % name)

    def check_attr(self, set_name, a, sets):
        what = 'attribute %s.%s' % (set_name, a['name'])
        if a.get('type') != 'pad' and not a.get('doc'):
            self.err('%s: no doc' % what)
        if a.get('type') == 'nest' and a.get('nested-attributes') not in sets:
            self.err('%s: nested-attributes %s is not an attribute set' %
                     (what, a.get('nested-attributes')))
        for key, val in a.get('checks', {}).items():
            if isinstance(val, str) and not re.fullmatch(r'[su](8|16|32|64)-(min|max)', val) \
               and val not in self.consts:
                self.err('%s: checks %s refers to %s, not a const definition' % (what, key, val))

    def check_op(self, o, names, groups, sets):
        what = 'operation %s' % o['name']
        if not o.get('doc'):
            self.err('%s: no doc' % what)
        if 'notify' in o or 'event' in o:
            if 'notify' in o and o['notify'] not in names:
                self.err('%s: notify %s is not an operation' % (what, o['notify']))
            if o.get('mcgrp') not in groups:
                self.err('%s: mcgrp %s is not a multicast group' % (what, o.get('mcgrp')))
            return
        aset = sets.get(o.get('attribute-set'))
        if aset is None:
            self.err('%s: attribute-set %s unknown' % (what, o.get('attribute-set')))
            return
        anames = {a['name'] for a in aset['attributes']}
        for mode in ('do', 'dump'):
            for part in ('request', 'reply'):
                for n in o.get(mode, {}).get(part, {}).get('attributes', []):
                    if n not in anames:
                        self.err('%s: %s %s names unknown attribute %s' % (what, mode, part, n))


def main():
    spec_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'uapi', 'ttyvs.yaml')
    hdr_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'uapi', 'linux', 'ttyvs.h')
    print('TAP version 13')
    print('1..1')
    desc = 'uapi_check: %s agrees with %s' % (os.path.relpath(spec_path, ROOT),
                                              os.path.relpath(hdr_path, ROOT))
    try:
        import yaml
    except ImportError:
        print('ok 1 - %s # SKIP python3-yaml not installed (apt-get install python3-yaml)' % desc)
        return 4
    try:
        with open(spec_path) as f:
            spec = yaml.safe_load(f)
        with open(hdr_path) as f:
            defines, enums = parse_header(f.read())
        c = Checker(spec, defines, enums)
        c.run()
        errors = c.errors
    except Exception as e:  # a broken file is a failure, said plainly
        errors = ['cannot check: %s: %s' % (type(e).__name__, e)]
    for e in errors:
        print('# ' + e)
    if errors:
        print('not ok 1 - %s (%d mismatches)' % (desc, len(errors)))
        return 1
    print('ok 1 - %s' % desc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
