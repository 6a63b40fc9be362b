#!/usr/bin/env python3
"""Merges the Cobertura reports of all test projects (coverlet.MTP writes one per test assembly) and prints the line
and branch coverage of each package under src/: a line counts as covered when any test assembly ran it, a branch
point by the most outcomes any of them took. Exits 1 when a package is below the line threshold.

    python3 eng/coverage-summary.py <folder with *.cobertura*.xml>[,<another folder>...] [threshold percent, default 80]
"""
import glob, os, re, sys
import xml.etree.ElementTree as ET

folders = sys.argv[1].split(',')
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 80.0
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
projects = sorted(glob.glob(os.path.join(root, 'src', '*', '*.csproj')))
# A project that is not packed is no package: the watchdog's launcher (about 20 lines) is embedded in LiveFixtures.dll
# and runs only as the watchdog process; the watchdog's own code is in LiveFixtures and counted there, and the
# launcher is run by the watchdog tests and by the package check.
unpacked = [os.path.basename(os.path.dirname(p)) for p in projects if re.search(r'<IsPackable>\s*false\s*</IsPackable>', open(p).read(), re.I)]
packages = sorted(os.path.basename(os.path.dirname(p)) for p in projects if os.path.basename(os.path.dirname(p)) not in unpacked)
reports = sorted(r for folder in folders for r in glob.glob(os.path.join(folder, '**', '*cobertura*.xml'), recursive=True))
if not reports:
    sys.exit(f'No Cobertura report under {", ".join(folders)}: run the tests with --coverlet --coverlet-output-format cobertura.')

lines = {}      # (package, file, line) -> covered
branches = {}   # (package, file, line) -> (taken, total)
for report in reports:
    for package in ET.parse(report).getroot().iter('package'):
        name = package.get('name')
        if name not in packages:
            continue
        for cls in package.iter('class'):
            for line in cls.iter('line'):
                key = (name, cls.get('filename'), int(line.get('number')))
                lines[key] = lines.get(key, False) or int(line.get('hits')) > 0
                m = re.search(r'\((\d+)/(\d+)\)', line.get('condition-coverage') or '')
                if m:
                    taken, total = int(m.group(1)), int(m.group(2))
                    old = branches.get(key, (0, total))
                    branches[key] = (max(old[0], taken), max(old[1], total))

failed = []
print(f'coverage of the packages under src/ ({len(reports)} report(s); threshold {threshold:g} % of lines per package):')
for name in packages:
    mine = [v for k, v in lines.items() if k[0] == name]
    taken = sum(t for k, (t, _) in branches.items() if k[0] == name)
    total = sum(n for k, (_, n) in branches.items() if k[0] == name)
    if not mine:
        print(f'  {name:32} not measured: no test loaded it in-process')
        failed.append(name)
        continue
    line_rate = 100.0 * sum(mine) / len(mine)
    branch_rate = 100.0 * taken / total if total else 100.0
    verdict = 'ok' if line_rate >= threshold else 'BELOW'
    print(f'  {name:32} lines {line_rate:5.1f} % ({sum(mine)}/{len(mine)})  branches {branch_rate:5.1f} % ({taken}/{total})  {verdict}')
    if line_rate < threshold:
        failed.append(name)
for name in unpacked:
    print(f'  {name:32} not a package (not packed): not measured on its own')
if failed:
    print(f'coverage: below {threshold:g} % of lines: {", ".join(failed)}')
sys.exit(1 if failed else 0)
