#!/usr/bin/python3
# SymPy's answers for the corpus of scripts/sympy-corpus-exprs.mjs, written to test/fixtures/sympy-corpus.json so
# the test (test/simplify/sympy-corpus.test.ts) needs no SymPy. Run with Debian's python3-sympy:
#
#   npm run build && /usr/bin/python3 scripts/sympy-corpus.py [--check] [--limit N] [--jobs 2] [--out FILE]
#
# In:  the expressions (node scripts/sympy-corpus-exprs.mjs exprs), in exprgrad's plain syntax.
# Out: per expression: SymPy's derivative d/dx and simplify(diff(e)) printed back in exprgrad's syntax (`sympy`),
#      sample points where e and e' are real and finite with e' and e there in float64 (`points`, `values`,
#      `exprValues`), or `error` (SymPy could not parse or print it, or no sample point was real).
#   --check  also asks exprgrad (dist/) for its derivative and simplify of each expression and checks them against
#            SymPy: simplify(ours − SymPy's) == 0, or numeric agreement at the sample points (to 1e-9 relative) as a
#            fallback; prints a summary and every disagreement, and stores the verdicts (`check`).
#
# Translation (both directions, x and y real): step = Heaviside(u, 0), relu = Max(0, u), sigmoid = 1/(1 + exp(−u)),
# softplus = log(1 + exp(u)), log10/log2 = log(u, 10/2), cbrt = u^(1/3), hypot = √(Σ aᵢ²), root(u, n) = u^(1/n),
# expm1 = exp(u) − 1, log1p = log(1 + u), round = floor(u + 1/2), trunc = sign(u)·floor(|u|), lgamma = loggamma,
# digamma = polygamma(0, ·). SymPy's derivatives of step, sign and floor-like functions (DiracDelta, Derivative of
# floor) are 0 almost everywhere, as exprgrad's are, and are replaced by 0.
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr, standard_transformations, convert_xor
from sympy.printing.str import StrPrinter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
X, Y = sp.symbols('x y', real=True)
TIMEOUT = 30

LOCALS = {
    'x': X, 'y': Y, 'e': sp.E, 'pi': sp.pi,
    'abs': sp.Abs, 'sign': sp.sign, 'step': lambda u: sp.Heaviside(u, 0), 'relu': lambda u: sp.Max(0, u),
    'sigmoid': lambda u: 1 / (1 + sp.exp(-u)), 'softplus': lambda u: sp.log(1 + sp.exp(u)),
    'log': lambda u, b=None: sp.log(u) if b is None else sp.log(u, b),
    'log10': lambda u: sp.log(u, 10), 'log2': lambda u: sp.log(u, 2), 'cbrt': lambda u: u ** sp.Rational(1, 3),
    'min': sp.Min, 'max': sp.Max, 'atan2': sp.atan2, 'hypot': lambda *a: sp.sqrt(sum(t ** 2 for t in a)),
    'root': lambda u, n: u ** (sp.Integer(1) / n), 'expm1': lambda u: sp.exp(u) - 1, 'log1p': lambda u: sp.log(1 + u),
    'ceil': sp.ceiling, 'round': lambda u: sp.floor(u + sp.Rational(1, 2)), 'trunc': lambda u: sp.sign(u) * sp.floor(sp.Abs(u)),
    'lgamma': sp.loggamma, 'digamma': lambda u: sp.polygamma(0, u), 'pow': lambda a, b: a ** b,
}
for name in ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'exp', 'sqrt', 'erf', 'erfc', 'sec',
             'csc', 'cot', 'asec', 'acsc', 'acot', 'sech', 'csch', 'coth', 'asinh', 'acosh', 'atanh', 'asech', 'acsch',
             'acoth', 'floor', 'gamma', 'polygamma']:
    LOCALS[name] = getattr(sp, name)

NAMES = {'Abs': 'abs', 'Max': 'max', 'Min': 'min', 'loggamma': 'lgamma', 'ceiling': 'ceil'}


class Unprintable(Exception):
    pass


