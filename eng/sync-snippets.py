#!/usr/bin/env python3
"""Copies each marked source region into the doc block under its marker, so README.md and docs/*.md show code that
compiles. A marker is `<!-- snippet: path#name -->` on the line above a ```csharp block; the region is the lines
between `// <snippet:name>` and `// </snippet:name>` in that file. The test SnippetTests checks the same rule.

    python3 eng/sync-snippets.py          # rewrite the docs in place, listing what changed
    python3 eng/sync-snippets.py --check  # change nothing; exit 1 when a doc differs from its source
"""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
marker = re.compile(r'^\s*<!--\s*snippet:\s*(?P<path>[^#\s]+)#(?P<name>\S+)\s*-->\s*$')

def region(path, name):
    lines = (root / path).read_text().split('\n')
    opened = [i for i, l in enumerate(lines) if l.strip() == f'// <snippet:{name}>']
    closed = [i for i, l in enumerate(lines) if l.strip() == f'// </snippet:{name}>']
    if not opened or not closed or closed[0] <= opened[0]:
        sys.exit(f'{path} has no region {name}')
    body = [l.rstrip() for l in lines[opened[0] + 1:closed[0]]]
    indent = min((len(l) - len(l.lstrip()) for l in body if l), default=0)
    return [l[indent:] for l in body]

changed = []
for doc in [root / 'README.md', *sorted((root / 'docs').glob('*.md'))]:
    lines = doc.read_text().split('\n')
    out, i = [], 0
    while i < len(lines):
        out.append(lines[i])
        m = marker.match(lines[i])
        if m and i + 1 < len(lines) and lines[i + 1].lstrip().startswith('```'):
            fence = lines[i + 1].strip()
            out.append(lines[i + 1])
            end = i + 2
            while end < len(lines) and lines[end].strip() != '```':
                end += 1
            out.extend(region(m['path'], m['name']))
            i = end
            continue
        i += 1
    if out != lines:
        changed.append(str(doc.relative_to(root)))
        if '--check' not in sys.argv:
            doc.write_text('\n'.join(out))
for c in changed:
    print(('differs: ' if '--check' in sys.argv else 'updated: ') + c)
sys.exit(1 if changed and '--check' in sys.argv else 0)
