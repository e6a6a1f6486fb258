"""Dev-time generator of test/golden/text-clean-golden.json: ftfy 6.3.1 `fix_text` and CPython's
`html.unescape` on strings that exercise what the CLIP goldens barely touch (mojibake through
each of ftfy's single-byte codecs, C1 controls, lost 0xA0 bytes, lossy sequences, mixed
mojibake, HTML entities in odd spellings, multi-line text with '<', controls, surrogates).

ftfy is the reference, loaded at run time from a checkout brought with the `fetch` tool (its
`wcwidth` import is display-only and may be a stub module):

    PYTHONPATH=/tmp/ftfy-ref:/tmp/ftfy-ref/stubs /usr/bin/python3 test/golden/make-text-clean-golden.py \
        /work/shared/fixtures/clip/tokenizer-golden.json > test/golden/text-clean-golden.json
"""
import html
import json
import random
import sys

import ftfy

assert ftfy.__version__ == '6.3.1', ftfy.__version__
rng = random.Random(20261201)

base = [e['text'] for e in json.load(open(sys.argv[1], encoding='utf-8'))['entries']]
words = ['café', 'naïve', 'crème brûlée', 'jalapeño', 'Zürich', 'São Paulo', 'façade', 'smörgåsbord',
         'Dvořák', 'Łódź', 'œuvre', 'straße', 'собака', 'σκύλος', 'İstanbul', 'Ελληνικά', 'kočka',
         'doesn’t', '“quoted”', '€5 note', '½ cup', '°C', 'à la carte', '—dash—', '…', '™ mark',
         '猫', '🐶 dog', 'Ω', 'µm', '×2', 'résumé', 'niño', 'Ærø', 'fiancée', 'Ğüşİöç', 'Ďábel']
codecs = ['latin-1', 'windows-1252', 'windows-1251', 'windows-1250', 'windows-1253', 'windows-1254',
          'windows-1257', 'iso-8859-2', 'mac_roman', 'cp437']

def mojibake(text, codec):
    try:
        return text.encode('utf-8').decode(codec)
    except UnicodeDecodeError:
        return None

cases = []
for w in words:
    for c in codecs:
        m = mojibake(w, c)
        if m is not None:
            cases.append(m)
            cases.append('the ' + m + ' here')
            m2 = mojibake(m, c) if c != 'cp437' else None
            if m2 is not None:
                cases.append(m2)  # doubly encoded
    cases.append(w)
    cases.append(w.upper())
# half fixed text: mojibake next to correct text
cases += ['café and cafÃ©', 'naïve â€“ naÃ¯ve', 'Ã  la carte', 'voilÃ  le travail', 'Ã\xa0 la', 'Â£5',
          'IÃ±tÃ«rnÃ¢tiÃ´nÃ lizÃ¦tiÃ¸n', 'â€œmixedâ€ “ok”', 'Ã©Ã©Ã©', 'Ã?', 'Ã©\x1a', 'â€\x9d', 'Ã\x83Â©',
          'ÐºÐ¾ÑˆÐºÐ°', 'Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€', 'Ã¶Ã¤Ã¼', 'Ã¨ Ã¹ Ã²', 'ÃƒÂ©', '\x80\x81\x8d\x9d', 'smart \x93q\x94 \x85',
          '\x96 dash', 'a\x00b\x01c\x0bd\x0ce\x0ef\x1fg\x7fh', '\u206a\ufeff\ufff9x', 'a\ud83dz', 'a\udc36z',
          'line1\nline2 &amp;\n<b>x</b> &amp;\nafter &amp;', '&amp;\r\n&lt;', '\u2028sep\u2029', 'x\x85y',
          '&EACUTE; &Eacute; &eacute &AMP; &amp &COPY; &copy2024 &ampx; &#x1F436; &#128054 &#0; &#x80; &#1114112;',
          '&#65&#66; &#x41;&#X42; &#xD800; &#9999999999; &notit; &notin; &not &NotANumber; &;', '&&amp;&', '&#39;s',
          '\x1b[1;31mbold\x1b[0m', '\x1b]0;title\x07', 'ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ！', 'ｶﾀｶﾅ', 'ﬀﬃﬄﬅﬆĲǆ', 'e\u0301\u0327',
          'A\u030a', '\u00a0\u00a0', 'x\u00a0â€\u00a0y', 'âœ” No problems', '&macr;\\_(ã\x83\x84)_/&macr;',
          'Broken text&hellip; it&#x2019;s ﬂubberiﬁc!', 'ＬＯＵＤ　ＮＯＩＳＥＳ', 'Ã¢â‚¬Å“', 'Ã¡ Ã³', 'sÃ³']
# random slices of the tokenizer goldens, mis-decoded
for _ in range(300):
    t = rng.choice(base)
    c = rng.choice(codecs)
    m = mojibake(t, c)
    cases.append(m if m is not None else t)

seen = set()
entries = []
for t in cases:
    if t in seen:
        continue
    seen.add(t)
    entries.append({'text': t, 'ftfy': ftfy.fix_text(t), 'html_unescape': html.unescape(t)})

json.dump({'meta': {'ftfy': ftfy.__version__, 'python': sys.version.split()[0], 'count': len(entries)}, 'entries': entries},
          sys.stdout, ensure_ascii=True, indent=0)
sys.stdout.write('\n')