class OurPrinter(StrPrinter):
    """SymPy's str form in exprgrad's plain syntax (** becomes ^ afterwards; names mapped)."""

    def _print_Function(self, e):
        name = type(e).__name__
        if name in ('Derivative', 'Subs', 'Integral', 're', 'im', 'arg', 'Piecewise', 'DiracDelta'):
            raise Unprintable(name)
        if name == 'polygamma' and e.args[0] == 0:
            return 'digamma(%s)' % self._print(e.args[1])
        if name == 'Heaviside':
            return 'step(%s)' % self._print(e.args[0])
        return '%s(%s)' % (NAMES.get(name, name), ', '.join(self._print(a) for a in e.args))

    _print_Abs = _print_Function
    _print_Heaviside = _print_Function
    _print_sign = _print_Function

    def _print_MinMaxBase(self, e):
        return '%s(%s)' % (NAMES[type(e).__name__], ', '.join(self._print(a) for a in e.args))

    _print_Max = _print_MinMaxBase
    _print_Min = _print_MinMaxBase

    def _print_Exp1(self, e):
        return 'e'

    def _print_ImaginaryUnit(self, e):
        raise Unprintable('I')

    def _print_Piecewise(self, e):
        raise Unprintable('Piecewise')

    def _print_Derivative(self, e):
        raise Unprintable('Derivative')

    def _print_Float(self, e):
        return repr(float(e))

    def _print_NaN(self, e):
        raise Unprintable('nan')

    def _print_ComplexInfinity(self, e):
        raise Unprintable('zoo')


def ours_syntax(e):
    return OurPrinter().doprint(e).replace('**', '^')


def read(text):
    return parse_expr(text, local_dict=LOCALS, transformations=standard_transformations + (convert_xor,))


def almost_everywhere(d):
    """DiracDelta and derivatives of floor-like steps are 0 away from their jumps."""
    d = d.doit() if d.has(sp.Derivative) else d
    d = d.replace(lambda a: isinstance(a, sp.DiracDelta), lambda a: sp.Integer(0))
    d = d.replace(lambda a: isinstance(a, sp.Derivative) and isinstance(a.expr, (sp.floor, sp.ceiling, sp.sign, sp.Heaviside)), lambda a: sp.Integer(0))
    return d


def real_value(e, at):
    v = sp.N(e.subs(at), 30)
    if v.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or not v.is_number:
        return None
    re, im = v.as_real_imag()
    if abs(im) > 1e-20 * max(1, abs(re)):
        return None
    f = float(re)
    return f if abs(f) < 1e12 else None


RANGES = [(0.1, 0.9), (1.1, 2.5), (-0.9, -0.1), (-2.5, -1.1)]


def points_for(e, d, rng):
    pts = []
    for k in range(40):
        if len(pts) >= 4:
            break
        lo, hi = RANGES[k % len(RANGES)]
        at = {X: round(rng.uniform(lo, hi), 3), Y: round(rng.uniform(1.1, 1.9), 3)}
        v = real_value(d, at)
        w = real_value(e, at)
        if v is None or w is None:
            continue
        # every subexpression real too: abs(sqrt(x)) is real at x < 0 in SymPy, not in float64
        if any(real_value(a, at) is None for a in sp.preorder_traversal(e) if a.free_symbols and not a.is_Symbol):
            continue
        # away from kinks: the derivative must be steady nearby (abs, floor, max jump there)
        near = {X: at[X] + 1e-4, Y: at[Y]}
        v2 = real_value(d, near)
        if v2 is None or abs(v2 - v) > 1e-2 * (1 + abs(v)):
            continue
        pts.append(({'x': float(at[X]), 'y': float(at[Y])}, v, w))
    return pts


def on_alarm(signum, frame):
    raise TimeoutError()


def work(item):
    index, text = item
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TIMEOUT)
    try:
        e = read(text)
        d = almost_everywhere(sp.diff(e, X))
        s = almost_everywhere(sp.simplify(d))
        try:
            answer = ours_syntax(s)
        except Unprintable:
            # simplify() wrote a Piecewise (abs of a product): the derivative as diff() gave it, when printable
            answer = ours_syntax(d)
        rng = random.Random(1000 + index)
        pts = points_for(e, d, rng)
        if len(pts) < 2:
            return {'error': 'fewer than 2 real sample points'}
        return {
            'sympy': answer,
            'sympyDiff': ours_syntax(d),
            'sympySimplify': ours_syntax(sp.simplify(e)),
            'points': [p for p, _, _ in pts],
            'values': [v for _, v, _ in pts],
            'exprValues': [w for _, _, w in pts],
        }
    except TimeoutError:
        return {'error': 'SymPy took more than %d s' % TIMEOUT}
    except Unprintable as err:
        return {'error': 'SymPy answer has %s' % err}
    except Exception as err:  # a SymPy failure is recorded, not fatal
        return {'error': '%s: %s' % (type(err).__name__, str(err)[:200])}
    finally:
        signal.alarm(0)


