"""Generator of test/golden/python-repr.json: CPython's repr() of random strings (quotes,
backslashes, control characters, Latin-1, BMP and astral characters, lone surrogates, format
and separator characters, private use, unassigned code points).

    /usr/bin/python3 test/golden/make-python-repr-golden.py > test/golden/python-repr.json

Code points whose Unicode category may differ between this Python's Unicode database and a
newer one (unassigned here, so possibly assigned later) are left out, except a few that are
unassigned or noncharacters in every Unicode version.
"""
import json, random, sys, unicodedata

rng = random.Random(20261201)
STABLE_UNASSIGNED = [0x0378, 0x0379, 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF, 0xFDD0]
POOLS = [
    (0x20, 0x7F), (0x00, 0x20), (0x7F, 0xA1), (0xA1, 0x100), (0x100, 0x3000), (0x2000, 0x2070),
    (0x3000, 0xD800), (0xD800, 0xE000), (0xE000, 0xF900), (0xF900, 0x10000), (0x10000, 0x110000),
    (0xE0000, 0xE0080), (0x1F300, 0x1FAFF),
]


def draw():
    while True:
        if rng.random() < 0.05:
            return chr(rng.choice(STABLE_UNASSIGNED))
        if rng.random() < 0.15:
            return rng.choice(['\'', '"', '\\', '\n', '\r', '\t', ' ', '\x00', '\u00a0', '\u200b', '\u2028', '\ufeff'])
        lo, hi = rng.choice(POOLS)
        c = chr(rng.randrange(lo, hi))
        if unicodedata.category(c) != 'Cn':
            return c


cases = []

def pairs_up(s):
    # a lone high surrogate followed by a lone low one is one astral character in JavaScript
    return any(0xD800 <= ord(a) < 0xDC00 and 0xDC00 <= ord(b) < 0xE000 for a, b in zip(s, s[1:]))


while len(cases) < 800:
    s = ''.join(draw() for _ in range(rng.randint(0, 12)))
    if pairs_up(s):
        continue
    cases.append([s, repr(s)])
for c in STABLE_UNASSIGNED + list(range(0, 0x100)):
    cases.append([chr(c), repr(chr(c))])
json.dump({'generator': 'test/golden/make-python-repr-golden.py', 'python': sys.version.split()[0],
           'unicode': unicodedata.unidata_version, 'cases': cases}, sys.stdout)
