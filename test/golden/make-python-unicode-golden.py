"""Dev-time generator of test/golden/python-unicode-golden.json: what CPython (3.11, Unicode 14)
says about every assigned code point, for the tokenizer's Python semantics: `str.lower()` of each
character that changes, `str.isspace()`, and the ranges of categories L* and N* (the `\\p{L}` /
`\\p{N}` classes of the pre-tokenizer).

    /usr/bin/python3 test/golden/make-python-unicode-golden.py > test/golden/python-unicode-golden.json
"""
import json
import sys
import unicodedata


def ranges(pred):
    out = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or not pred(chr(cp)):
            continue
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


assigned = lambda c: unicodedata.category(c) != 'Cn'
json.dump({
    'meta': {'python': sys.version.split()[0], 'unicodedata': unicodedata.unidata_version},
    'assigned': ranges(assigned),
    'lower': {str(cp): chr(cp).lower() for cp in range(0x110000)
              if not 0xD800 <= cp <= 0xDFFF and assigned(chr(cp)) and chr(cp).lower() != chr(cp)},
    'isspace': ranges(str.isspace),
    'letter': ranges(lambda c: unicodedata.category(c)[0] == 'L'),
    'number': ranges(lambda c: unicodedata.category(c)[0] == 'N'),
}, sys.stdout, ensure_ascii=True, separators=(',', ':'))
sys.stdout.write('\n')
