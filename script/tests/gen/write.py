# Writes tests/cases/<name>/{script.tremor,in,out} from the case tables.
import os, sys, importlib.util
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, '..', 'cases')
names = set()
for f in sorted(os.listdir(here)):
    if not f.startswith('cases') or not f.endswith('.py'):
        continue
    spec = importlib.util.spec_from_file_location(f[:-3], os.path.join(here, f))
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    for name, script, inp, out in m.CASES:
        assert name not in names, name
        names.add(name)
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, 'script.tremor'), 'w').write(script + '\n')
        open(os.path.join(d, 'in'), 'w').write('\n'.join(inp) + '\n')
        open(os.path.join(d, 'out'), 'w').write('\n'.join(out) + '\n')
print(len(names), 'cases')
