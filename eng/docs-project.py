#!/usr/bin/env python3
"""Creates a new test project from the documented text, as a reader who copies it would: the C# blocks of README.md
and docs/getting-started.md (each in its own file, with `using LiveFixtures;` above it and a namespace of its own),
and the global.json block of docs/getting-started.md. The project references xunit.v3 and LiveFixtures by version and
nothing of this repository. Used by eng/check-package.sh.

    python3 eng/docs-project.py <repo root> <new folder> <LiveFixtures version> <xunit.v3 version> <local feed>

Writes <new folder>/global.json, nuget.config and tests/MyApp.LiveTests/ (the project and Doc01.cs, Doc02.cs, ...);
prints the project's path.
"""
import pathlib, re, sys

root, out, version, xunit, feed = sys.argv[1:6]
root, out = pathlib.Path(root), pathlib.Path(out)
docs = ['README.md', 'docs/getting-started.md']
fence = re.compile(r'^```(\w*)\s*$')

def blocks(path):
    """Yields (language, text, line before) for each fenced block of a Markdown file."""
    lines = (root / path).read_text().split('\n')
    i = 0
    while i < len(lines):
        m = fence.match(lines[i])
        if m and m.group(1):
            end = i + 1
            while end < len(lines) and lines[end].strip() != '```':
                end += 1
            yield m.group(1), '\n'.join(lines[i + 1:end]), lines[i - 1] if i else ''
            i = end
        i += 1

code, seen, global_json = [], set(), None
for doc in docs:
    for language, text, before in blocks(doc):
        if language in ('csharp', 'cs') and 'not-compiled' not in before and text not in seen:
            seen.add(text)
            code.append((doc, text))
        elif language == 'json' and 'Microsoft.Testing.Platform' in text and doc.endswith('getting-started.md'):
            global_json = text
if not code:
    sys.exit('No C# block was found in ' + ', '.join(docs))
if global_json is None:
    sys.exit('docs/getting-started.md has no global.json block that turns on Microsoft.Testing.Platform')

project = out / 'tests' / 'MyApp.LiveTests'
project.mkdir(parents=True)
(out / 'global.json').write_text(global_json + '\n')
(out / 'nuget.config').write_text(f'''<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="{feed}" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="LiveFixtures" /><package pattern="LiveFixtures.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
''')
# What 'dotnet new xunit3' and 'dotnet add package LiveFixtures' leave, with warnings as errors.
(project / 'MyApp.LiveTests.csproj').write_text(f'''<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <OutputType>Exe</OutputType>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <Using Include="Xunit" />
  </ItemGroup>
  <ItemGroup>
    <PackageReference Include="xunit.v3" Version="{xunit}" />
    <PackageReference Include="LiveFixtures" Version="[{version}]" />
  </ItemGroup>
</Project>
''')
for n, (doc, text) in enumerate(code, 1):
    # Assembly attributes go before any namespace; everything else in the reader's own namespace.
    header = 'using LiveFixtures;\n' + ('using MyApp.LiveTests;\n\n' if text.lstrip().startswith('[assembly:') else '\nnamespace MyApp.LiveTests;\n\n')
    (project / f'Doc{n:02}.cs').write_text(f'// From {doc}.\n' + header + text + '\n')
print(project)