def check(item):
    """Our derivative (and simplify) against SymPy: symbolic difference 0, else numeric agreement."""
    text, entry, ours = item
    if 'error' in entry:
        return {'verdict': 'skipped', 'why': entry['error']}
    if 'error' in ours:
        return {'verdict': 'skipped', 'why': 'exprgrad: ' + ours['error']}
    signal.signal(signal.SIGALRM, on_alarm)
    out = {}
    for what, mine, theirs in (('derivative', ours['derivative'], entry['sympyDiff']), ('simplify', ours['simplify'], text)):
        signal.alarm(TIMEOUT)
        try:
            a = almost_everywhere(read(mine))
            b = read(theirs) if what == 'simplify' else almost_everywhere(read(theirs))
            try:
                zero = sp.simplify(a - b) == 0
            except TimeoutError:
                zero = False
            signal.alarm(TIMEOUT)
            how = 'symbolic'
            if not zero:
                how = 'numeric'
                vals = entry['values'] if what == 'derivative' else entry['exprValues']
                for p, v in zip(entry['points'], vals):
                    w = real_value(a, {X: p['x'], Y: p['y']})
                    if w is None or abs(w - v) > 1e-9 * max(1, abs(v)):
                        how = 'DIFFERENT at %s: %s vs %s' % (p, w, v)
                        break
            out[what] = how
        except TimeoutError:
            out[what] = 'timeout'
        except Exception as err:
            out[what] = 'error: %s' % str(err)[:200]
        finally:
            signal.alarm(0)
    return out


def main():
    args = sys.argv[1:]
    opt = lambda k, d: args[args.index(k) + 1] if k in args else d
    limit = int(opt('--limit', '0'))
    jobs = int(opt('--jobs', '2'))
    out_path = opt('--out', os.path.join(ROOT, 'test', 'fixtures', 'sympy-corpus.json'))
    gen = json.loads(subprocess.run(['node', os.path.join(ROOT, 'scripts', 'sympy-corpus-exprs.mjs'), 'exprs'],
                                    check=True, capture_output=True, text=True).stdout)
    entries = gen['entries'][:limit] if limit else gen['entries']
    with multiprocessing.Pool(jobs) as pool:
        results = pool.map(work, list(enumerate(e['expr'] for e in entries)), chunksize=4)
    for e, r in zip(entries, results):
        e.update(r)
    errors = [e for e in entries if 'error' in e]
    print('corpus: %d expressions, SymPy answered %d, %d not (%s)' % (
        len(entries), len(entries) - len(errors), len(errors),
        ', '.join(sorted(set(e['error'].split(':')[0] for e in errors)))), file=sys.stderr)
    if '--check' in args:
        ours = json.loads(subprocess.run(['node', os.path.join(ROOT, 'scripts', 'sympy-corpus-exprs.mjs'), 'ours'],
                                         input=json.dumps([e['expr'] for e in entries]),
                                         check=True, capture_output=True, text=True).stdout)
        with multiprocessing.Pool(jobs) as pool:
            verdicts = pool.map(check, [(e['expr'], e, o) for e, o in zip(entries, ours)], chunksize=4)
        tally = {}
        for e, v in zip(entries, verdicts):
            e['check'] = v
            for what in ('derivative', 'simplify'):
                how = v.get(what, v.get('verdict', '?')).split(' ')[0].split(':')[0]
                tally[(what, how)] = tally.get((what, how), 0) + 1
                if how not in ('symbolic', 'numeric', 'skipped'):
                    print('%s of %s: %s' % (what, e['expr'], v.get(what)), file=sys.stderr)
        for (what, how), n in sorted(tally.items()):
            print('  %-10s %-10s %d' % (what, how, n), file=sys.stderr)
    doc = {
        'about': 'SymPy %s answers for scripts/sympy-corpus-exprs.mjs; regenerate with /usr/bin/python3 scripts/sympy-corpus.py' % sp.__version__,
        'functions': gen['functions'],
        'unknown': gen['unknown'],
        'entries': entries,
    }
    with open(out_path, 'w') as f:
        json.dump(doc, f, indent=0, sort_keys=False)
        f.write('\n')
    print('wrote %s' % out_path, file=sys.stderr)


if __name__ == '__main__':
    main()
